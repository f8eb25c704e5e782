"""The back figures (issue 13): the landmarks a measuring guide starts from are where the
art draws them, and the lower-back close-up is the whole back at exactly twice its scale,
so the two figures measure every point alike."""

import json
import math
from pathlib import Path

import pytest

from points.geometry import read_art

REPO = Path(__file__).resolve().parent.parent

# landmark key in the fixture -> id of the shape the art draws it with
DRAWN = {
    "back": {
        "scapula-left": "scapula-left",
        "scapula-right": "scapula-right",
        "c2-spinous": "c2-spinous",
        "l2-spinous": "l2-spinous",
        "l4-spinous": "l4-spinous",
        "tailbone-tip": "tailbone",
        "trochanter-left": "trochanter-left",
        "trochanter-right": "trochanter-right",
    },
    "back-lower": {
        "l2-spinous": "l2-spinous",
        "l4-spinous": "l4-spinous",
        "tailbone-tip": "tailbone",
        "trochanter-left": "trochanter-left",
        "trochanter-right": "trochanter-right",
    },
    "back-neck": {
        "mastoid-left": "mastoid-left",
        "mastoid-right": "mastoid-right",
        "c2-spinous": "c2-spinous",
    },
}


def figure(slug):
    data = json.loads((REPO / "fixtures" / "illustrations" / f"{slug}.json").read_text(encoding="utf-8"))
    art = read_art(str(REPO / "static" / "illustrations" / f"{slug}.svg"))
    marks = {m["key"]: (m["x"] * art.width / 100, m["y"] * art.height / 100) for m in data.get("landmarks", [])}
    return data, art, marks


@pytest.mark.parametrize("slug", sorted(DRAWN))
def test_each_landmark_is_on_the_shape_the_art_draws_it_with(slug):
    """A guide drawn from "the lower edge of L2" starts on the drawn L2 bump, the scale's
    shoulder-blade borders are the drawn borders, and so on: within 0.3 cun."""
    data, art, marks = figure(slug)
    shapes = {s.id: s for s in art.landmarks}
    cun = data["scale"]["cun"]
    for key, shape_id in DRAWN[slug].items():
        x, y = marks[key]
        assert shapes[shape_id].distance(x, y) <= 0.3 * cun, (slug, key)
        # and on its edge, not deep inside a big shape (a border, a tip, a lower edge)
        edge = min(math.hypot(x - px, y - py) for px, py in shapes[shape_id].outline)
        assert edge <= 0.3 * cun or key.startswith("trochanter"), (slug, key, edge / cun)


def test_the_lower_back_close_up_is_the_whole_back_at_twice_its_scale():
    """Every landmark the two figures share maps from one to the other by the same 2x
    enlargement, and every point on both is measured with the same landmark and offsets."""
    back, _, back_marks = figure("back")
    lower, _, lower_marks = figure("back-lower")
    assert lower["scale"]["cun"] == pytest.approx(2 * back["scale"]["cun"])
    shared = set(back_marks) & set(lower_marks)
    assert {"l2-spinous", "l4-spinous", "sacral-hiatus", "trochanter-left", "tailbone-tip"} <= shared
    (ax, ay), (bx, by) = back_marks["l2-spinous"], lower_marks["l2-spinous"]
    for key in shared:
        x, y = lower_marks[key]
        ox, oy = ax + (x - bx) / 2, ay + (y - by) / 2
        assert math.hypot(back_marks[key][0] - ox, back_marks[key][1] - oy) <= 0.3 * back["scale"]["cun"] / 2, key
    on_back = {(p["point"], p["side"]): (p["landmark"], p["dx"], p["dy"]) for p in back["placements"]}
    for place in lower["placements"]:
        assert on_back[(place["point"], place["side"])] == (place["landmark"], place["dx"], place["dy"])
