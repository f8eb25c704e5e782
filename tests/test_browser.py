"""A person in a real browser: home, search, open a point; axe finds no violations."""

import pytest

from .browser import axe_violations

pytestmark = pytest.mark.browser


def test_search_then_open_a_point(site, page):
    page.goto(site + "/")
    page.get_by_label("Search points and conditions").fill("Hoku")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search/?q=Hoku")
    page.get_by_role("link", name="LI4").first.click()
    page.wait_for_url("**/points/li4/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("LI4")
    assert page.get_by_text("Avoid in pregnancy").first.is_visible()


def test_live_search_updates_results_and_address(site, page):
    page.goto(site + "/search/")
    page.get_by_label("Search points and conditions").fill("sciatica")
    page.get_by_role("link", name="Sciatica").wait_for()
    assert "q=sciatica" in page.url
    assert page.locator(".site-header").count() == 1  # partial swapped in, not a whole page


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/conditions/",
        "/points/bl23/",
        "/points/gv1/",
        "/points/li4/?pregnant=1",
        "/search/?q=sea+of+vitality",
        "/conditions/sciatica/",
        "/conditions/chronic-low-back-pain/",
        "/sheet/?points=bl23,gb30,xx",
    ],
)
def test_no_accessibility_violations(site, page, path):
    page.goto(site + path)
    assert axe_violations(page) == []


def test_no_accessibility_violations_in_a_tapped_panel_or_open_evidence(site, page):
    page.goto(site + "/regions/back/")
    page.locator('.figures .marker[data-code="bl23"]').first.click()
    page.wait_for_selector('#panel [data-point="bl23"]')
    page.locator("#panel details.evidence > summary").click()
    assert page.locator("#panel details.evidence").get_attribute("open") is not None
    assert axe_violations(page) == []
