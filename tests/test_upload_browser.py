"""In a real browser: an editor uploads a PNG in the admin, places a point on it, and the
public region page shows the picture with the marker on it (issue 12, item 7)."""

import pytest
from django.contrib.auth.models import Group, User
from PIL import Image, ImageDraw

from points.roles import EDITORS, REVIEWERS, roles_sync

pytestmark = pytest.mark.browser

PASSWORD = "pw-for-tests-only"
SLUG = "uploaded-hand"


def png_file(tmp_path):
    """A 600 x 400 PNG with something drawn on it."""
    image = Image.new("RGB", (600, 400), "white")
    ImageDraw.Draw(image).ellipse((150, 80, 450, 320), outline="black", width=6)
    path = tmp_path / "hand-photo.png"
    image.save(path, format="PNG")
    return path


def admin_login(browser, site, username):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(site + "/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    return context, page


def approve_latest(browser, site):
    """A second person, a Reviewer, approves the change that waits (points/review.py)."""
    context, page = admin_login(browser, site, "upload-reviewer")
    page.get_by_role("link", name="1 proposed change waiting for review").click()
    page.locator("#result_list tbody a").first.click()
    page.click("input[name=_approve]")
    page.wait_for_url("**/admin/points/revision/")
    assert "Approved and published" in page.inner_text(".messagelist")
    context.close()


def upload_in_admin(browser, site, *, png, point="LI4", x="25", y="50"):
    """An Editor uploads ``png`` as a new illustration of the hand, then places ``point``
    on it at x, y; each change reaches readers when a Reviewer has approved it."""
    roles_sync()
    editor = User.objects.create_user("upload-editor", "editor@example.org", PASSWORD, is_staff=True)
    editor.groups.add(Group.objects.get(name=EDITORS))
    reviewer = User.objects.create_user("upload-reviewer", "reviewer@example.org", PASSWORD, is_staff=True)
    reviewer.groups.add(Group.objects.get(name=REVIEWERS))
    context, page = admin_login(browser, site, "upload-editor")
    page.goto(site + "/admin/points/illustration/add/")
    page.select_option("#id_region", label="Hand")
    page.fill("#id_slug", SLUG)
    page.fill("#id_view", "photo of the back of a hand")
    page.set_input_files("#id_image", str(png))
    page.fill("#id_alt_text", "A photo of the back of a hand")
    page.fill("#id_credit", "Test")
    page.fill("#id_licence", "CC BY 4.0")
    page.fill("#id_order", "9")
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/points/revision/*/change/")
    assert "is waiting for review" in page.inner_text(".messagelist")
    approve_latest(browser, site)

    page.goto(site + "/admin/points/placement/add/")
    page.select_option("#id_point", label=next(
        o for o in page.locator("#id_point option").all_inner_texts() if o.startswith(f"{point} ")
    ))  # fmt: skip
    page.select_option("#id_illustration", label="Hand: photo of the back of a hand")
    page.fill("#id_x", x)
    page.fill("#id_y", y)
    page.select_option("#id_side", "right")
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/points/revision/*/change/")
    assert "is waiting for review" in page.inner_text(".messagelist")
    context.close()
    approve_latest(browser, site)


def test_an_uploaded_png_is_shown_on_the_public_region_page_with_its_marker(site, browser, page, tmp_path):
    upload_in_admin(browser, site, png=png_file(tmp_path))

    media = []
    page.on("response", lambda r: "/media/" in r.url and media.append((r.status, r.headers.get("content-type"))))
    page.goto(site + "/regions/hand/")  # a visitor: not logged in
    figure = page.locator(f"#fig-{SLUG}")
    figure.scroll_into_view_if_needed()
    href = figure.locator("svg.figure-svg image").get_attribute("href")
    assert href.startswith("/media/illustrations/") and href.endswith(".png")
    natural = page.evaluate(
        "async (src) => { const img = new Image(); img.src = src; await img.decode();"
        " return [img.naturalWidth, img.naturalHeight]; }",
        href,
    )
    assert natural == [600, 400]
    assert (200, "image/png") in media
    marker = figure.locator('svg.figure-svg a.marker[data-code="li4"]')
    assert marker.count() == 1 and marker.is_visible()
    # the marker's dot sits at 25 % across and 50 % down the drawn picture
    box = marker.locator("circle.marker-dot").bounding_box()
    art = figure.locator("svg.figure-svg image").bounding_box()
    across = (box["x"] + box["width"] / 2 - art["x"]) / art["width"]
    down = (box["y"] + box["height"] / 2 - art["y"]) / art["height"]
    centre = (across, down)
    assert centre == (pytest.approx(0.25, abs=0.02), pytest.approx(0.5, abs=0.02))
