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


# Typos (issue 11, item 5): close matches when nothing matches, ranked below every exact
# match, labelled, with "Did you mean". These run on SQLite and, with DATABASE_URL set,
# on PostgreSQL (pg_trgm picks the candidates there), with the same answers.


FULLWIDTH_HEGOO = "\uff28\uff25\uff27\uff2f\uff2f"


def close_hits(result):
    return [h for h in result.hits if any(r.startswith("Close match") for r in h.reasons)]


@pytest.mark.parametrize(
    ("typo", "expected", "suggestion"),
    [
        ("hegoo", "LI4", "Hegu (LI4)"),  # phonetic spelling: two slips
        ("hego", "LI4", "Hegu (LI4)"),  # one slip in four letters (typed live, letter by letter)
        ("shensu", "BL23", "Shenshu (BL23)"),
        ("weizong", "BL40", "Weizhong (BL40)"),
        ("sanyinjao", "SP6", "Sanyinjiao (SP6)"),
        ("yaotongdien", "EX-UE7", "Yaotongdian (EX-UE7)"),
        ("Joining Valey", "LI4", "Joining Valley (LI4)"),
        ("hokoo", "LI4", "Hoku (LI4)"),  # a romanisation, found through its alias
        ("足三里穴", "ST36", "足三里 (ST36)"),  # hanzi with 穴 ("point") added
    ],
)
def test_a_typo_finds_the_point(typo, expected, suggestion):
    result = search(typo)
    assert top_codes(typo) == [expected]
    assert result.suggestion.label == suggestion
    corrected = search(result.suggestion.text)  # where "Did you mean" leads: the exact answer
    assert corrected.hits[0].point.code == expected and not close_hits(corrected)
    assert close_hits(result)[0].point.code == expected


@pytest.mark.parametrize(
    ("typo", "slug", "some_point"),
    [
        ("sciatca", "sciatica", "GB30"),
        ("schiatica", "sciatica", "GB30"),
        ("lumbgo", "acute-low-back-pain", "BL40"),
        ("menstral", "period-back-pain", "SP6"),
        ("constipaton", "digestive-back-pain", "ST25"),
    ],
)
def test_a_typo_finds_the_condition_and_its_points(typo, slug, some_point):
    result = search(typo)
    assert slug in [c.slug for c in result.close_conditions]
    assert result.close_conditions == result.conditions  # all of them are close matches
    hit = next(h for h in result.hits if h.point.code == some_point)
    assert any("Close match: used for" in r for r in hit.reasons)
    assert result.suggestion is not None


def test_sciatca_suggests_sciatica():
    result = search("sciatca")
    assert (result.suggestion.text, result.suggestion.label) == ("Sciatica", "Sciatica")
    assert [c.slug for c in result.conditions] == ["sciatica"]


@pytest.mark.parametrize("query", ["BL99", "bl 99", "LI44", "ST0", "UB 100", "hegu4", "BL2e", "GB 3O"])
def test_codes_are_never_corrected(query):
    """BL99 is no point: it must not turn into BL23 (or any point) as a 'close match'."""
    result = search(query)
    assert close_hits(result) == [] and result.suggestion is None
    assert "BL23" not in [h.point.code for h in result.hits]


@pytest.mark.parametrize(
    "word", ["xylophone", "towel", "cream", "walking", "standing", "lying", "yoga", "stenosis", "elbow", "zzqq"]
)
def test_everyday_words_are_not_corrected_into_a_name(word):
    # each is within reach of some name by RapidFuzz's ratio ("towel"/"bowel",
    # "cream"/"cramps", "walking"/"weiling"), but not by the slips a typo makes
    result = search(word)
    assert result.empty and result.suggestion is None


@pytest.mark.parametrize(("query", "only"), [("intestin", "BL25"), ("spring", "KI1"), ("hegu", "LI4")])
def test_an_exact_or_partial_match_is_never_joined_by_close_ones(query, only):
    """Exact before close: a name that contains the query shows the query is a real
    fragment, so no close match is added beside it ("intestin" is one slip from nothing,
    but RapidFuzz's ratio would pull in the points for "indigestion")."""
    result = search(query)
    assert [h.point.code for h in result.hits][:1] == [only]
    assert close_hits(result) == [] and result.suggestion is None and result.close_conditions == []


def test_close_matches_rank_below_exact_ranks_and_the_real_owner_first():
    from points.search import RANK_CLOSE, RANK_CONDITION

    result = search("heavenly piller")
    codes = [h.point.code for h in result.hits]
    assert codes[:2] == ["BL10", "GB20"]  # the name's owner before the point a source gave it to
    assert all(h.rank > RANK_CONDITION and h.rank >= RANK_CLOSE for h in result.hits)
    assert "Wrong here" in " ".join(result.hits[1].reasons)  # the misnomer still explains itself
    assert result.suggestion.label == "Heavenly Pillar (BL10)"
    # the same for a name whose owner comes later in the guide's order than the misnomer's point
    assert [h.point.code for h in search("gate of orign").hits][:2] == ["CV4", "BL10"]


def test_did_you_mean_on_the_result_page_and_in_the_htmx_partial(client):
    page = client.get("/search/", {"q": "hegoo"})
    partial = client.get("/search/", {"q": "hegoo"}, headers={"HX-Request": "true"})
    for response in (page, partial):
        html = response.content.decode()
        assert response.status_code == 200
        assert 'class="did-you-mean"' in html and "No exact match for “hegoo”" in html
        assert 'Did you mean: <a href="/search/?q=Hegu">Hegu (LI4)</a>?' in html
        assert 'data-point="LI4"' in html and "Close match: Hegu" in html
    assert "<html" in page.content.decode() and "<html" not in partial.content.decode()
    # the link leads to the exact answer
    html = client.get("/search/", {"q": "Hegu"}).content.decode()
    assert 'data-point="LI4"' in html and "did-you-mean" not in html and "Close match" not in html


def test_a_close_condition_is_labelled(client):
    html = client.get("/search/", {"q": "sciatca"}).content.decode()
    assert '<a href="/conditions/sciatica/">Sciatica</a> <span class="close-match">close match</span>' in html
    assert 'Did you mean: <a href="/search/?q=Sciatica">Sciatica</a>?' in html
    assert 'data-point="GB30"' in html


def test_close_matches_are_kept_in_the_page_cache_an_empty_result_is_not(client, django_assert_num_queries):
    """A close match is a real answer, the same for everyone and the dearest to compute:
    it is cached. A search that found nothing is one visitor's odd input: it is not."""
    first = client.get("/search/", {"q": "hegoo"})
    assert "private" not in first.get("Cache-Control", "")
    with django_assert_num_queries(0):
        assert client.get("/search/", {"q": "hegoo"}).content == first.content
    empty = client.get("/search/", {"q": "xylophone"})
    assert "private" in empty["Cache-Control"]


# query -> SQL queries search() needs, whatever the size of the guide
TYPO_QUERIES = {
    "hegoo": 5,  # aliases, names, conditions (none matched), the names to correct, LI4
    "sciatca": 6,  # ... the names to correct, the condition, its points
    "xylophone": 4,  # ... the names to correct: none close
    "BL99": 3,  # a code: never corrected, no fourth query
}


def test_a_typo_costs_a_fixed_number_of_queries_as_the_guide_grows(django_assert_num_queries):
    from points.synthetic import synthetic_points_create

    def measure():
        for query, queries in TYPO_QUERIES.items():
            with django_assert_num_queries(queries):
                result = search(query)
            assert (result.suggestion is None) == (query in {"xylophone", "BL99"}), query

    measure()
    synthetic_points_create(copies=9)  # ten times the points, aliases and indications
    measure()


def test_the_names_to_correct_are_picked_by_pg_trgm_on_postgresql():
    """On PostgreSQL one query with pg_trgm's similarity returns at most TRIGRAM_ROWS rows
    whatever the size of the guide; SQLite has no trigram index and reads the names."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from points.search import TRIGRAM_ROWS, _name_rows
    from points.synthetic import synthetic_points_create

    synthetic_points_create(copies=9)
    with CaptureQueriesContext(connection) as captured:
        rows = _name_rows("hegoo")
    assert len(captured) == 1
    sql = captured[0]["sql"].upper()
    if connection.vendor == "postgresql":
        assert "STRICT_WORD_SIMILARITY" in sql and f"LIMIT {TRIGRAM_ROWS}" in sql
        assert len(rows) <= TRIGRAM_ROWS
    else:
        assert "SIMILARITY" not in sql and len(rows) > 10 * TRIGRAM_ROWS
    assert any("|hegu|" in row.names for row in rows)


@pytest.mark.parametrize(
    "query",
    [
        "a" * 10_000, "hegoo" * 20, "h" * 100, "\x00hegoo", "he\x1b[31mgoo", "\u202ehegoo", "!!!???",
        "\u2026\u2014\u2013\u00b7", "🙂" * 50, "h🙂egoo", "%_%", "hego%", "'; DROP TABLE points_alias; --",
        "z\u0301\u0301\u0301usanli",
        "\u017fciatca", FULLWIDTH_HEGOO, "<b>hegoo</b>",
    ],
)  # fmt: skip
def test_junk_never_fails_full_page_or_partial(client, query):
    for headers in ({}, {"HX-Request": "true"}):
        response = client.get("/search/", {"q": query}, headers=headers)
        assert response.status_code == 200, query
        assert "<b>hegoo</b>" not in response.content.decode()


@pytest.mark.parametrize("query", ["\x00hegoo", "h🙂egoo", FULLWIDTH_HEGOO, "HeGoo!", "  hegoo  "])
def test_typos_inside_junk_are_still_corrected(query):
    assert top_codes(query) == ["LI4"]


def test_a_typo_in_an_address_suggests_the_point(client):
    response = client.get("/points/hegoo/")
    assert response.status_code == 404
    assert 'data-point="LI4"' in response.content.decode()
