"""Marker geometry: the one place that decides how big markers are, where their labels
go, where crosshairs reach and how a figure is cropped.

Sizes are chosen in CSS px for the width a figure is drawn at, then turned into figure
units (the SVG ``viewBox``): a view ``W`` units wide drawn ``D`` px wide has ``W / D``
units per px. The map and the point and condition pages (``points.figures``), the
printed sheets (``points.sheets``) and the location picker (``points.widgets``, whose
script gets its numbers through ``data-*`` attributes) all size their markers here.

CSS width assumptions (static/css/site.css, block "Figures and markers", agrees):

- the root font size is 106.25 % of 16 px, so 1rem = ``ROOT_PX`` = 17 px;
- ``.wrap`` pads the page by 1rem on each side; ``.figure`` has a 1px border and a
  0.5rem padding; so on a 390 px phone a full figure is drawn ``FIGURE_PX`` = 337 px
  wide;
- the ``.figures`` grid never makes a column narrower than 21rem (357 px, a drawing of
  338 px) on wider screens, so no full figure is ever drawn narrower than ``FIGURE_PX``
  on a screen 390 px wide or more: labels sized for it are at least ``LABEL_PX`` there;
- a close-up on a phone point page is drawn ``CLOSE_UP_PX`` wide, a condition page's
  thumbnail about ``THUMBNAIL_PX``; a printed sheet's figure column is 32 mm
  (``SHEET_PX``); the location picker is at most 32rem of the admin's 16 px
  (``PICKER_PX``).

What a marker paints never covers a landmark the art declares (an element with an
``id``, e.g. ``id="outer-ankle-bone"``): the ring has an open centre and shrinks to keep
clear of it; when even a small ring does not fit the marker is a dot whose label sits
off to one side, with a leader line where it is not beside the dot. The tap target is a
transparent circle that paints nothing.
"""

import math
import re
from dataclasses import dataclass, fields
from functools import cache, cached_property
from itertools import pairwise
from xml.etree import ElementTree  # our own shipped SVG files only, never uploads

# CSS width assumptions (see the module docstring)
ROOT_PX = 17
PHONE_PX = 390
WRAP_PAD_PX = ROOT_PX  # .wrap { padding: 0 1rem }
FIGURE_FRAME_PX = 1 + ROOT_PX / 2  # .figure { border: 1px; padding: 0.5rem }
FIGURE_PX = PHONE_PX - 2 * WRAP_PAD_PX - 2 * FIGURE_FRAME_PX  # 337
FIGURE_COLUMN_REM = 21  # .figures { grid-template-columns: repeat(auto-fit, minmax(min(100%, 21rem), 1fr)) }
CLOSE_UP_PX = PHONE_PX - 2 * WRAP_PAD_PX  # 356: a frameless close-up (.figure.is-close-up)
THUMBNAIL_PX = 120
SHEET_PX = round(32 / 25.4 * 96)  # 121: .sheet-point's 32 mm figure column in print
PICKER_PX = 512  # .location-picker { max-width: 32rem } at 16 px

LABEL_PX = 12  # marker labels, at least, on a 390 px screen
ART_LABEL_PX = 12  # the art's own labels in the enlarged view
HIT_PX = 24  # tap targets on full figures and close-ups (WCAG 2.5.8)

# Text metrics, as a share of the font size: DejaVu Sans Bold (Debian's system-ui, wider
# than the usual phone faces) measured in Chromium; the art's labels are sans-serif regular.
LABEL_CHAR_EM = 0.76
LABEL_LINE_EM = 1.17  # the height of a text's box (getBBox, getBoundingClientRect)
LABEL_ASCENT_EM = 0.93  # from the top of the box to the baseline
ART_CHAR_EM = 0.56
ART_ASCENT_EM = 0.91
ART_DESCENT_EM = 0.21
ARROWS = set("←→↑↓")  # "↑ knee", "toes →": directions, not landmarks


@dataclass(frozen=True)
class Style:
    """Marker sizes in CSS px (radii to the middle of a stroke)."""

    ring: float  # the ring's radius
    ring_min: float  # the smallest ring worth drawing; below it the marker is a dot
    stroke: float  # the ring's stroke width
    dot: float  # the dot at the exact spot
    hit: float  # the transparent tap target's radius
    gap: float  # between a ring and its label
    font: float  # label font size (0: no labels)
    arm: float  # crosshair arms reach this far from the centre (0: none)
    margin: float  # clear space kept from landmarks and between labels
    leader: float  # leader line width


CLOSE_UP = Style(ring=8, ring_min=6, stroke=2.5, dot=2, hit=HIT_PX / 2, gap=3, font=LABEL_PX, arm=0, margin=1.5,
                 leader=1)  # fmt: skip
# Overview figures: smaller markers, and a crowded one is left off when a close-up on
# the same page shows the point (its target there is full size).
OVERVIEW = Style(ring=5.5, ring_min=3.5, stroke=2, dot=1.5, hit=8, gap=2, font=LABEL_PX, arm=0, margin=1.5, leader=1)
SHEET = Style(ring=6, ring_min=3, stroke=1.5, dot=1.5, hit=0, gap=1.5, font=0, arm=14, margin=1, leader=1)
PICKER = Style(ring=10, ring_min=10, stroke=2.5, dot=2.5, hit=HIT_PX / 2, gap=4, font=13, arm=22, margin=1.5,
               leader=1)  # fmt: skip


@dataclass(frozen=True)
class Scale:
    """A style turned into figure units for one drawing: ``unit`` units per CSS px."""

    style: Style
    unit: float

    def __getattr__(self, name):
        if name in STYLE_FIELDS:
            return getattr(self.style, name) * self.unit
        raise AttributeError(name)


STYLE_FIELDS = {f.name for f in fields(Style)}


def scale_for(style, view_width, display_px):
    return Scale(style, view_width / display_px)


def label_width(text, font):
    return len(text) * LABEL_CHAR_EM * font


def font_units(scale):
    """A label font size in figure units, rounded up so it never drops below the px size."""
    return _up(scale.font)


def picker_numbers(scale):
    """What the location picker's script needs, in figure units (``data-*`` attributes)."""
    font = font_units(scale)
    above = scale.ring + scale.stroke / 2 + scale.gap + (LABEL_LINE_EM - LABEL_ASCENT_EM) * font
    return {
        "ring_r": _r(scale.ring),
        "dot_r": _r(scale.dot),
        "stroke": _r(scale.stroke),
        "arm": _r(scale.arm),
        "label_dy": _r(-above),
        "font": font,
    }


def _r(value):
    return round(value, 1)


def _up(value):
    """Rounded up: a minimum size stays a minimum when written with one decimal."""
    return math.ceil(round(value * 10, 6)) / 10


# Boxes are (x0, y0, x1, y1).


def _overlap(a, b, pad=0.0):
    return a[0] < b[2] + pad and b[0] < a[2] + pad and a[1] < b[3] + pad and b[1] < a[3] + pad


def _inside(box, bounds):
    return box[0] >= bounds[0] and box[1] >= bounds[1] and box[2] <= bounds[2] and box[3] <= bounds[3]


def _square(cx, cy, r):
    return (cx - r, cy - r, cx + r, cy + r)


def _box_distance(box, x, y):
    dx = max(box[0] - x, 0, x - box[2])
    dy = max(box[1] - y, 0, y - box[3])
    return math.hypot(dx, dy)


def _circle_hits_box(cx, cy, r, box):
    return _box_distance(box, cx, cy) < r


# The art: landmark shapes (elements with an id) and labels, read from the shipped SVG.


@dataclass(eq=False)
class Shape:
    """A landmark drawn in the art, as an outline (closed shapes count as filled)."""

    id: str
    outline: tuple  # points along the shape, in order
    closed: bool
    half_stroke: float
    circle: tuple | None = None  # (cx, cy, r), exact for circles

    @cached_property
    def bounds(self):
        xs, ys = [p[0] for p in self.outline], [p[1] for p in self.outline]
        h = self.half_stroke
        return (min(xs) - h, min(ys) - h, max(xs) + h, max(ys) + h)

    def distance(self, x, y):
        """From (x, y) to the nearest point the shape covers (0 inside a closed shape)."""
        if self.circle:
            cx, cy, r = self.circle
            return max(0.0, math.hypot(x - cx, y - cy) - r - self.half_stroke)
        if self.closed and _in_polygon(self.outline, x, y):
            return 0.0
        pts = self.outline
        nearest = min(_segment_distance(x, y, pts[i], pts[i + 1]) for i in range(len(pts) - 1))
        return max(0.0, nearest - self.half_stroke)

    def near(self, x, y, clear):
        """Whether (x, y) is within ``clear`` of the shape."""
        return _box_distance(self.bounds, x, y) <= clear and self.distance(x, y) <= clear

    def box_distance(self, box):
        """From a box to the shape (0 if they touch)."""
        b = self.bounds
        apart = max(b[0] - box[2], box[0] - b[2], b[1] - box[3], box[1] - b[3])
        if apart > 0:
            return apart  # no nearer than the gap between the boxes around them
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        if self.distance(cx, cy) == 0:
            return 0.0
        if self.circle:
            ccx, ccy, r = self.circle
            return max(0.0, _box_distance(box, ccx, ccy) - r - self.half_stroke)
        if any(box[0] <= px <= box[2] and box[1] <= py <= box[3] for px, py in self.outline):
            return 0.0
        return max(0.0, min(_box_distance(box, px, py) for px, py in self.outline) - self.half_stroke)

    def crosses(self, x1, y1, x2, y2, clear=0.0):
        """Whether a line from (x1, y1) to (x2, y2) comes within ``clear`` of the shape."""
        line = (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))
        if not _overlap(line, self.bounds, clear):
            return False
        steps = max(2, int(math.hypot(x2 - x1, y2 - y1) / 2) + 1)
        return any(self.near(x1 + (x2 - x1) * t / steps, y1 + (y2 - y1) * t / steps, clear) for t in range(steps + 1))


def _segment_distance(x, y, a, b):
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / length))
    return math.hypot(x - ax - t * dx, y - ay - t * dy)


def _in_polygon(pts, x, y):
    inside = False
    for (ax, ay), (bx, by) in zip(pts, pts[1:] + pts[:1], strict=True):
        if (ay > y) != (by > y) and x < ax + (y - ay) * (bx - ax) / (by - ay):
            inside = not inside
    return inside


@dataclass(frozen=True)
class ArtLabel:
    """One of the art's own labels (its lines together): where it is written and its box."""

    text: str
    x: float  # the anchor of its first line
    y: float
    box: tuple


@dataclass(frozen=True)
class Art:
    width: float
    height: float
    labels: tuple  # ArtLabel
    landmarks: tuple  # Shape
    min_font: float  # the smallest text in the drawing

    def nearest_label(self, points):
        """The label nearest to any of ``points`` (landmark labels only, not directions)."""
        named = [label for label in self.labels if not ARROWS & set(label.text)]
        if not named:
            return None
        return min(named, key=lambda label: min(_box_distance(label.box, x, y) for x, y in points))


SVG = "{http://www.w3.org/2000/svg}"
NUMBER_RE = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
PATH_RE = re.compile(r"[MmLlHhVvCcQqZz]|" + NUMBER_RE.pattern)


def _num(value, default=0.0):
    if value is None:
        return default
    match = NUMBER_RE.match(value.strip())
    return float(match.group(0)) if match else default


def _path_points(d):
    """Points along an SVG path (M, L, H, V, C, Q and Z, absolute or relative)."""
    tokens = PATH_RE.findall(d)
    pts, closed, i, cmd = [], False, 0, None
    x = y = sx = sy = 0.0

    def take(n):
        nonlocal i
        values = [float(t) for t in tokens[i : i + n]]
        i += n
        return values

    while i < len(tokens):
        if tokens[i].isalpha():
            cmd = tokens[i]
            i += 1
            if cmd in "Zz":
                closed = True
                x, y = sx, sy
                pts.append((x, y))
                continue
        rel = cmd.islower()
        ox, oy = (x, y) if rel else (0.0, 0.0)
        c = cmd.upper()
        if c in "ML":
            px, py = take(2)
            x, y = ox + px, oy + py
            if c == "M":
                sx, sy = x, y
                cmd = "l" if rel else "L"
            pts.append((x, y))
        elif c == "H":
            x = (x if rel else 0.0) + take(1)[0]
            pts.append((x, y))
        elif c == "V":
            y = (y if rel else 0.0) + take(1)[0]
            pts.append((x, y))
        elif c in "CQ":
            values = take(6 if c == "C" else 4)
            ctrl = [(ox + values[k], oy + values[k + 1]) for k in range(0, len(values), 2)]
            start = (x, y)
            for step in range(1, 17):
                t = step / 16
                pts.append(_bezier([start, *ctrl], t))
            x, y = ctrl[-1]
        else:
            raise ValueError(f"path command {cmd!r} is not read")
    return pts, closed


def _bezier(ctrl, t):
    while len(ctrl) > 1:
        ctrl = [((1 - t) * a[0] + t * b[0], (1 - t) * a[1] + t * b[1]) for a, b in pairwise(ctrl)]
    return ctrl[0]


def _shape(element, stroke_width):
    tag = element.tag.removeprefix(SVG)
    get = element.get
    half = stroke_width / 2
    if tag == "circle":
        cx, cy, r = _num(get("cx")), _num(get("cy")), _num(get("r"))
        outline = tuple((cx + r * math.cos(a / 24 * math.tau), cy + r * math.sin(a / 24 * math.tau)) for a in range(25))
        return Shape(get("id"), outline, True, half, (cx, cy, r))
    if tag == "ellipse":
        cx, cy, rx, ry = _num(get("cx")), _num(get("cy")), _num(get("rx")), _num(get("ry"))
        turns = (a / 72 * math.tau for a in range(73))
        outline = tuple((cx + rx * math.cos(t), cy + ry * math.sin(t)) for t in turns)
        return Shape(get("id"), outline, True, half)
    if tag == "rect":
        x, y, w, h = _num(get("x")), _num(get("y")), _num(get("width")), _num(get("height"))
        return Shape(get("id"), ((x, y), (x + w, y), (x + w, y + h), (x, y + h), (x, y)), True, half)
    if tag == "line":
        ends = ((_num(get("x1")), _num(get("y1"))), (_num(get("x2")), _num(get("y2"))))
        return Shape(get("id"), ends, False, half)
    if tag == "path":
        pts, closed = _path_points(get("d", ""))
        return Shape(get("id"), tuple(pts), closed, half) if len(pts) > 1 else None
    return None


@cache
def read_art(path):
    """The landmarks and labels of a shipped SVG file (read once per file)."""
    root = ElementTree.parse(path).getroot()  # noqa: S314 (our own static files)
    view = [float(v) for v in root.get("viewBox", "0 0 100 100").split()]
    landmarks, lines, fonts = [], [], []

    def walk(element, inherited):
        attrs = {**inherited, **{k: v for k, v in element.attrib.items() if k in INHERITED}}
        tag = element.tag.removeprefix(SVG)
        if tag == "defs":
            return
        if tag == "text":
            font = _num(attrs.get("font-size"), 16)
            fonts.append(font)
            if "fig-label" in element.get("class", "").split():
                lines.append((element, font, attrs.get("text-anchor", "start")))
        elif element.get("id") and element is not root:
            shape = _shape(element, _num(attrs.get("stroke-width"), 1))
            if shape is not None:
                landmarks.append(shape)
        for child in element:
            walk(child, attrs)

    walk(root, {})
    return Art(view[2], view[3], tuple(_group_labels(lines)), tuple(landmarks), min(fonts, default=16))


INHERITED = {"font-size", "stroke-width", "text-anchor"}


def _group_labels(lines):
    """The art's labels: a line written just below another at the same x continues it."""
    groups = []
    for element, font, anchor in lines:
        x, y, text = _num(element.get("x")), _num(element.get("y")), "".join(element.itertext()).strip()
        last = groups[-1] if groups else None
        if last and last["x"] == x and last["anchor"] == anchor and 0 < y - last["ys"][-1] <= 1.5 * font:
            last["texts"].append(text)
            last["ys"].append(y)
            continue
        groups.append({"x": x, "anchor": anchor, "font": font, "texts": [text], "ys": [y]})
    labels = []
    for g in groups:
        width = max(len(t) for t in g["texts"]) * ART_CHAR_EM * g["font"]
        x0 = {"middle": g["x"] - width / 2, "end": g["x"] - width}.get(g["anchor"], g["x"])
        box = (x0, g["ys"][0] - ART_ASCENT_EM * g["font"], x0 + width, g["ys"][-1] + ART_DESCENT_EM * g["font"])
        labels.append(ArtLabel(" ".join(g["texts"]), g["x"], g["ys"][0], box))
    return labels


# Laying markers out: rings sized clear of landmarks, labels placed clear of each other.


@dataclass
class Drawn:
    """A marker as drawn, in figure units."""

    cx: float
    cy: float
    ring_r: float  # 0: no ring (a dot with an offset label)
    stroke: float
    dot_r: float
    hit_r: float
    ring_box: tuple
    font: float = 0.0
    lx: float = 0.0
    ly: float = 0.0
    anchor: str = "middle"
    label_box: tuple | None = None
    leader: tuple | None = None  # (x1, y1, x2, y2)
    arms: tuple = ()  # crosshair arms, each (x1, y1, x2, y2)

    @property
    def extent(self):
        return self.ring_r + self.stroke / 2 if self.ring_r else self.dot_r


# Label positions around a marker, in order of preference: above, below, right, left,
# then the corners; each first beside the ring, then further out with a leader line.
DIRECTIONS = [(0, -1), (0, 1), (1, 0), (-1, 0), (1, -1), (-1, -1), (1, 1), (-1, 1)]
LEVELS = 4


def _candidates(d, text, scale, font):
    w, h = label_width(text, font), LABEL_LINE_EM * font
    for level in range(LEVELS):
        reach = d.extent + scale.gap + level * font
        for dx, dy in DIRECTIONS:
            k = 0.75 if dx and dy else 1.0
            ax, ay = d.cx + dx * reach * k, d.cy + dy * reach * k
            x0 = {1: ax, -1: ax - w}.get(dx, ax - w / 2)
            y0 = {1: ay, -1: ay - h}.get(dy, ay - h / 2)
            box = (x0, y0, x0 + w, y0 + h)
            anchor = {1: "start", -1: "end"}.get(dx, "middle")
            tx = {1: x0, -1: x0 + w}.get(dx, x0 + w / 2)
            leader = None
            if level or not d.ring_r:
                near = (min(max(d.cx, box[0]), box[2]), min(max(d.cy, box[1]), box[3]))
                length = math.hypot(near[0] - d.cx, near[1] - d.cy)
                if length > d.extent + scale.gap * 2:
                    sx, sy = (near[0] - d.cx) / length, (near[1] - d.cy) / length
                    start = d.extent + scale.gap / 2
                    leader = (d.cx + sx * start, d.cy + sy * start, near[0], near[1])
            yield box, anchor, tx, y0 + LABEL_ASCENT_EM * font, leader


def layout(markers, scale, bounds, art=None, *, droppable=frozenset(), labels=True, arms=False):
    """Each marker as drawn (``None``: left off a crowded figure), in the order given.

    ``markers`` have ``cx``, ``cy``, ``label``, ``selected`` and ``point_id``; ``bounds`` is
    the visible box; markers whose ``point_id`` is in ``droppable`` are left off when they
    would crowd others (a close-up on the same page shows them)."""
    landmarks = art.landmarks if art else ()
    art_boxes = [label.box for label in art.labels] if art else []
    seen = {}
    rank = []
    for i, m in enumerate(markers):  # the selected point first, then one side of every point
        rank.append((not m.selected, seen.get(m.point_id, 0), i))
        seen[m.point_id] = seen.get(m.point_id, 0) + 1
    order = [i for *_, i in sorted(rank)]
    drawn = [None] * len(markers)
    for i in order:  # rings first: where the markers are is given
        m = markers[i]
        clearance = min((s.distance(m.cx, m.cy) for s in landmarks), default=math.inf)
        ring_r = min(scale.ring, clearance - scale.stroke / 2 - scale.margin)
        ring_r = ring_r if ring_r >= scale.ring_min else 0.0
        # with a ring, a small dot at the centre; alone, a dot as big as the room allows
        dot_r = min(scale.dot if ring_r else 2 * scale.dot, max(clearance - scale.margin, scale.dot / 2))
        d = Drawn(m.cx, m.cy, _r(ring_r), _r(scale.stroke), _r(dot_r), 0.0, ())
        d.hit_r = _up(max(scale.hit, d.extent))
        d.ring_box = _square(m.cx, m.cy, d.extent)
        crowded = not _inside(d.ring_box, bounds) or any(
            o
            and (
                _overlap(d.ring_box, o.ring_box, scale.margin)
                or math.hypot(o.cx - d.cx, o.cy - d.cy) < o.hit_r + d.hit_r
            )
            for o in drawn
        )
        if crowded and m.point_id in droppable:
            continue
        drawn[i] = d
    if labels and scale.font:
        font = font_units(scale)
        placed = []
        for i in order:
            d, m = drawn[i], markers[i]
            if d is None:
                continue
            best = _place_label(d, m.label, scale, font, bounds, drawn, placed, landmarks, art_boxes)
            if best is None and m.point_id in droppable:
                drawn[i] = None
                continue
            if best is None:  # nowhere free: the least crowded spot
                best = _place_label(d, m.label, scale, font, bounds, drawn, placed, landmarks, art_boxes, force=True)
            if best is None:  # at the very edge no spot is inside the figure: the first choice, partly out
                best = next(iter(_candidates(d, m.label, scale, font)))
            d.font = font
            d.label_box, d.anchor, lx, ly, d.leader = best
            d.lx, d.ly = _r(lx), _r(ly)
            d.leader = tuple(_r(v) for v in d.leader) if d.leader else None
            placed.append(d.label_box)
    if arms:
        for d in drawn:
            if d is not None:
                d.arms = _arms(d, scale, landmarks)
    return drawn


def _place_label(d, text, scale, font, bounds, drawn, placed, landmarks, art_boxes, force=False):
    best, best_cost = None, math.inf
    for n, (box, anchor, tx, ty, leader) in enumerate(_candidates(d, text, scale, font)):
        if not _inside(box, bounds):
            continue
        hard = sum(_overlap(box, p, scale.margin) for p in placed)
        for o in drawn:
            if o is None or o is d:
                continue
            hard += _overlap(box, o.ring_box, scale.margin) or _circle_hits_box(o.cx, o.cy, o.hit_r, box)
        if hard and not force:
            continue
        soft = sum(_overlap(box, a) for a in art_boxes)
        soft += 2 * sum(s.box_distance(box) <= scale.margin for s in landmarks)
        if leader:
            soft += 2 * sum(s.crosses(*leader, clear=scale.margin) for s in landmarks)
            soft += sum(_segment_hits_box(leader, o.ring_box) for o in drawn if o is not None and o is not d)
        cost = 1000 * hard + 10 * soft + n
        if cost < best_cost:
            best, best_cost = (box, anchor, tx, ty, leader), cost
            if not hard and not soft:  # the candidates come in order of preference
                break
    return best


def _segment_hits_box(seg, box):
    x1, y1, x2, y2 = seg
    return any(
        box[0] <= x1 + (x2 - x1) * t / 8 <= box[2] and box[1] <= y1 + (y2 - y1) * t / 8 <= box[3] for t in range(9)
    )


def _arms(d, scale, landmarks):
    """Crosshair arms from just outside the ring to ``scale.arm``, stopped short of landmarks."""
    start = d.extent + scale.gap
    if scale.arm <= start:
        return ()
    arms = []
    for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        reach = start
        while reach < scale.arm:
            step = min(scale.arm, reach + scale.unit)
            x, y = d.cx + dx * step, d.cy + dy * step
            if any(s.near(x, y, scale.stroke / 2 + scale.margin) for s in landmarks):
                break
            reach = step
        if reach - start >= 3 * scale.unit:
            ends = (d.cx + dx * start, d.cy + dy * start, d.cx + dx * reach, d.cy + dy * reach)
            arms.append(tuple(_r(v) for v in ends))
    return tuple(arms)


# Crops


CENTRE_SLACK = 0.25  # a close-up's point stays in the middle half of the crop (unless at the figure's edge)


def crop(markers, width, height, *, style, display_px, aspect, include=None, label_px=0.0, min_share=0.5):
    """A view box (x, y, w, h) around ``markers`` (their centres), with room for their
    rings and labels at ``style`` drawn ``display_px`` wide, and ``include`` (a box, e.g.
    the nearest art label) inside it; ``aspect`` is width / height. The markers' centre
    stays in the middle half of the crop (``CENTRE_SLACK``) unless the figure's edge is
    nearer; the crop is never narrower than ``min_share`` of the figure's short side, nor
    larger than the figure."""
    xs, ys = [m[0] for m in markers], [m[1] for m in markers]
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    extent = max(style.ring + style.stroke / 2, style.arm, style.hit)
    pad_x = max(extent, label_px / 2) + style.margin
    pad_y = max(extent, style.ring + style.stroke / 2 + style.gap + LABEL_LINE_EM * style.font) + style.margin

    def needed(w):
        unit = w / display_px
        left, right = min(xs) - pad_x * unit, max(xs) + pad_x * unit
        top, bottom = min(ys) - pad_y * unit, max(ys) + pad_y * unit
        if include is not None:
            margin = style.margin * unit
            left, right = min(left, include[0] - margin), max(right, include[2] + margin)
            top, bottom = min(top, include[1] - margin), max(bottom, include[3] + margin)
        return left, top, right, bottom

    def span(low, high, centre, limit):
        """How long a span must be to hold [low, high] with ``centre`` in its middle half
        (where the figure's edge allows)."""
        room = 1 - CENTRE_SLACK
        return max(high - low, min(high - centre, limit - centre) / room, min(centre - low, centre) / room)

    w = min_share * min(width, height)
    for _ in range(40):  # needed() grows slower than w: a fixed point
        left, top, right, bottom = needed(w)
        grown = max(w, span(left, right, cx, width), span(top, bottom, cy, height) * aspect)
        if grown - w < 0.05:
            break
        w = grown
    w = min(w, width)
    h = min(w / aspect, height)
    left, top, right, bottom = needed(w)
    return (_r(_start(cx, w, left, right, width)), _r(_start(cy, h, top, bottom, height)), _r(w), _r(h))


def _start(centre, size, low, high, limit):
    """Where a span of ``size`` starts: holding [low, high], the centre as near its middle
    as that allows and never out of its middle half, inside [0, limit]."""
    earliest = max(high - size, centre - (1 - CENTRE_SLACK) * size)
    latest = min(low, centre - CENTRE_SLACK * size)
    start = min(max(centre - size / 2, earliest), max(latest, earliest))
    return max(0.0, min(start, limit - size))


def enlarged_px(art, width):
    """How wide the enlarged view draws a figure: its smallest text at ``ART_LABEL_PX``."""
    if art is None:
        return max(FIGURE_PX, width)  # an uploaded image: at its own pixel size
    return math.ceil(width * ART_LABEL_PX / art.min_font)
