"""Search knows every spelling people use for a point (issue 2, item 7)."""

import pytest

from points.codes import readings
from points.search import search
from points.text import fold

pytestmark = pytest.mark.django_db


def top_codes(query, n=1):
    return [hit.point.code for hit in search(query).hits[:n]]


def all_codes(query):
    return [hit.point.code for hit in search(query).hits]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # WHO codes and every meridian abbreviation, with spaces, hyphens, leading zeros
        ("BL23", "BL23"), ("bl23", "BL23"), ("UB23", "BL23"), ("B23", "BL23"), ("V23", "BL23"),
        ("Bl-23", "BL23"), ("BL 23", "BL23"), ("bl023", "BL23"), ("UB-23", "BL23"),
        ("LR3", "LR3"), ("LV3", "LR3"), ("Liv3", "LR3"), ("liv 3", "LR3"), ("LV13", "LR13"),
        ("TE5", "TE5"), ("TW5", "TE5"), ("SJ5", "TE5"), ("TH5", "TE5"), ("SJ-05", "TE5"),
        ("GV2", "GV2"), ("Du2", "GV2"), ("DU 1", "GV1"),
        ("CV6", "CV6"), ("Ren6", "CV6"), ("REN-6", "CV6"), ("Ren 4", "CV4"),
        ("KI6", "KI6"), ("K6", "KI6"), ("KD1", "KI1"),
        ("ST36", "ST36"), ("S36", "ST36"), ("St25", "ST25"),
        ("SP6", "SP6"), ("sp 10", "SP10"), ("LI4", "LI4"), ("L.I.4", "LI4"), ("li-11", "LI11"),
        ("GB30", "GB30"), ("G20", "GB20"), ("EX-UE7", "EX-UE7"), ("ex ue 7", "EX-UE7"), ("EXUE7", "EX-UE7"),
        # old bladder numbering
        ("B47", "BL52"), ("UB47", "BL52"), ("UB 47", "BL52"), ("B48", "BL53"),
        # pinyin with or without tones and spaces
        ("zusanli", "ST36"), ("Zu San Li", "ST36"), ("Zúsānlǐ", "ST36"), ("zu-san-li", "ST36"),
        ("Shenshu", "BL23"), ("hegu", "LI4"), ("Taichong", "LR3"), ("sanyinjiao", "SP6"),
        ("Weizhong", "BL40"), ("Huantiao", "GB30"), ("Yaotongdian", "EX-UE7"),
        # hanzi, simplified and traditional
        ("足三里", "ST36"), ("肾俞", "BL23"), ("腎俞", "BL23"), ("三阴交", "SP6"), ("三陰交", "SP6"),
        ("环跳", "GB30"), ("環跳", "GB30"),
        # romanisations, English and popular names
        ("Hoku", "LI4"), ("Wai-gwan", "TE5"), ("waigwan", "TE5"), ("Ko-chi", "LI11"),
        ("Commanding Middle", "BL40"), ("Heavenly Pillar", "BL10"), ("Womb and Vitals", "BL53"),
        ("Sea of Energy", "CV6"), ("Joining the Valley", "LI4"), ("Bubbling Spring", "KI1"),
        ("Wind Pool", "GB20"), ("Gates of Consciousness", "GB20"), ("Gate of Origin", "CV4"),
    ],
)  # fmt: skip
def test_first_result(query, expected):
    assert top_codes(query) == [expected], f"{query!r} should find {expected} first"


def test_sea_of_vitality_finds_both_points():
    assert set(top_codes("Sea of Vitality", 2)) == {"BL23", "BL52"}


def test_b54_shows_both_readings_and_says_why():
    result = search("B54")
    assert result.ambiguous
    codes = [r.code for r in result.readings]
    assert codes == ["BL40", "BL54"]
    assert "old" in result.readings[0].why.lower()
    assert set(top_codes("B54", 2)) == {"BL40", "BL54"}


def test_b47_reading_not_in_the_guide_is_named():
    result = search("B47")
    readings_by_code = {r.code: r for r in result.readings}
    assert readings_by_code["BL52"].point is not None
    assert readings_by_code["BL47"].point is None  # Hunmen: real point, not in this guide
    assert top_codes("B47") == ["BL52"]


def test_who_prefix_is_not_read_as_old_numbering():
    assert [r.code for r in readings("BL47")] == ["BL47"]
    assert not search("BL47").ambiguous


def test_misnomer_ranks_below_the_real_owner():
    codes = all_codes("Heavenly Pillar")
    assert codes.index("BL10") < codes.index("GB20")
    reasons = search("Heavenly Pillar").hits[codes.index("GB20")].reasons
    assert reasons, "the misnomer hit must explain itself"


@pytest.mark.parametrize(
    ("query", "slug", "some_point"),
    [
        ("sciatica", "sciatica", "GB30"),
        ("period", "period-back-pain", "SP6"),
        ("menstrual", "period-back-pain", "SP6"),
        ("bloating", "digestive-back-pain", "ST25"),
        ("lifting", "lifting-strain", "LR4"),
    ],
)
def test_condition_words(query, slug, some_point):
    result = search(query)
    assert slug in [c.slug for c in result.conditions]
    assert some_point in [h.point.code for h in result.hits]


def test_exact_code_ranks_before_partial_matches():
    # "LI4" must beat LI11 and anything whose name merely contains "li4"
    assert top_codes("LI4") == ["LI4"]
    # "LI1" is not in the guide: LI11 is offered as a name that starts with it
    assert all_codes("LI1")[0] == "LI11"


def test_results_carry_pregnancy_caution():
    hit = search("SP6").hits[0]
    assert hit.point.pregnancy_caution == "avoid"


@pytest.mark.parametrize("query", ["", "   ", "\x00", "\x1b[31m", "-", "!!!"])
def test_empty_or_unsearchable(query):
    result = search(query)
    assert result.hits == []
    assert result.message


def test_nul_and_controls_are_removed_not_fatal():
    result = search("BL\x0023")
    assert [h.point.code for h in result.hits][:1] == ["BL23"]
    assert "removed" in result.message


def test_very_long_query_is_refused_politely():
    result = search("a" * 10_000)
    assert result.hits == []
    assert "10,000 characters" in result.message


def test_unknown_word_finds_nothing():
    assert search("xylophone").empty


def test_fold():
    assert fold("Zúsānlǐ") == fold("Zu San Li") == fold("zu-san-li") == "zusanli"
    assert fold("BL-23") == "bl23"
    assert fold("肾俞") == "肾俞"
