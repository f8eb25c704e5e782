"""Technique pictures (issue 13, item 4): on /how-to-press/ and on the point pages whose posture needs one."""

import re
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pytest
from django.conf import settings

from points.models import Point, TechniquePicture

pytestmark = pytest.mark.django_db
ART = Path(settings.BASE_DIR) / "static" / "illustrations" / "technique"
SVG_NS = "{http://www.w3.org/2000/svg}"
PICTURES = [choice.value for choice in TechniquePicture]  # hands-on-hips, ball, seated-knee, seated-foot


class Figures(HTMLParser):
    """The technique figures on a page: each picture's img attributes and its caption text."""

    def __init__(self):
        super().__init__()
        self.figures, self._in_figure, self._in_caption = [], False, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "figure" and "technique-figure" in (attrs.get("class") or ""):
            self._in_figure = True
            self.figures.append({"picture": attrs.get("data-picture"), "img": None, "caption": ""})
        elif self._in_figure and tag == "img":
            self.figures[-1]["img"] = attrs
        elif self._in_figure and tag == "figcaption":
            self._in_caption = True

    def handle_endtag(self, tag):
        if tag == "figcaption":
            self._in_caption = False
        elif tag == "figure":
            self._in_figure = False

    def handle_data(self, data):
        if self._in_caption:
            self.figures[-1]["caption"] += data


def figures_on(client, path):
    response = client.get(path)
    assert response.status_code == 200
    parser = Figures()
    parser.feed(response.content.decode())
    return parser.figures


def check_figure(figure):
    img = figure["img"]
    assert img, f"{figure['picture']}: no image in the figure"
    src = img["src"]
    assert src == f"{settings.STATIC_URL}illustrations/technique/{figure['picture']}.svg", src
    assert len(img.get("alt", "")) >= 60, f"{src}: the alt text does not describe the picture"
    assert len(figure["caption"].strip()) >= 40, f"{src}: no caption"
    art = ElementTree.parse(ART / f"{figure['picture']}.svg").getroot()  # noqa: S314 (our own files)
    _, _, width, height = (float(v) for v in art.get("viewBox").split())
    assert (int(img["width"]), int(img["height"])) == (width, height), f"{src}: img size is not the art's"


def test_how_to_press_shows_the_measuring_picture_and_the_four_ways(client):
    figures = figures_on(client, "/how-to-press/")
    assert [f["picture"] for f in figures] == ["fingers", *PICTURES]
    for figure in figures:
        check_figure(figure)
    measuring = figures[0]
    for words in ("thumb", "1 cun", "1.5 cun", "four fingers", "3 cun"):
        assert words in measuring["img"]["alt"].lower() + measuring["caption"].lower(), words


def test_a_point_with_a_picture_shows_it_and_one_without_does_not(client):
    pictured = Point.objects.published().exclude(technique_picture="")
    assert set(pictured.values_list("technique_picture", flat=True)) == set(PICTURES)
    for point in pictured:
        figures = figures_on(client, point.get_absolute_url())
        assert [f["picture"] for f in figures] == [point.technique_picture], point.code
        check_figure(figures[0])
    assert Point.objects.get(code="BL23").technique_picture == "hands-on-hips"
    for code in ("LI4", "CV4", "LI11", "GV1"):  # hand, abdomen, arm, tailbone: no picture fits
        point = Point.objects.get(code=code)
        assert point.technique_picture == ""
        assert figures_on(client, point.get_absolute_url()) == [], code


def test_pictures_follow_the_posture(client):
    """Hands-on-hips only for points pressed with the hands on the hips, seated only for seated postures."""
    for point in Point.objects.published().exclude(technique_picture=""):
        posture = point.posture.lower()
        expected = {
            "hands-on-hips": "hands on your hips",
            "ball": "ball",
            "seated-knee": "sitting",
            "seated-foot": "sitting",
        }[point.technique_picture]
        text = posture + " " + " ".join(r.how.lower() for r in point.reach_methods.all())
        assert expected in text, f"{point.code}: {point.technique_picture} does not fit '{point.posture}'"


@pytest.mark.parametrize("name", ["fingers", *PICTURES])
def test_technique_art_is_plain_svg(name):
    path = ART / f"{name}.svg"
    text = path.read_text()
    root = ElementTree.fromstring(text)  # noqa: S314 (our own files)
    assert root.tag == f"{SVG_NS}svg" and root.get("viewBox")
    title = root.find(f"{SVG_NS}title")
    assert title is not None and len(title.text.strip()) > 20
    allowed = {"svg", "title", "g", "path", "rect", "circle", "ellipse", "text", "defs", "linearGradient",
               "radialGradient", "stop"}  # fmt: skip
    for element in root.iter():
        tag = element.tag.removeprefix(SVG_NS)
        assert tag in allowed, f"{name}: <{tag}> is not allowed (no script, style, image or foreign content)"
        for attribute in element.attrib:
            assert not attribute.lower().startswith("on"), f"{name}: event handler {attribute}"
            assert attribute != "style", f"{name}: style attribute"
            assert "href" not in attribute, f"{name}: link or external reference"
        for text_el in element.iter(f"{SVG_NS}text"):
            assert float(text_el.get("font-size")) >= 12, f"{name}: label below 12"
    assert not re.search(r"url\((?!#)", text), f"{name}: external url()"
