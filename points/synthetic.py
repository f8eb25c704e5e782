"""Synthetic content for measuring how pages scale (query-count tests, benchmarks).

``synthetic_points_create`` copies every published point ``copies`` times under
new codes (BL1001, BL1002, ...), with its aliases, citations, indications and placements, so a
page can be measured at 1x and at N x content.
"""

from django.db import transaction

from .models import Alias, Citation, Indication, Placement, Point, Status

SYNTHETIC_OFFSET = 100  # copy c of the n-th point gets number 100 * c + n (fits a small integer)


@transaction.atomic
def synthetic_points_create(*, copies, status=Status.PUBLISHED):
    """Copy every published point ``copies`` times. ``status=DRAFT`` grows the database
    without changing any public page (the benchmark's 100x); published copies show up
    in every list (the query-count tests' 10x)."""
    originals = list(
        Point.objects.filter(status=Status.PUBLISHED)
        .select_related("meridian")
        .prefetch_related("aliases", "citations", "indications", "placements")
    )
    created = 0
    for copy in range(1, copies + 1):
        for n, original in enumerate(originals):
            number = SYNTHETIC_OFFSET * copy + n
            point = Point.objects.get(pk=original.pk)
            point.pk = point.content_key = None  # a copy is not the fixture record
            point.code = f"{original.meridian.code}{number}" if original.meridian.code != "EX" else f"EX-UE{number}"
            point.number = number
            point.status = status
            point.save()
            Alias.objects.bulk_create(
                Alias(
                    point=point,
                    text=f"{a.text} {number}",
                    normalized=f"{a.normalized}{number}",
                    kind=a.kind,
                    ambiguous=a.ambiguous,
                    note=a.note,
                )
                for a in original.aliases.all()
            )
            Citation.objects.bulk_create(
                Citation(point=point, source_id=c.source_id, claim=c.claim, locator=c.locator, note=c.note)
                for c in original.citations.all()
            )
            Indication.objects.bulk_create(
                Indication(point=point, condition_id=i.condition_id, role=i.role, order=i.order + number, note=i.note)
                for i in original.indications.all()
            )
            Placement.objects.bulk_create(
                Placement(point=point, illustration_id=p.illustration_id, x=p.x, y=p.y, side=p.side)
                for p in original.placements.all()
            )
            created += 1
    return created
