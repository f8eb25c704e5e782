"""The front-of-body and arm figures (issue 13): the landmarks a fixture declares are where
its drawing puts them, each hand view has its thumb on the right side, no
measuring line is baked into the art, and the palm figure (no points on it) is drawn on
the hand page beside the back of the hand."""

import json
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest

from points import geometry, measuring

REPO = Path(__file__).resolve().parent.parent
ART = REPO / "static" / "illustrations"
FIXTURES = REPO / "fixtures" / "illustrations"
SVG = "{http://www.w3.org/2000/svg}"
MINE = ("trunk-front", "forearm", "hand-back", "hand-palm")

# fixture landmark -> the shape with that id in the drawing, which the landmark sits on
DRAWN_AT = {
    "trunk-front": {
        "navel": "navel",
        "pubic-bone-top": "pubic-bone-top",
        "rib11-tip-right": "eleventh-rib-tip-right",
        "rib11-tip-left": "eleventh-rib-tip-left",
    },
    "forearm": {
        "elbow-crease-outer-end": "elbow-crease-outer-end",
        "lateral-epicondyle": "lateral-epicondyle",
        "wrist-crease-back": "wrist-crease-back",
        "wrist-crease-thumb-end": "wrist-crease-back",
    },
    "hand-back": {"wrist-crease-back": "wrist-crease-back"},
}


def fixture(slug):
    return json.loads((FIXTURES / f"{slug}.json").read_text(encoding="utf-8"))


def root(slug):
    return ElementTree.parse(ART / f"{slug}.svg").getroot()  # noqa: S314 (our own files)


@pytest.mark.parametrize("slug", sorted(DRAWN_AT))
def test_each_declared_landmark_is_on_the_shape_the_art_draws_for_it(slug):
    """A point measured from the navel or the rib tip is measured from the drawn navel or
    rib tip: the fixture's landmark lies on (within 0.3 cun of) the shape with that id."""
    data = fixture(slug)
    art = geometry.read_art(ART / f"{slug}.svg")
    shapes = {shape.id: shape for shape in art.landmarks}
    marks = measuring.landmark_map(data["landmarks"])
    for key, shape_id in DRAWN_AT[slug].items():
        x, y = measuring.to_units(marks[key], art.width, art.height)
        off = shapes[shape_id].distance(x, y) / data["scale"]["cun"]
        assert off <= measuring.TOLERANCE_CUN, f"{slug}: {key} is {off:.2f} cun from #{shape_id}"


def test_the_thumb_is_on_the_right_side_of_each_hand_view():
    """Back of the right hand, fingers up: the thumb on the viewer's left; its palm: on the
    viewer's right (label and the thumb-side landmark both)."""
    for slug, thumb_left in (("hand-back", True), ("hand-palm", False)):
        labels = {t.text: float(t.get("x")) for t in root(slug).iter(f"{SVG}text")}
        marks = measuring.landmark_map(fixture(slug)["landmarks"])
        radial, ulnar = marks["four-fingers-radial"]["x"], marks["four-fingers-ulnar"]["x"]
        assert (labels["thumb"] < 200) == thumb_left, slug
        assert (radial < ulnar) == thumb_left, slug


@pytest.mark.parametrize("slug", MINE)
def test_no_measuring_line_or_marker_is_baked_into_the_art(slug):
    """The page draws every guide and marker from data; the art has no dashed measuring
    lines, no circles that could pass for point spots and no text that names a point."""
    drawing = root(slug)
    assert not [e for e in drawing.iter() if e.get("stroke-dasharray")]
    assert not list(drawing.iter(f"{SVG}circle"))
    codes = re.compile(r"\b(?:CV|ST|LR|LI|TE|EX)-?\d")
    assert not [t.text for t in drawing.iter(f"{SVG}text") if codes.search(t.text or "")]


@pytest.mark.django_db
def test_the_hand_page_draws_the_palm_beside_the_back_of_the_hand(client):
    """The palm has no point on it and is still drawn, after the back of the hand, with no
    markers; the back of the hand carries LI4 and both EX-UE7 spots."""
    from .test_figures import markers_in

    html = client.get("/regions/hand/").content.decode()
    figures = markers_in(html)
    shown = [name for name in figures if not name.startswith("Enlarged")]
    assert shown == ["Back of the right hand", "Palm of the right hand"]
    assert "illustrations/hand-palm" in figures["Palm of the right hand"]["art"]
    assert figures["Palm of the right hand"]["markers"] == []
    assert sorted(m["code"] for m in figures["Back of the right hand"]["markers"]) == ["ex-ue7", "ex-ue7", "li4"]
