"""Alias-aware search over points and conditions.

A query is folded (case, tones, spaces and hyphens ignored), read as a point code
in every spelling people use, and matched against names, aliases and condition
words. Results are ranked: an exact code first, then exact names and aliases,
then names that start with the query, then names that contain it, then points
used for a matching condition. The number of queries is the same whatever the
size of the guide.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Prefetch

from . import codes
from .models import Alias, Condition, Indication, Point, Status
from .text import fold, strip_controls

RANK_CODE = 0
RANK_CODE_OTHER_READING = 1
RANK_EXACT = 10
RANK_PREFIX = 20
RANK_MISNOMER = 30
RANK_CONTAINS = 40
RANK_CONDITION = 50
MIN_PARTIAL_LENGTH = 3
MAX_RESULTS = 60


@dataclass
class PointHit:
    point: Point
    rank: int
    reasons: list = field(default_factory=list)


@dataclass
class CodeReading:
    code: str
    why: str
    point: Point | None


@dataclass
class SearchResult:
    query: str = ""
    message: str = ""
    hits: list = field(default_factory=list)
    conditions: list = field(default_factory=list)
    readings: list = field(default_factory=list)

    @property
    def ambiguous(self):
        return len(self.readings) > 1

    @property
    def empty(self):
        return not (self.hits or self.conditions or self.readings)


def clean_query(raw):
    """Return (query, message): the text we search for and what to tell the user."""
    raw = raw or ""
    limit = settings.SEARCH_MAX_LENGTH
    if len(raw) > limit:
        return "", (
            f"Your search was {len(raw):,} characters long. Please search for a point code, "
            f"a name or a kind of back pain in at most {limit} characters."
        )
    cleaned = strip_controls(raw)
    query = " ".join(cleaned.split())
    if cleaned != raw:
        return query, "We removed characters that cannot be searched (such as control characters)."
    return query, ""


def _hit(hits, point, rank, reason):
    hit = hits.get(point.pk)
    if hit is None:
        hit = hits[point.pk] = PointHit(point, rank)
    hit.rank = min(hit.rank, rank)
    if reason and reason not in hit.reasons:
        hit.reasons.append(reason)


def _rank_for(normalized, folded):
    if normalized == folded:
        return RANK_EXACT
    if normalized.startswith(folded):
        return RANK_PREFIX
    return RANK_CONTAINS


def code_readings(text):
    """Every in-guide or known reading of ``text`` as a code (one query at most)."""
    found = codes.readings(text)
    if not found:
        return []
    points = {p.code: p for p in Point.objects.for_list().filter(code__in=[r.code for r in found])}
    return [CodeReading(r.code, r.why, points.get(r.code)) for r in found]


def search(raw):
    query, message = clean_query(raw)
    result = SearchResult(query=query, message=message)
    folded = fold(query)
    if not folded:
        if not message:
            result.message = "Type a point code (BL23), a name (Hegu, Hoku) or a kind of back pain (sciatica)."
        return result

    hits = {}
    result.readings = code_readings(query)
    for n, reading in enumerate(result.readings):
        if reading.point is not None:
            rank = RANK_CODE if n == 0 else RANK_CODE_OTHER_READING
            _hit(hits, reading.point, rank, reading.why if len(result.readings) > 1 else "")
    if len(result.readings) == 1:
        result.readings = []  # a plain code: no need to explain readings

    partial = len(folded) >= MIN_PARTIAL_LENGTH
    alias_filter = {"normalized__contains": folded} if partial else {"normalized": folded}
    aliases = (
        Alias.objects.filter(point__status=Status.PUBLISHED, **alias_filter)
        .select_related("point__region", "point__meridian")
        .order_by("normalized")[: MAX_RESULTS * 2]
    )
    for alias in aliases:
        rank = _rank_for(alias.normalized, folded)
        if alias.kind == Alias.Kind.MISNOMER:
            rank = max(rank, RANK_MISNOMER)
        reason = f"Also written “{alias.text}”"
        if alias.note and (alias.ambiguous or alias.kind == Alias.Kind.MISNOMER):
            reason += f": {alias.note}"
        _hit(hits, alias.point, rank, reason)

    name_filter = {"search_names__contains": folded if partial else f"|{folded}|"}
    for point in Point.objects.for_list().filter(**name_filter)[:MAX_RESULTS]:
        names = point.search_names.strip("|").split("|")
        rank = min(_rank_for(n, folded) for n in names if folded in n)
        _hit(hits, point, rank, "")

    condition_filter = {"search_terms__contains": folded if partial else f"|{folded}|"}
    result.conditions = list(
        Condition.objects.published()
        .filter(**condition_filter)
        .prefetch_related(
            Prefetch(
                "indications",
                queryset=Indication.objects.filter(point__status=Status.PUBLISHED)
                .select_related("point__region", "point__meridian")
                .order_by("order"),
            )
        )[:10]
    )
    for condition in result.conditions:
        for indication in condition.indications.all():
            _hit(hits, indication.point, RANK_CONDITION, f"Used for {condition.name}")

    result.hits = sorted(hits.values(), key=lambda h: (h.rank, h.point.order_key))[:MAX_RESULTS]
    return result
