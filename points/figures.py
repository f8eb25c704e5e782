"""Markers for a figure: positions, labels that do not collide, accessible names.

Markers are drawn by the page from ``Placement`` rows, never baked into the art.
Each label is tried above, below, right and left of its marker and takes the
first spot that overlaps no other marker or label.
"""

from dataclasses import dataclass

LABEL_SIZE = 0.032  # label font size as a share of the figure width
CHAR_WIDTH = 0.62  # rough width of a character in ems


@dataclass
class Marker:
    url: str
    slug: str
    label: str
    name: str
    cx: float
    cy: float
    r: float
    lx: float = 0
    ly: float = 0
    anchor: str = "middle"
    selected: bool = False

    @property
    def ring_r(self):
        """The outer ring that marks the selected point (a shape cue, not only colour)."""
        return round(self.r * 1.55, 1)


def _box(x, y, w, h):
    return (x, y, x + w, y + h)


def _overlaps(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _place_labels(markers, width, height, font):
    taken = [_box(m.cx - m.r, m.cy - m.r, 2 * m.r, 2 * m.r) for m in markers]
    for m in markers:
        w, h = len(m.label) * font * CHAR_WIDTH, font
        gap = m.r * 0.35
        options = [
            ("middle", m.cx, m.cy - m.r - gap, _box(m.cx - w / 2, m.cy - m.r - gap - h, w, h)),
            ("middle", m.cx, m.cy + m.r + gap + h, _box(m.cx - w / 2, m.cy + m.r + gap, w, h)),
            ("start", m.cx + m.r + gap, m.cy + h * 0.35, _box(m.cx + m.r + gap, m.cy - h / 2, w, h)),
            ("end", m.cx - m.r - gap, m.cy + h * 0.35, _box(m.cx - m.r - gap - w, m.cy - h / 2, w, h)),
        ]
        inside = [o for o in options if o[3][0] >= 0 and o[3][1] >= 0 and o[3][2] <= width and o[3][3] <= height]
        free = [o for o in inside if not any(_overlaps(o[3], t) for t in taken)]
        anchor, lx, ly, box = (free or inside or options)[0]
        m.anchor, m.lx, m.ly = anchor, round(lx, 1), round(ly, 1)
        taken.append(box)


def markers_for(illustration, *, selected=None, numbers=None, placements=None):
    """The markers to draw on ``illustration`` (its placements must be prefetched, or given).

    ``numbers`` maps point ids to the step number shown instead of the code (condition pages)."""
    width, height = illustration.width or 100, illustration.height or 100
    r = illustration.marker_radius
    markers = []
    for placement in illustration.placements.all() if placements is None else placements:
        point = placement.point
        if numbers is not None and point.pk not in numbers:
            continue
        side = "" if placement.side == "midline" else f", person's {placement.side} side"
        step = f"Step {numbers[point.pk]}: " if numbers else ""
        markers.append(
            Marker(
                url=point.get_absolute_url(),
                slug=point.slug,
                label=str(numbers[point.pk]) if numbers else point.code,
                name=f"{step}{point.code} {point.pinyin_plain}, {point.region.name.lower()}, "
                f"{point.get_laterality_display().lower()}{side}",
                cx=round(float(placement.x) * width / 100, 1),
                cy=round(float(placement.y) * height / 100, 1),
                r=r,
                selected=selected is not None and point.pk == selected.pk,
            )
        )
    _place_labels(markers, width, height, font=round(width * LABEL_SIZE, 1))
    return markers
