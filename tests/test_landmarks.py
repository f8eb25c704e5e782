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
        (1.52, "2 finger-widths = 1.5 cun"),  # an editor's nudge reads in half cun
    ],
)
def test_the_guide_says_the_distance_in_cun_and_in_the_readers_own_fingers(cun, words):
    assert measuring.leg_text(cun) == words


@pytest.mark.django_db
def test_an_editor_cannot_move_or_drop_a_landmark_points_are_measured_from():
    """Editing a figure's landmarks in the admin: moving one 1 cun away from its points, or
    removing it, is a form error naming the point; the stored landmarks are unchanged."""
    placement = Placement.objects.exclude(landmark="").select_related("illustration", "point").first()
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
