"""Figures that teach (issue 11): markers never hide their landmarks, nothing overlaps,
labels are readable on a phone, figures open full screen, close-ups crop on the point."""

import math
import re
from html.parser import HTMLParser
from itertools import combinations
from pathlib import Path
from xml.etree import ElementTree

import pytest

from points.models import Condition, Placement, Point

from .browser import axe_violations

REPO = Path(__file__).resolve().parent.parent
ART = REPO / "static" / "illustrations"
SVG = "{http://www.w3.org/2000/svg}"
TOLERANCE = 0.5  # px

# The landmarks each point is found by, as the art names them (ids on the shapes).
LANDMARKS = {
    "bl60": ("foot-outer", ["outer-ankle-bone", "achilles-tendon"]),
    "lr4": ("foot-inner", ["inner-ankle-bone", "big-ankle-tendon-heel-side"]),
    "ki6": ("foot-inner", ["inner-ankle-bone"]),
}


def svg_root(slug):
    return ElementTree.parse(ART / f"{slug}.svg").getroot()  # noqa: S314 (our own files)


def landmark_points(slug, landmark_id):
    """The landmark as the art draws it: the element with that id (a circle, or a path of
    M, L and C commands, sampled along its curves), with half its stroke."""
    element = next(e for e in svg_root(slug).iter() if e.get("id") == landmark_id)
    tag = element.tag.removeprefix(SVG)
    half = float(element.get("stroke-width", 1)) / 2
    if tag == "circle":
        return ("circle", float(element.get("cx")), float(element.get("cy")), float(element.get("r")) + half)
    assert tag == "path", tag
    samples = []
    for command, args in re.findall(r"([MLC])([^MLC]*)", element.get("d")):
        numbers = [float(n) for n in re.findall(r"-?\d+\.?\d*", args)]
        if command in "ML":
            samples.append((numbers[0], numbers[1]))
            continue
        for k in range(0, len(numbers), 6):
            p0, (p1, p2, p3) = samples[-1], zip(numbers[k : k + 6 : 2], numbers[k + 1 : k + 6 : 2], strict=True)
            for step in range(1, 41):
                t = step / 40
                weights = ((1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t**2, t**3)
                samples.append(
                    tuple(
                        sum(w * c for w, c in zip(weights, axis, strict=True))
                        for axis in zip(p0, p1, p2, p3, strict=True)
                    )
                )
    return ("path", samples, half)


def clearance(landmark, x, y):
    """The distance from (x, y) to what the landmark covers (a circle counts as filled)."""
    if landmark[0] == "circle":
        _, cx, cy, r = landmark
        return math.hypot(x - cx, y - cy) - r
    _, samples, half = landmark
    return min(math.hypot(x - px, y - py) for px, py in samples) - half


class Markers(HTMLParser):
    """Each marker's circles and label, per figure, from a page's HTML."""

    def __init__(self):
        super().__init__()
        self.figures, self.figure, self.marker = {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "svg" and {"figure-svg", "figure-full-svg"} & set(attrs.get("class", "").split()):
            self.figure = self.figures.setdefault(attrs["aria-label"], {"art": "", "markers": []})
        elif tag == "image" and self.figure is not None:
            self.figure["art"] = attrs["href"]
        elif tag == "a" and "marker" in attrs.get("class", "").split() and self.figure is not None:
            self.marker = {"code": re.search(r"/points/([^/]+)/", attrs["href"]).group(1), "circles": {}}
            self.figure["markers"].append(self.marker)
        elif tag == "circle" and self.marker is not None:
            self.marker["circles"][attrs["class"]] = {k: float(attrs[k]) for k in ("cx", "cy", "r")} | {
                "stroke": float(attrs.get("stroke-width", 0))
            }

    def handle_endtag(self, tag):
        if tag == "a":
            self.marker = None
        elif tag == "svg":
            self.figure = None


def markers_in(html):
    parser = Markers()
    parser.feed(html)
    return parser.figures


@pytest.mark.django_db
@pytest.mark.parametrize("code", sorted(LANDMARKS))
def test_markers_never_cover_the_landmarks_they_refer_to(client, code):
    """What a marker paints (its ring's stroke, its dot) keeps clear of the landmark the
    text tells you to feel for, on every figure that draws it: the map, the point page,
    the enlarged view and the close-up; the tap target is a separate circle."""
    from points.figures import close_up

    slug, landmark_ids = LANDMARKS[code]
    point = Point.objects.get(slug=code)
    pages = [f"/points/{code}/", point.region.get_absolute_url()]
    pages += [c.get_absolute_url() for c in Condition.objects.filter(indications__point=point)]
    placements = list(Placement.objects.filter(point=point).for_map())
    close = close_up(placements, point)
    assert close.illustration.slug == slug
    htmls = [client.get(url).content.decode() for url in pages] + [str(close.html())]
    checked = 0
    for html in htmls:
        for label, figure in markers_in(html).items():
            if not figure["art"].endswith(f"/{slug}.svg"):
                continue
            for marker in (m for m in figure["markers"] if m["code"] == code):
                circles = marker["circles"]
                assert "marker-hit" in circles and "marker-dot" in circles
                for landmark_id in landmark_ids:
                    landmark = landmark_points(slug, landmark_id)
                    dot = circles["marker-dot"]
                    assert clearance(landmark, dot["cx"], dot["cy"]) > dot["r"], (code, label, landmark_id)
                    if "marker-ring" in circles:
                        ring = circles["marker-ring"]
                        outer = ring["r"] + ring["stroke"] / 2
                        assert clearance(landmark, ring["cx"], ring["cy"]) > outer, (code, label, landmark_id, ring)
                checked += 1
    assert checked >= 4, checked  # the region map, the point page, the enlarged views, the close-up


@pytest.mark.django_db
def test_close_up_crops_on_the_point_and_its_nearest_art_label(django_assert_num_queries):
    """For every placed point: the crop holds its markers (both sides), the nearest of the
    art's own labels, is centred on the point where the figure allows, and its marker labels
    are at least 12 px at the width it is drawn; with the placements loaded, no queries."""
    from points.figures import art_for, close_up
    from points.geometry import LABEL_PX, read_art

    checked = 0
    for point in Point.objects.published().select_related("region"):
        placements = list(Placement.objects.filter(point=point).for_map())
        if not placements:
            continue
        for width in (358, 120):
            with django_assert_num_queries(0):
                figure = close_up(placements, point, number=3 if width == 120 else None, display_width=width)
                html = str(figure.html())
            x, y, w, h = figure.view_box
            assert f'viewBox="{x} {y} {w} {h}"' in html
            fig = figure.illustration
            assert x >= 0 and y >= 0 and x + w <= fig.width + 0.1 and y + h <= fig.height + 0.1
            mine = [p for p in placements if p.illustration_id == fig.pk]
            assert len(figure.drawn) == len(mine)  # both sides
            for _, d in figure.drawn:
                assert x <= d.cx - d.extent and d.cx + d.extent <= x + w, (point.code, figure.view_box)
                assert y <= d.cy - d.extent and d.cy + d.extent <= y + h, (point.code, figure.view_box)
                box = d.label_box
                assert x <= box[0] and box[2] <= x + w and y <= box[1] and box[3] <= y + h, (point.code, box)
                assert d.font * width / w >= LABEL_PX - 1e-6
            art = art_for(fig)
            centres = [(m.cx, m.cy) for m in figure.markers]
            label = art.nearest_label(centres)
            # the nearest: no other label of the art is closer to the point
            assert label.text and all(
                min(_box_gap(label.box, c) for c in centres) <= min(_box_gap(o.box, c) for c in centres) + 1e-9
                for o in read_art(str(ART / f"{fig.slug}.svg")).labels
                if not set("←→↑↓") & set(o.text)
            )
            assert x <= label.x <= x + w and y <= label.y <= y + h, (point.code, label)
            # centred on the point as far as the label allows: the point in the crop's middle half
            cx, cy = (sum(c[i] for c in centres) / len(centres) for i in (0, 1))
            assert x + w / 4 - 0.1 <= cx <= x + 3 * w / 4 + 0.1 or x == 0 or x + w >= fig.width - 0.1, point.code
            assert y + h / 4 - 0.1 <= cy <= y + 3 * h / 4 + 0.1 or y == 0 or y + h >= fig.height - 0.1, point.code
            checked += 1
    assert checked > 40


def _box_gap(box, c):
    dx = max(box[0] - c[0], 0, c[0] - box[2])
    dy = max(box[1] - c[1], 0, c[1] - box[3])
    return math.hypot(dx, dy)


@pytest.mark.django_db
def test_the_sheet_and_the_point_page_crop_alike(client):
    """One crop algorithm: the sheet's figure is the point's close-up at the sheet's width."""
    from points.figures import close_up
    from points.geometry import SHEET_PX
    from points.sheets import for_sheet, sheet_crop

    point = for_sheet(Point.objects.filter(slug="bl60")).get()
    sheet = sheet_crop(point)
    same = close_up(list(point.placements.all()), point, display_width=SHEET_PX, aspect=1, for_print=True)
    assert sheet.view_box == same.view_box and sheet.illustration.slug == "foot-outer"
    html = client.get("/points/bl60/sheet/").content.decode()
    assert f'viewBox="{" ".join(str(v) for v in sheet.view_box)}"' in html
    assert sheet.view_box[2] < sheet.illustration.width  # cropped, not the whole figure
    for _, d in sheet.drawn:  # the crosshair's arms stop short of the ankle bone
        bone = landmark_points("foot-outer", "outer-ankle-bone")
        for x1, y1, x2, y2 in d.arms:
            for t in range(11):
                assert clearance(bone, x1 + (x2 - x1) * t / 10, y1 + (y2 - y1) * t / 10) > 0


# In a real browser

MEASURE = """() => [...document.querySelectorAll(SELECTOR)].filter(svg => svg.getClientRects().length).map(svg => {
  const f = svg.getBoundingClientRect(), scale = svg.getScreenCTM().a, items = [];
  svg.querySelectorAll("a.marker").forEach(a => a.querySelectorAll(".marker-ring, .marker-label, .marker-number")
    .forEach(el => {
      const b = el.getBoundingClientRect();
      items.push({code: a.getAttribute("href"), kind: el.getAttribute("class"), box: [b.left, b.top, b.right, b.bottom],
                  font: el.tagName === "text" ? parseFloat(getComputedStyle(el).fontSize) * scale : null});
    }));
  svg.querySelectorAll(".guide-label").forEach(el => {  // the measuring guide's labels (issue 13)
    const b = el.getBoundingClientRect();
    items.push({code: "measuring guide", kind: "guide-label", box: [b.left, b.top, b.right, b.bottom],
                font: parseFloat(getComputedStyle(el).fontSize) * scale});
  });
  return {figure: svg.getAttribute("aria-label"), box: [f.left, f.top, f.right, f.bottom], items,
          art: svg.querySelector("image").getAttribute("href"), scale, width: f.width};
})"""


def measure(page, selector="svg.figure-svg"):
    return page.evaluate(MEASURE.replace("SELECTOR", repr(selector)))


def _overlap(a, b):
    return a[0] < b[2] - TOLERANCE and b[0] < a[2] - TOLERANCE and a[1] < b[3] - TOLERANCE and b[1] < a[3] - TOLERANCE


def problems_in(figures, url, *, min_font=None):
    found = []
    for fig in figures:
        box = fig["box"]
        for item in fig["items"]:
            b = item["box"]
            if not (
                b[0] >= box[0] - TOLERANCE
                and b[1] >= box[1] - TOLERANCE
                and b[2] <= box[2] + TOLERANCE
                and b[3] <= box[3] + TOLERANCE
            ):
                found.append(f"{url} {fig['figure']}: {item['code']} {item['kind']} outside the figure")
            if min_font and item["font"] is not None and item["font"] < min_font:
                found.append(f"{url} {fig['figure']}: {item['code']} label {item['font']:.1f}px")
        for a, b in combinations(fig["items"], 2):
            if _overlap(a["box"], b["box"]):
                found.append(f"{url} {fig['figure']}: {a['code']} {a['kind']} overlaps {b['code']} {b['kind']}")
    return found


def every_page():
    pages = [f"/regions/{slug}/" for slug in ("back", "hand", "arm", "abdomen", "leg", "foot")]
    pages += [p.get_absolute_url() for p in Point.objects.published().order_by("order_key")]
    pages += [c.get_absolute_url() for c in Condition.objects.published().order_by("order")]
    return pages


@pytest.mark.browser
@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 800)], ids=["phone", "desktop"])
def test_no_marker_or_label_overlaps_and_labels_are_readable(site, browser, width, height):
    """Every region, point and condition page: per figure, the boxes of all marker rings
    and labels, and of the measuring guide's labels, are pairwise disjoint and inside the
    figure; on a phone every marker and guide label is at least 12 CSS px."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    found, figures, labels = [], 0, []
    for url in every_page():
        page.goto(site + url)
        measured = measure(page)
        figures += len(measured)
        labels += [i["font"] for f in measured for i in f["items"] if i["font"] is not None]
        found += problems_in(measured, url, min_font=12 if width == 390 else None)
    context.close()
    print(f"\n{width}px: {figures} figures, {len(labels)} labels, smallest {min(labels):.1f}px, {len(found)} problems")
    assert figures > 50 and labels
    assert not found, "\n".join(found[:40]) + f"\n({len(found)} in all)"


def art_min_font(href):
    root = ElementTree.parse(ART / Path(href).name).getroot()  # noqa: S314 (our own files)
    return min(float(t.get("font-size")) for t in root.iter(f"{SVG}text"))


@pytest.mark.browser
def test_enlarge_every_figure_on_a_phone(site, browser):
    """Each figure opens full screen from its own button, focus moves in, the art's own
    labels are at least 12 px there, markers are still apart, Escape and Close leave and
    focus returns; it works without JavaScript too."""
    for js in (True, False):
        context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=js)
        page = context.new_page()
        found, opened = [], 0
        for slug in ("back", "hand", "arm", "abdomen", "leg", "foot"):
            page.goto(f"{site}/regions/{slug}/")
            for n, button in enumerate(page.locator("button.figure-enlarge").all()):
                target = button.get_attribute("popovertarget")
                full = page.locator(f"#{target}")
                assert not full.is_visible()
                if n % 2:
                    button.click()
                else:
                    button.focus()
                    page.keyboard.press("Enter")
                full.wait_for(state="visible")
                opened += 1
                if js:
                    assert page.evaluate("document.activeElement.classList.contains('figure-close')")
                    if slug == "foot" and n == 0:
                        assert axe_violations(page) == []  # the open popover too
                box = full.bounding_box()
                assert box["width"] == 390 and box["height"] == 844  # the whole screen
                (fig,) = measure(page, f"#{target} svg.figure-full-svg")
                smallest = art_min_font(fig["art"]) * fig["scale"]
                if smallest < 12:
                    found.append(f"{slug}: the art's labels are {smallest:.1f}px enlarged")
                found += problems_in([fig], f"{slug} enlarged", min_font=12)
                if n % 2:
                    page.keyboard.press("Escape")
                else:
                    full.get_by_role("button", name="Close the enlarged figure").click()
                full.wait_for(state="hidden")
                if js:
                    assert page.evaluate("document.activeElement.getAttribute('popovertarget')") == target
        context.close()
        assert opened >= 13
        assert not found, "\n".join(found)


@pytest.mark.browser
def test_the_tap_target_paints_nothing_and_takes_the_tap(site, page):
    """The hit circle is invisible (no fill, no stroke), at least 24 px across on close-up
    figures, and a tap anywhere on it (not only on the small dot) opens the point."""
    page.goto(site + "/regions/foot/")
    hit = page.locator('svg.figure-svg a.marker[data-code="bl60"] .marker-hit')
    style = hit.evaluate("e => { const s = getComputedStyle(e); return [s.fill, s.stroke, s.opacity] }")
    assert style[0] == "none" and style[1] == "none", style
    hit.scroll_into_view_if_needed()
    box = hit.bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24
    # near the edge of the target, well away from the dot
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.1
    assert page.evaluate(f"document.elementFromPoint({x}, {y}).closest('a.marker').dataset.code") == "bl60"
    page.mouse.click(x, y)
    page.locator("#panel [data-point='bl60']").wait_for()


def test_site_css_agrees_with_the_width_assumptions():
    """geometry.py sizes labels for a figure drawn FIGURE_PX wide on a 390 px phone: the
    stylesheet's root size, page padding, figure frame and grid minimum must say the same."""
    from points import geometry

    css = (REPO / "static" / "css" / "site.css").read_text()
    assert re.search(r":root \{[^}]*font-size: 106\.25%", css) and geometry.ROOT_PX == 17
    assert re.search(r"\.wrap \{[^}]*padding: 0 1rem", css)
    assert re.search(r"\.figure \{[^}]*border: 1px[^}]*padding: 0\.5rem", css)
    assert "minmax(min(100%, 21rem), 1fr)" in css and geometry.FIGURE_COLUMN_REM == 21
    assert geometry.FIGURE_COLUMN_REM * geometry.ROOT_PX - 2 * geometry.FIGURE_FRAME_PX >= geometry.FIGURE_PX
    assert geometry.FIGURE_PX == 390 - 2 * 17 - 2 * (1 + 8.5)
    assert re.search(r"\.figure\.is-close-up \{[^}]*border: 0; padding: 0", css)
    assert geometry.CLOSE_UP_PX == 390 - 2 * 17


@pytest.mark.django_db
def test_a_marker_at_the_very_edge_of_a_figure_still_gets_its_label(client, one_person_site):
    """Found by the admin fuzz test: a marker moved to 2 % from the top left no label spot
    inside the figure, and the page was a 500."""
    from points.models import Placement

    placement = Placement.objects.filter(point__code="BL54").select_related("illustration").first()
    Placement.objects.filter(pk=placement.pk).update(x="64.99", y="2.00")
    assert client.get("/points/bl54/").status_code == 200
    assert client.get(placement.illustration.region.get_absolute_url()).status_code == 200
