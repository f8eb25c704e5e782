"""Markers for a figure: positions, labels that do not collide, accessible names.

Markers are drawn by the page from ``Placement`` rows, never baked into the art.
Each label is tried above, below, right and left of its marker and takes the
first spot that overlaps no other marker or label.
"""

from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import mark_safe

LABEL_SIZE = 0.032  # label font size as a share of the figure width
CHAR_WIDTH = 0.62  # rough width of a character in ems


@dataclass
class Marker:
    url: str
    slug: str
    code: str
    label: str
    name: str
    cx: float
    cy: float
    r: float
    lx: float = 0
    ly: float = 0
    anchor: str = "middle"
    selected: bool = False
    pregnancy: str = ""  # in pregnancy mode: the caution ("gentle", or "avoid" on the point's own page)

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


def markers_for(illustration, *, selected=None, numbers=None, placements=None, mode=None):
    """The markers to draw on ``illustration`` (its placements must be prefetched, or given).

    ``numbers`` maps point ids to the step number shown instead of the code (condition pages).
    In pregnancy ``mode`` points to avoid are not drawn, and gentle-only points are marked."""
    pregnant = mode is not None and mode.pregnant
    width, height = illustration.width or 100, illustration.height or 100
    r = illustration.marker_radius
    markers, urls = [], {}
    for placement in illustration.placements.all() if placements is None else placements:
        point = placement.point
        if numbers is not None and point.pk not in numbers:
            continue
        if pregnant and point.avoid_in_pregnancy and not (selected is not None and point.pk == selected.pk):
            continue
        flagged = pregnant and point.pregnancy_caution != point.Pregnancy.NONE
        caution = f", {point.get_pregnancy_caution_display().lower()}" if flagged else ""
        if point.pk not in urls:  # a point placed on both sides: one reverse()
            urls[point.pk] = point.get_absolute_url()
        side = "" if placement.side == "midline" else f", person's {placement.side} side"
        step = f"Step {numbers[point.pk]}: " if numbers else ""
        markers.append(
            Marker(
                url=urls[point.pk],
                slug=point.slug,
                code=point.code,
                label=str(numbers[point.pk]) if numbers else point.code,
                name=f"{step}{point.code} {point.pinyin_plain}, {point.region.name.lower()}, "
                f"{point.get_laterality_display().lower()}{side}{caution}",
                cx=round(float(placement.x) * width / 100, 1),
                cy=round(float(placement.y) * height / 100, 1),
                r=r,
                selected=selected is not None and point.pk == selected.pk,
                pregnancy=point.pregnancy_caution if flagged else "",
            )
        )
    _place_labels(markers, width, height, font=round(width * LABEL_SIZE, 1))
    return markers


# The markup of a drawn figure, in Python rather than a template: a region page draws
# dozens of markers, and each template variable and tag costs more than the string work.
# Values are escaped by ``Figure.html``; numbers are written as str() writes them, as
# the template language does.
FIGURE = (
    '<figure class="figure">\n'
    '  <svg class="figure-svg{overview}" viewBox="{view_box}" role="group" aria-label="{view}">\n'
    '    <image href="{src}" x="0" y="0" width="{width}" height="{height}" role="img" aria-label="{alt}"/>\n'
    "    {markers}\n"
    "  </svg>\n"
    "  <figcaption>{view}{description}</figcaption>\n"
    "</figure>\n"
)
MARKER = (
    '\n    <a class="marker{selected}{numbered}{pregnancy}" href="{url}" data-code="{slug}"{fact}'
    ' aria-label="{name}"{current}\n'
    "       {htmx}>\n"
    '      <circle class="marker-ring" cx="{m.cx}" cy="{m.cy}" r="{m.ring_r}"/>\n'
    '      <circle class="marker-dot" cx="{m.cx}" cy="{m.cy}" r="{m.r}"/>\n'
    "      {text}\n"
    "    </a>\n    "
)
NUMBER = (
    '<text class="marker-number" x="{m.cx}" y="{m.cy}" dy="0.35em" text-anchor="middle" font-size="{font}">'
    "{label}</text>\n      "
)
LABEL = '<text class="marker-label" x="{m.lx}" y="{m.ly}" text-anchor="{m.anchor}" font-size="{font}">{label}</text>'
PREGNANCY_FACT = ' data-fact="pregnancy" data-point="{code}" data-value="{level}"'
HTMX = 'hx-get="{url}" hx-target="#panel" hx-push-url="true"'


@dataclass
class Figure:
    """An illustration as a page draws it: the drawing and its markers."""

    illustration: object
    markers: list = field(default_factory=list)
    numbered: bool = False  # markers show step numbers (condition pages), not codes
    view_box: str = ""  # a crop ("x y w h"); the whole figure when empty

    def html(self, *, panel=False):
        """The figure's markup; ``panel`` makes the markers load the point panel with htmx."""
        fig = self.illustration
        font = round((fig.width or 400) * 0.032, 1)
        text = NUMBER if self.numbered else LABEL
        markers = []
        for m in self.markers:
            url = escape(m.url)
            markers.append(
                MARKER.format(
                    m=m,
                    selected=" is-selected" if m.selected else "",
                    numbered=" is-numbered" if self.numbered else "",
                    pregnancy=f" is-{m.pregnancy}" if m.pregnancy else "",
                    fact=PREGNANCY_FACT.format(code=escape(m.code), level=m.pregnancy) if m.pregnancy else "",
                    url=url,
                    slug=escape(m.slug),
                    name=escape(m.name),
                    current=' aria-current="true"' if m.selected else "",
                    htmx=HTMX.format(url=url) if panel else "",
                    text=text.format(m=m, font=font, label=escape(m.label)),
                )
            )
        description = f'<span class="visually-hidden">. {escape(fig.description)}</span>' if fig.description else ""
        return mark_safe(  # noqa: S308 (every value escaped above)
            FIGURE.format(
                overview=" is-overview" if fig.overview and not self.view_box else " is-close-up" if self.view_box else "",
                view_box=self.view_box or f"0 0 {fig.width} {fig.height}",
                width=fig.width,
                height=fig.height,
                view=escape(fig.view),
                src=escape(fig.src),
                alt=escape(fig.alt_text),
                markers="".join(markers),
                description=description,
            )
        )


def figures_showing(placements, points, *, selected=None, numbers=None, mode=None):
    """The figures on which ``points`` are placed, each with its markers, from
    ``Placement.objects.filter(point__in=points).for_map()`` (placements with their figures,
    in order); ``points`` are rows the page has loaded with their regions."""
    by_id = {point.pk: point for point in points}
    by_figure = {}
    for placement in placements:
        placement.point = by_id[placement.point_id]
        by_figure.setdefault(placement.illustration_id, []).append(placement)
    figures = []
    for group in by_figure.values():
        illustration = group[0].illustration
        markers = markers_for(illustration, selected=selected, numbers=numbers, placements=group, mode=mode)
        figures.append(Figure(illustration, markers, numbered=numbers is not None))
    return figures


def figures_of(illustrations, *, mode=None):
    """Figures with all their markers, from ``Illustration.objects.for_map()`` (placements prefetched)."""
    return [Figure(illustration, markers_for(illustration, mode=mode)) for illustration in illustrations]


def close_up(placements, point, *, number=None, mode=None, share=0.5):
    """The point's first close-up figure (else its overview), cropped and centred on it, from
    ``Placement.objects.filter(point=point).for_map()``; None when the point is on no figure."""
    placements = list(placements)
    if not placements:
        return None
    for p in placements:
        p.point = point
    placements.sort(key=lambda p: (p.illustration.overview, p.illustration.order))
    illustration = placements[0].illustration
    group = [p for p in placements if p.illustration_id == illustration.pk]
    numbers = {point.pk: number} if number is not None else None
    markers = markers_for(illustration, selected=point, numbers=numbers, placements=group, mode=mode)
    width, height = illustration.width or 100, illustration.height or 100
    size = min(width, height) * share
    xs, ys = [m.cx for m in markers], [m.cy for m in markers]
    crop_w = min(width, max(size, max(xs) - min(xs) + size * 0.5))
    crop_h = min(height, max(size * 0.75, max(ys) - min(ys) + size * 0.5))
    left = min(max(0, (min(xs) + max(xs)) / 2 - crop_w / 2), width - crop_w)
    top = min(max(0, (min(ys) + max(ys)) / 2 - crop_h / 2), height - crop_h)
    return Figure(illustration, markers, numbered=number is not None, view_box=f"{left:.1f} {top:.1f} {crop_w:.1f} {crop_h:.1f}")
