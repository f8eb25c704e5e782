"""Printable sheets on screen: selection in the URL, bad codes reported, tray (issue 5)."""

import pytest

from points.models import Condition

pytestmark = pytest.mark.django_db


def test_point_sheet_holds_everything_a_person_needs(client):
    html = client.get("/points/sp6/sheet/").content.decode()
    for text in ("SP6", "Sānyīnjiāo", "三阴交", "Three Yin Intersection", "Where", "Find it", "Press", "Side",
                 "Cautions", "Avoid in pregnancy", "Stop and get medical help", "Sources for this page",
                 "content last reviewed", "http://127.0.0.1:8000/points/sp6/sheet/", "data-print"):  # fmt: skip
        assert text in html, text
    assert 'class="sheet-figure"' in html and "sheet-cross" in html  # cropped figure with a B/W crosshair


def test_other_spellings_redirect_to_the_canonical_sheet(client):
    response = client.get("/points/UB23/sheet/")
    assert response.status_code == 301 and response["Location"] == "/points/bl23/sheet/"
    assert client.get("/points/nope/sheet/").status_code == 404


def test_condition_sheet_in_recommended_order(client):
    condition = Condition.objects.get(slug="sciatica")
    html = client.get("/conditions/sciatica/sheet/").content.decode()
    codes = [i.point.slug for i in condition.indications.order_by("order")]
    positions = [html.index(f'id="sp-{c}"') for c in codes]
    assert positions == sorted(positions)
    assert 'data-flag="condition"' not in html  # sciatica has no signs of its own beyond the list
    hip = client.get("/conditions/hip-and-pelvic-pain/sheet/").content.decode()
    assert "For hip and pelvic pain, also:" in hip
    assert client.get("/conditions/nope/sheet/").status_code == 404


def test_custom_sheet_keeps_order_reads_spellings_and_reports_unknown(client):
    html = client.get("/sheet/", {"points": "gb30,UB23,hoku,gb30,xx99,B54"}).content.decode()
    order = [html.index(f'id="sp-{c}"') for c in ("gb30", "bl23", "li4")]
    assert order == sorted(order)
    assert html.count('id="sp-gb30"') == 1  # duplicates dropped
    assert "Not found:" in html and "xx99" in html and "B54" in html  # ambiguous codes are not guessed


@pytest.mark.parametrize(
    "query",
    ["points=", "points=" + "bl23," * 500, "points=%00%01bl23", "points=<script>", "points=bl23&points=lr3",
     "points=" + "a" * 10_000, "add=lr3"],
)  # fmt: skip
def test_odd_selections_never_fail(client, query):
    response = client.get("/sheet/?" + query)
    assert response.status_code == 200
    assert "<script>alert" not in response.content.decode()


def test_sheet_is_capped_and_says_so(client):
    codes = ",".join(["bl23", "bl52", "bl25", "bl60", "lr4", "ki6", "cv6", "bl53", "bl40", "lr3", "ki1", "li4",
                      "li11", "te5"])  # fmt: skip
    html = client.get("/sheet/", {"points": codes}).content.decode()
    assert html.count('class="sheet-point"') == 12 and "at most 12 points" in html


def test_reorder_and_remove_links(client):
    html = client.get("/sheet/", {"points": "bl23,bl40,gb30"}).content.decode()
    assert "?points=bl40%2Cbl23%2Cgb30" in html  # move bl40 up
    assert "?points=bl23%2Cgb30%2Cbl40" in html  # move bl40 down
    assert "?points=bl40%2Cgb30" in html  # remove bl23


def test_add_form_adds_to_the_end(client):
    html = client.get("/sheet/", {"points": "bl23", "add": "Weizhong"}).content.decode()
    assert html.index('id="sp-bl23"') < html.index('id="sp-bl40"')


def test_tray_partial_for_htmx_and_redirect_without(client):
    response = client.get("/sheet/tray/", {"points": "bl23", "add": "bl40"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert 'value="bl23,bl40"' in html and "My sheet (<span" in html and "Added" in html
    assert "<html" not in html and "HX-Request" in response["Vary"]
    plain = client.get("/sheet/tray/", {"points": "bl23", "add": "bl40"})
    assert plain.status_code == 302 and plain["Location"] == "/sheet/?points=bl23,bl40"


def test_point_page_and_panel_offer_add_to_sheet(client):
    for headers in ({}, {"HX-Request": "true"}):
        html = client.get("/points/bl40/", headers=headers).content.decode()
        assert "Add to my sheet" in html and 'hx-get="/sheet/tray/"' in html
        assert 'action="/sheet/"' in html  # works without JavaScript too


def test_sheet_queries_do_not_grow(client, django_assert_num_queries, settings):
    settings.ACUGUIDE_PAGE_CACHE = False  # a cold render every time
    from points.synthetic import synthetic_points_create

    def measure():
        with django_assert_num_queries(6):  # known codes + the four below + the red flags
            client.get("/sheet/", {"points": "bl25,gb30,bl40"})
        with django_assert_num_queries(5):  # point, ways to reach, citations, placements, red flags
            client.get("/points/bl23/sheet/")

    measure()
    synthetic_points_create(copies=9)
    measure()
