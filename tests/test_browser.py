"""A person in a real browser: home, search, open a point; axe finds no violations."""

import json

import pytest
from django.conf import settings

from points.loading import guide_load

from .browser import AXE, CHROMIUM_ARGS, chromium_path, unavailable

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    path = chromium_path()
    if path is None:
        unavailable("no Chromium found at /usr/bin/chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Python Playwright is not installed")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def site(live_server, transactional_db):
    guide_load(fixtures_dir=settings.GUIDE_FIXTURES_DIR)
    return live_server.url


@pytest.fixture(params=[390, 1280], ids=["phone", "desktop"])
def page(request, browser):
    context = browser.new_context(viewport={"width": request.param, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    yield page
    context.close()
    assert not errors, f"JavaScript or CSP errors in the page: {errors}"


def axe_violations(page):
    if not AXE.exists():
        unavailable("node_modules/axe-core is missing (make test runs npm ci)")
    page.evaluate(AXE.read_text())  # injected through DevTools by the test, not by the site (CSP stays strict)
    result = page.evaluate("async () => JSON.stringify((await axe.run(document)).violations)")
    return [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in json.loads(result)]


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


@pytest.mark.parametrize("path", ["/", "/points/bl23/", "/search/?q=sea+of+vitality", "/conditions/sciatica/"])
def test_no_accessibility_violations(site, page, path):
    page.goto(site + path)
    assert axe_violations(page) == []
