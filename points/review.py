"""Four eyes and the one save path for content (issue 12).

Every write to guide content is a *change set*: a list of operations
``{"op": "change" | "add" | "delete", "model": "point", "pk": 12, "version": 3,
"fields": {"summary": "..."}}`` (values as JSON: foreign keys as pks, decimals as
strings, a new parent row in the same set as ``{"ref": <index>}``). The admin
forms, the actions, the revert page, the picker and reader reports build one and
hand it to ``content_change``:

- a change that touches nothing a reader sees (a draft and its rows) is applied at
  once by ``changes_apply``;
- a change to published content becomes a ``Revision`` (``revision_propose``) that
  the public does not see until a second person approves it (``revision_approve``);
  ``ACUGUIDE_SECOND_REVIEWER = False`` lets a reviewer's own change through, for a
  one-person site.

``changes_apply`` is the only place that checks versions, raises them, applies the
publish rule and stamps "last reviewed".
"""

import contextlib
import copy
import datetime
import difflib
import json
import re
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.files import File
from django.db import models, transaction
from django.db.models import ProtectedError, RestrictedError
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from . import measuring
from .locking import EditConflict, conflict_message
from .models import Condition, Point, Revision, RevisionStatus, Status
from .publishing import point_publish_problems

APP = "points"
# every row of these is on a public page
ALWAYS_PUBLIC = {"source", "illustration", "region", "meridian", "redflag"}
# rows that belong to a point or a condition: public when one of them is published
PARENTS = {
    "alias": ("point",),
    "citation": ("point", "condition"),
    "reachmethod": ("point",),
    "indication": ("point", "condition"),
    "placement": ("point",),
    "discrepancy": ("point", "condition"),
}
STAMPED = {"point": Point, "condition": Condition}


class ContentError(Exception):
    """A change that cannot be applied as it stands; nothing was written."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def second_person_required():
    return getattr(settings, "ACUGUIDE_SECOND_REVIEWER", True)


def model_for(name):
    return apps.get_model(APP, name)


# ---- what a change touches -------------------------------------------------------------


def _parent_public(model_name, pk):
    return model_for(model_name).objects.filter(pk=pk, status=Status.PUBLISHED).exists()


def op_is_public(op):
    """Would a reader see this operation's record, before or after it?"""
    name = op["model"]
    if name in ALWAYS_PUBLIC:
        return True
    if name in STAMPED:
        if op["op"] == "add":
            return False  # new points and conditions are drafts until published
        return _parent_public(name, op["pk"])
    parents = PARENTS.get(name)
    if parents is None:
        return True
    live = model_for(name).objects.filter(pk=op["pk"]).first() if op.get("pk") else None
    linked = []
    for parent in parents:
        for value in (getattr(live, f"{parent}_id", None), op.get("fields", {}).get(parent)):
            if isinstance(value, int):
                linked.append((parent, value))
    if name == "discrepancy" and not linked:
        return True  # a rejected claim listed on the sources page only
    return any(_parent_public(parent, pk) for parent, pk in linked)


def changes_are_public(changes):
    return any(op_is_public(op) for op in changes)


# ---- from form values to JSON and back -------------------------------------------------


def to_json(field, value):
    if value is None:
        return None
    if field.many_to_many:
        return sorted(getattr(v, "pk", v) for v in value)
    if field.is_relation:
        return getattr(value, "pk", value)
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def store_upload(field, instance, upload):
    """Keep an uploaded file (already checked by the form) until its change is applied."""
    if isinstance(upload, FieldFile) or not isinstance(upload, File):
        return to_json(field, upload)
    return field.storage.save(field.generate_filename(instance, upload.name), upload)


def _assign(obj, fields, created):
    m2m = {}
    for name, value in fields.items():
        field = obj._meta.get_field(name)
        if field.many_to_many:
            m2m[name] = value or []
        elif field.is_relation:
            if isinstance(value, dict):
                setattr(obj, name, created[value["ref"]])
            else:
                setattr(obj, field.attname, value)
        elif isinstance(field, models.FileField):
            setattr(obj, name, value or "")
        else:
            setattr(obj, name, field.to_python(value))
    return m2m


def _validate(obj):
    exclude = [f.name for f in obj._meta.fields if not f.editable]
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        details = "; ".join(
            f"{name if name != '__all__' else 'record'}: {' '.join(errors)}"
            for name, errors in exc.message_dict.items()
        )
        raise ContentError(
            f"{obj._meta.verbose_name.capitalize()} “{obj}” cannot be saved as it stands: {details}."
        ) from None


# ---- the one save path -----------------------------------------------------------------


def reviewer_name(user):
    """The name public pages show: the reviewer's full name, never their sign-in name."""
    return user.get_full_name() or "an AcuGuide reviewer"


def _parents_of(obj):
    """The published points and conditions a row belongs to (or the record itself)."""
    name = obj._meta.model_name
    if name in STAMPED:
        return [obj]
    found = []
    for parent in PARENTS.get(name, ()):
        value = getattr(obj, parent, None)
        if value is not None:
            found.append(value)
    return found


@transaction.atomic
def changes_apply(*, changes, user, reason, reviewer=None):
    """Apply a change set in one transaction and return the records, in order.

    Each changed or deleted row must still have the version the change was made
    against (else EditConflict, naming who changed what). Every row saved gets the
    next version and a history record with ``user`` and ``reason``. When a point ends
    up published its location (and any pregnancy caution) must be cited. When
    ``reviewer`` is given (an approval) or a point or condition is being published,
    it and the published records the rows belong to are stamped "reviewed by ... on
    ..."; nothing else sets those two fields.
    """
    if not changes:
        raise ContentError("There is nothing to save.")
    records, touched = [], {}
    today = timezone.localdate()
    for op in changes:
        model = model_for(op["model"])
        if op["op"] == "add":
            obj = model()
        else:
            obj = model._default_manager.select_for_update().filter(pk=op["pk"]).first()
            if obj is None:
                raise ContentError(
                    f"The {model._meta.verbose_name} this change is about no longer exists: nothing was saved."
                )
            if op.get("version") is not None and obj.version != op["version"]:
                raise EditConflict(conflict_message(obj, op["version"], list(op.get("fields", {}))))
        obj._change_reason, obj._history_user = reason, user
        if op["op"] == "delete":
            for parent in _parents_of(obj):
                touched[(parent._meta.model_name, parent.pk)] = parent
            try:
                with transaction.atomic():
                    obj.delete()
            except (ProtectedError, RestrictedError) as exc:
                used_by = sorted({str(o._meta.verbose_name_plural) for o in exc.protected_objects if o is not None})
                raise ContentError(
                    f"{obj._meta.verbose_name.capitalize()} “{obj}” cannot be deleted: "
                    f"{', '.join(used_by) or 'other records'} still use it. Change those first."
                ) from None
            records.append(None)
            continue
        was_published = getattr(obj, "status", None) == Status.PUBLISHED
        m2m = _assign(obj, op.get("fields", {}), records)
        if op["op"] != "add":
            obj.version += 1
        _validate(obj)
        publishing = obj._meta.model_name in STAMPED and obj.status == Status.PUBLISHED and not was_published
        if publishing:
            _refuse_own_publish(obj, user, op)
        if publishing or (reviewer is not None and obj._meta.model_name in STAMPED):
            obj.last_reviewed, obj.reviewed_by = today, reviewer_name(reviewer or user)
        obj.save()
        for name, pks in m2m.items():
            getattr(obj, name).set(pks)
        records.append(obj)
        for parent in _parents_of(obj):
            touched[(parent._meta.model_name, parent.pk)] = parent
    saved = {(r._meta.model_name, r.pk) for r in records if r is not None}
    for key, parent in touched.items():
        parent.refresh_from_db()
        if parent.status != Status.PUBLISHED:
            continue
        if key[0] == "point":
            problems = point_publish_problems(parent)
            if problems:
                raise ContentError("A published point must keep its citations: " + "; ".join(problems) + ".")
        if reviewer is not None and key not in saved:
            parent.last_reviewed, parent.reviewed_by = today, reviewer_name(reviewer)
            parent.version += 1
            parent._change_reason, parent._history_user = f"Reviewed: {reason}", reviewer
            parent.save()
    return records


def _refuse_own_publish(obj, user, op):
    """Publishing is the review: a second person publishes what you wrote."""
    if not second_person_required():
        return
    edits = [f for f in op.get("fields", {}) if f != "status"]
    if edits or _wrote_since_review(obj, user):
        raise ContentError(
            f"You made the latest change to {obj}: another reviewer must publish it "
            "(a second person checks everything readers see)."
        )


def _wrote_since_review(obj, user):
    """Did ``user`` change the record, or any of its rows, since it was last published?"""
    name = obj._meta.model_name
    published = obj.history.filter(status=Status.PUBLISHED).order_by("-history_date").first()
    since = {"history_date__gte": published.history_date} if published else {}
    if obj.history.filter(history_user_id=user.pk, **since).exists():
        return True
    for child, parents in PARENTS.items():
        if name in parents:
            rows = model_for(child).history.filter(**{f"{name}_id": obj.pk}, history_user_id=user.pk, **since)
            if rows.exists():
                return True
    return False


def content_change(*, changes, user, reason, target=None, report=None):
    """Save a change set from the admin: applied now, or proposed for review.

    Returns ``(revision, records)``: a Revision when the change waits for a second
    person (records empty), else None and the saved records. ``report`` is the reader
    report the change answers: it is linked to the revision and marked handled."""
    from .reports import ReportError, report_mark

    public = changes_are_public(changes)  # one look at what readers see, not two
    if not public or (not second_person_required() and user.has_perm("points.review_revision")):
        reviewer = user if public else None
        revision, records = None, changes_apply(changes=changes, user=user, reason=reason, reviewer=reviewer)
    else:
        revision = revision_propose(changes=changes, editor=user, reason=reason, target=target, report=report)
        records = []
    if report is not None:
        with contextlib.suppress(ReportError):  # handled meanwhile by someone else: the change stands
            report_mark(report=report, reviewer=user, status=report.Status.REVISED)
    return revision, records


def revision_propose(*, changes, editor, reason, target=None, report=None):
    """Keep a change to published content for review; the live records stay as they are."""
    if not changes:
        raise ContentError("There is nothing to propose.")
    json.dumps(changes)  # only JSON goes into the queue
    first = changes[0]
    if target is not None and target.pk is not None:  # as readers see it now, not as proposed
        target = type(target)._default_manager.filter(pk=target.pk).first()
    elif first.get("pk"):
        target = model_for(first["model"])._default_manager.filter(pk=first["pk"]).first()
    title = str(target) if target is not None else f"New {model_for(first['model'])._meta.verbose_name}"
    return Revision.objects.create(
        title=title[:200],
        target_model=target._meta.model_name if target is not None else first["model"],
        target_pk=target.pk if target is not None else None,
        changes=changes,
        reason=(reason or "No reason given")[:400],
        editor=editor,
        report=report,
    )


def _check_reviewer(revision, reviewer):
    if not reviewer.has_perm("points.review_revision"):
        raise PermissionDenied("Only reviewers can approve or reject proposed changes.")
    if revision.status != RevisionStatus.PENDING:
        raise ContentError(f"This change was already {revision.get_status_display().lower()}.")


@transaction.atomic
def revision_approve(*, revision, reviewer, note=""):
    """Publish exactly what was reviewed, or refuse (nothing written) if it cannot be."""
    revision = Revision.objects.select_for_update().get(pk=revision.pk)
    _check_reviewer(revision, reviewer)
    if second_person_required() and revision.editor_id == reviewer.pk:
        raise ContentError("You proposed this change: a second reviewer must approve it.")
    try:
        with transaction.atomic():
            changes_apply(
                changes=revision.changes,
                user=revision.editor,
                reason=f"Approved by {reviewer_name(reviewer)}: {revision.reason}",
                reviewer=reviewer,
            )
    except EditConflict as exc:
        raise ContentError(
            "Not approved: the live record changed after this change was proposed, so approving it would "
            f"undo that change ({exc.message.split(' while you were')[0].rstrip('.')}; "
            f"{exc.message.split('They changed: ')[-1].split('. You changed')[0]} changed). "
            "Reject this one with a note, and ask the editor to make the change again on the current version."
        ) from None
    revision.status = RevisionStatus.APPROVED
    revision.reviewer, revision.reviewed_at, revision.review_note = reviewer, timezone.now(), note[:400]
    revision.save()
    return revision


@transaction.atomic
def revision_reject(*, revision, reviewer, note):
    revision = Revision.objects.select_for_update().get(pk=revision.pk)
    _check_reviewer(revision, reviewer)
    note = (note or "").strip()
    if not note:
        raise ContentError("Say why you reject it: the note tells the editor what to change.")
    revision.status = RevisionStatus.REJECTED
    revision.reviewer, revision.reviewed_at, revision.review_note = reviewer, timezone.now(), note[:400]
    revision.save()
    return revision


# ---- reading a change: the reviewer's diff --------------------------------------------

ACTIONS = {"change": "Change", "add": "Add", "delete": "Delete"}


def _display(field, value):
    """A JSON value as a reviewer reads it: choice labels, names of linked records."""
    if value in (None, "", []):
        return "(empty)"
    if field.many_to_many:
        return ", ".join(str(o) for o in field.related_model._default_manager.filter(pk__in=value)) or "(empty)"
    if field.is_relation:
        if isinstance(value, dict):
            return "the new record above"
        return str(field.related_model._default_manager.filter(pk=value).first() or f"#{value} (deleted)")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def _live_json(field, obj):
    if field.many_to_many:
        return sorted(getattr(obj, field.name).values_list("pk", flat=True))
    value = getattr(obj, field.attname)
    return to_json(field, value) if not field.is_relation else value


def word_diff(old, new):
    """The new text with removed words struck and added words marked (escaped HTML)."""
    a, b = re.findall(r"\S+|\n", old), re.findall(r"\S+|\n", new)
    parts = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            parts.append(format_html("<del>{}</del>", " ".join(a[i1:i2])))
        if tag in ("replace", "insert"):
            parts.append(format_html("<ins>{}</ins>", " ".join(b[j1:j2])))
        if tag == "equal":
            parts.append(format_html("{}", " ".join(a[i1:i2])))
    return format_html_join(" ", "{}", ((p,) for p in parts))


def _guide_row(live, fields):
    """A moved marker's measuring guide before and after (the reviewer sees what the page
    will say, e.g. "5 finger-widths = 3.75 cun" where the text says two), or None."""
    proposed = copy.copy(live)
    proposed._state = copy.copy(live._state)
    proposed._state.fields_cache = dict(live._state.fields_cache)
    try:
        _assign(proposed, fields, {})
        proposed.clean()
        after = measuring.guide_for(proposed, proposed.illustration)
    except (ValidationError, ValueError, TypeError, KeyError, ObjectDoesNotExist):
        return None
    before = measuring.guide_for(live, live.illustration)
    words = [g.words.removeprefix("Measuring: ") if g else "No guide" for g in (before, after)]
    if words[0] == words[1]:
        return None
    return {"label": "Measuring guide (drawn by the page)", "live": words[0], "proposed": words[1], "diff": None}


def revision_rows(revision):
    """What the reviewer sees: one block per operation, each field live against proposed."""
    blocks = []
    for op in revision.changes:
        model = model_for(op["model"])
        live = model._default_manager.filter(pk=op["pk"]).first() if op.get("pk") else None
        stale = op["op"] != "add" and (
            live is None or (op.get("version") is not None and live.version != op["version"])
        )
        rows = []
        fields = op.get("fields", {}) if op["op"] != "delete" else {}
        for name, value in fields.items():
            field = model._meta.get_field(name)
            before = _live_json(field, live) if live is not None else None
            if op["op"] == "change" and before == value:
                continue
            old_text, new_text = _display(field, before), _display(field, value)
            long_text = isinstance(value, str) and isinstance(before, str) and len(before) + len(value) > 80
            rows.append(
                {
                    "label": str(field.verbose_name).capitalize(),
                    "live": old_text if live is not None else "",
                    "proposed": new_text,
                    "diff": word_diff(before, value) if long_text else None,
                }
            )
        if op["op"] == "change" and op["model"] == "placement" and live is not None:
            guide = _guide_row(live, fields)
            if guide is not None:
                rows.append(guide)
        blocks.append(
            {
                "action": ACTIONS[op["op"]],
                "kind": str(model._meta.verbose_name),
                "record": str(live) if live is not None else "",
                "rows": rows,
                "stale": stale,
                "is_citation": op["model"] == "citation",
            }
        )
    return blocks
