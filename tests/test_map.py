"""The body map in a real browser: click to panel, URL, back button, keyboard, no JS, axe."""

import pytest

from points.models import Illustration, Placement, Point

from .browser import axe_violations

pytestmark = pytest.mark.browser
REGIONS = ["back", "hand", "arm", "abdomen", "leg", "foot"]


def test_every_region_has_a_figure_and_every_point_a_marker(site):
    for slug in REGIONS:
        assert Illustration.objects.filter(region__slug=slug).exists(), slug
    placed = set(Placement.objects.values_list("point__code", flat=True))
    assert set(Point.objects.published().values_list("code", flat=True)) <= placed


def test_tap_a_hand_point_opens_the_panel_without_a_page_load(site, page):
    page.goto(site + "/regions/hand/")
    page.evaluate("window.__noReload = true")
    marker = page.locator('a.marker[data-code="li4"]').first
    marker.click()
    heading = page.locator("#panel #point-heading")
    heading.wait_for()
    assert heading.inner_text().startswith("LI4")
    assert page.evaluate("window.__noReload") is True  # same document: no page load
    assert page.url.endswith("/points/li4/")
    assert "How to press" in page.locator("#panel").inner_text()
    assert page.locator('a.marker.is-selected[data-code="li4"]').count() >= 1
    assert page.evaluate("document.activeElement.id") == "point-heading"
    assert "LI4" in page.locator("#map-status").inner_text()


def test_back_and_forward_restore_the_right_point(site, page):
    page.goto(site + "/regions/hand/")
    page.locator('a.marker[data-code="li4"]').first.click()
    page.wait_for_url("**/points/li4/")
    page.locator('a.marker[data-code="ex-ue7"]').first.click()
    page.wait_for_url("**/points/ex-ue7/")
    page.locator("#panel [data-point='ex-ue7']").wait_for()
    page.go_back()
    page.wait_for_url("**/points/li4/")
    page.locator("#panel [data-point='li4']").wait_for()
    page.go_back()
    page.wait_for_url("**/regions/hand/")
    page.locator(".panel-empty").wait_for()
    page.go_forward()
    page.locator("#panel [data-point='li4']").wait_for()


def test_keyboard_tab_to_a_marker_and_enter(site, page):
    page.goto(site + "/regions/arm/")
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.getAttribute('aria-label') || ''")
        if focused.startswith("LI11"):
            break
    else:
        pytest.fail("no marker for LI11 reachable by Tab")
    assert "both sides" in focused
    page.keyboard.press("Enter")
    page.locator("#panel #point-heading").wait_for()
    assert page.evaluate("document.activeElement.id") == "point-heading"


def test_without_javascript_markers_are_plain_links(site, browser):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 900})
    page = context.new_page()
    page.goto(site + "/regions/foot/")
    page.locator('a.marker[data-code="bl60"]').first.click()
    page.wait_for_url("**/points/bl60/")
    assert page.locator("h1").inner_text().startswith("BL60")
    assert page.locator('a.marker.is-selected[data-code="bl60"]').count() >= 1  # server-side highlight
    context.close()


@pytest.mark.parametrize("slug", REGIONS)
def test_markers_lie_inside_their_figure_and_are_big_enough(site, page, slug):
    """Each marker's tap target (a transparent circle around its ring) is at least 24 px on
    close-up figures at any width; on overviews (smaller, a close-up on the page has the
    same point) the markers are still inside the figure."""
    page.goto(f"{site}/regions/{slug}/")
    for figure in page.locator("svg.figure-svg:not(.is-overview)").all():
        box = figure.bounding_box()
        for marker in figure.locator("a.marker").all():
            b = marker.locator(".marker-dot").bounding_box()
            assert box["x"] <= b["x"] and b["x"] + b["width"] <= box["x"] + box["width"] + 0.5
            assert box["y"] <= b["y"] and b["y"] + b["height"] <= box["y"] + box["height"] + 0.5
            hit = marker.locator(".marker-hit").bounding_box()
            assert hit["width"] >= 24 and hit["height"] >= 24, f"target {hit['width']:.1f}px on {slug}"
    for figure in page.locator("svg.figure-svg.is-overview").all():  # smaller markers, still inside
        box = figure.bounding_box()
        for dot in figure.locator(".marker-dot").all():
            b = dot.bounding_box()
            assert box["x"] <= b["x"] and b["x"] + b["width"] <= box["x"] + box["width"] + 0.5


@pytest.mark.parametrize("path", [f"/regions/{slug}/" for slug in REGIONS] + ["/points/li4/", "/conditions/sciatica/"])
def test_map_pages_have_no_accessibility_violations(site, page, path):
    page.goto(site + path)
    assert axe_violations(page) == []


def test_desktop_panel_sits_beside_the_figure_and_phone_below(site, browser):
    """The layout a person sees: side by side at 1280 px, stacked at 390 px."""
    for width, beside in ((1280, True), (390, False)):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(site + "/regions/hand/")
        figure = page.locator(".figures").bounding_box()
        panel = page.locator("#panel").bounding_box()
        if beside:
            assert panel["x"] >= figure["x"] + figure["width"], (figure, panel)
        else:
            assert panel["y"] >= figure["y"] + figure["height"], (figure, panel)
        assert not page.locator("#sheet-link").is_visible()  # empty sheet: no "My sheet (0)"
        context.close()


def test_point_page_names_the_point_before_its_figures(site, page):
    """On a phone the figures are a long scroll: the point's name and its answer come first."""
    page.goto(site + "/points/bl23/")
    heading = page.locator("h1#point-heading").bounding_box()
    figures = page.locator(".point-figures").bounding_box()
    assert heading["y"] + heading["height"] <= figures["y"], (heading, figures)
    assert heading["y"] + heading["height"] < 900  # in the first screen
    assert page.locator('.answer-line [data-fact="pregnancy"]').is_visible()
