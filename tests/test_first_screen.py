"""What a person in pain sees before scrolling (issue 11): measured from the rendered boxes in
a real browser at 390 x 844 (a phone) and 1280 x 800 (a laptop), not from the text.

- a point page and a tapped region panel: the name, the point on its close-up, and the
  where / how / is-it-safe lines;
- the home page: "What kind of back pain?" with every condition as a large tap target, then
  search, then the body map;
- a condition page: the red flags once, then numbered point cards, and the whole page before
  its "Evidence and corrections" at most four phone screens long;
- a sheet: its title and the print button.
"""

import pytest

from points.models import Condition, Point

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = {"phone": (390, 844), "desktop": (1280, 800)}
PAGE_BUDGET = 4  # phone screens before a condition page's "Evidence and corrections"

BOX = "el => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }"


@pytest.fixture(params=list(SCREENS), ids=list(SCREENS))
def screen(request, browser):
    width, height = SCREENS[request.param]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page, width, height
    context.close()
    assert not errors, errors


def boxes(page, selector):
    return [el.evaluate(BOX) for el in page.query_selector_all(selector) if el.is_visible()]


def on_screen(box, width, height):
    left, top, right, bottom = box
    return left >= -0.5 and top >= -0.5 and right <= width + 0.5 and bottom <= height + 0.5


def assert_answer_on_screen(page, width, height, scope, label):
    """The name, a selected marker on the close-up and every answer line, inside the screen."""
    heading = boxes(page, f"{scope} #point-heading")
    assert heading and on_screen(heading[0], width, height), f"{label}: name not on the first screen {heading}"
    markers = boxes(page, f"{scope} .answer-figure .marker.is-selected")
    assert markers, f"{label}: no close-up with the point marked"
    assert all(on_screen(m, width, height) for m in markers), f"{label}: the marked point is off screen {markers}"
    lines = boxes(page, f"{scope} .answer-line")
    names = [t.strip() for t in page.locator(f"{scope} .answer-line dt").all_inner_texts()]
    return lines, names


@pytest.mark.parametrize("mode", ["", "?pregnant=1"], ids=["plain", "pregnancy-mode"])
def test_every_point_page_answers_where_how_and_is_it_safe_on_its_first_screen(site, screen, mode):
    """Also in pregnancy mode (its banner above the page) and with a point on the sheet (the
    header's "My sheet" link): the states a returning reader is in."""
    page, width, height = screen
    page.goto(site + "/")
    page.evaluate("localStorage.setItem('acuguide-sheet', 'bl40')")
    for point in Point.objects.published():
        page.goto(site + point.get_absolute_url() + mode)
        assert page.locator("#sheet-link").is_visible(), "the header's My sheet link is not shown"
        lines, names = assert_answer_on_screen(page, width, height, "", point.code)
        offered = point.pressable and not (mode and point.avoid_in_pregnancy)
        expected = ["Where", "How", "Safe?"] if offered else ["Where", "Safe?"]
        assert names == expected, f"{point.code}: answer lines {names}"
        for box, name in zip(lines, names, strict=True):
            assert on_screen(box, width, height), f"{point.code}: the {name!r} line ends below the first screen {box}"


@pytest.mark.parametrize("region,code", [("back", "bl23"), ("foot", "bl60"), ("leg", "st36")])
def test_a_tapped_marker_opens_a_panel_that_answers_on_one_screen(site, screen, region, code):
    page, width, height = screen
    page.goto(f"{site}/regions/{region}/")
    page.locator(f'.figures .marker[data-code="{code}"]').first.click()
    page.wait_for_selector(f'#panel [data-point="{code}"]')
    page.wait_for_timeout(100)  # the scroll that follows the swap
    assert page.evaluate("location.pathname") == f"/points/{code}/"
    lines, names = assert_answer_on_screen(page, width, height, "#panel", f"{region} panel {code}")
    assert names == ["Where", "How", "Safe?"]
    assert all(on_screen(box, width, height) for box in lines), f"{code} panel: answer lines off screen {lines}"


def test_home_starts_with_the_kinds_of_back_pain(site, screen):
    page, width, height = screen
    page.goto(site + "/")
    heading = page.locator("h1")
    assert heading.inner_text() == "What kind of back pain?"
    assert on_screen(heading.evaluate(BOX), width, height)
    choices = boxes(page, ".condition-choice")
    assert len(choices) == Condition.objects.published().count() == 8
    for box in choices:
        assert on_screen(box, width, height), f"a condition is below the first screen: {box}"
        assert box[3] - box[1] >= 44 and box[2] - box[0] >= 44, f"tap target too small: {box}"
    search = boxes(page, "main .search-form")[0]
    body_map = boxes(page, ".body-overview")[0]
    assert max(b[3] for b in choices) <= search[1] < body_map[1], "order: conditions, then search, then the map"


def test_the_conditions_index_lists_every_condition(site, screen):
    page = screen[0]
    page.goto(site + "/conditions/")
    links = page.locator(".condition-choice")
    assert links.count() == Condition.objects.published().count()
    links.first.click()
    page.wait_for_selector(".point-cards")
    assert page.evaluate("location.pathname").startswith("/conditions/")


def test_condition_pages_show_red_flags_then_cards_within_the_length_budget(site, screen):
    page, width, height = screen
    for condition in Condition.objects.published():
        page.goto(site + condition.get_absolute_url())
        assert page.locator(".red-flags").count() == 1, f"{condition.slug}: red flags shown more than once"
        flags = boxes(page, ".red-flags")[0]
        assert flags[1] < height, f"{condition.slug}: the red flags do not start on the first screen"
        cards = boxes(page, ".point-card")
        assert cards and cards[0][1] > flags[3], f"{condition.slug}: the point cards do not follow the red flags"
        steps = page.locator(".point-card .step").all_inner_texts()
        assert steps == [str(n) for n in range(1, len(cards) + 1)], f"{condition.slug}: cards not numbered {steps}"
        figures = boxes(page, ".point-card .card-figure svg")
        assert len(figures) == len(cards), f"{condition.slug}: a card without its close-up"
        evidence = page.locator("details.evidence").evaluate("el => el.getBoundingClientRect().top + scrollY")
        if width == 390:
            assert evidence <= PAGE_BUDGET * height, (
                f"{condition.slug}: {evidence:.0f} px before Evidence and corrections "
                f"(budget {PAGE_BUDGET} screens = {PAGE_BUDGET * height} px)"
            )


@pytest.mark.parametrize("path", ["/points/bl23/sheet/", "/conditions/sciatica/sheet/"])
def test_a_sheet_opens_on_its_title_and_print_button(site, screen, path):
    page, width, height = screen
    page.goto(site + path)
    for selector in ("h1", "button[data-print]"):
        found = boxes(page, selector)
        assert found and on_screen(found[0], width, height), f"{path}: {selector} not on the first screen"
