"""Figures drawn to scale in cun (issue 13, item 1): each figure declares its landmarks and
its scale, each placement is a landmark plus offsets in cun, and the stored spot agrees, so
a redraw can never silently move a point."""

import json
import math
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from points import measuring
from points.loading import ContentError, guide_load
from points.models import Illustration, Placement
from points.services import point_relocate

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "illustrations"
FIGURES = sorted(p.stem for p in FIXTURES.glob("*.json"))


def fixture(slug):
    return json.loads((FIXTURES / f"{slug}.json").read_text(encoding="utf-8"))


def size(slug):
    """The drawing's own width and height (its viewBox), read from the shipped SVG."""
    from points.guards import shipped_file, svg_size

    return svg_size(shipped_file(fixture(slug)["static_path"]))


@pytest.mark.parametrize("slug", FIGURES)
def test_every_figure_is_drawn_to_a_declared_who_measurement(slug):
    """The scale names two landmarks and the WHO proportional measurement between them; as
    drawn, they are that many cun apart (within 0.3 cun)."""
    data = fixture(slug)
    scale, landmarks = data.get("scale"), data.get("landmarks", [])
    assert scale and len(landmarks) >= 2, f"{slug}: declare its scale and its landmarks"
    marks = measuring.landmark_map(landmarks)
    assert scale["from"] in marks and scale["to"] in marks, slug
    assert scale["basis"].strip() and scale["length"] > 0
    width, height = size(slug)
    (ax, ay), (bx, by) = (measuring.to_units(marks[scale[k]], width, height) for k in ("from", "to"))
    drawn = math.hypot(bx - ax, by - ay) / scale["cun"]
    assert abs(drawn - scale["length"]) <= measuring.TOLERANCE_CUN, (slug, drawn, scale)


@pytest.mark.parametrize("slug", FIGURES)
def test_every_placement_is_where_its_landmark_and_offsets_put_it(slug):
    """Computed from its landmark and its offsets in cun, every placement lands within 0.3
    cun of the stored x and y."""
    data = fixture(slug)
    marks = measuring.landmark_map(data.get("landmarks", []))
    cun = (data.get("scale") or {}).get("cun")
    width, height = size(slug)
    for place in data["placements"]:
        where = f"{slug}: {place['point']} ({place['side']})"
        assert place.get("landmark") in marks, f"{where}: name the landmark it is measured from"
        assert cun, f"{slug}: no scale"
        miss = measuring.miss_cun(marks[place["landmark"]], place["dx"], place["dy"], place["x"], place["y"], cun,
                                  width, height)  # fmt: skip
        assert miss <= measuring.TOLERANCE_CUN, f"{where}: {miss:.2f} cun from landmark + offsets"


@pytest.mark.django_db
def test_the_database_holds_the_landmarks_and_offsets_the_pages_draw_from():
    """What the loader stored is what the fixtures say (the guide is drawn from the rows)."""
    for slug in FIGURES:
        data = fixture(slug)
        figure = Illustration.objects.get(slug=slug)
        assert figure.landmarks == data.get("landmarks", [])
        assert figure.scale == (data.get("scale") or {})
        stored = {
            (p.point.code, p.side, p.x, p.y): (p.landmark, p.dx, p.dy)
            for p in figure.placements.select_related("point")
        }
        for place in data["placements"]:
            key = (place["point"], place["side"], Decimal(str(place["x"])).quantize(Decimal("0.01")),
                   Decimal(str(place["y"])).quantize(Decimal("0.01")))  # fmt: skip
            landmark, dx, dy = stored[key]
            assert landmark == place.get("landmark", "")
            assert float(dx) == pytest.approx(place["dx"], abs=0.005)
            assert float(dy) == pytest.approx(place["dy"], abs=0.005)


def _edit(fixtures_copy, slug, change):
    path = fixtures_copy / "illustrations" / f"{slug}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")


@pytest.mark.django_db
def test_the_loader_refuses_a_redraw_that_moves_a_landmark_away_from_its_points(fixtures_copy):
    """Move a landmark 1 cun (as a redraw would) without moving its points: the load fails
    and names the placement; nothing is written."""
    slug = FIGURES[0]
    width, _ = size(slug)

    def move(data):
        first = data["placements"][0]["landmark"]
        mark = next(m for m in data["landmarks"] if m["key"] == first)
        mark["x"] = round(mark["x"] + 100 * data["scale"]["cun"] / width, 2)
        mark["x"] = mark["x"] if mark["x"] <= 100 else mark["x"] - 200 * data["scale"]["cun"] / width

    _edit(fixtures_copy, slug, move)
    before = Placement.objects.count()
    with pytest.raises(ContentError, match=rf"illustrations/{slug}\.json.*placements\[\d+\].*cun from where"):
        guide_load(fixtures_dir=fixtures_copy)
    assert Placement.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["landmarks"].append(dict(d["landmarks"][0])), "Two landmarks"),
        (lambda d: d["scale"].update(length=d["scale"]["length"] + 2), "cun off"),
        (lambda d: d["scale"].update({"from": "nowhere"}), "landmark the figure does not have"),
        (lambda d: d["placements"][0].update(landmark="nowhere"), "no landmark called nowhere"),
        (lambda d: d["placements"][0].pop("dx"), "both offsets"),
    ],
    ids=["duplicate-landmark", "wrong-scale", "scale-landmark-unknown", "placement-landmark-unknown", "no-dx"],
)
def test_the_loader_names_what_is_wrong_with_a_figures_scale(fixtures_copy, change, message):
    _edit(fixtures_copy, FIGURES[0], change)
    with pytest.raises(ContentError, match=message):
        guide_load(fixtures_dir=fixtures_copy)


@pytest.mark.django_db
def test_an_edit_restates_the_offsets_and_a_figure_without_the_landmark_drops_them():
    """An editor's edit (the admin form, an approval) keeps the offsets in step with the
    spot; moved onto a figure that lacks its landmark, the point is no longer measured."""
    placement = Placement.objects.exclude(landmark="").select_related("illustration").first()
    placement.x = min(Decimal(100), placement.x + Decimal(5))
    placement.full_clean()
    figure = placement.illustration
    mark = measuring.landmark_map(figure.landmarks)[placement.landmark]
    assert measuring.miss_cun(mark, placement.dx, placement.dy, placement.x, placement.y, figure.scale["cun"],
                              figure.width, figure.height) <= 0.01  # fmt: skip
    other = Illustration.objects.exclude(pk=figure.pk).first()
    other.landmarks = [m for m in other.landmarks if m["key"] != placement.landmark]
    placement.illustration = other
    placement.full_clean()
    assert (placement.landmark, placement.dx, placement.dy) == ("", None, None)


def test_the_loader_check_is_strict():
    """The loader refuses offsets that disagree with the spot: a fixture is data, never restated."""
    figure = Illustration(
        width=100, height=100, scale={"cun": 10}, landmarks=[{"key": "a", "name": "A", "x": 50, "y": 50}]
    )
    placement = Placement(x=Decimal(60), y=Decimal(50), landmark="a", dx=Decimal(0), dy=Decimal(0))
    with pytest.raises(ValidationError, match=r"1\.0 cun from where a and these offsets put it.*dx 1, dy 0"):
        placement.clean_landmark(figure)
    placement.dx = Decimal(1)
    placement.clean_landmark(figure)


@pytest.mark.django_db
def test_moving_a_marker_keeps_its_landmark_and_its_offsets_follow(one_person_site):
    """The location picker's move restates the offsets from the same landmark, so the
    measuring guide still ends at the marker."""
    placement = Placement.objects.exclude(landmark="").select_related("illustration", "point").first()
    placement.point.status = "draft"
    placement.point.save(update_fields=["status"])
    editor = User.objects.create_user("ed", password="pw-for-tests-only", is_staff=True)
    new_x = float(placement.x) + 2
    revision, moved = point_relocate(placement=placement, x=new_x, y=placement.y, editor=editor, reason="nudge")
    assert revision is None
    moved.refresh_from_db()
    figure = moved.illustration
    mark = measuring.landmark_map(figure.landmarks)[moved.landmark]
    assert measuring.miss_cun(mark, moved.dx, moved.dy, moved.x, moved.y, figure.scale["cun"], figure.width,
                              figure.height) <= 0.01  # fmt: skip
    assert moved.dx != placement.dx
    moved.full_clean()


@pytest.mark.parametrize(
    ("cun", "words"),
    [
        (1.5, "2 finger-widths = 1.5 cun"),
        (3, "4 finger-widths = 3 cun"),
        (1, "1 thumb-width = 1 cun"),
        (0.5, "half a thumb-width = 0.5 cun"),
        (2, "2 thumb-widths = 2 cun"),
        (4.5, "6 finger-widths = 4.5 cun"),
        (5, "about 7 finger-widths = 5 cun"),
        (13, "13 cun"),
        (1.52, "2 finger-widths = 1.5 cun"),  # an editor's nudge reads in quarters
        (2.25, "3 finger-widths = 2.25 cun"),
        (1.3, "a little more than a thumb-width = 1.3 cun"),  # BL10
    ],
)
def test_the_guide_says_the_distance_in_cun_and_in_the_readers_own_fingers(cun, words):
    assert measuring.leg_text(cun) == words


@pytest.mark.django_db
def test_an_editor_cannot_move_or_drop_a_landmark_points_are_measured_from():
    """Editing a figure's landmarks in the admin: moving one 1 cun away from its points, or
    removing it, is a form error naming the point; the stored landmarks are unchanged."""
    placement = next(
        p
        for p in Placement.objects.exclude(landmark="").select_related("illustration", "point")
        if p.landmark not in (p.illustration.scale["from"], p.illustration.scale["to"])
    )
    figure = placement.illustration
    saved = [dict(m) for m in figure.landmarks]
    mark = next(m for m in figure.landmarks if m["key"] == placement.landmark)
    step = 100 * float(figure.scale["cun"]) / figure.width
    mark["x"] = round(mark["x"] + step if mark["x"] + step <= 100 else mark["x"] - step, 2)
    with pytest.raises(ValidationError, match=rf"{placement.point.code} .* cun from its marker"):
        figure.full_clean()
    figure.landmarks = [m for m in saved if m["key"] != placement.landmark]
    with pytest.raises(ValidationError, match=rf"{placement.point.code} is measured from {placement.landmark}"):
        figure.full_clean()
    figure.refresh_from_db()
    assert figure.landmarks == saved


# Editors in the admin (the attack on issue 13): odd JSON, empty boxes, landmarks on placements
@pytest.fixture
def staff(admin_user, one_person_site):
    from django.test import Client

    client = Client()
    client.force_login(admin_user)
    return client


def _post(client, obj, **changes):
    from .admin_forms import admin_form_data

    url = f"/admin/points/{obj._meta.model_name}/{obj.pk}/change/"
    data = admin_form_data(client, url)
    data.update(changes, change_reason="Testing what the form accepts")
    return client.post(url, data)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "typed",
    ["[" * 5000 + "]" * 5000, '[{"key": "a", "name": "A", "x": ' + "9" * 5000 + ', "y": 1}]', "{not json"],
    ids=["nested-too-deep", "5000-digit-number", "broken"],
)
def test_json_the_parser_cannot_take_is_a_form_error_not_a_500(staff, typed):
    figure = Illustration.objects.get(slug="hand-palm")
    before = figure.landmarks
    response = _post(staff, figure, landmarks=typed)
    assert response.status_code == 200 and "Enter a valid JSON" in response.content.decode()
    figure.refresh_from_db()
    assert figure.landmarks == before


@pytest.mark.django_db
def test_an_empty_box_means_no_scale_and_is_refused_while_points_are_measured_on_it(staff):
    """Emptying the scale of a figure points are measured on is a form error (it used to
    save null and break the approval); on a figure nobody is measured on it saves as {}."""
    measured = Illustration.objects.get(slug="back-lower")
    response = _post(staff, measured, scale="")
    assert response.status_code == 200 and "keep its scale" in response.content.decode()
    measured.refresh_from_db()
    assert measured.scale["cun"]
    palm = Illustration.objects.get(slug="hand-palm")
    assert not palm.placements.exists()
    assert _post(staff, palm, scale="", landmarks="").status_code == 302
    palm.refresh_from_db()
    assert (palm.scale, palm.landmarks) == ({}, [])


@pytest.mark.django_db
def test_an_editor_can_measure_a_placement_from_a_landmark_again(staff, django_capture_on_commit_callbacks):
    """A placement that lost its landmark (moved to another figure and back) gets it back in
    the placement form; the offsets follow the marker and the page draws its guide again."""
    placement = Placement.objects.select_related("illustration", "point").get(
        point__code="GV1", illustration__slug="back-lower"
    )
    landmark = placement.landmark
    Placement.objects.filter(pk=placement.pk).update(landmark="", dx=None, dy=None)
    placement.refresh_from_db()
    page = staff.get(f"/admin/points/placement/{placement.pk}/change/").content.decode()
    assert f'<option value="{landmark}">' in page and "No guide: not measured from a landmark." in page
    with django_capture_on_commit_callbacks(execute=True):  # the content version goes up: pages are new
        response = _post(staff, placement, landmark=landmark, reason="measured from the tailbone tip again")
    assert response.status_code == 302, response.content.decode()[:2000]
    placement.refresh_from_db()
    assert placement.landmark == landmark and placement.dy is not None
    assert "Measuring: from the " in staff.get("/points/gv1/").content.decode()


@pytest.mark.django_db
def test_the_reviewer_sees_what_a_move_does_to_the_measuring_guide():
    """A proposed move shows, beside x and y, the guide the page will draw: the reviewer
    can see "3.75 cun" where the text says two finger-widths (the attack on issue 13)."""
    from points.review import revision_rows

    placement = Placement.objects.select_related("illustration", "point").get(
        point__code="BL23", illustration__slug="back-lower", side="left"
    )
    editor = User.objects.create_user("ed", password="pw-for-tests-only", is_staff=True)
    revision, _ = point_relocate(placement=placement, x=float(placement.x) - 12, y=placement.y, editor=editor,
                                 reason="further out")  # fmt: skip
    assert revision is not None
    rows = [row for block in revision_rows(revision) for row in block["rows"]]
    guide = next(row for row in rows if row["label"].startswith("Measuring guide"))
    assert "2 finger-widths = 1.5 cun" in guide["live"]
    assert "1.5 cun" not in guide["proposed"] and "cun" in guide["proposed"]
