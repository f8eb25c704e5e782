"""Printable point sheets: which points a sheet holds and how each figure is cropped.

A custom sheet's selection lives only in its URL (``/sheet/?points=bl23,bl40``):
no login and no server-side state, so it can be bookmarked and shared. Any
spelling people use is accepted (UB23, lv3, Hoku) and turned into WHO codes;
what cannot be read is reported on the page.
"""

import re
from dataclasses import dataclass, field

from django.db.models import Prefetch

from .figures import close_up
from .geometry import SHEET_PX
from .models import Alias, Citation, Placement, Point, ReachMethod, Status
from .search import code_readings
from .text import fold, strip_controls

MAX_POINTS = 12
MAX_PARAM_LENGTH = 400
SPLIT_RE = re.compile(r"[,;\s]+")


@dataclass
class Selection:
    points: list = field(default_factory=list)
    unknown: list = field(default_factory=list)
    dropped: int = 0  # tokens beyond MAX_POINTS
    not_offered: list = field(default_factory=list)  # reference-only points: named, never added
    read: dict = field(default_factory=dict)  # each token looked up -> the slug it names, or None

    @property
    def codes(self):
        return [p.slug for p in self.points]

    def param(self, codes=None):
        return ",".join(self.codes if codes is None else codes)

    def moved(self, index, step):
        codes = self.codes
        other = index + step
        if 0 <= other < len(codes):
            codes[index], codes[other] = codes[other], codes[index]
        return self.param(codes)

    def without(self, index):
        return self.param([c for n, c in enumerate(self.codes) if n != index])


def for_sheet(queryset):
    """Points with everything a sheet prints: names, citations and placements with figures."""
    return (
        queryset.filter(status=Status.PUBLISHED)
        .select_related("region", "meridian", "pregnancy_alternative", "reach_alternative__region")
        .prefetch_related(
            Prefetch("reach_methods", queryset=ReachMethod.objects.for_display()),
            Prefetch("citations", queryset=Citation.objects.select_related("source").order_by("source__order", "id")),
            Prefetch(
                "placements",
                queryset=Placement.objects.select_related("illustration__region").order_by(
                    "illustration__overview", "illustration__order"
                ),
            ),
        )
    )


def _resolve(token):
    """The WHO code a token means, or None (code spellings first, then names)."""
    readings = [r for r in code_readings(token) if r.point is not None]
    if len(readings) == 1 or (readings and readings[0].why == "point code"):
        return readings[0].point.slug
    if readings:
        return None  # ambiguous (B54): let the person choose on the point page
    folded = fold(token)
    aliases = set(
        Alias.objects.filter(normalized=folded, point__status=Status.PUBLISHED).values_list("point__slug", flat=True)
    )
    aliases |= set(
        Point.objects.published().filter(search_names__contains=f"|{fold(token)}|").values_list("slug", flat=True)
    )
    return aliases.pop() if len(aliases) == 1 else None


def selection_from(raw):
    """Parse ``?points=`` into an ordered, de-duplicated selection."""
    raw = strip_controls(raw or "")[:MAX_PARAM_LENGTH]
    tokens = list(dict.fromkeys(t for t in SPLIT_RE.split(raw) if t))  # each spelling once
    selection = Selection()
    slugs, seen = [], set()
    canonical = {t.lower() for t in tokens}
    known = set(Point.objects.published().filter(slug__in=canonical).values_list("slug", flat=True))
    for token in tokens:
        if len(slugs) + len(selection.unknown) >= MAX_POINTS:  # at most MAX_POINTS looked up
            selection.dropped += 1
            continue
        slug = token.lower() if token.lower() in known else _resolve(token)
        selection.read[token] = slug
        if slug is None:
            selection.unknown.append(token[:30])
        elif slug not in seen:
            seen.add(slug)
            slugs.append(slug)
    by_slug = {p.slug: p for p in for_sheet(Point.objects.filter(slug__in=slugs))}
    points = [by_slug[s] for s in slugs if s in by_slug]
    selection.points = [p for p in points if p.pressable]
    selection.not_offered = [p for p in points if not p.pressable]
    return selection


def sheet_crop(point):
    """The point's figure for print (``figures.close_up`` with ``for_print``): the figure
    its page shows, cropped for a sheet's 50 mm figure column by ``geometry.print_crop``
    (enough of the body part to know it, the art's labels whole, room for the measuring
    guide), with crosshairs (clear in black and white too)."""
    return close_up(list(point.placements.all()), point, display_width=SHEET_PX, aspect=1, for_print=True)
