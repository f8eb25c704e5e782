"""Multi-step writes, as keyword-only ``<entity>_<action>`` functions (HackSoft style).

``save()`` and signals stay free of side effects; whatever a change means beyond
the row itself (history reason, citations) happens here, and every write goes
through ``points.review.content_change`` (applied at once, or proposed for review).
"""

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError

from .models import CitationClaim

HUNDREDTH = Decimal("0.01")


def _percent(value):
    return Decimal(str(value)).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def relocation_changes(*, placement, x, y, reason, source=None, locator="", fields=None, version=None):
    """The change set of a move: the placement's new spot (and any other ``fields``), and a
    location citation on the point when a ``source`` supports it."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the location changed: the reason is kept in the history."})
    x, y = _percent(x), _percent(y)
    if not (0 <= x <= 100 and 0 <= y <= 100):
        raise ValidationError({"x": "x and y are percent of the figure: between 0 and 100."})
    moved = {**(fields or {}), "x": str(x), "y": str(y)}
    changes = [
        {
            "op": "change",
            "model": "placement",
            "pk": placement.pk,
            "version": placement.version if version is None else version,
            "fields": moved,
        }
    ]
    if source is not None:
        changes.append(
            {
                "op": "add",
                "model": "citation",
                "pk": None,
                "version": None,
                "fields": {
                    "point": placement.point_id,
                    "source": source.pk,
                    "claim": CitationClaim.LOCATION,
                    "locator": (locator or "").strip()[:200],
                    "note": reason[:400],
                },
            }
        )
    return changes


def point_relocate(*, placement, x, y, editor, reason, source=None, locator=""):
    """Move ``placement`` to (x, y) percent of its figure and record why.

    The reason becomes the history's change reason (django-simple-history) and, when
    a ``source`` supports the new spot, the note of a new location citation on the
    point. A published point's move waits for a reviewer (points/review.py).
    Returns ``(revision, placement)``: the Revision when it waits, else None and the
    moved placement."""
    from .review import content_change

    changes = relocation_changes(placement=placement, x=x, y=y, reason=reason, source=source, locator=locator)
    revision, records = content_change(changes=changes, user=editor, reason=reason, target=placement.point)
    if revision is not None:
        return revision, placement
    return None, records[0]
