"""Multi-step writes, as keyword-only ``<entity>_<action>`` functions (HackSoft style).

``save()`` and signals stay free of side effects; whatever a change means beyond
the row itself (history reason, citations) happens here, in one transaction.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Citation, CitationClaim

HUNDREDTH = Decimal("0.01")


def _percent(value):
    return Decimal(str(value)).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


@transaction.atomic
def point_relocate(*, placement, x, y, editor, reason, source=None, locator=""):
    """Move ``placement`` to (x, y) percent of its figure and record why.

    The reason becomes the history's change reason (django-simple-history) and, when
    a ``source`` supports the new spot, the note of a new location citation on the
    point. Other unsaved changes to ``placement`` (side, illustration) are saved too.
    Returns the placement.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the location changed: the reason is kept in the history."})
    placement.x = _percent(x)
    placement.y = _percent(y)
    placement.full_clean()
    placement._change_reason = reason
    placement._history_user = editor
    placement.save()
    if source is not None:
        citation = Citation(
            point=placement.point,
            source=source,
            claim=CitationClaim.LOCATION,
            locator=(locator or "").strip(),
            note=reason,
        )
        citation.full_clean()
        citation._change_reason = reason
        citation._history_user = editor
        citation.save()
    return placement
