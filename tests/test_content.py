"""The guide's content is complete, cited, safe and in our own words (issue 2, item 4)."""

import re
from collections import defaultdict

import pytest

from points.models import Alias, Condition, Discrepancy, Point, Source

pytestmark = pytest.mark.django_db

# Every point in shared/reference/points.md, section 2 (rows 1-27).
REFERENCE_POINTS = [
    "EX-UE7", "BL23", "BL52", "BL25", "BL60", "LR4", "KI6", "CV6", "BL53", "BL40", "LR3", "KI1", "LI4",
    "LI11", "TE5", "ST25", "ST36", "LR13", "SP6", "SP10", "GB30", "GV1", "GV2", "BL10", "GB20", "BL54", "CV4",
]  # fmt: skip
ARTICLES = [f"article-00{n}" for n in range(5)]


def test_every_reference_point_is_published():
    published = set(Point.objects.published().values_list("code", flat=True))
    assert set(REFERENCE_POINTS) <= published


@pytest.mark.parametrize("code", REFERENCE_POINTS)
def test_point_is_complete_and_cited(code):
    point = Point.objects.get(code=code)
    assert point.location.strip() and point.how_to_find.strip() and point.technique_method.strip()
    claims = set(point.citations.values_list("claim", flat=True))
    assert {"location", "uses", "technique", "caution"} <= claims, f"{code} cites only {claims}"
    if point.pregnancy_caution != "none":
        assert "pregnancy" in claims and point.pregnancy_note.strip()
    if point.confidence != "confirmed":
        assert point.confidence_note.strip() and "identification" in claims
    if not point.reference_only:
        assert point.indications.exists(), f"{code} is in no condition"


@pytest.mark.parametrize("code", ["LI4", "SP6", "BL60"])
def test_classical_pregnancy_contraindications(code):
    assert Point.objects.get(code=code).pregnancy_caution == "avoid"


@pytest.mark.parametrize("code", ["CV6", "CV4", "ST25", "BL23", "BL25", "BL52", "BL53", "BL54", "GV1", "GV2"])
def test_abdominal_and_lumbosacral_points_are_never_uncautioned(code):
    assert Point.objects.get(code=code).pregnancy_caution in {"avoid", "gentle"}


def test_uncertain_identifications_are_labelled():
    expected = {"LR4": "probable", "KI6": "probable", "KI1": "possible", "BL54": "possible"}
    actual = dict(Point.objects.filter(code__in=expected).values_list("code", "confidence"))
    assert actual == expected


def test_no_alias_names_two_points_unless_marked_ambiguous():
    owners = defaultdict(list)
    for alias in Alias.objects.select_related("point"):
        owners[alias.normalized].append(alias)
    for aliases in owners.values():
        if len({a.point_id for a in aliases}) > 1:
            assert all(a.ambiguous and a.note for a in aliases), [str(a) for a in aliases]


@pytest.mark.parametrize(
    ("text", "code"),
    [("B47", "BL52"), ("UB47", "BL52"), ("B48", "BL53"), ("B54", "BL40"), ("Hoku", "LI4"), ("Wai-gwan", "TE5"),
     ("Sea of Vitality", "BL23"), ("Sea of Vitality", "BL52"), ("Commanding Middle", "BL40"),
     ("Heavenly Pillar", "BL10"), ("Womb and Vitals", "BL53"), ("Gate of Origin", "CV4")],
)  # fmt: skip
def test_reference_aliases_are_present(text, code):
    assert Alias.objects.filter(text__iexact=text, point__code=code).exists()


def test_every_error_and_conflict_is_recorded_and_shown():
    refs = set(Discrepancy.objects.values_list("ref", flat=True))
    assert refs == {f"E{n}" for n in range(1, 43)} | {f"C{n}" for n in range(1, 10)}
    for d in Discrepancy.objects.all():
        assert d.sources.exists(), d.ref
        if d.display == "point":
            assert d.point is not None
        if d.display == "condition":
            assert d.condition is not None


def test_sources_include_the_five_articles_and_standards():
    keys = set(Source.objects.values_list("key", flat=True))
    assert {*ARTICLES, "who-2008", "deadman", "gach", "nhs-back-pain"} <= keys
    for source in Source.objects.filter(key__in=ARTICLES):
        assert source.claims.strip(), source.key


def test_eight_conditions_each_with_points_and_citations():
    # the red flags are one list for every condition page (tests/test_consistency.py)
    assert Condition.objects.published().count() == 8
    for condition in Condition.objects.all():
        assert condition.indications.count() >= 2, condition.slug
        assert condition.citations.exists(), condition.slug


def _shingles(text, n=9):
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


def test_text_is_in_our_own_words(seeds_text):
    """No run of nine words is copied from any of the five articles."""
    seed_shingles = set().union(*(_shingles(t) for t in seeds_text.values()))
    fields = [
        "summary", "where", "location", "how_to_find", "uses", "technique_method", "key_caution", "cautions",
        "pregnancy_note", "notes",
    ]  # fmt: skip
    copied = []
    for point in Point.objects.all():
        for field in fields:
            overlap = _shingles(getattr(point, field)) & seed_shingles
            copied += [f"{point.code}.{field}: {s}" for s in overlap]
    for condition in Condition.objects.all():
        for field in ["summary", "notes"]:
            copied += [f"{condition.slug}.{field}: {s}" for s in _shingles(getattr(condition, field)) & seed_shingles]
    assert not copied, copied[:10]
