"""Interaction at a phone and a desktop screen (issue 11, item 5): "Add to my sheet" answers
beside the button; the header "My sheet" link survives Back and Forward (the browser's
back/forward cache, a page shown again from the HTTP cache, and htmx's history restore);
clicking a map marker and pressing Enter on it do the same thing, and Back undoes it."""

import pytest

from .browser import CHROMIUM_ARGS, axe_violations, chromium_path

SCREENS = {"phone": (390, 844), "desktop": (1280, 800)}
# a region page and two points on its figures (not the overview)
MAPS = [("back", "bl23", "bl25"), ("foot", "bl60", "ki1")]
SHOWN = "document.readyState === 'complete' && location.pathname === {!r}"


@pytest.fixture(params=list(SCREENS), ids=list(SCREENS))
def screen(request):
    width, height = SCREENS[request.param]
    return {"viewport": {"width": width, "height": height}}


@pytest.fixture(scope="module")
def bfcache_browser(browser):
    """Chromium with its back/forward cache on, as people have it (Playwright turns it off);
    launched by the same Playwright as the ``browser`` fixture (one per process)."""
    engine = browser.browser_type.launch(
        executable_path=chromium_path(), args=CHROMIUM_ARGS, ignore_default_args=["--disable-back-forward-cache"]
    )
    yield engine
    engine.close()


def open_page(browser, screen, **options):
    context = browser.new_context(**screen, **options)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    # how the page was shown: a restore from the back/forward cache has event.persisted
    page.add_init_script("addEventListener('pageshow', function (e) { window.__persisted = e.persisted; });")
    return context, page, errors


def tray(page):
    """The header link as a person sees it: None when hidden, else its text and address."""
    link = page.locator("#sheet-link")
    if not link.is_visible():
        return None
    return link.inner_text(), link.get_attribute("href")


def in_viewport(page, locator):
    box, view = locator.bounding_box(), page.viewport_size
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= view["height"]


# 1. "Add to my sheet" confirms at the button.


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("points", "add", "says"),
    [
        ("", "bl23", "Added: 1 on your sheet."),
        ("bl23,bl40", "gb30", "Added: 3 on your sheet."),
        ("bl23,bl40", "bl40", "Already on your sheet: 2 points."),
        ("bl23", "bl23", "Already on your sheet: 1 point."),
        ("UB23", "bl23", "Already on your sheet: 1 point."),  # another spelling of the same point
        ("bl23", "xx99", "Could not add this point."),
        ("bl23", "gv1", "Could not add this point."),  # reference only: never on a sheet
        (",".join(["bl23", "bl52", "bl25", "bl60", "lr4", "ki6", "cv6", "bl53", "bl40", "lr3", "ki1", "li4"]),
         "gb30", "Not added: a sheet holds at most 12 points."),
    ],
)  # fmt: skip
def test_the_answer_to_add_says_what_happened(client, points, add, says):
    response = client.get("/sheet/tray/", {"points": points, "add": add}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and says in html
    answer, _, tray_html = html.partition('<span id="sheet-tray" hx-swap-oob="innerHTML">')
    assert tray_html, "the header tray comes out of band"
    assert 'id="sheet-link"' not in answer and 'id="sheet-link"' in tray_html
    if "Could not" not in says:
        assert 'href="/sheet/?points=' in answer and "View my sheet" in answer


def test_the_answer_keeps_pregnancy_mode_and_no_htmx_still_goes_to_the_sheet(client, guide):
    html = client.get(
        "/sheet/tray/", {"points": "bl23", "add": "bl40", "pregnant": "1"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert 'href="/sheet/?points=bl23,bl40&amp;pregnant=1">View my sheet' in html
    plain = client.get("/sheet/tray/", {"points": "bl23", "add": "bl40"})
    assert plain.status_code == 302 and plain["Location"] == "/sheet/?points=bl23,bl40"
    assert client.get("/sheet/tray/", {"add": "bl40"}, headers={"HX-Request": "true"}).status_code == 200


@pytest.mark.browser
def test_add_to_my_sheet_answers_beside_the_button(site, browser, screen):
    """On a region page the panel is below the map on a phone: the header is off-screen, so
    the answer must be where the person pressed, in a polite live region that was there
    before (a region added with its text is often not read out)."""
    context, page, errors = open_page(browser, screen)
    page.goto(site + "/regions/back/")
    page.locator('a.marker[data-code="bl23"]').first.click()
    button = page.locator("#panel").get_by_role("button", name="+ Add to my sheet")
    button.scroll_into_view_if_needed()
    status = page.locator("#panel .sheet-add-status")
    assert status.get_attribute("aria-live") == "polite" and status.inner_text() == ""
    before = status.element_handle()
    button.click()
    page.locator("#panel .sheet-added").wait_for()
    assert before.evaluate("e => e.isConnected")  # the same live region, now with the answer
    assert status.inner_text().startswith("Added: 1 on your sheet.")
    assert in_viewport(page, status) and in_viewport(page, button)
    b, s = button.bounding_box(), status.bounding_box()
    assert abs((s["y"] + s["height"] / 2) - (b["y"] + b["height"] / 2)) < 60, (b, s)  # beside it
    view = status.get_by_role("link", name="View my sheet")
    assert view.get_attribute("href") == "/sheet/?points=bl23"
    assert tray(page) == ("My sheet (1)", "/sheet/?points=bl23")  # the header too
    assert axe_violations(page) == []

    button.click()  # again: it says so, rather than nothing
    page.get_by_text("Already on your sheet: 1 point.").wait_for()
    assert tray(page) == ("My sheet (1)", "/sheet/?points=bl23")

    page.locator('a.marker[data-code="bl25"]').first.click()
    page.locator("#panel #point-panel[data-point='bl25']").wait_for()
    page.locator("#panel").get_by_role("button", name="+ Add to my sheet").click()
    page.get_by_text("Added: 2 on your sheet.").wait_for()
    assert tray(page) == ("My sheet (2)", "/sheet/?points=bl23,bl25")
    page.locator("#panel").get_by_role("link", name="View my sheet").click()
    page.wait_for_url("**/sheet/?points=bl23,bl25")
    assert page.locator(".sheet-point").count() == 2
    context.close()
    assert not errors, errors

    # Without JavaScript the same button opens a sheet with the point on it.
    context, page, _ = open_page(browser, screen, java_script_enabled=False)
    page.goto(site + "/points/bl40/")
    page.get_by_role("button", name="+ Add to my sheet").click()
    page.wait_for_url("**/sheet/?points=bl40")
    assert page.locator('.sheet-point[data-point="BL40"]').count() == 1
    context.close()


# 2. The header link survives Back and Forward.


@pytest.mark.browser
def test_my_sheet_link_survives_back_and_forward_through_the_browser_cache(site, bfcache_browser, browser, screen):
    for which, engine in (("back/forward cache", bfcache_browser), ("HTTP cache", browser)):
        context, page, errors = open_page(engine, screen)
        page.goto(site + "/points/bl23/")
        assert tray(page) is None  # nothing on the sheet yet
        page.goto(site + "/points/bl40/")
        page.get_by_role("button", name="+ Add to my sheet").click()
        page.get_by_text("Added: 1 on your sheet.").wait_for()

        page.go_back(wait_until="commit")  # a page from the back/forward cache fires no "load"
        page.wait_for_function(SHOWN.format("/points/bl23/"))
        restored = page.evaluate("window.__persisted")
        assert restored is (which == "back/forward cache"), f"{which}: persisted={restored}"
        assert tray(page) == ("My sheet (1)", "/sheet/?points=bl40"), which
        page.get_by_role("button", name="+ Add to my sheet").click()
        page.get_by_text("Added: 2 on your sheet.").wait_for()

        page.go_forward(wait_until="commit")
        page.wait_for_function(SHOWN.format("/points/bl40/"))
        assert page.evaluate("window.__persisted") is restored
        assert tray(page) == ("My sheet (2)", "/sheet/?points=bl40,bl23"), which
        # the answer to the earlier press is gone: it told of another sheet
        assert page.locator(".sheet-add-status").inner_text() == "", which
        context.close()
        assert not errors, errors


@pytest.mark.browser
def test_my_sheet_link_survives_htmx_history_restore(site, browser, screen):
    context, page, errors = open_page(browser, screen)
    page.goto(site + "/regions/back/")
    page.evaluate("window.__sameDocument = true")
    page.locator('a.marker[data-code="bl23"]').first.click()
    page.locator("#panel #point-panel[data-point='bl23']").wait_for()
    page.locator("#panel").get_by_role("button", name="+ Add to my sheet").click()
    page.get_by_text("Added: 1 on your sheet.").wait_for()
    assert tray(page) == ("My sheet (1)", "/sheet/?points=bl23")

    page.go_back()  # htmx puts back its snapshot of the region page, taken before the press
    page.wait_for_function(SHOWN.format("/regions/back/"))
    page.locator("#panel .panel-empty").wait_for()
    assert tray(page) == ("My sheet (1)", "/sheet/?points=bl23")

    page.go_forward()
    page.locator("#panel #point-panel[data-point='bl23']").wait_for()
    assert tray(page) == ("My sheet (1)", "/sheet/?points=bl23")
    assert page.evaluate("window.__sameDocument") is True  # htmx restored it: no page load
    context.close()
    assert not errors, errors


# 3. Keyboard and mouse are equivalent on the maps.


def activate(page, code, how):
    marker = page.locator(f'svg.figure-svg:not(.is-overview) a.marker[data-code="{code}"]').first
    if how == "click":
        marker.click()
        return
    target = marker.get_attribute("aria-label")
    for _ in range(150):  # reach it with Tab, as a keyboard user does
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('aria-label')") == target:
            break
    else:
        pytest.fail(f"no marker for {code} reachable by Tab")
    page.keyboard.press("Enter")


def map_state(page):
    return page.evaluate(
        """() => {
          const codes = (css) => [...new Set([...document.querySelectorAll(css)].map((m) => m.dataset.code))];
          return {
            path: location.pathname,
            panel: (document.querySelector('#panel #point-panel') || {dataset: {}}).dataset.point || null,
            empty: !!document.querySelector('#panel .panel-empty'),
            focus: document.activeElement.id,
            focusInPanel: !!document.activeElement.closest('#panel'),
            status: document.getElementById('map-status').textContent,
            selected: codes('a.marker.is-selected'),
            current: codes('a.marker[aria-current="true"]'),
          };
        }"""
    )


def opened_state(page, code):
    page.locator(f"#panel #point-panel[data-point='{code}']").wait_for()
    page.wait_for_function("document.activeElement.id === 'point-heading'")
    name = page.locator("#panel #point-panel").get_attribute("data-name")
    return {
        "path": f"/points/{code}/",
        "panel": code,
        "empty": False,
        "focus": "point-heading",
        "focusInPanel": True,
        "status": f"Showing {name}",
        "selected": [code],
        "current": [code],
    }


def restored(state):
    """What Back and Forward put back (focus is not part of it)."""
    return {k: v for k, v in state.items() if k not in ("focus", "focusInPanel")}


@pytest.mark.browser
@pytest.mark.parametrize("how", ["click", "enter"])
@pytest.mark.parametrize(("region", "first", "second"), MAPS)
def test_click_and_enter_on_a_marker_do_the_same_and_back_undoes_it(site, browser, screen, region, first, second, how):
    context, page, errors = open_page(browser, screen)
    page.goto(f"{site}/regions/{region}/")
    page.evaluate("window.__sameDocument = true")
    at_region = map_state(page)
    assert at_region["empty"] and at_region["selected"] == [] and at_region["panel"] is None

    activate(page, first, how)
    expected = opened_state(page, first)
    assert map_state(page) == expected, how
    assert in_viewport(page, page.locator("#panel #point-heading"))  # focus brought it into view
    activate(page, second, how)
    expected_second = opened_state(page, second)
    assert map_state(page) == expected_second, how
    assert page.evaluate("window.__sameDocument") is True  # the panel changed, not the page

    page.go_back()
    page.locator(f"#panel #point-panel[data-point='{first}']").wait_for()
    assert restored(map_state(page)) == restored(expected), how
    page.go_back()
    page.wait_for_function(SHOWN.format(f"/regions/{region}/"))
    page.locator("#panel .panel-empty").wait_for()
    assert restored(map_state(page)) == restored(at_region), how
    page.go_forward()
    page.locator(f"#panel #point-panel[data-point='{first}']").wait_for()
    assert restored(map_state(page)) == restored(expected), how
    assert page.evaluate("window.__sameDocument") is True  # all from htmx's snapshots

    # htmx keeps ten snapshots: once this one is gone, Back must still give the whole page
    page.go_forward()
    page.locator(f"#panel #point-panel[data-point='{second}']").wait_for()
    page.evaluate("sessionStorage.removeItem('htmx-history-cache')")
    page.go_back()
    page.wait_for_function(SHOWN.format(f"/points/{first}/"))
    page.locator("#point-heading").wait_for()
    assert page.locator(".site-header").is_visible() and page.locator("#main").is_visible()
    assert page.locator("#point-heading").inner_text().startswith(first.upper())
    assert page.locator(f'a.marker.is-selected[data-code="{first}"]').count() >= 1  # its figures too
    assert page.get_by_role("button", name="+ Add to my sheet").is_visible()
    context.close()
    assert not errors, errors


@pytest.mark.browser
@pytest.mark.parametrize("how", ["click", "enter"])
def test_the_panels_close_up_opens_the_full_page_by_click_and_by_enter(site, browser, screen, how):
    """The point on the panel's close-up is a link to its full page: a click and Enter on the
    focused marker land on the same page, with the name focused for the next Tab."""
    context, page, errors = open_page(browser, screen)
    page.goto(f"{site}/regions/back/")
    activate(page, "bl23", "click")
    opened_state(page, "bl23")
    marker = page.locator('#panel .answer-figure a.marker[data-code="bl23"]').first
    assert marker.is_visible() and in_viewport(page, marker)
    if how == "click":
        marker.click()
    else:
        marker.focus()
        page.keyboard.press("Enter")
    page.wait_for_function(SHOWN.format("/points/bl23/"))
    page.locator("h1#point-heading").wait_for()
    assert page.locator(".site-header").is_visible() and page.locator("#panel").count() == 0
    assert page.locator('.answer-figure a.marker.is-selected[data-code="bl23"]').count() >= 1
    # and its own close-up's "Enlarge figure" opens and closes from the keyboard
    enlarge = page.locator(".answer-figure .figure-enlarge").first
    enlarge.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("!!document.querySelector('.figure-full:popover-open')")
    for _ in range(12):  # Tab stays inside the enlarged figure, which covers the screen
        page.keyboard.press("Tab")
        assert page.evaluate("!!document.activeElement.closest('.figure-full:popover-open')")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("!!document.activeElement.closest('.figure-full:popover-open')")
    page.keyboard.press("Escape")
    page.wait_for_function("!document.querySelector('.figure-full:popover-open')")
    assert page.evaluate("document.activeElement.classList.contains('figure-enlarge')")
    context.close()
    assert not errors, errors
