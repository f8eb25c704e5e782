"""Pages, redirects, 404s, bad input and partial responses (issue 2, items 6 and 8)."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from points.models import Condition, Point, Region

pytestmark = pytest.mark.django_db

CONDITION_SLUGS = [
    "acute-low-back-pain", "chronic-low-back-pain", "sciatica", "period-back-pain",
    "digestive-back-pain", "lifting-strain", "hip-and-pelvic-pain", "upper-back-and-neck-tension",
]  # fmt: skip
REGION_SLUGS = ["back", "hand", "arm", "abdomen", "leg", "foot"]


def test_home_lists_regions_conditions_and_search(client):
    html = client.get("/").content.decode()
    for slug in REGION_SLUGS:
        assert f'href="/regions/{slug}/"' in html
    for slug in CONDITION_SLUGS:
        assert f'href="/conditions/{slug}/"' in html
    assert 'action="/search/"' in html and 'name="q"' in html
    assert "not medical advice" in html  # footer disclaimer


@pytest.mark.parametrize("slug", REGION_SLUGS)
def test_region_lists_its_points(client, slug):
    response = client.get(f"/regions/{slug}/")
    assert response.status_code == 200
    for point in Point.objects.published().filter(region__slug=slug):
        assert f'href="/points/{point.slug}/"' in response.content.decode()


def test_every_published_point_page_renders_with_citations(client):
    for point in Point.objects.published():
        response = client.get(point.get_absolute_url())
        assert response.status_code == 200, point.code
        html = response.content.decode()
        assert escape(point.pinyin) in html and escape(point.english_name) in html
        assert "Sources for this page" in html and 'href="#fn-1"' in html


def test_point_page_shows_pregnancy_caution_and_sources_differ(client):
    html = client.get("/points/sp6/").content.decode()
    assert "Avoid in pregnancy" in html
    assert "Evidence and corrections" in html  # E20: article-002 "just above the ankle", no warning


def test_uncertain_identification_is_labelled(client):
    html = client.get("/points/ki6/").content.decode()
    assert "Probable identification" in html
    html = client.get("/points/ki1/").content.decode()
    assert "Possible identification" in html


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/points/BL23/", "/points/bl23/"),
        ("/points/UB23/", "/points/bl23/"),
        ("/points/BL-23/", "/points/bl23/"),
        ("/points/lv3/", "/points/lr3/"),
        ("/points/Liv3/", "/points/lr3/"),
        ("/points/EX-UE7/", "/points/ex-ue7/"),
        ("/points/TW5/", "/points/te5/"),
        ("/points/UB47/", "/points/bl52/"),
        ("/points/hoku/", "/points/li4/"),
        ("/points/Zusanli/", "/points/st36/"),
    ],
)
def test_other_spellings_redirect_permanently(client, path, target):
    response = client.get(path)
    assert response.status_code == 301
    assert response["Location"] == target


def test_ambiguous_code_explains_both_readings(client):
    response = client.get("/points/B54/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/points/bl40/" in html and "/points/bl54/" in html
    assert "numbering" in html


@pytest.mark.parametrize(
    ("path", "what"),
    [
        ("/points/bl999/", "point"),
        ("/points/nonsense/", "point"),
        ("/regions/tail/", "region"),
        ("/conditions/toothache/", "condition"),
        ("/no-such-page/", "page"),
    ],
)
def test_unknown_things_get_a_friendly_404_with_search(client, path, what):
    response = client.get(path)
    assert response.status_code == 404
    html = response.content.decode()
    assert f"We could not find that {what}" in html
    assert 'action="/search/"' in html


def test_404_suggests_close_matches(client):
    html = client.get("/points/shen/").content.decode()
    assert "Did you mean" in html and "/points/bl23/" in html


def test_draft_point_is_not_public(client):
    Point.objects.filter(code="BL23").update(status="draft")
    assert client.get("/points/bl23/").status_code == 404
    assert "/points/bl23/" not in client.get("/regions/back/").content.decode()


@pytest.mark.parametrize(
    "q",
    ["", " ", "a" * 10_000, "\x00", "BL\x0023", "\x1b[2J", "%", "_", "'; DROP TABLE points_point; --",
     "<script>alert(1)</script>", "🙂" * 50, "\u202e23LB", "Zúsānlǐ" * 20],
)  # fmt: skip
def test_search_never_fails_on_odd_input(client, q):
    response = client.get("/search/", {"q": q})
    assert response.status_code in (200, 400)
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_search_long_query_message(client):
    html = client.get("/search/", {"q": "x" * 10_000}).content.decode()
    assert "10,000 characters" in html


def test_search_repeated_parameter_and_nul_in_path(client):
    assert client.get("/search/?q=bl23&q=lr3").status_code == 200
    assert client.get("/points/bl%0023/").status_code in (301, 404)
    assert client.get("/regions/%00/").status_code == 404


def test_search_page_shows_pregnancy_badge(client):
    html = client.get("/search/", {"q": "hegu"}).content.decode()
    assert "Avoid in pregnancy" in html


def test_post_is_not_allowed(client):
    assert client.post("/search/", {"q": "bl23"}).status_code == 405


def test_htmx_search_returns_only_results(client):
    response = client.get("/search/", {"q": "sciatica"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "site-header" not in html
    assert "/conditions/sciatica/" in html
    assert "HX-Request" in response["Vary"]


def test_htmx_point_panel_has_no_chrome_but_has_its_sources(client):
    response = client.get("/points/bl23/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html and "site-footer" not in html
    assert 'id="point-panel"' in html and "Sources for this page" in html
    assert "HX-Request" in response["Vary"]
    full = client.get("/points/bl23/")
    assert "<html" in full.content.decode() and "HX-Request" in full["Vary"]


def test_condition_page_red_flags_before_points(client):
    html = client.get("/conditions/sciatica/").content.decode()
    flags = html.index("Stop and get medical help first")
    points = html.index("Points to try, in order")
    assert flags < points
    assert "both legs" in html


def test_condition_points_in_their_order(client):
    condition = Condition.objects.get(slug="period-back-pain")
    codes = [i.point.code for i in condition.indications.order_by("order")]
    html = client.get(condition.get_absolute_url()).content.decode()
    html = html[html.index("Points to try, in order") :]
    positions = [html.index(f'href="/points/{c.lower()}/"') for c in codes]
    assert positions == sorted(positions)


@pytest.mark.parametrize("name", ["how_to_press", "safety", "sources"])
def test_guide_pages(client, name):
    response = client.get(reverse(f"points:{name}"))
    assert response.status_code == 200
    assert "Sources for this page" in response.content.decode() or name == "sources"


def test_safety_page_has_red_flags_and_pregnancy_list(client):
    html = client.get("/safety/").content.decode()
    for phrase in ("saddle", "bladder", "weak", "chest pain", "steroid", "under 20 or over 50"):
        assert phrase in html.lower()
    for code in ("li4", "sp6", "bl60"):
        assert f"/points/{code}/" in html


def test_sources_page_lists_every_error_and_conflict(client):
    html = client.get("/sources/").content.decode()
    for n in range(1, 43):
        assert f'id="e{n}"' in html, f"E{n} missing"
    for n in range(1, 10):
        assert f'id="c{n}"' in html, f"C{n} missing"


def test_region_model_urls():
    assert Region.objects.get(slug="hand").get_absolute_url() == "/regions/hand/"


def test_pages_never_show_internal_source_keys(client):
    """Readers see "Article 3" links, never our internal keys like article-002."""
    import re

    from django.utils.html import strip_tags

    paths = ["/", "/how-to-press/", "/safety/", "/sources/"]
    paths += [p.get_absolute_url() for p in Point.objects.published()]
    paths += [c.get_absolute_url() for c in Condition.objects.published()]
    for path in paths:
        text = strip_tags(client.get(path).content.decode())
        leaks = re.findall(r"article-00\d|\b00[0-4]\b", text, flags=re.IGNORECASE)
        assert not leaks, f"{path} shows {leaks}"


def test_condition_figures_number_markers_in_order(client):
    condition = Condition.objects.get(slug="period-back-pain")
    html = client.get(condition.get_absolute_url()).content.decode()
    for n, ind in enumerate(condition.indications.order_by("order"), start=1):
        if ind.point.placements.exists():
            assert f'aria-label="Step {n}: {ind.point.code} ' in html


def test_markers_on_close_up_figures_do_not_overlap():
    """Touch targets are spaced: on every non-overview figure no two markers overlap."""
    from itertools import combinations
    from math import dist

    from points.figures import markers_for
    from points.models import Illustration

    for figure in Illustration.objects.filter(overview=False).for_map():
        markers = markers_for(figure)
        for a, b in combinations(markers, 2):
            assert dist((a.cx, a.cy), (b.cx, b.cy)) >= a.r + b.r, f"{a.label} and {b.label} overlap on {figure.slug}"
