"""The editors' groups. ``roles_sync`` is idempotent and run by ``make run``.

Editors add and change content, citations and illustrations; they cannot delete
sources, points or conditions, manage users, or publish. Reviewers can do all of
that plus publish, revert, and approve or reject proposed changes (points/review.py).

Reader reports (points/reports.py) come only through the public form: nobody adds one
in the admin. Editors may read them; Reviewers handle them (turn one into a proposed
revision, dismiss it) and may delete spam.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

CONTENT_MODELS = [
    "point", "alias", "citation", "condition", "indication", "source", "discrepancy",
    "illustration", "placement", "meridian", "region", "reachmethod", "redflag",
]  # fmt: skip
# Rows that are part of editing a point or condition: removing one is an edit.
EDITOR_DELETABLE = ["alias", "citation", "indication", "placement", "reachmethod"]
# Editors see the queue of proposed changes (their own among them); Reviewers decide.
EDITOR_EXTRA = ["view_revision", "view_report"]
REVIEWER_EXTRA = ["publish_point", "publish_condition", "revert_content", "delete_discrepancy", "review_revision"]
REVIEWER_REPORTS = ["change_report", "delete_report"]

EDITORS = "Editors"
REVIEWERS = "Reviewers"


def _codenames_for_editors():
    names = []
    for model in CONTENT_MODELS:
        names += [f"view_{model}", f"add_{model}", f"change_{model}"]
    names += [f"delete_{model}" for model in EDITOR_DELETABLE]
    return names + EDITOR_EXTRA


@transaction.atomic
def roles_sync():
    """Create or update the Editors and Reviewers groups; returns {group name: permission count}."""
    editor_codenames = _codenames_for_editors()
    wanted = {EDITORS: editor_codenames, REVIEWERS: editor_codenames + REVIEWER_EXTRA + REVIEWER_REPORTS}
    result = {}
    for name, codenames in wanted.items():
        permissions = Permission.objects.filter(content_type__app_label="points", codename__in=codenames)
        missing = set(codenames) - set(permissions.values_list("codename", flat=True))
        if missing:
            raise LookupError(f"permissions not found (run migrate first): {sorted(missing)}")
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions)
        result[name] = len(codenames)
    return result
