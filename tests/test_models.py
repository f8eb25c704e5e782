"""Database constraints protect the data even when code or an editor gets it wrong."""

import pytest
from django.db import IntegrityError, transaction

from points.models import Alias, Citation, Illustration, Placement, Point, Region, Source

pytestmark = pytest.mark.django_db


def copy_of(original, **changes):
    point = Point.objects.get(code=original)
    point.pk = point.content_key = None  # a copy is not the fixture record
    for key, value in changes.items():
        setattr(point, key, value)
    return point


def raises_integrity(fn):
    with pytest.raises(IntegrityError), transaction.atomic():
        fn()


def test_point_code_is_unique():
    raises_integrity(lambda: copy_of("BL23").save())


def test_hold_range_must_be_ordered():
    raises_integrity(lambda: copy_of("BL23", code="BL99", number=99, hold_seconds_min=90, hold_seconds_max=10).save())


def test_invalid_choice_is_rejected_by_the_database():
    raises_integrity(lambda: Point.objects.filter(code="BL23").update(pregnancy_caution="maybe"))


def test_alias_unique_unless_marked_ambiguous():
    li4, lr3 = Point.objects.get(code="LI4"), Point.objects.get(code="LR3")
    raises_integrity(lambda: Alias.objects.create(point=lr3, text="hoku", kind="romanisation"))
    Alias.objects.create(point=lr3, text="Test Shared Name", kind="popular", ambiguous=True)
    Alias.objects.create(point=li4, text="test shared-name", kind="popular", ambiguous=True)
    raises_integrity(lambda: Alias.objects.create(point=li4, text="TEST SHARED NAME", kind="popular", ambiguous=True))


def test_source_url_must_be_http_or_https():
    raises_integrity(lambda: Source.objects.create(key="bad", kind="web", title="Bad", url="javascript:alert(1)"))
    Source.objects.create(key="fine", kind="web", title="Fine", url="https://example.org/page")


def test_citation_cites_exactly_one_thing():
    source = Source.objects.get(key="who-2008")
    raises_integrity(lambda: Citation.objects.create(source=source, claim="location"))


def test_placement_coordinates_are_percentages():
    region = Region.objects.get(slug="hand")
    figure = Illustration.objects.create(
        region=region, slug="test-figure", view="test figure", alt_text="Back of the right hand",
        credit="AcuGuide", licence="CC BY 4.0",
    )  # fmt: skip
    point = Point.objects.get(code="LI4")
    raises_integrity(lambda: Placement.objects.create(point=point, illustration=figure, x=101, y=50))
    raises_integrity(lambda: Placement.objects.create(point=point, illustration=figure, x=50, y=-1))
    Placement.objects.create(point=point, illustration=figure, x=30, y=40, side="right")


def test_content_changes_are_recorded_in_history():
    point = Point.objects.get(code="BL40")
    before = point.history.count()
    point.location = point.location + " (checked)"
    point.save()
    assert point.history.count() == before + 1
    latest = point.history.first()
    delta = latest.diff_against(latest.prev_record)
    assert [c.field for c in delta.changes] == ["location"]


def test_derived_fields_follow_the_code_and_names():
    point = Point.objects.get(code="EX-UE7")
    assert point.slug == "ex-ue7"
    assert "|yaotongdian|" in point.search_names
    assert Point.objects.get(code="BL2" + "3").order_key < Point.objects.get(code="BL40").order_key
