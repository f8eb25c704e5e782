"""Four eyes end to end in a real browser: an Editor's change to a published point is
invisible to the public until a Reviewer approves it (issue 12, "Done when")."""

import datetime

import pytest
from django.contrib.auth.models import Group, User

from points.models import Point
from points.roles import EDITORS, REVIEWERS, roles_sync

from .test_picker import admin_page

pytestmark = pytest.mark.browser

NEW_WHERE = "On the lower back, two thumb-widths either side of the spine, level with the waist (browser test)."


def staff(name, group):
    user = User.objects.create_user(name, password="pw-for-tests-only", is_staff=True, first_name=name.title())
    user.groups.add(Group.objects.get(name=group))
    return user


def test_an_editors_change_reaches_the_public_only_after_a_reviewer_approves_it(site, browser):
    roles_sync()
    staff("edna", EDITORS)
    staff("rita", REVIEWERS)
    point = Point.objects.get(code="BL23")
    reader = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    reader.goto(site + "/points/bl23/")
    old_where = reader.locator(".answer-lines").inner_text()
    assert NEW_WHERE not in old_where

    context, page, errors = admin_page(browser, site, "edna")
    page.goto(site + f"/admin/points/point/{point.pk}/change/")
    page.fill("#id_where", NEW_WHERE)
    page.fill("#id_change_reason", "Plainer words for the first screen")
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/points/revision/*/change/")
    assert "is waiting for review" in page.locator(".messagelist").inner_text()
    assert "Plainer words for the first screen" in page.locator(".review-reason").first.inner_text()
    assert page.locator("input[name=_approve]").count() == 0  # an editor cannot approve
    context.close()

    reader.reload()
    assert NEW_WHERE not in reader.locator(".answer-lines").inner_text()  # still the approved text

    context, page, errors = admin_page(browser, site, "rita")
    page.get_by_role("link", name="1 proposed change waiting for review").click()
    page.get_by_role("link", name=str(point)).click()
    diff = page.locator("table.review-diff")
    assert "Where" in diff.inner_text() and "(browser test)" in diff.locator("ins").all_inner_texts()[-1]
    page.fill("#id_note", "Checked against WHO 2008")
    page.click("input[name=_approve]")
    page.wait_for_url("**/admin/points/revision/")
    assert "Approved and published" in page.locator(".messagelist").inner_text()
    assert not errors, errors
    context.close()

    reader.reload()
    assert NEW_WHERE in reader.locator(".answer-lines").inner_text()
    today = datetime.date.today()
    assert f"Reviewed by Rita on {today.day} {today:%B %Y}" in reader.locator(".reviewed").inner_text()
    reader.context.close()
