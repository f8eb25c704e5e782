"""Pregnancy mode (issue 10): one switch, carried by the address, part of the cache key."""

import pytest

from points.models import Condition, Point

from .browser import axe_violations

MODE = "pregnant=1"


def test_every_page_offers_the_switch_and_the_mode_says_how_to_leave(client, guide):
    off = client.get("/conditions/sciatica/").content.decode()
    assert 'href="/conditions/sciatica/?pregnant=1"' in off and ">I am pregnant<" in off
    on = client.get("/conditions/sciatica/?pregnant=1").content.decode()
    assert "Pregnancy mode is on." in on and ">I am pregnant<" not in on
    assert 'data-mode="leave" href="/conditions/sciatica/"' in on


def test_the_mode_is_part_of_the_cache_key_and_odd_values_read_as_off(client, guide):
    off = client.get("/conditions/acute-low-back-pain/")
    on = client.get("/conditions/acute-low-back-pain/?pregnant=1")
    assert off["ETag"] != on["ETag"] and off.content != on.content
    again = client.get("/conditions/acute-low-back-pain/?pregnant=1&pregnant=1&utm_source=x")
    assert again["ETag"] == on["ETag"] and again.content == on.content
    for odd in ("pregnant=no", "pregnant=", "pregnant=%00", "pregnant=1%20", "PREGNANT=1", "pregnant=" + "1" * 5000):
        response = client.get(f"/conditions/acute-low-back-pain/?{odd}")
        assert response.status_code == 200 and response["ETag"] == off["ETag"], odd
    for typed in ("pregnant=yes", "pregnant=True", "pregnant=on", "pregnant=1&pregnant=0"):  # what people type
        response = client.get(f"/conditions/acute-low-back-pain/?{typed}")
        assert response.status_code == 200 and response["ETag"] == on["ETag"], typed


def test_other_spellings_and_the_tray_keep_the_mode(client, guide):
    for url, target in (
        ("/points/LI4/", "/points/li4/"),
        ("/points/hoku/", "/points/li4/"),
        ("/points/UB23/sheet/", "/points/bl23/sheet/"),
    ):
        response = client.get(url + "?pregnant=1")
        assert response.status_code == 301 and response["Location"] == target + "?pregnant=1", url
    response = client.get("/sheet/tray/?points=bl23&add=bl40&pregnant=1&pregnant=0")
    assert response.status_code == 302 and response["Location"].endswith("&pregnant=1")


def test_a_reference_only_point_is_named_but_never_put_on_a_sheet(client, guide):
    html = client.get("/sheet/?points=bl23,gv1,cv4").content.decode()
    assert 'id="sp-bl23"' in html and 'id="sp-gv1"' not in html and 'id="sp-cv4"' not in html
    assert "GV1 is not on this sheet" in html and "CV4 is not on this sheet" in html


def test_points_to_avoid_leave_condition_lists_maps_and_sheets_with_a_note(client, guide):
    li4 = Point.objects.get(code="LI4")
    assert li4.avoid_in_pregnancy and li4.pregnancy_alternative is not None
    for url in ("/conditions/acute-low-back-pain/", "/conditions/acute-low-back-pain/sheet/", "/regions/hand/"):
        off = client.get(url).content.decode()
        on = client.get(f"{url}?{MODE}").content.decode()
        assert 'data-point="LI4"' in off
        for block in ('class="point-card" data-point="LI4"', 'class="point-row" data-point="LI4"', '"sheet-point"'):
            assert f"{block}" not in on or block == '"sheet-point"', f"{url}: LI4 still offered"
        assert 'data-point="LI4">' not in on.replace('<li data-point="LI4">', ""), f"{url}: LI4 still offered"
        assert 'data-code="li4"' not in on, f"{url}: LI4 still on the map"
        note = on[on.index("Left out because you are pregnant") :].split("</div>")[0]
        assert "LI4" in note and "Avoid in pregnancy" in note and li4.pregnancy_alternative.code in note, url


def test_gentle_only_points_are_marked_where_you_press(client, guide):
    html = client.get(f"/conditions/sciatica/?{MODE}").content.decode()
    gentle = [
        i.point
        for i in Condition.objects.get(slug="sciatica").indications.all()
        if i.point.pregnancy_caution == "gentle"
    ]
    assert gentle
    for point in gentle:
        assert f'is-gentle" href="{point.get_absolute_url()}?{MODE}"' in html, f"{point.code} marker not flagged"
        row = html[html.index(f'class="point-card" data-point="{point.code}"') :].split("</li>")[0]
        assert "Gentle only in pregnancy" in row


def test_a_point_to_avoid_gives_no_technique_in_the_mode(client, guide):
    html = client.get(f"/points/li4/?{MODE}").content.decode()
    assert "Avoid in pregnancy" in html and "Instead, if you are pregnant" in html
    assert "<h2>How to press</h2>" not in html and "Add to my sheet" not in html
    assert "<h2>How to press</h2>" in client.get("/points/li4/").content.decode()


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_reader_turns_the_mode_on_and_browses_with_it(site, browser, javascript):
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=javascript)
    page = context.new_page()
    try:
        page.goto(site + "/")
        page.get_by_role("link", name="I am pregnant").click()
        page.wait_for_url("**/?pregnant=1")
        page.get_by_role("link", name="Acute low back pain").first.click()
        page.wait_for_url("**/conditions/acute-low-back-pain/?pregnant=1")
        assert page.get_by_text("Pregnancy mode is on.").is_visible()
        assert page.locator('.point-card[data-point="LI4"]').count() == 0
        assert page.locator(".point-card").count() >= 1
        assert page.locator('.left-out li[data-point="LI4"]').is_visible()
        page.locator(".site-header").get_by_role("link", name="Search").click()  # a phone's header: a link
        page.wait_for_url("**/search/?pregnant=1")
        page.get_by_label("Search points and conditions").first.fill("BL23")
        with page.expect_navigation():  # the form is sent (with JavaScript, after the live results)
            page.get_by_label("Search points and conditions").first.press("Enter")
        page.wait_for_load_state()
        page.get_by_text("Pregnancy mode is on.").wait_for()  # visible
        assert "pregnant=1" in page.url and "q=BL23" in page.url
        if javascript:
            assert axe_violations(page) == []
            page.goto(site + "/points/bl40/?pregnant=1")
            page.get_by_role("button", name="+ Add to my sheet").click()
            page.locator("#sheet-link").wait_for()
            assert "pregnant=1" in page.locator("#sheet-link").get_attribute("href")  # built by sheet.js
        page.get_by_role("link", name="Leave pregnancy mode").click()
        page.wait_for_load_state()
        assert "pregnant" not in page.url and page.get_by_role("link", name="I am pregnant").is_visible()
    finally:
        context.close()
