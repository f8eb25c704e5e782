"""Figures as pages draw them: an illustration, its markers and, for a close-up, a crop.

Markers are drawn by the page from ``Placement`` rows, never baked into the art. How
big they are, where their labels go and how a close-up is cropped is decided in
``points.geometry``; this module names the markers and writes the markup.
"""

from dataclasses import dataclass, field
from functools import cache, cached_property
from xml.etree.ElementTree import ParseError

from django.utils.html import escape
from django.utils.safestring import mark_safe

from . import geometry, guards, measuring


@dataclass
class Marker:
    url: str
    slug: str
    code: str
    label: str
    name: str
    cx: float
    cy: float
    point_id: int = 0
    r: float = 0.0  # the tap target's radius on the full figure drawn geometry.FIGURE_PX wide
    selected: bool = False
    pregnancy: str = ""  # in pregnancy mode: the caution ("gentle", or "avoid" on the point's own page)
    guide: object = None  # the selected point's measuring guide (points.measuring.Guide), on one marker


def art_for(illustration):
    """The shipped SVG's landmarks and labels (None for an uploaded raster image)."""
    if illustration.image or not illustration.static_path.endswith(".svg"):
        return None
    return _art_at(illustration.static_path)


@cache
def _art_at(static_path):
    path = guards.shipped_file(static_path)
    try:
        return geometry.read_art(path) if path else None
    except (OSError, ParseError, ValueError, IndexError):  # drawn without its landmarks, not a 500
        return None


def print_art_for(illustration):
    """The shipped SVG's texts and body contour for a print crop (None for an uploaded image)."""
    if illustration.image or not illustration.static_path.endswith(".svg"):
        return None
    return _print_art_at(illustration.static_path)


@cache
def _print_art_at(static_path):
    path = guards.shipped_file(static_path)
    try:
        return geometry.read_print_art(path) if path else None
    except (OSError, ParseError, ValueError, IndexError):
        return None


def drawable(illustration):
    """The figure's drawing can be loaded (a shipped file that went missing: left out)."""
    return bool(illustration.src)


def markers_for(illustration, *, selected=None, numbers=None, placements=None, mode=None):
    """The markers to draw on ``illustration`` (its placements must be prefetched, or given).

    ``numbers`` maps point ids to the step number shown instead of the code (condition pages).
    In pregnancy ``mode`` points to avoid are not drawn, and gentle-only points are marked."""
    pregnant = mode is not None and mode.pregnant
    width, height = illustration.width or 100, illustration.height or 100
    hit = geometry.scale_for(geometry.CLOSE_UP, width, geometry.FIGURE_PX).hit
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
                point_id=point.pk,
                r=round(hit, 1),
                selected=selected is not None and point.pk == selected.pk,
                pregnancy=point.pregnancy_caution if flagged else "",
            )
        )
        if markers[-1].selected and not any(m.guide for m in markers):  # one guide: the first side's
            markers[-1].guide = measuring.guide_for(placement, illustration)
    return markers


# The markup of a drawn figure, in Python rather than a template: a region page draws
# dozens of markers, and each template variable and tag costs more than the string work.
# Values are escaped by ``Figure.html``; numbers are written as str() writes them, as
# the template language does. Geometry is in SVG attributes (never style attributes:
# CSP); colours and dashes are in site.css.
FIGURE = (
    '<figure class="figure{close_up}" id="fig-{key}">\n'
    '  <svg class="figure-svg{overview}" viewBox="{view_box}" role="group" aria-label="{view}">\n'
    '    <image href="{src}" x="0" y="0" width="{width}" height="{height}" role="img" aria-label="{alt}"/>\n'
    "    {markers}\n"
    "  </svg>\n"
    "{enlarge}"
    "  <figcaption>{view}{description}</figcaption>\n"
    "</figure>\n"
)
# The enlarged figure: a popover (no script needed; Escape and the Close button leave it,
# focus moves to Close and back to the button), drawn so the art's smallest labels are
# geometry.ART_LABEL_PX; it scrolls, and the page can be pinch-zoomed.
ENLARGE = (
    '  <button type="button" class="figure-enlarge" popovertarget="fig-{key}-full">Enlarge figure'
    '<span class="visually-hidden">: {view}</span></button>\n'
    '  <div class="figure-full" id="fig-{key}-full" popover role="dialog" aria-label="{view}, enlarged">\n'
    '    <div class="figure-full-bar"><p>{view}</p><button type="button" class="figure-close" '
    'popovertarget="fig-{key}-full" popovertargetaction="hide" autofocus>Close'
    '<span class="visually-hidden"> the enlarged figure</span></button></div>\n'
    '    <svg class="figure-full-svg" viewBox="0 0 {width} {height}" width="{px}" height="{px_h}" role="group"'
    ' aria-label="Enlarged: {view}">\n'
    '      <image href="{src}" x="0" y="0" width="{width}" height="{height}" role="img" aria-label="{alt}"/>\n'
    "      {markers}\n"
    "    </svg>\n"
    "  </div>\n"
)
MARKER = (
    '\n    <a class="marker{selected}{numbered}{pregnancy}" href="{url}"{code}{fact}'
    ' aria-label="{name}"{current}\n'
    "       {htmx}>\n"
    '      <circle class="marker-hit" cx="{d.cx}" cy="{d.cy}" r="{d.hit_r}"/>\n'
    "      {ring}"
    '<circle class="marker-dot" cx="{d.cx}" cy="{d.cy}" r="{d.dot_r}"/>\n'
    "      {leader}{label}\n"
    "    </a>\n    "
)
RING = (
    '<circle class="marker-ring" cx="{d.cx}" cy="{d.cy}" r="{d.ring_r}" stroke-width="{d.stroke}"'
    ' pathLength="24"/>\n      '
)
LEADER = '<line class="marker-leader" x1="{0}" y1="{1}" x2="{2}" y2="{3}" stroke-width="{w}"/>\n      '
LABEL = '<text class="marker-label" x="{d.lx}" y="{d.ly}" text-anchor="{d.anchor}" font-size="{d.font}">{label}</text>'
PREGNANCY_FACT = ' data-fact="pregnancy" data-point="{code}" data-value="{level}"'
HTMX = 'hx-get="{url}" hx-target="#panel" hx-push-url="true"'


GUIDE = (
    '<g class="guide" aria-hidden="true">\n'
    '      <circle class="guide-landmark" cx="{lx}" cy="{ly}" r="{r}" stroke-width="{w}"/>\n'
    "      {legs}{labels}\n    </g>"
)
GUIDE_LEG = (
    '<line class="guide-line" x1="{0}" y1="{1}" x2="{2}" y2="{3}" stroke-width="{w}"/>\n      '
    '<line class="guide-tick" x1="{4}" y1="{5}" x2="{6}" y2="{7}" stroke-width="{w}"/>\n      '
)
GUIDE_LABEL = '<text class="guide-label" x="{x}" y="{y}" text-anchor="{anchor}" font-size="{font}">{text}</text>'
GUIDE_LINE = '<tspan x="{x}" dy="{dy}">{text}</tspan>'
GUIDE_CROP_CUN = 4.5  # a close-up keeps a guide's landmark in view when it is at most this far
GUIDE_PRINT_PX = 9  # the guide's labels on a sheet (a figure about 45 mm wide)
GUIDE_CAPTION = '<span class="figure-guide">{words}</span>'


def _r(value):
    return round(value, 1)


@dataclass
class Figure:
    """An illustration as a page draws it: the drawing, its markers and the part shown."""

    illustration: object
    markers: list = field(default_factory=list)
    numbered: bool = False  # markers show step numbers (condition pages), not codes
    view_box: tuple | None = None  # (x, y, w, h) in figure units; None: the whole figure
    display_width: float = geometry.FIGURE_PX  # CSS px the view is drawn at on a phone
    key: str = ""  # element ids: fig-<key> and fig-<key>-full (default: the illustration's slug)
    droppable: frozenset = frozenset()  # points a crowded overview may leave off: a close-up shows them
    enlarge: bool = True  # offer the full-screen view
    for_print: bool = False  # a sheet's figure: crosshairs, no labels

    @property
    def size(self):
        fig = self.illustration
        return fig.width or 100, fig.height or 100

    @property
    def box(self):
        return self.view_box or (0, 0, *self.size)

    @property
    def view_box_attr(self):
        return " ".join(str(v) for v in self.box)

    @property
    def style(self):
        if self.for_print:
            return geometry.SHEET
        return geometry.OVERVIEW if self.illustration.overview and self.view_box is None else geometry.CLOSE_UP

    @cached_property
    def art(self):
        return art_for(self.illustration)

    def _layout(self, box, display_px):
        scale = geometry.scale_for(self.style, box[2], display_px)
        bounds = (box[0], box[1], box[0] + box[2], box[1] + box[3])
        drawn = geometry.layout(
            self.markers, scale, bounds, self.art, droppable=self.droppable, labels=not self.for_print,
            arms=self.for_print,
        )  # fmt: skip
        return [(m, d) for m, d in zip(self.markers, drawn, strict=True) if d is not None], scale

    @cached_property
    def drawn(self):
        """(marker, geometry.Drawn) for each marker drawn, in drawing order."""
        return self._layout(self.box, self.display_width)[0]

    @cached_property
    def enlarged_px(self):
        return geometry.enlarged_px(self.art, self.size[0])

    @cached_property
    def guide(self):
        """The selected point's measuring guide, drawn under its markers."""
        return next((m.guide for m in self.markers if m.guide), None)

    @cached_property
    def guide_svg(self):
        """The guide as drawn on this figure (sheets write their own markers around it)."""
        scale = geometry.scale_for(self.style, self.box[2], self.display_width)
        return mark_safe(self._guide_html(self.drawn, scale, self.box))  # noqa: S308 (escaped there)

    def _guide_html(self, drawn, scale, box):
        """The guide from its landmark to the point: a ring at the landmark, each leg with a
        tick at its start, and labels where there is room (the caption always says it)."""
        guide = self.guide
        if guide is None:
            return ""
        unit = scale.unit
        width, font = _r(1.5 * unit), geometry._up((GUIDE_PRINT_PX if self.for_print else geometry.LABEL_PX) * unit)
        tick = 4 * unit
        legs = []
        for leg in guide.legs:
            # a tick across the leg where it starts: the landmark, or the turn
            tx, ty = (0, tick) if leg.horizontal else (tick, 0)
            ends = (leg.x1, leg.y1, leg.x2, leg.y2, leg.x1 - tx, leg.y1 - ty, leg.x1 + tx, leg.y1 + ty)
            legs.append(GUIDE_LEG.format(*(_r(v) for v in ends), w=width))
        bounds = (box[0], box[1], box[0] + box[2], box[1] + box[3])
        taken = [d.ring_box for _, d in drawn] + [d.label_box for _, d in drawn if d.label_box]
        arms = [a for _, d in drawn for a in d.arms]  # a sheet's crosshairs
        taken += [(min(a[0], a[2]), min(a[1], a[3]), max(a[0], a[2]), max(a[1], a[3])) for a in arms]
        taken += [label.box for label in self.art.labels] if self.art else []
        end = max((d.extent for m, d in drawn if m.guide is guide), default=0.0)
        labels = measuring.guide_labels(guide, font=font, gap=3 * unit, bounds=bounds, taken=taken, clear=end)
        return GUIDE.format(
            lx=_r(guide.lx), ly=_r(guide.ly), r=_r(3 * unit), w=width, legs="".join(legs),
            labels="".join(
                GUIDE_LABEL.format(x=_r(lb.x), y=_r(lb.y), anchor=lb.anchor, font=font, text="".join(
                    GUIDE_LINE.format(x=_r(lb.x), dy=0 if i == 0 else _r(lb.line_height), text=escape(line))
                    for i, line in enumerate(lb.lines)
                ))
                for lb in labels
            ),
        )  # fmt: skip

    def _markers_html(self, drawn, scale, *, panel, enlarged=False):
        items = []
        for m, d in drawn:
            url = escape(m.url)
            items.append(
                MARKER.format(
                    d=d,
                    selected=" is-selected" if m.selected else "",
                    numbered=" is-numbered" if self.numbered else "",
                    pregnancy=f" is-{m.pregnancy}" if m.pregnancy else "",
                    fact=PREGNANCY_FACT.format(code=escape(m.code), level=m.pregnancy) if m.pregnancy else "",
                    url=url,
                    # data-code marks the page's map markers (site.js keeps their selection);
                    # the enlarged drawing repeats them as plain links
                    code="" if enlarged else f' data-code="{escape(m.slug)}"',
                    name=escape(m.name),
                    current=' aria-current="true"' if m.selected else "",
                    htmx=HTMX.format(url=url) if panel else "",
                    ring=RING.format(d=d) if d.ring_r else "",
                    leader=LEADER.format(*d.leader, w=round(scale.leader, 2)) if d.leader else "",
                    label=LABEL.format(d=d, label=escape(m.label)) if d.font else "",
                )
            )
        return "".join(items)

    def html(self, *, panel=False):
        """The figure's markup; ``panel`` makes the markers load the point panel with htmx."""
        fig = self.illustration
        width, height = self.size
        key = escape(self.key or fig.slug)
        view, src, alt = escape(fig.view), escape(fig.src), escape(fig.alt_text)
        enlarge = ""
        if self.enlarge:
            px = self.enlarged_px
            drawn, scale = self._layout((0, 0, width, height), px)
            enlarge = ENLARGE.format(
                key=key, view=view, src=src, alt=alt, width=width, height=height, px=px,
                px_h=round(px * height / width),
                markers=self._guide_html(drawn, scale, (0, 0, width, height))
                + self._markers_html(drawn, scale, panel=False, enlarged=True),
            )  # fmt: skip
        description = f'<span class="visually-hidden">. {escape(fig.description)}</span>' if fig.description else ""
        if self.guide is not None:
            description += GUIDE_CAPTION.format(words=escape(self.guide.words))
        scale = geometry.scale_for(self.style, self.box[2], self.display_width)
        return mark_safe(  # noqa: S308 (every value escaped above)
            FIGURE.format(
                close_up=" is-close-up" if self.view_box else "",
                key=key,
                overview=" is-overview" if fig.overview and not self.view_box else "",
                view_box=self.view_box_attr,
                width=width,
                height=height,
                view=view,
                src=src,
                alt=alt,
                markers=self._guide_html(self.drawn, scale, self.box)
                + self._markers_html(self.drawn, scale, panel=panel),
                enlarge=enlarge,
                description=description,
            )
        )


def _close_up_ids(figures):
    return frozenset(m.point_id for f in figures if not f.illustration.overview for m in f.markers)


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
        if not drawable(illustration):
            continue
        markers = markers_for(illustration, selected=selected, numbers=numbers, placements=group, mode=mode)
        figures.append(Figure(illustration, markers, numbered=numbers is not None))
    return _with_droppable(figures)


def figures_of(illustrations, *, mode=None):
    """Figures with all their markers, from ``Illustration.objects.for_map()`` (placements prefetched)."""
    figures = [
        Figure(illustration, markers_for(illustration, mode=mode))
        for illustration in illustrations
        if drawable(illustration)
    ]
    return _with_droppable(figures)


def _with_droppable(figures):
    shown = _close_up_ids(figures)
    for figure in figures:
        if figure.illustration.overview:
            figure.droppable = shown
    return figures


def _guide_room(markers):
    """What a sheet's crop keeps for the point's measuring guide: its landmark and turn
    (points in figure units), and its longest leg with the size, in CSS px, of that leg's
    short two-line label ("2 fingers" over "= 1.5 cun")."""
    guide = next((m.guide for m in markers if m.guide), None)
    if guide is None:
        return (), None
    keep = ((guide.lx, guide.ly), *((leg.x2, leg.y2) for leg in guide.legs))
    if not guide.legs:
        return keep, None
    leg = max(guide.legs, key=lambda leg: leg.cun)
    forms = measuring.label_forms(leg)
    lines = forms[-2] if len(forms) > 1 else forms[-1]
    font = GUIDE_PRINT_PX
    size = (max(geometry.label_width(t, font) for t in lines), geometry.LABEL_LINE_EM * font * len(lines))
    return keep, ((leg.x1, leg.y1, leg.x2, leg.y2), size)


def close_up(placements, point, *, number=None, mode=None, display_width=geometry.CLOSE_UP_PX, aspect=4 / 3,
             art_label=True, for_print=False, enlarge=True):  # fmt: skip
    """The point's close-up: its first close-up figure (else the overview), cropped and
    centred on its markers (both sides if it is drawn twice there) with the nearest of the
    art's labels inside, markers sized for ``display_width`` CSS px; None if it has no figure.

    ``placements`` are the point's, e.g. a list from ``Placement.objects.filter(point=point)
    .for_map()`` (figures joined; pass the same list to ``figures_showing`` and nothing is
    queried twice). ``number`` labels the markers with a step number (condition pages);
    ``aspect`` is the crop's width / height; ``art_label=False`` crops on the markers alone
    (a thumbnail, too small to read the art's labels, zooms in further); ``for_print`` draws
    a sheet's figure (crosshairs, no labels)."""
    mine = [p for p in placements if p.point_id == point.pk and drawable(p.illustration)]
    if not mine:
        return None
    illustration = min(
        (p.illustration for p in mine), key=lambda i: (i.overview, i.region_id != point.region_id, i.order, i.pk)
    )
    group = [p for p in mine if p.illustration_id == illustration.pk]
    for placement in group:
        placement.point = point
    numbers = None if number is None else {point.pk: number}
    markers = markers_for(illustration, selected=point, numbers=numbers, placements=group, mode=mode)
    if not markers:
        return None
    style = geometry.SHEET if for_print else geometry.CLOSE_UP
    width, height = illustration.width or 100, illustration.height or 100
    centres = [(m.cx, m.cy) for m in markers]
    if for_print:
        keep, room = _guide_room(markers)
        box = geometry.print_crop(
            tuple(centres), width, height, style=style, display_px=display_width, aspect=aspect,
            art=print_art_for(illustration), keep=keep, guide=room,
        )  # fmt: skip
        return Figure(
            illustration, markers, numbered=number is not None, view_box=box, display_width=display_width,
            key=f"{illustration.slug}-{point.slug}", enlarge=False, for_print=True,
        )  # fmt: skip
    art = art_for(illustration)
    nearest = art.nearest_label(centres) if art and art_label and not for_print else None
    include = nearest.box if nearest else None
    if not art_label:  # a thumbnail: too small for a guide and its labels
        for m in markers:
            m.guide = None
    guide = next((m.guide for m in markers if m.guide), None)
    if guide is not None and sum(leg.cun for leg in guide.legs) <= GUIDE_CROP_CUN:  # its landmark in view too
        pad = 6 * width / display_width
        marks = (guide.lx - pad, guide.ly - pad, guide.lx + pad, guide.ly + pad)
        include = marks if include is None else (
            min(include[0], marks[0]), min(include[1], marks[1]), max(include[2], marks[2]), max(include[3], marks[3])
        )  # fmt: skip
    box = geometry.crop(
        centres, width, height, style=style, display_px=display_width, aspect=aspect,
        include=include, min_share=0.6 if for_print else 0.5,
        label_px=max(geometry.label_width(m.label, style.font) for m in markers),
    )  # fmt: skip
    return Figure(
        illustration, markers, numbered=number is not None, view_box=box, display_width=display_width,
        key=f"{illustration.slug}-{point.slug}", enlarge=enlarge and not for_print, for_print=for_print,
    )  # fmt: skip
