"""Reader reports in a real browser: a reader on a 390 px phone taps the figure where they
think the point is and sends the report; the page fits the phone, has no accessibility
violations, and works with JavaScript off."""

import os
from decimal import Decimal

import pytest

from points.models import Placement, Report

from .browser import axe_violations

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("REPORT_SCREENSHOTS", "")  # a folder: save screenshots there to look at


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    yield page
    context.close()
    assert not errors, f"JavaScript or CSP errors in the page: {errors}"


def fits(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_reader_taps_the_figure_on_a_phone_and_sends_the_report(site, phone):
    phone.goto(site + "/points/bl23/")
    phone.get_by_role("link", name="Is something wrong here?").click()
    phone.wait_for_url("**/points/bl23/report/")
    assert fits(phone)
    phone.get_by_label("The location").check()
    phone.get_by_label("Details (optional)").fill("I feel it a finger lower, on the left.")
    assert phone.locator("#tap-help").is_visible() and not phone.locator(".report-nojs").is_visible()
    honeypot = phone.locator("#id_website").bounding_box()
    assert honeypot["x"] + honeypot["width"] <= 0  # out of sight

    figure = phone.locator(".report-svg")
    figure.scroll_into_view_if_needed()
    box = figure.bounding_box()
    assert box["width"] <= 390 - 2 * 16
    phone.touchscreen.tap(box["x"] + box["width"] * 0.30, box["y"] + box["height"] * 0.25)
    status = phone.locator(".report-tap-status")
    assert status.inner_text().startswith("Your spot: 30.")
    assert phone.locator(".report-figure.has-tap .report-tap-ring").is_visible()
    assert phone.get_by_role("button", name="Remove my spot").is_visible()
    if SHOTS:
        phone.screenshot(path=os.path.join(SHOTS, "report-phone.png"), full_page=True)

    phone.get_by_role("button", name="Send the report").click()
    phone.wait_for_url("**/points/bl23/report/thanks/")
    assert phone.get_by_role("heading", level=1).inner_text() == "Thank you"
    assert phone.get_by_role("link", name="Back to BL23 Shenshu").is_visible()
    if SHOTS:
        phone.screenshot(path=os.path.join(SHOTS, "report-thanks.png"), full_page=True)

    report = Report.objects.get()
    assert report.kind == "location" and report.details == "I feel it a finger lower, on the left."
    # 30 % across is nearer the left-hand marker (person's left, on the viewer's left)
    assert report.placement == Placement.objects.get(point__code="BL23", illustration__slug="back-lower", side="left")
    assert abs(report.x - Decimal(30)) < 1 and abs(report.y - Decimal(25)) < 1


def test_a_spot_can_be_removed_and_a_keyboard_user_can_skip_it(site, phone):
    phone.goto(site + "/points/bl23/report/")
    figure = phone.locator(".report-svg")
    figure.scroll_into_view_if_needed()
    box = figure.bounding_box()
    phone.touchscreen.tap(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    phone.get_by_role("button", name="Remove my spot").click()
    assert phone.locator(".report-tap-status").inner_text() == "Your spot is removed."
    assert phone.locator(".report-figure.has-tap").count() == 0
    # keyboard: from the details, Tab goes past the figure (and past the honeypot) to Send
    phone.get_by_label("Something else").check()
    phone.get_by_label("Details (optional)").focus()
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.textContent") == "Send the report"
    phone.keyboard.press("Enter")
    phone.wait_for_url("**/report/thanks/")
    report = Report.objects.get()
    assert (report.kind, report.x, report.placement) == ("other", None, None)


def test_without_javascript_the_form_still_sends(site, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    page = context.new_page()
    page.goto(site + "/points/bl23/report/")
    assert page.locator(".report-nojs").is_visible() and page.locator(".report-svg").is_visible()
    page.get_by_label("The wording").check()
    page.get_by_role("button", name="Send the report").click()
    page.wait_for_url("**/report/thanks/")
    context.close()
    assert Report.objects.get().kind == "wording"


def test_no_accessibility_violations_on_the_report_pages(site, page):
    page.goto(site + "/points/bl23/report/")
    assert fits(page)
    assert axe_violations(page) == []
    box = page.locator(".report-svg").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.get_by_label("Details (optional)").fill("x")
    page.get_by_role("button", name="Send the report").click()  # no kind chosen: the browser asks for one
    assert page.url.endswith("/report/")
    page.get_by_label("The wording").check()
    page.get_by_role("button", name="Send the report").click()
    page.wait_for_url("**/report/thanks/")
    assert axe_violations(page) == []


def test_the_error_page_has_no_accessibility_violations(site, page):
    page.goto(site + "/points/bl23/report/")
    page.get_by_label("The wording").check()
    page.get_by_label("Details (optional)").evaluate("(el) => { el.removeAttribute('maxlength'); }")
    page.get_by_label("Details (optional)").fill("y" * 1200)
    page.get_by_role("button", name="Send the report").click()
    page.wait_for_selector("#report-errors")
    assert "1000 characters (you wrote 1200)" in page.locator("#report-errors").inner_text()
    assert axe_violations(page) == []
