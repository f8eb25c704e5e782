"""A measuring guide for every point (issue 13, item 3): the page draws, from data, a line
from the point's landmark to the point with the distance in cun and in finger-widths;
only that point's guide shows on its figure."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from points import figures, geometry, measuring
from points.models import Condition, Placement, Point

pytestmark = pytest.mark.django_db


class Guides(HTMLParser):
    """Per figure (svg): its art, its guides (legs and label lines) and its markers' centres by point."""

    def __init__(self):
        super().__init__()
        self.svgs, self.svg, self.guide, self.marker, self.label = [], None, None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = a.get("class", "").split()
        if tag == "svg" and {"figure-svg", "figure-full-svg"} & set(classes):
            self.svg = {"label": a["aria-label"], "art": "", "guides": [], "markers": {}, "viewBox": a.get("viewbox")}
            self.svgs.append(self.svg)
        elif self.svg is None:
            return
        elif tag == "image":
            self.svg["art"] = a["href"]
        elif tag == "g" and "guide" in classes:
            self.guide = {"legs": [], "labels": [], "landmark": None}
            self.svg["guides"].append(self.guide)
        elif tag == "circle" and "guide-landmark" in classes:
            self.guide["landmark"] = (float(a["cx"]), float(a["cy"]))
        elif tag == "line" and "guide-line" in classes:
            self.guide["legs"].append(tuple(float(a[k]) for k in ("x1", "y1", "x2", "y2")))
        elif tag == "text" and "guide-label" in classes:
            self.label = {"x": float(a["x"]), "y": float(a["y"]), "anchor": a["text-anchor"],
                          "font": float(a["font-size"]), "lines": []}  # fmt: skip
            self.guide["labels"].append(self.label)
        elif tag == "a" and "marker" in classes:
            self.marker = re.search(r"/points/([^/]+)/", a["href"]).group(1)
        elif tag == "circle" and "marker-dot" in classes and self.marker:
            self.svg["markers"].setdefault(self.marker, []).append((float(a["cx"]), float(a["cy"])))

    def handle_data(self, data):
        if self.label is not None and data.strip():
            self.label["lines"].append(data.strip())

    def handle_endtag(self, tag):
        if tag == "text":
            self.label = None
        elif tag == "g":
            self.guide = None
        elif tag == "a":
            self.marker = None
        elif tag == "svg":
            self.svg = None


def svgs_in(html):
    parser = Guides()
    parser.feed(html)
    return parser.svgs


def measured_points():
    """Published points whose placements are measured from a landmark some way off."""
    placements = Placement.objects.filter(point__status="published").exclude(landmark="")
    codes = {p.point.slug for p in placements.select_related("point") if abs(p.dx) + abs(p.dy) >= 0.5}
    return sorted(codes)


def expected_texts(slug):
    """Every leg's label forms, for the point's placements (either side)."""
    texts = set()
    for p in Placement.objects.filter(point__slug=slug).exclude(landmark=""):
        for cun in (abs(p.dx), abs(p.dy)):
            if cun >= measuring.SHORTEST_LEG_CUN:
                texts |= {" ".join(form) for form in measuring.label_forms(measuring.Leg(0, 0, 1, 0, float(cun), ""))}
    return texts


def test_every_point_to_press_is_measured_from_a_landmark():
    """Every placement of a published point names its landmark (so every point's figure
    can show how to measure it)."""
    missing = Placement.objects.filter(point__status="published", landmark="").select_related("point")
    assert not [str(p) for p in missing]
    assert len(measured_points()) >= 15


@pytest.mark.parametrize("slug", [pytest.param(s, id=s) for s in ("bl23", "sp6", "ki6", "st36", "te5")])
def test_a_point_page_draws_its_own_guide_and_no_other(client, slug):
    """On the point's page each figure showing the point draws one guide: it starts at the
    landmark, ends on one of the point's own markers, and its labels say the distance in
    finger-widths and cun. No figure draws a guide for another point."""
    html = client.get(f"/points/{slug}/").content.decode()
    svgs = [s for s in svgs_in(html) if slug in s["markers"]]
    assert svgs
    texts = expected_texts(slug)
    labelled = 0
    for svg in svgs:
        assert len(svg["guides"]) <= 1, svg["label"]
        for guide in svg["guides"]:
            end = guide["legs"][-1][2:]
            assert any(abs(end[0] - x) < 0.2 and abs(end[1] - y) < 0.2 for x, y in svg["markers"][slug]), svg["label"]
            assert guide["legs"][0][:2] == guide["landmark"]
            for label in guide["labels"]:
                assert " ".join(label["lines"]) in texts, (label, texts)
                labelled += 1
    assert sum(len(s["guides"]) for s in svgs) >= 2  # the close-up and the enlarged views at least
    assert labelled >= 1
    assert "Measuring: from the " in html


def test_sp6_shows_its_own_guide_not_ki6s(client):
    """The inner-foot figure carries KI6, LR4 and SP6: on SP6's page its guide ends at SP6,
    3 cun from the ankle bone; KI6's 1 cun line is not drawn there (the issue's bug)."""
    html = client.get("/points/sp6/").content.decode()
    foot = [s for s in svgs_in(html) if s["art"].endswith("foot-inner.svg") or "foot-inner" in s["art"]]
    assert foot
    for svg in foot:
        for guide in svg["guides"]:
            end = guide["legs"][-1][2:]
            assert not any(abs(end[0] - x) < 0.2 and abs(end[1] - y) < 0.2 for x, y in svg["markers"].get("ki6", []))
            for label in guide["labels"]:
                assert "1 thumb-width" not in " ".join(label["lines"])


def test_figures_of_many_points_draw_no_guide(client):
    """A region map shows many points: no guide (it would belong to none). A condition page
    draws a guide only on a step's own close-up, never on its map of all the steps."""
    for slug in ("back", "leg", "foot"):
        assert 'class="guide"' not in client.get(f"/regions/{slug}/").content.decode(), slug
    for condition in Condition.objects.published():
        for svg in svgs_in(client.get(condition.get_absolute_url()).content.decode()):
            if svg["guides"]:
                assert len(svg["markers"]) == 1 and len(svg["guides"]) == 1, (condition.slug, svg["label"])


def test_the_panel_and_the_sheet_draw_the_guide(client):
    point = Point.objects.get(slug="bl23")
    panel = client.get(reverse("points:point", args=[point.slug]), headers={"HX-Request": "true"})
    assert 'class="guide"' in panel.content.decode()
    sheet = client.get(f"/points/{point.slug}/sheet/").content.decode()
    assert 'class="guide"' in sheet and "Measuring: from the " in sheet


@pytest.mark.parametrize("slug", [pytest.param(s, id=s) for s in ("bl23", "sp6", "ki6", "st36", "gb30", "ki1")])
def test_guide_labels_keep_clear_of_the_art_labels_and_markers(client, slug):
    """Each guide label's box stays inside the part of the figure shown and off the art's
    own labels (the browser test checks it against the markers)."""
    html = client.get(f"/points/{slug}/").content.decode()
    for svg in svgs_in(html):
        if not svg["guides"]:
            continue
        art = figures._art_at(re.sub(r"^/static/|\.[0-9a-f]{12}(?=\.svg$)", "", svg["art"]))
        vx, vy, vw, vh = (float(v) for v in svg["viewBox"].split())
        for label in svg["guides"][0]["labels"]:
            w = max(geometry.label_width(t, label["font"]) for t in label["lines"])
            x0 = {"middle": label["x"] - w / 2, "end": label["x"] - w}.get(label["anchor"], label["x"])
            y0 = label["y"] - geometry.LABEL_ASCENT_EM * label["font"]
            box = (x0, y0, x0 + w, y0 + geometry.LABEL_LINE_EM * label["font"] * len(label["lines"]))
            assert vx - 0.2 <= box[0] and box[2] <= vx + vw + 0.2 and vy - 0.2 <= box[1] and box[3] <= vy + vh + 0.2
            assert art is not None
            for art_label in art.labels:
                assert not geometry._overlap(box, art_label.box), (slug, svg["label"], label, art_label.text)
