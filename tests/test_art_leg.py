"""The leg figures (issue 13): what the fixtures declare is what the art draws. Each point's
landmark sits on the shape a reader feels for, the point stands where its how-to-find text
puts it relative to the bones and tendons drawn, bones are drawn at true size in cun, and no
measuring line is baked into the art (the page draws the guide from data)."""

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest

from points.geometry import read_art

REPO = Path(__file__).resolve().parent.parent
SVG = "{http://www.w3.org/2000/svg}"
LEGS = ["leg-front", "leg-back", "leg-inner"]


def figure(slug):
    data = json.loads((REPO / "fixtures" / "illustrations" / f"{slug}.json").read_text(encoding="utf-8"))
    art = read_art(str(REPO / "static" / "illustrations" / f"{slug}.svg"))
    shapes = {shape.id: shape for shape in art.landmarks}

    def units(item):
        return item["x"] * art.width / 100, item["y"] * art.height / 100

    marks = {m["key"]: units(m) for m in data["landmarks"]}
    points = {p["point"]: units(p) for p in data["placements"]}
    return data["scale"]["cun"], shapes, marks, points


def x_at(shape, y):
    """Where a drawn line (running down the picture) crosses the height y."""
    crossings = []
    for (x1, y1), (x2, y2) in zip(shape.outline, shape.outline[1:], strict=False):
        if min(y1, y2) <= y <= max(y1, y2) and y1 != y2:
            crossings.append(x1 + (x2 - x1) * (y - y1) / (y2 - y1))
    assert crossings, (shape.id, y)
    return sum(crossings) / len(crossings)


@pytest.mark.parametrize("slug", LEGS)
def test_no_measuring_line_is_baked_into_the_leg_art(slug):
    """No dashed guide or ruler and no distance written in the drawing: the page draws the
    selected point's guide, so another point's line can never show on the wrong figure."""
    root = ElementTree.parse(REPO / "static" / "illustrations" / f"{slug}.svg").getroot()  # noqa: S314
    for element in root.iter():
        assert not element.get("stroke-dasharray"), (slug, element.attrib)
        if element.tag == f"{SVG}text":
            text = "".join(element.itertext()).lower()
            assert not {"cun", "finger", "thumb"} & set(text.replace("(", " ").replace(")", " ").split()), text


def test_sp6_is_just_behind_the_inner_edge_of_the_shin_bone_above_a_true_size_ankle_bone():
    cun, shapes, marks, points = figure("leg-inner")
    bone = shapes["inner-ankle-bone"]
    assert bone.distance(*marks["inner-ankle-bone"]) == 0  # the landmark is on the bone drawn
    left, top, right, bottom = bone.bounds
    assert 0.8 <= (right - left) / cun <= 1.5 and 0.8 <= (bottom - top) / cun <= 1.6  # about 1 cun across
    x, y = points["SP6"]
    behind = x - x_at(shapes["shin-bone-inner-edge"], y)  # the back of the leg is to the viewer's right
    assert 0.2 <= behind / cun <= 1.0, behind / cun
    assert (marks["inner-ankle-bone"][1] - y) / cun == pytest.approx(3, abs=0.3)


def test_sp10_is_two_cun_above_the_kneecap_drawn_at_true_size():
    cun, shapes, marks, points = figure("leg-inner")
    kneecap = shapes["kneecap"]
    _, top, _, bottom = kneecap.bounds
    assert 1.6 <= (bottom - top) / cun <= 2.4  # a kneecap is about 2 cun tall
    corner = marks["kneecap-top-inner"]
    assert kneecap.distance(*corner) <= 0.2 * cun and corner[1] - top <= 0.3 * cun
    assert (corner[1] - points["SP10"][1]) / cun == pytest.approx(2, abs=0.3)


def test_st36_is_one_finger_width_outside_the_shin_bone_crest_below_the_outer_knee_eye():
    cun, shapes, marks, points = figure("leg-front")
    assert shapes["outer-knee-eye"].distance(*marks["outer-knee-eye"]) == 0
    x, y = points["ST36"]
    outside = x_at(shapes["shin-bone-front-edge"], y) - x  # the outer side is on the viewer's left
    assert 0.5 <= outside / cun <= 1.2, outside / cun


def test_bl40_is_halfway_between_the_hamstring_tendons_on_the_knee_crease():
    cun, shapes, marks, points = figure("leg-back")
    x, y = points["BL40"]
    assert (x, y) == pytest.approx(marks["knee-crease-middle"], abs=0.1 * cun)  # on the crease, not below it
    inner, outer = x_at(shapes["inner-hamstring-tendons"], y), x_at(shapes["outer-hamstring-tendon"], y)
    assert inner < x < outer
    assert abs(x - (inner + outer) / 2) / cun <= 0.3
    assert (outer - inner) / cun >= 2  # a hollow wide enough to press between the tendons
