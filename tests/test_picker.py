"""The location picker: editors move a point on its illustration, with a reason and a source."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from points.admin_placement import REASON_REQUIRED, PlacementAdminForm
from points.models import Citation, Placement, Point, Source
from points.services import point_relocate

WHO = "who-2008"

# what a save does; who must approve it is tests/test_four_eyes.py
pytestmark = pytest.mark.usefixtures("one_person_site")


def bl40_placement():
    return Placement.objects.select_related("point", "illustration").get(
        point__code="BL40", illustration__slug="leg-back"
    )


def change_url(placement):
    return f"/admin/points/placement/{placement.pk}/change/"


def form_data(placement, **changes):
    data = {
        "point": placement.point_id,
        "illustration": placement.illustration_id,
        "x": f"{placement.x:.2f}",
        "y": f"{placement.y:.2f}",
        "side": placement.side,
        "landmark": placement.landmark,
        "loaded_version": placement.version,
        "reason": "",
        "citation_source": "",
        "citation_locator": "",
        "_save": "Save",
    }
    data.update(changes)
    return data


def picker_html(response):
    """The widget's own HTML, as rendered inside the admin page."""
    html = str(response.context["adminform"].form["picker"])
    assert html in response.content.decode()
    return html


# Django client: rendering and saving


@pytest.mark.django_db
def test_change_page_renders_the_picker_with_data_attributes_and_media(admin_client):
    placement = bl40_placement()
    response = admin_client.get(change_url(placement))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<script src="/static/points/location-picker.js"' in page
    assert 'href="/static/points/location-picker.css"' in page

    html = picker_html(response)
    assert 'data-x-input="id_x"' in html and 'data-y-input="id_y"' in html
    assert 'data-illustration-input="id_illustration"' in html
    assert f'data-illustration="{placement.illustration_id}"' in html
    assert 'data-width="400"' in html and 'data-height="600"' in html
    assert '<svg class="location-picker-svg" viewBox="0 0 400 600"' in html
    assert 'href="/static/illustrations/leg-back.svg"' in html
    # this point's marker: prominent, focusable, named with its position and the keys
    marker = re.search(r'<g class="location-picker-marker"[^>]*>', html).group(0)
    assert 'tabindex="0"' in marker and 'role="slider"' in marker
    assert f"x {placement.x:.2f} %, y {placement.y:.2f} %" in marker and "Arrow keys" in marker
    cx, cy = float(placement.x) * 4, float(placement.y) * 6  # percent of 400 and 600
    centre = re.search(r'class="location-picker-dot" cx="([\d.]+)" cy="([\d.]+)"', html) or re.search(
        r'cx="([\d.]+)" cy="([\d.]+)"', marker + html.split(marker)[1]
    )
    assert abs(float(centre.group(1)) - cx) < 0.06 and abs(float(centre.group(2)) - cy) < 0.06
    # its geometry comes from points/geometry.py, for the script too (data-*)
    from points.geometry import PICKER, picker_numbers, scale_for

    sizes = picker_numbers(scale_for(PICKER, 400, 512))
    assert f'data-arm="{sizes["arm"]}"' in html and f'data-label-dy="{sizes["label_dy"]}"' in html
    assert f'r="{sizes["ring_r"]}" stroke-width="{sizes["stroke"]}"' in marker + html.split(marker)[1][:400]
    # no inline script or style anywhere in the widget (CSP)
    assert "style=" not in html and "<script" not in html and "<style" not in html
    assert not re.search(r"\son[a-z]+=", html)  # no onclick= and friends
    # the number fields stay editable
    assert re.search(rf'<input type="number" name="x" value="{placement.x:.2f}"[^>]*id="id_x"', page)


@pytest.mark.django_db
def test_other_points_on_the_same_figure_are_drawn_faintly():
    placement = Placement.objects.filter(illustration__placements__isnull=False).select_related("point").first()
    others = Placement.objects.filter(illustration=placement.illustration).exclude(pk=placement.pk)
    html = str(PlacementAdminForm(instance=placement)["picker"])
    faint = html.split('<g class="location-picker-others" aria-hidden="true">')[1].split("</g>\n    <g")[0]
    assert faint.count('class="location-picker-other"') == others.count()
    for other in others.select_related("point"):
        assert f">{other.point.code}</text>" in faint


@pytest.mark.django_db
def test_add_form_has_no_picker_until_the_placement_is_saved(admin_client):
    response = admin_client.get("/admin/points/placement/add/")
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "picker" not in form.fields and "reason" not in form.fields
    assert "Save and continue editing" in response.content.decode()


@pytest.mark.django_db
def test_moving_without_a_reason_is_refused(admin_client):
    placement = bl40_placement()
    response = admin_client.post(change_url(placement), form_data(placement, x="52.50"))
    assert response.status_code == 200  # the form again
    assert REASON_REQUIRED in response.content.decode().replace("&#x27;", "'")
    assert response.context["adminform"].form.errors["reason"] == [REASON_REQUIRED]
    placement.refresh_from_db()
    assert placement.x == Decimal("50.00")
    # the marker is drawn where the editor put it, so nothing is lost
    assert 'cx="210.0"' in picker_html(response)


@pytest.mark.django_db
def test_out_of_range_and_locator_without_source_are_refused(admin_client):
    placement = bl40_placement()
    response = admin_client.post(change_url(placement), form_data(placement, x="100.5", reason="r"))
    assert "x" in response.context["adminform"].form.errors
    response = admin_client.post(change_url(placement), form_data(placement, reason="r", citation_locator="p. 3"))
    assert "citation_source" in response.context["adminform"].form.errors


@pytest.mark.django_db
def test_saving_without_moving_needs_no_reason(admin_client):
    placement = bl40_placement()
    response = admin_client.post(change_url(placement), form_data(placement, side="left"))
    assert response.status_code == 302
    placement.refresh_from_db()
    assert placement.side == "left" and placement.x == Decimal("50.00")


@pytest.mark.django_db
def test_moving_with_a_reason_and_a_source_saves_history_and_citation(admin_client):
    placement = bl40_placement()
    source = Source.objects.get(key=WHO)
    before = Citation.objects.filter(point=placement.point, claim="location").count()
    reason = "Midpoint of the popliteal crease per WHO 2008"
    response = admin_client.post(
        change_url(placement),
        form_data(placement, x="51.25", y="48.50", reason=reason, citation_source=source.pk, citation_locator="p. 112"),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    placement.refresh_from_db()
    assert (placement.x, placement.y) == (Decimal("51.25"), Decimal("48.50"))
    latest = placement.history.first()
    assert latest.history_change_reason == reason
    assert latest.history_user.username == "admin"
    assert (latest.x, latest.y) == (Decimal("51.25"), Decimal("48.50"))
    citations = Citation.objects.filter(point=placement.point, claim="location")
    assert citations.count() == before + 1
    citation = citations.latest("pk")
    assert (citation.source, citation.locator, citation.note) == (source, "p. 112", reason)
    assert citation.history.first().history_change_reason == reason


@pytest.mark.django_db
def test_point_relocate_is_keyword_only_and_needs_a_reason():
    placement = bl40_placement()
    editor = User.objects.create_user("ed", password="pw-for-tests-only")
    with pytest.raises(TypeError):
        point_relocate(placement, 1, 2, editor, "why")
    with pytest.raises(ValidationError):
        point_relocate(placement=placement, x=10, y=10, editor=editor, reason="  ")
    with pytest.raises(ValidationError):
        point_relocate(placement=placement, x=101, y=10, editor=editor, reason="out of the figure")
    # BL40 is published: the move waits for a reviewer and the marker stays where it is
    revision, _ = point_relocate(placement=placement, x=12.345, y=60, editor=editor, reason="closer to the crease")
    assert revision is not None and revision.changes[0]["fields"] == {"x": "12.35", "y": "60.00"}
    placement.refresh_from_db()
    assert placement.x != Decimal("12.35")
    Point.objects.filter(pk=placement.point_id).update(status="draft")  # a draft moves at once
    revision, moved = point_relocate(placement=placement, x=12.345, y=60, editor=editor, reason="closer to the crease")
    assert revision is None
    moved.refresh_from_db()
    assert (moved.x, moved.y) == (Decimal("12.35"), Decimal("60.00"))
    assert moved.history.first().history_change_reason == "closer to the crease"
    assert moved.history.first().history_user == editor


# In a real browser: click, arrow keys, save, and the public map moves


def admin_page(browser, site, username):
    """A desktop-sized context logged in through the admin login form; JS and CSP errors collected."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # the admin has no favicon link, so the browser's own /favicon.ico request 404s: not a page error
    page.on(
        "console",
        lambda msg: (
            msg.type == "error"
            and not msg.location.get("url", "").endswith("/favicon.ico")
            and errors.append(f"{msg.text} ({msg.location.get('url', '')})")
        ),
    )
    page.goto(site + "/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-for-tests-only")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    return context, page, errors


@pytest.mark.browser
def test_editor_places_bl40_and_the_public_map_moves(site, browser):
    User.objects.create_superuser("picker-editor", "editor@example.org", "pw-for-tests-only")
    placement = bl40_placement()
    width, height = placement.illustration.width, placement.illustration.height

    context, page, errors = admin_page(browser, site, "picker-editor")

    page.goto(site + change_url(placement))
    figure = page.locator("svg.location-picker-svg")
    figure.wait_for()
    assert page.input_value("#id_x") == f"{placement.x:.2f}" and page.input_value("#id_y") == f"{placement.y:.2f}"

    # click at 30 % across and 70 % down the figure
    box = figure.bounding_box()
    figure.click(position={"x": box["width"] * 0.30, "y": box["height"] * 0.70})
    x, y = float(page.input_value("#id_x")), float(page.input_value("#id_y"))
    assert abs(x - 30) < 0.6 and abs(y - 70) < 0.6, (x, y)
    dot = page.locator(".location-picker-dot")
    assert abs(float(dot.get_attribute("cx")) - x * width / 100) < 0.01

    # the marker has focus after the click: arrow keys nudge it
    assert page.evaluate("document.activeElement.classList.contains('location-picker-marker')")
    page.keyboard.press("ArrowRight")
    assert page.input_value("#id_x") == f"{x + 0.5:.2f}"
    page.keyboard.press("Shift+ArrowUp")
    assert page.input_value("#id_y") == f"{y - 2:.2f}"
    aria = page.locator(".location-picker-marker").get_attribute("aria-label")
    assert f"x {x + 0.5:.2f} %, y {y - 2:.2f} %" in aria

    # typing in the number field moves the marker
    page.fill("#id_x", "35.5")
    assert float(dot.get_attribute("cx")) == pytest.approx(35.5 * width / 100)
    # the crosshair and the label follow with the sizes the server gave (points/geometry.py)
    root = page.locator(".location-picker")
    arm, label_dy = float(root.get_attribute("data-arm")), float(root.get_attribute("data-label-dy"))
    cx, cy = float(dot.get_attribute("cx")), float(dot.get_attribute("cy"))
    across = page.locator(".location-picker-cross").first
    assert float(across.get_attribute("x1")) == pytest.approx(cx - arm, abs=0.01)
    assert float(across.get_attribute("x2")) == pytest.approx(cx + arm, abs=0.01)
    assert float(page.locator(".location-picker-label").get_attribute("y")) == pytest.approx(cy + label_dy, abs=0.01)

    page.fill("#id_reason", "Checked against the WHO 2008 description")
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/points/placement/")
    placement.refresh_from_db()
    assert placement.x == Decimal("35.50") and placement.y == Decimal(f"{y - 2:.2f}")

    page.goto(site + "/regions/leg/")
    public = page.locator('svg[aria-label^="Right leg, back"] a.marker[data-code="bl40"] .marker-dot')
    assert float(public.get_attribute("cx")) == round(35.5 * width / 100, 1)
    assert float(public.get_attribute("cy")) == round((y - 2) * height / 100, 1)
    context.close()
    assert not errors, f"JavaScript or CSP errors in the page: {errors}"


@pytest.mark.browser
def test_drag_the_marker_and_clamp_at_the_edge(site, browser):
    User.objects.create_superuser("dragger", "dragger@example.org", "pw-for-tests-only")
    placement = bl40_placement()
    context, page, errors = admin_page(browser, site, "dragger")
    page.goto(site + change_url(placement))

    figure = page.locator("svg.location-picker-svg")
    box = figure.bounding_box()
    dot = page.locator(".location-picker-dot").bounding_box()
    start = (dot["x"] + dot["width"] / 2, dot["y"] + dot["height"] / 2)
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(start[0] + box["width"] * 0.10, start[1] + box["height"] * 0.05, steps=5)
    page.mouse.up()
    x, y = float(page.input_value("#id_x")), float(page.input_value("#id_y"))
    assert abs(x - float(placement.x) - 10) < 0.6 and abs(y - float(placement.y) - 5) < 0.6, (x, y)

    page.mouse.move(start[0], start[1] - box["height"] * 0.05)
    page.mouse.down()  # press beside the marker: it jumps there, then follows the drag
    page.mouse.move(box["x"] - 50, box["y"] - 50, steps=5)  # far outside the figure
    page.mouse.up()
    assert (page.input_value("#id_x"), page.input_value("#id_y")) == ("0.00", "0.00")
    page.keyboard.press("ArrowLeft")
    assert page.input_value("#id_x") == "0.00"
    context.close()
    assert not errors, f"JavaScript or CSP errors in the page: {errors}"
