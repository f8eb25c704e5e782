"""Figures drawn to scale in cun: landmarks, offsets and the measuring guide.

Each figure declares its scale (drawing units per cun, checked against a WHO 2008
proportional bone measurement between two of its landmarks) and its landmarks (key,
name, x, y in percent). A placement may be stated as a landmark plus offsets in cun
(``dx`` to the viewer's right, ``dy`` down the picture); the stored x and y must then
agree within ``TOLERANCE_CUN``. The page draws each point's guide from this data: a
line from the landmark to the point, with the distance in cun and in finger-widths.
"""

import math
from dataclasses import dataclass

TOLERANCE_CUN = 0.3  # how far the stored spot may be from landmark + offsets (issue 13)
SHORTEST_LEG_CUN = 0.5  # shorter legs are drawn without a label (a turn just beside the point)
# One person's own fingers (WHO 2008, finger-cun): thumb 1 cun, index and middle
# together 1.5 cun, four fingers 3 cun.
FINGER_CUN = 0.75


def landmark_map(landmarks):
    return {lm["key"]: lm for lm in landmarks or () if isinstance(lm, dict) and "key" in lm}


def to_units(landmark, width, height):
    return float(landmark["x"]) * width / 100, float(landmark["y"]) * height / 100


def spot(landmark, dx, dy, cun, width, height):
    """Where landmark + (dx, dy) cun is, in drawing units."""
    lx, ly = to_units(landmark, width, height)
    return lx + float(dx) * cun, ly + float(dy) * cun


def offsets_from(landmark, x, y, cun, width, height):
    """The offsets in cun (two decimals) that put a point at (x, y) percent."""
    lx, ly = to_units(landmark, width, height)
    px, py = float(x) * width / 100, float(y) * height / 100
    return round((px - lx) / cun, 2), round((py - ly) / cun, 2)


def miss_cun(landmark, dx, dy, x, y, cun, width, height):
    """How far, in cun, the stored spot (x, y percent) is from landmark + offsets."""
    sx, sy = spot(landmark, dx, dy, cun, width, height)
    return math.hypot(float(x) * width / 100 - sx, float(y) * height / 100 - sy) / cun


def scale_miss(scale, landmarks, width, height):
    """How far, in cun, the figure's declared measurement is from how it is drawn
    (None when the scale names no landmarks)."""
    marks = landmark_map(landmarks)
    a, b = marks.get(scale.get("from")), marks.get(scale.get("to"))
    if not (a and b and scale.get("cun")):
        return None
    (ax, ay), (bx, by) = to_units(a, width, height), to_units(b, width, height)
    return abs(math.hypot(bx - ax, by - ay) / float(scale["cun"]) - float(scale["length"]))


def cun_text(cun):
    """1.5 -> "1.5 cun", 3.0 -> "3 cun", 0.5 -> "0.5 cun"."""
    return f"{cun:g} cun"


def shown_cun(cun):
    """The distance as the guide writes it: to the quarter cun when it is one (3 fingers =
    2.25 cun), else to a tenth (BL10's 1.3 cun), so an editor's nudge stays readable."""
    quarter = round(cun * 4) / 4
    return quarter if abs(cun - quarter) <= 0.05 else round(cun, 1)


def fingers_text(cun):
    """The distance as a reader measures it with their own fingers ("about ..." unless it is
    one of the measures exactly), or "" when fingers are no way to measure it (long
    distances: the figure's landmarks are used)."""
    if cun > 6.1:
        return ""
    named = [(0.5, "half a thumb-width"), (1, "1 thumb-width"), (2, "2 thumb-widths")]
    named += [(n * FINGER_CUN, f"{n} finger-width{'s' if n != 1 else ''}") for n in range(1, 9)]
    length, words = min(named, key=lambda item: (abs(item[0] - cun), item[0]))
    if abs(length - cun) <= 0.03:
        return words
    if 1 < cun < 1.4:
        return "a little more than a thumb-width"
    return f"about {words}" if abs(length - cun) <= 0.26 else ""


def leg_text(cun):
    """ "2 finger-widths = 1.5 cun" (the way the how-to-find steps measure)."""
    shown = shown_cun(cun)
    fingers = fingers_text(shown)
    return f"{fingers} = {cun_text(shown)}" if fingers else cun_text(shown)


@dataclass(frozen=True)
class Leg:
    x1: float
    y1: float
    x2: float
    y2: float
    cun: float
    text: str

    @property
    def horizontal(self):
        return abs(self.y2 - self.y1) < abs(self.x2 - self.x1)


@dataclass(frozen=True)
class Guide:
    """A point's measuring guide in drawing units: from the landmark, larger leg first."""

    landmark_name: str
    lx: float
    ly: float
    legs: tuple  # Leg

    @property
    def words(self):
        """The guide in a sentence, for the caption and for screen readers."""
        steps = ", then ".join(leg.text for leg in self.legs if leg.text)
        if not steps:
            beside = "just beside" if self.legs else "at"
            return f"Measuring: it is {beside} the {self.landmark_name}."
        return f"Measuring: from the {self.landmark_name}, {steps}."


def guide_for(placement, illustration):
    """The measuring guide of one placement on its figure, or None (no landmark, no scale)."""
    cun = (illustration.scale or {}).get("cun")
    mark = landmark_map(illustration.landmarks).get(placement.landmark)
    if not (cun and mark and placement.dx is not None and placement.dy is not None):
        return None
    width, height = illustration.width or 100, illustration.height or 100
    cun = float(cun)
    lx, ly = to_units(mark, width, height)
    dx, dy = float(placement.dx), float(placement.dy)
    px, py = float(placement.x) * width / 100, float(placement.y) * height / 100
    # the legs end at the stored spot (the marker), so the guide always meets it
    first, second = ("y", "x") if abs(dy) >= abs(dx) else ("x", "y")
    legs, x, y = [], lx, ly
    for axis in (first, second):
        length = abs(dy if axis == "y" else dx)
        nx, ny = (x, py) if axis == "y" else (px, y)
        if length >= 0.05:  # every leg is drawn, so the guide meets the marker; short ones unlabelled
            legs.append(Leg(x, y, nx, ny, length, leg_text(length) if length >= SHORTEST_LEG_CUN else ""))
        x, y = nx, ny
    return Guide(str(mark.get("name", placement.landmark)), lx, ly, tuple(legs))


# Drawing the guide: where its labels go (clear of the markers, their labels, the art's
# labels and each other, inside the part of the figure shown; left out rather than cut).
@dataclass(frozen=True)
class GuideLabel:
    lines: tuple  # one or two lines of text
    x: float
    y: float  # the first line's baseline
    anchor: str
    box: tuple
    line_height: float


def label_forms(leg):
    """What a leg's label may say, longest first: both measures on one line, on two lines,
    then fingers and cun in short, then cun alone."""
    shown = shown_cun(leg.cun)
    fingers, cun = fingers_text(shown), cun_text(shown)
    if not fingers:
        return [(cun,)]
    short = fingers.replace("finger-widths", "fingers").replace("finger-width", "finger")
    short = short.replace("a little more than a thumb-width", "just over 1 thumb")
    return [(f"{fingers} = {cun}",), (fingers, f"= {cun}"), (short, f"= {cun}"), (cun,)]


def _label_spots(leg, lines, font, gap, clear):
    """Boxes for ``lines`` beside the leg: along its free part (``clear`` short of the
    marker at its end), above or below a level leg, right or left of an upright one."""
    from .geometry import LABEL_ASCENT_EM, LABEL_LINE_EM, label_width

    w, h = max(label_width(t, font) for t in lines), LABEL_LINE_EM * font * len(lines)
    length = math.hypot(leg.x2 - leg.x1, leg.y2 - leg.y1) or 1
    for t in (0.5, 0.3, 0.7, 0.15):
        t = t * max(0.0, 1 - clear / length)
        mx, my = leg.x1 + (leg.x2 - leg.x1) * t, leg.y1 + (leg.y2 - leg.y1) * t
        if leg.horizontal:
            spots = [(mx - w / 2, my - gap - h, "middle"), (mx - w / 2, my + gap, "middle")]
        else:
            spots = [(mx + gap, my - h / 2, "start"), (mx - gap - w, my - h / 2, "end")]
        for x0, y0, anchor in spots:
            tx = {"start": x0, "end": x0 + w}.get(anchor, x0 + w / 2)
            yield GuideLabel(lines, tx, y0 + LABEL_ASCENT_EM * font, anchor, (x0, y0, x0 + w, y0 + h),
                             LABEL_LINE_EM * font)  # fmt: skip


def guide_labels(guide, *, font, gap, bounds, taken, clear=0.0):
    """One label per leg, in the longest form that has a free spot, or none; ``taken`` are
    boxes already drawn (markers, their labels, the art's labels); ``clear`` is the
    marker's size at the end of the last leg."""
    from .geometry import _inside, _overlap

    placed, taken = [], list(taken)
    for n, leg in enumerate(guide.legs):
        if not leg.text:
            continue
        end = clear if n == len(guide.legs) - 1 else 0.0
        spot = next(
            (
                s
                for lines in label_forms(leg)
                for s in _label_spots(leg, lines, font, gap, end)
                if _inside(s.box, bounds) and not any(_overlap(s.box, t, gap / 3) for t in taken)
            ),
            None,
        )
        if spot is not None:
            placed.append(spot)
            taken.append(spot.box)
    return placed
