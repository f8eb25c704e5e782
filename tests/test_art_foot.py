"""The foot figures (issue 13): drawn to scale in cun, the ankle bones at true size, every
point where WHO 2008 puts it relative to the anatomy as drawn (not only relative to a
landmark dot), and no measuring lines baked into the art (the page draws the guide)."""

import json
import math
import re
from itertools import pairwise
from pathlib import Path
from xml.etree import ElementTree

import pytest

from points import measuring
from points.geometry import read_art

REPO = Path(__file__).resolve().parent.parent
SVG = "{http://www.w3.org/2000/svg}"
FOOT = ["foot-top", "foot-sole", "foot-inner", "foot-outer"]


def figure(slug):
    data = json.loads((REPO / "fixtures" / "illustrations" / f"{slug}.json").read_text(encoding="utf-8"))
    art = read_art(str(REPO / "static" / "illustrations" / f"{slug}.svg"))
    return data, art


def mark(data, art, key):
    """A declared landmark, in drawing units."""
    return measuring.to_units(measuring.landmark_map(data["landmarks"])[key], art.width, art.height)


def spot(data, art, code):
    (place,) = [p for p in data["placements"] if p["point"] == code]
    return place["x"] * art.width / 100, place["y"] * art.height / 100


def shape(art, ident):
    return next(s for s in art.landmarks if s.id == ident)


def x_at(outline, y):
    """Where a roughly upright drawn line (a tendon, a bone edge) crosses the height y."""
    for (x1, y1), (x2, y2) in pairwise(outline):
        if min(y1, y2) <= y <= max(y1, y2) and y1 != y2:
            return x1 + (x2 - x1) * (y - y1) / (y2 - y1)
    raise AssertionError(f"the line does not reach y={y}")


ANKLE_BONES = [
    ("foot-inner", "inner-ankle-bone", "medial-malleolus"),
    ("foot-outer", "outer-ankle-bone", "lateral-malleolus"),
]


@pytest.mark.parametrize(("slug", "bone", "key"), ANKLE_BONES)
def test_the_ankle_bones_are_drawn_at_true_size_around_their_prominence(slug, bone, key):
    """A malleolus is a broad bump about 1 cun across, not a small circle; its most
    prominent point (the landmark the points are measured from) is on the bone."""
    data, art = figure(slug)
    cun = data["scale"]["cun"]
    x0, y0, x1, y1 = shape(art, bone).bounds
    assert 0.7 <= (x1 - x0) / cun <= 1.2, (x1 - x0) / cun
    assert 1.0 <= (y1 - y0) / cun <= 2.2, (y1 - y0) / cun
    assert shape(art, bone).distance(*mark(data, art, key)) == 0  # inside the drawn bone


def test_the_inner_and_outer_ankle_views_are_one_foot_at_one_scale():
    """The inner view is drawn to WHO's 3 cun from the medial malleolus prominence to the
    sole; the outer view of the same foot uses the same cun and the same foot length."""
    inner, inner_art = figure("foot-inner")
    outer, outer_art = figure("foot-outer")
    assert inner["scale"]["length"] == 3 and inner["scale"]["from"] == "medial-malleolus"
    assert inner["scale"]["cun"] == outer["scale"]["cun"]
    lengths = []
    for data, art in ((inner, inner_art), (outer, outer_art)):
        (ax, ay), (bx, by) = mark(data, art, "heel-back"), mark(data, art, "big-toe-tip")
        lengths.append(math.hypot(bx - ax, by - ay) / data["scale"]["cun"])
    assert abs(lengths[0] - lengths[1]) < 0.1, lengths
    assert 9 <= lengths[0] <= 11, lengths  # a foot about 3.3 times the malleolus height


def test_the_inner_ankle_points_sit_on_the_drawn_anatomy():
    """KI6 1 cun straight below the prominence, in the hollow under the bone; LR4 level with
    the prominence, in the hollow between the front of the bone and the big ankle tendon
    (toes are on the viewer's left); SP6 3 cun up, just behind the inner edge of the shin
    bone."""
    data, art = figure("foot-inner")
    cun = data["scale"]["cun"]
    mx, my = mark(data, art, "medial-malleolus")
    bone = shape(art, "inner-ankle-bone")

    x, y = spot(data, art, "KI6")
    assert abs(x - mx) < 0.1 * cun and abs((y - my) / cun - 1) < 0.1
    assert y > bone.bounds[3]  # below the lower tip of the bone

    x, y = spot(data, art, "LR4")
    tendon = x_at(shape(art, "big-ankle-tendon-heel-side").outline, y)
    assert abs(y - my) < 0.2 * cun
    assert tendon < x < bone.bounds[0], (tendon, x, bone.bounds)  # between the tendon and the bone

    x, y = spot(data, art, "SP6")
    edge = x_at(shape(art, "shin-bone-inner-edge").outline, y)
    assert abs((my - y) / cun - 3) < 0.1
    assert 0 < (x - edge) / cun < 0.8, (x, edge)  # behind the edge, close to it


def test_bl60_is_in_the_middle_of_the_hollow_between_the_outer_ankle_bone_and_the_achilles_tendon():
    data, art = figure("foot-outer")
    cun = data["scale"]["cun"]
    _, ly = mark(data, art, "lateral-malleolus")
    x, y = spot(data, art, "BL60")
    tendon = x_at(shape(art, "achilles-tendon").outline, y)
    bone = shape(art, "outer-ankle-bone")
    assert abs(y - ly) < 0.2 * cun  # level with the prominence
    assert tendon < x < bone.bounds[0]  # heel on the viewer's left: tendon, point, bone
    gaps = bone.distance(x, y), shape(art, "achilles-tendon").distance(x, y)
    assert abs(gaps[0] - gaps[1]) < 0.15 * cun, gaps


def test_ki1_is_a_third_of_the_way_from_the_base_of_the_2nd_and_3rd_toes_to_the_heel():
    """WHO 2008: at the junction of the front third and back two thirds of the line from
    the web between the 2nd and 3rd toes to the back of the heel (toes not counted)."""
    data, art = figure("foot-sole")
    (wx, wy), (hx, hy) = mark(data, art, "toe-web-2-3"), mark(data, art, "heel-back")
    x, y = spot(data, art, "KI1")
    third = (wx + (hx - wx) / 3, wy + (hy - wy) / 3)
    assert math.hypot(x - third[0], y - third[1]) / data["scale"]["cun"] < 0.2


def test_lr3_is_in_the_groove_just_on_the_toe_side_of_where_the_bones_meet():
    """Toes at the top: LR3 lies above the junction of the 1st and 2nd metatarsal bases,
    well short of the toe web (LR2 is at the web), between the two toes' lines."""
    data, art = figure("foot-top")
    cun = data["scale"]["cun"]
    jx, jy = mark(data, art, "metatarsal-1-2-junction")
    _, wy = mark(data, art, "toe-web-1-2")
    x, y = spot(data, art, "LR3")
    assert 0.2 <= (jy - y) / cun <= 1.0  # on the toe side of the junction, close to it
    assert (y - wy) / cun >= 2  # not at the web
    assert abs(x - jx) < 0.3 * cun


@pytest.mark.parametrize("slug", FOOT)
def test_no_measuring_guide_is_baked_into_the_foot_art(slug):
    """The page draws each point's guide from data; the art has no dashed guide lines and no
    finger-width or cun captions (the old KI6 guide also showed, pointing at nothing, on
    SP6's figure)."""
    root = ElementTree.parse(REPO / "static" / "illustrations" / f"{slug}.svg").getroot()  # noqa: S314 (our own file)
    assert not [e for e in root.iter() if e.get("stroke-dasharray")]
    words = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text")).lower()
    assert not re.search(r"\bcun\b|finger|thumb|1/3|2/3", words), words
