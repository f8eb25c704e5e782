"""Stub, replaced by the lead's review.py at merge: the review queue's ``revision_propose``.

It stores nothing; it returns what it was given, so that callers (points/reports.py) can be
written and tested against the real signature."""

from types import SimpleNamespace


def revision_propose(*, changes, editor, reason, report=None):
    return SimpleNamespace(pk=None, changes=changes, editor=editor, reason=reason, report=report)
