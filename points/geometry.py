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
  thumbnail about ``THUMBNAIL_PX``; a printed sheet's figure column is 50 mm
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
from functools import cache, cached_property, lru_cache
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
SHEET_MM = 50  # .sheet-point's figure column in print (site.css, "issue 13: print")
SHEET_PX = round(SHEET_MM / 25.4 * 96)  # 189
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


SHAPE_CACHE = 65536  # distances from a landmark shape, kept per process (markers rarely move)


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

    @lru_cache(maxsize=SHAPE_CACHE)  # noqa: B019 (pure; shapes live as long as the process: read_art keeps them)
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

    @lru_cache(maxsize=SHAPE_CACHE)  # noqa: B019 (pure; shapes live as long as the process: read_art keeps them)
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

    @lru_cache(maxsize=SHAPE_CACHE)  # noqa: B019 (pure; shapes live as long as the process: read_art keeps them)
    def crosses(self, x1, y1, x2, y2, clear=0.0):
        """Whether a line from (x1, y1) to (x2, y2) comes within ``clear`` of the shape:
        exactly, segment against segment (only the outline's segments near the line)."""
        line = (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))
        reach = clear + self.half_stroke
        if not _overlap(line, self.bounds, clear):
            return False
        if self.circle:
            cx, cy, r = self.circle
            return _segment_distance(cx, cy, (x1, y1), (x2, y2)) <= r + reach
        if self.closed and (_in_polygon(self.outline, x1, y1) or _in_polygon(self.outline, x2, y2)):
            return True
        a, b = (x1, y1), (x2, y2)
        pts = self.outline
        for i in range(len(pts) - 1):
            p, q = pts[i], pts[i + 1]
            if (min(p[0], q[0]) > line[2] + reach or max(p[0], q[0]) < line[0] - reach
                    or min(p[1], q[1]) > line[3] + reach or max(p[1], q[1]) < line[1] - reach):  # fmt: skip
                continue
            if _segments_distance(a, b, p, q) <= reach:
                return True
        return False


def _segments_distance(a, b, p, q):
    """The distance between segments ab and pq (0 when they cross)."""

    def side(o, u, v):
        return (u[0] - o[0]) * (v[1] - o[1]) - (u[1] - o[1]) * (v[0] - o[0])

    d1, d2, d3, d4 = side(a, b, p), side(a, b, q), side(p, q, a), side(p, q, b)
    if ((d1 > 0) != (d2 > 0)) and ((d3 > 0) != (d4 > 0)) and d1 and d2 and d3 and d4:
        return 0.0
    return min(_segment_distance(*p, a, b), _segment_distance(*q, a, b), _segment_distance(*a, p, q),
               _segment_distance(*b, p, q))  # fmt: skip


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


# Print crops (the sheets): a crop that shows the body part and never cuts the art's text.
#
# A sheet's figure shows enough of the drawing to be recognised: the body part's whole
# cross-section through the point (its outline on both sides, the shorter way across),
# at least ``PRINT_MIN_SHARE`` of the figure, the point's markers and the room the page's
# measuring guide needs. Every text the art writes (labels, side labels) is either wholly
# inside the crop or wholly outside it: the crop's edges are moved, never through text.

PRINT_MIN_SHARE = 0.62  # of the figure's short side
PRINT_BODY_MARGIN = 10  # figure units of skin and background kept beyond the body's outline
PRINT_TEXT_MARGIN = 3  # figure units between a kept text and the crop's edge
# Text boxes for the print crop, generous on purpose (a crop edge near text must clear
# it in any sans-serif the printer's browser picks): DejaVu Sans, the widest usual face,
# averages about 0.6 em a lower-case letter, 0.69 em a capital, more in bold.
PRINT_CHAR_EM = 0.62
PRINT_CAPS_EM = 0.76  # capitals are wider ("BACK", "RIGHT")
PRINT_BOLD_CHAR_EM = 0.7
PRINT_BOLD_CAPS_EM = 0.84
PRINT_ASCENT_EM = 0.96
PRINT_DESCENT_EM = 0.26
PRINT_SIDE_EM = 0.15
OUTLINE_CLASSES = {"fig-skin", "fig-outline"}
PRINT_NO_CONTOUR_COST = 0.35  # against the cost of a point a quarter of the crop off its middle (0.25)
PRINT_KEEP_PX = 8  # a kept point (the guide's landmark ring, 3 px) this far inside the crop's edge
LEADER_REACH = 8  # a straight line with an end this near a text is that label's leader


@dataclass(frozen=True)
class PrintArt:
    """What a print crop needs to know about a shipped drawing."""

    width: float
    height: float
    texts: tuple  # ArtLabel: every text the art writes, lines of one label together
    outline: tuple  # Shape: the body's contour (class fig-skin or fig-outline)
    leaders: tuple = ()  # boxes around the lines drawn from a label to what it names


@cache
def read_print_art(path):
    """Every text of a shipped SVG file with a generous box, and the body's contour."""
    root = ElementTree.parse(path).getroot()  # noqa: S314 (our own static files)
    view = [float(v) for v in root.get("viewBox", "0 0 100 100").split()]
    lines, outline, strokes = [], [], []

    def walk(element, inherited):
        attrs = {**inherited, **{k: v for k, v in element.attrib.items() if k in PRINT_INHERITED}}
        tag = element.tag.removeprefix(SVG)
        if tag == "defs":
            return
        classes = set(element.get("class", "").split())
        if tag == "text":
            lines.append((element, attrs))
        elif tag in {"line", "path", "polyline"} or classes & OUTLINE_CLASSES:
            shape = _shape(element, _num(attrs.get("stroke-width"), 1))
            if shape is not None and classes & OUTLINE_CLASSES:
                outline.append(shape)
            elif shape is not None and not shape.closed and len(shape.outline) == 2:
                strokes.append(shape)  # a straight line: perhaps a label's leader
        for child in element:
            walk(child, attrs)

    walk(root, {})
    texts = tuple(_print_texts(lines))
    leaders = tuple(
        s.bounds for s in strokes if any(_box_distance(t.box, *end) <= LEADER_REACH for t in texts for end in s.outline)
    )
    return PrintArt(view[2], view[3], texts, tuple(outline), leaders)


PRINT_INHERITED = {"font-size", "font-weight", "stroke-width", "text-anchor"}


def _print_texts(lines):
    groups = []
    for element, attrs in lines:
        font = _num(attrs.get("font-size"), 16)
        bold = attrs.get("font-weight", "normal") in {"bold", "bolder", "600", "700", "800", "900"} or (
            "fig-side" in element.get("class", "").split()
        )
        anchor = attrs.get("text-anchor", "start")
        x, y, text = _num(element.get("x")), _num(element.get("y")), "".join(element.itertext()).strip()
        em, caps = (PRINT_BOLD_CHAR_EM, PRINT_BOLD_CAPS_EM) if bold else (PRINT_CHAR_EM, PRINT_CAPS_EM)
        boxes = []
        for line_x, line_y, line in _text_lines(element, x, y, font):
            width = sum(caps if c.isupper() else em for c in line) * font
            x0 = {"middle": line_x - width / 2, "end": line_x - width}.get(anchor, line_x)
            pad = PRINT_SIDE_EM * font  # glyphs reach a little past the advance (an end anchor's last letter)
            top, bottom = line_y - PRINT_ASCENT_EM * font, line_y + PRINT_DESCENT_EM * font
            boxes.append((x0 - pad, top, x0 + width + pad, bottom))
        if not boxes:
            continue
        box = _union(boxes)
        last = groups[-1] if groups else None
        if last and last["x"] == x and last["anchor"] == anchor and 0 < y - last["y"] <= 1.5 * font:
            b = last["box"]
            last.update(box=(min(b[0], box[0]), b[1], max(b[2], box[2]), box[3]), y=y)
            last["texts"].append(text)
            continue
        groups.append({"x": x, "y": y, "y0": y, "anchor": anchor, "texts": [text], "box": box})
    return [ArtLabel(" ".join(g["texts"]), g["x"], g["y0"], g["box"]) for g in groups if "".join(g["texts"])]


def _text_lines(element, x, y, font):
    """(x, y, text) of each line a text element writes: itself, and each <tspan> that
    starts a line of its own (its own x or y, or a dy)."""
    lines = [[x, y, (element.text or "").strip()]]
    for span in element:
        if span.tag.removeprefix(SVG) != "tspan":
            continue
        dy = span.get("dy")
        step = _num(dy) * (font if dy and dy.strip().endswith("em") else 1) if dy else 0.0
        if span.get("y") is not None or span.get("x") is not None or step:
            y = _num(span.get("y"), y) + step
            lines.append([_num(span.get("x"), x), y, ""])
        lines[-1][2] += "".join(span.itertext()).strip() + (span.tail or "").strip()
    return [(lx, ly, text) for lx, ly, text in lines if text]


def _crossings(outline, x, y):
    """The nearest contour left of, right of, above and below (x, y) (None: none that way)."""
    left = right = top = bottom = None
    for shape in outline:
        for (ax, ay), (bx, by) in pairwise(shape.outline):
            if (ay - y) * (by - y) <= 0 and ay != by:  # crosses the horizontal line through y
                cx = ax + (y - ay) * (bx - ax) / (by - ay)
                if cx < x and (left is None or cx > left):
                    left = cx
                elif cx > x and (right is None or cx < right):
                    right = cx
            if (ax - x) * (bx - x) <= 0 and ax != bx:  # crosses the vertical line through x
                cy = ay + (x - ax) * (by - ay) / (bx - ax)
                if cy < y and (top is None or cy > top):
                    top = cy
                elif cy > y and (bottom is None or cy < bottom):
                    bottom = cy
    return left, right, top, bottom


def body_span(outline, x, y, width, height):
    """The body part's cross-section through (x, y): from the nearest contour on one side
    to the nearest on the other (or the figure's edge), the shorter way across
    (horizontal or vertical), as a box (x0, y0, x1, y1) of zero height or width; None
    without a contour."""
    if not outline:
        return None
    left, right, top, bottom = _crossings(outline, x, y)
    left, right = left if left is not None else 0.0, right if right is not None else width
    top, bottom = top if top is not None else 0.0, bottom if bottom is not None else height
    if right - left <= bottom - top:
        return (left, y, right, y)
    return (x, top, x, bottom)


PRINT_BODY_MAX_SHARE = 0.8  # a cross-section wider than this share of the figure is not asked for


def body_keep(outline, x, y, width, height):
    """What of the body's contour a print crop keeps around (x, y): the body part's
    whole cross-section (a limb, a hand, a foot: contour to contour, both inside the
    figure, the shorter way across), unless it is wider than ``PRINT_BODY_MAX_SHARE`` of
    the figure (a trunk: the whole figure, with labels too small to read; its spine,
    ribs or bones show where the point is). A box (x0, y0, x1, y1), or None."""
    if not outline:
        return None
    left, right, top, bottom = _crossings(outline, x, y)
    spans = []
    if left is not None and right is not None and 0 <= left < right <= width:
        spans.append((right - left, (left, y, right, y)))
    if top is not None and bottom is not None and 0 <= top < bottom <= height:
        spans.append((bottom - top, (x, top, x, bottom)))
    size = {True: width, False: height}
    spans = [(n, box) for n, box in spans if n <= PRINT_BODY_MAX_SHARE * size[box[1] == box[3]]]
    return min(spans)[1] if spans else None


def _union(boxes):
    boxes = [b for b in boxes if b is not None]
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def cuts(box, crop_box):
    """Whether the crop's edge runs through ``box`` (partly inside, partly outside)."""
    x, y, w, h = crop_box
    inside = box[0] >= x and box[1] >= y and box[2] <= x + w and box[3] <= y + h
    outside = box[2] <= x or box[0] >= x + w or box[3] <= y or box[1] >= y + h
    return not inside and not outside


def _forbidden_x(texts, y, w, h, margin):
    """Open intervals of crop starts x at which the crop's left or right edge would cut a text
    (or leave it closer than ``margin`` inside the edge), for a crop [y, y + h] of width w."""
    out = []
    for t in texts:
        a0, b0, a1, b1 = t.box
        if b1 <= y or b0 >= y + h:
            continue  # above or below the crop: never cut
        if b0 >= y + margin and b1 <= y + h - margin and w >= a1 - a0 + 2 * margin:
            out += [(a0 - w, a1 + margin - w), (a0 - margin, a1)]  # wholly inside, or wholly out
        else:
            out.append((a0 - w, a1))  # across the top or bottom edge: only wholly out to one side
    return out


def _free_x(lo, hi, ideal, forbidden, eps=0.15):
    """The start in [lo, hi] nearest ``ideal`` outside every forbidden interval (None if none)."""
    if lo > hi:
        return None
    candidates = {min(max(ideal, lo), hi), lo, hi}
    for a, b in forbidden:
        candidates.update((a - eps, b + eps))
    free = [c for c in candidates if lo <= c <= hi and not any(a - eps < c < b + eps for a, b in forbidden)]
    return min(free, key=lambda c: abs(c - ideal)) if free else None


PRINT_ASPECTS = (1.0, 1.1, 1 / 1.1, 1.2, 1 / 1.2, 1.3, 1 / 1.3)  # tried, as factors of the aspect asked for


@lru_cache(maxsize=1024)
def print_crop(markers, width, height, *, style, display_px, aspect, art=None, keep=(), guide=None,
               min_share=PRINT_MIN_SHARE):  # fmt: skip
    """A sheet's view box (x, y, w, h) that holds:

    - ``markers`` (their centres) with room for their crosshairs at ``style`` drawn
      ``display_px`` wide;
    - every point in ``keep`` (the measuring guide's landmark and turn), ``PRINT_KEEP_PX``
      inside the edge;
    - if it can, room beside the ``guide``'s longest leg for its label (``guide`` is the
      leg (x1, y1, x2, y2) and the label's size (w, h) in CSS px);
    - the body's cross-section through the markers (``art.outline``, see ``body_keep``)
      as far as the figure allows, or else some of the body's contour, and at least
      ``min_share`` of the figure's short side;

    and no text of ``art`` cut by its edge. ``aspect`` (width / height) is the shape
    preferred; a somewhat taller or wider crop is taken where that one would cut text,
    and the whole figure where every crop would. Arguments are hashable (tuples): a
    sheet figure's crop is worked out once."""
    texts = art.texts if art else ()
    leaders = art.leaders if art else ()
    outline = art.outline if art else ()
    xs, ys = [m[0] for m in markers], [m[1] for m in markers]
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    spans = [body_keep(outline, x, y, width, height) for x, y in markers]
    contour = tuple(p for shape in outline for p in shape.outline[::3])
    body = _union(spans) if any(spans) else None
    if body is not None:
        m = PRINT_BODY_MARGIN
        body = (max(0.0, body[0] - m), max(0.0, body[1] - m), min(width, body[2] + m), min(height, body[3] + m))
    for factor in PRINT_ASPECTS:  # the shape asked for unless every crop of it cuts a text
        found = _print_crop_at(xs, ys, cx, cy, width, height, style, display_px, aspect * factor, keep, min_share,
                               texts, leaders, body, guide, contour)  # fmt: skip
        if found is not None:
            return found
    return (0, 0, width, height)  # every crop would cut a text: the whole figure


def _print_crop_at(xs, ys, cx, cy, width, height, style, display_px, aspect, keep, min_share, texts, leaders, body,
                   guide, contour):  # fmt: skip
    """The best crop of one shape (None if every crop of it cuts a text)."""
    w_hi = min(width, height * aspect)
    w_lo = min(w_hi, min_share * min(width, height))

    def required(w):
        unit = w / display_px
        pad = (max(style.ring + style.stroke / 2, style.arm) + style.margin) * unit
        ring = PRINT_KEEP_PX * unit
        kept = [(x - ring, y - ring, x + ring, y + ring) for x, y in keep]
        return _union([(min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad), *kept])

    need = required(w_lo)
    w_lo = min(w_hi, max(w_lo, need[2] - need[0], (need[3] - need[1]) * aspect))
    best, best_cost = None, math.inf
    steps = 12
    for k in range(steps + 1):
        w = w_lo + (w_hi - w_lo) * k / steps
        h = w / aspect
        need = required(w)
        need = (max(0.0, need[0]), max(0.0, need[1]), min(width, need[2]), min(height, need[3]))
        y_lo, y_hi = max(0.0, need[3] - h), min(height - h, need[1])
        if y_lo > y_hi:
            continue
        x_lo, x_hi = max(0.0, need[2] - w), min(width - w, need[0])
        rows = max(1, min(40, int((y_hi - y_lo) / 3)))
        for j in range(rows + 1):
            y = y_lo + (y_hi - y_lo) * j / rows
            x = _free_x(x_lo, x_hi, cx - w / 2, _forbidden_x(texts, y, w, h, PRINT_TEXT_MARGIN))
            if x is None:
                continue
            box = (_r(x), _r(y), _r(w), _r(h))
            if any(cuts(t.box, box) for t in texts):
                continue  # rounding brought an edge onto a text
            cost = _print_cost(box, cx, cy, body, w_lo, width, texts, leaders)
            inner = (x + PRINT_BODY_MARGIN, y + PRINT_BODY_MARGIN, x + w - PRINT_BODY_MARGIN, y + h - PRINT_BODY_MARGIN)
            if contour and not any(inner[0] < px < inner[2] and inner[1] < py < inner[3] for px, py in contour):
                cost += PRINT_NO_CONTOUR_COST  # no body contour in view (a window on a trunk): a flank, if it can
            if guide is not None and not _guide_room(box, guide, w / display_px, texts):
                cost += 0.6  # the guide's label would be left out (the caption still says it)
            if cost < best_cost:
                best, best_cost = box, cost
    return best


def _guide_room(box, guide, unit, texts):
    """Whether a label of ``guide``'s size fits beside its leg, inside ``box`` and clear of text."""
    (x1, y1, x2, y2), (w_px, h_px) = guide
    w, h, gap = w_px * unit, h_px * unit, 3 * unit
    bounds = (box[0], box[1], box[0] + box[2], box[1] + box[3])
    horizontal = abs(y2 - y1) < abs(x2 - x1)
    for t in (0.5, 0.3, 0.7):
        mx, my = x1 + (x2 - x1) * t, y1 + (y2 - y1) * t
        if horizontal:
            spots = [(mx - w / 2, my - gap - h), (mx - w / 2, my + gap)]
        else:
            spots = [(mx + gap, my - h / 2), (mx - gap - w, my - h / 2)]
        for x0, y0 in spots:
            spot = (x0, y0, x0 + w, y0 + h)
            if _inside(spot, bounds) and not any(_overlap(spot, text.box) for text in texts):
                return True
    return False


def _print_cost(box, cx, cy, body, w_lo, width, texts, leaders):
    x, y, w, h = box
    cost = 0.0
    if body is not None:  # the body's cross-section outside the crop, as a share of it
        bw, bh = body[2] - body[0], body[3] - body[1]
        ow = max(0.0, x - body[0]) + max(0.0, body[2] - (x + w))
        oh = max(0.0, y - body[1]) + max(0.0, body[3] - (y + h))
        cost += 4 * (ow / bw if bw else 0.0) + 4 * (oh / bh if bh else 0.0)
    cost += abs(cx - (x + w / 2)) / w + abs(cy - (y + h / 2)) / h  # the point near the middle
    cost += 2.5 * (w - w_lo) / width  # no larger than needed: the art's labels stay legible
    inside = sum(x <= t.box[0] and t.box[2] <= x + w and y <= t.box[1] and t.box[3] <= y + h for t in texts)
    cost += 0.3 * sum(cuts(b, box) for b in leaders)  # a leader cut from its label points at nothing
    return cost - 0.05 * min(inside, 4)  # a few labels name what is shown
