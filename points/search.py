"""Alias-aware search over points and conditions.

A query is folded (case, tones, spaces and hyphens ignored), read as a point code
in every spelling people use, and matched against names, aliases and condition
words. Results are ranked: an exact code first, then exact names and aliases,
then names that start with the query, then names that contain it, then points
used for a matching condition. The number of queries is the same whatever the
size of the guide.

Typos are forgiven: when nothing matches (no code, name, alias or condition word),
``close_matches`` looks for the names within a slip or two of the query: pg_trgm's
trigram similarity picks the candidates on PostgreSQL, every name is one on SQLite, and
RapidFuzz scores them on both (so the two agree whenever the trigram candidates hold
the name). Close matches rank below every exact match (they are only looked for when
there is none), each says what it matched, and the closest is offered as "Did you mean".
Codes are never corrected: a query with a digit is read as a code only.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings
from django.contrib.postgres.search import TrigramStrictWordSimilarity
from django.db import connection
from django.db.models import BooleanField, CharField, Prefetch, Value
from rapidfuzz import process
from rapidfuzz.distance import OSA

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
RANK_CLOSE = 60
RANK_CLOSE_MISNOMER = 65
RANK_CLOSE_CONDITION = 70
MIN_PARTIAL_LENGTH = 3
MAX_RESULTS = 60

# Close matches (typos). A slip is a letter missing, added or wrong, or two letters
# swapped (RapidFuzz's OSA distance between the folded query and one folded name).
# "hegoo" is two slips from "hegu", "sciatca" one from "sciatica"; everyday words that
# are no name are three or more from every name ("cream"/"cramps", "walking"/"weiling").
CLOSE_MIN_LENGTH = 4  # shorter text is too ambiguous to correct
CLOSE_MAX_LENGTH = 40  # the longest folded name is 37 characters: longer text is no typo of one
CLOSE_NAMES = 5  # the closest names kept (all equally close)


def slips_allowed(query, name):
    """How many slips a close match may have: one in a query of four letters, two in one
    of five to nine, three from ten. People seldom get the first letter wrong, so a name
    that starts with another letter gets one fewer, and none for a query under six
    letters ("ciatica" finds "sciatica", "towel" does not find "bowel")."""
    allowed = 1 if len(query) < 5 else 2 if len(query) < 10 else 3
    if name[:1] != query[:1]:
        allowed = 0 if len(query) < 6 else allowed - 1
    return allowed


# PostgreSQL: pg_trgm's strict word similarity (0-1) picks the rows scored; low on purpose,
# so that RapidFuzz, not the trigram floor, decides.
TRIGRAM_FLOOR = 0.1
TRIGRAM_ROWS = 50


@dataclass
class PointHit:
    point: Point
    rank: int
    reasons: list = field(default_factory=list)
    closeness: float = 0  # a close match's score: the closest first among equal ranks


@dataclass(frozen=True)
class Suggestion:
    """The closest name, offered as "Did you mean": ``text`` to search for, ``label`` to show."""

    text: str
    label: str


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
    close_conditions: list = field(default_factory=list)  # those of ``conditions`` matched by a close match
    suggestion: Suggestion | None = None

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


def _hit(hits, point, rank, reason, closeness=0):
    hit = hits.get(point.pk)
    if hit is None:
        hit = hits[point.pk] = PointHit(point, rank)
    hit.rank = min(hit.rank, rank)
    hit.closeness = max(hit.closeness, closeness)
    if reason and reason not in hit.reasons:
        hit.reasons.append(reason)


def _alias_reason(alias):
    """Why a point was found by one of its other names (an Alias or a NameRow)."""
    reason = f"Also written “{alias.text}”"
    if alias.note and (alias.ambiguous or alias.kind == Alias.Kind.MISNOMER):
        reason += f": {alias.note}"
    return reason


def _with_points(conditions):
    """Conditions with the published points used for them (one more query)."""
    return conditions.prefetch_related(
        Prefetch(
            "indications",
            queryset=Indication.objects.filter(point__status=Status.PUBLISHED)
            .select_related("point__region", "point__meridian")
            .order_by("order"),
        )
    )


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


class NameRow(NamedTuple):
    """A row of names a close match is looked for in: a point's own names, one alias, or
    a condition's words (``names`` folded, ``|``-separated for points and conditions)."""

    kind: str  # "point", "alias" or "condition"
    target: int  # the point's or condition's id
    names: str
    text: str = ""  # an alias: as written, with its kind, note and ambiguity
    note: str = ""
    alias_kind: str = ""
    ambiguous: bool = False

    @property
    def misnomer(self):
        return self.alias_kind == Alias.Kind.MISNOMER


@dataclass(frozen=True)
class CloseMatch:
    row: NameRow
    name: str  # the folded name that matched
    score: float


CODE_KINDS = (Alias.Kind.CODE, Alias.Kind.OLD_CODE)


def _name_rows(folded):
    """Every row a close match may come from, in one query of short text columns. On
    PostgreSQL pg_trgm keeps the TRIGRAM_ROWS rows whose words are most like the query;
    SQLite has no such index, and reads every published name."""

    def text(value):
        return Value(value, output_field=CharField())

    blank, no = text(""), Value(False, output_field=BooleanField())
    rows = [
        (Point.objects.published(), "point", "pk", "search_names", (blank, blank, blank, no)),
        (
            Alias.objects.filter(point__status=Status.PUBLISHED).exclude(kind__in=CODE_KINDS),
            "alias",
            "point_id",
            "normalized",
            ("text", "note", "kind", "ambiguous"),
        ),
        (Condition.objects.published(), "condition", "pk", "search_terms", (blank, blank, blank, no)),
    ]
    postgres = connection.vendor == "postgresql"
    parts = []
    for queryset, kind, target, names, extra in rows:
        queryset = queryset.order_by()
        if postgres:
            queryset = queryset.annotate(similarity=TrigramStrictWordSimilarity(folded, names)).filter(
                similarity__gte=TRIGRAM_FLOOR
            )
        columns = [text(kind), target, names, *extra]
        if postgres:
            columns.append("similarity")
        parts.append(queryset.values_list(*columns))
    query = parts[0].union(*parts[1:], all=True).order_by()
    if postgres:
        query = query.order_by("-similarity")[:TRIGRAM_ROWS]
    return [NameRow(*row[:7]) for row in query]


def _merged(old, new):
    """One row per point and name: a point's own name that is also one of its aliases
    (pinyin, English) keeps the alias's spelling and note."""
    if old is None or old.kind == new.kind:
        return old or new
    own, alias = (old, new) if old.kind == "point" else (new, old)
    return own._replace(text=alias.text, note=alias.note, alias_kind=alias.alias_kind, ambiguous=alias.ambiguous)


def close_matches(folded):
    """The names within a typo or two of ``folded``, closest first (one query; none for
    text too short or too long to correct, or with a digit: codes are never corrected,
    so "BL99" never turns into BL23). Scored by RapidFuzz on both databases."""
    if not CLOSE_MIN_LENGTH <= len(folded) <= CLOSE_MAX_LENGTH or any(ch.isdigit() for ch in folded):
        return []
    owners = defaultdict(dict)  # name -> {(point or condition, id): row}
    for row in _name_rows(folded):
        key = (row.kind == "condition", row.target)
        for name in row.names.strip("|").split("|"):
            if name and not any(ch.isdigit() for ch in name):  # a point's code is one of its names
                owners[name][key] = _merged(owners[name].get(key), row)
    names = sorted(owners)  # the same order on both databases, so ties break the same way
    most = slips_allowed(folded, folded)
    found = [
        (name, slips)
        for name, slips, _ in process.extract(folded, names, scorer=OSA.distance, score_cutoff=most, limit=None)
        if slips <= slips_allowed(folded, name)
    ]
    if not found:
        return []
    fewest = min(slips for _, slips in found)
    kept = [name for name, slips in found if slips == fewest][:CLOSE_NAMES]
    order = {"point": 0, "alias": 1, "condition": 2}
    score = 100 - fewest  # every kept name is as close as the others
    matches = [CloseMatch(row, name, score) for name in kept for row in owners[name].values()]
    # of equally close names, a point's own name before another name for it, before a condition
    return sorted(matches, key=lambda m: (m.row.misnomer, order[m.row.kind], m.name, m.row.target))


def _point_name(point, folded_name):
    for text in (point.pinyin_plain, point.english_name, point.hanzi_simplified, point.hanzi_traditional):
        if fold(text) == folded_name:
            return text
    return point.pinyin_plain


def _condition_word(condition, folded_name):
    for text in (condition.name, *condition.keywords.split(",")):
        if fold(text) == folded_name:
            return text.strip()
    return condition.name


def _suggestion(match, points, conditions):
    if match.row.kind == "condition":
        condition = conditions[match.row.target]
        word = _condition_word(condition, match.name)
        return Suggestion(word, word if fold(word) == fold(condition.name) else f"{word} ({condition.name})")
    point = points[match.row.target]
    text = match.row.text or _point_name(point, match.name)
    return Suggestion(text, f"{text} ({point.code})")


def _add_close_matches(result, hits, folded):
    """Close matches for a query nothing else matched (four queries at most: the names,
    their points, their conditions and the conditions' points)."""
    matches = close_matches(folded)
    if not matches:
        return
    point_ids = {m.row.target for m in matches if m.row.kind != "condition"}
    condition_ids = {m.row.target for m in matches if m.row.kind == "condition"}
    points = Point.objects.for_list().in_bulk(point_ids) if point_ids else {}
    conditions = (
        {c.pk: c for c in _with_points(Condition.objects.published().filter(pk__in=condition_ids))}
        if condition_ids
        else {}
    )
    for match in matches:
        if _add_close_match(result, hits, match, points, conditions) and result.suggestion is None:
            result.suggestion = _suggestion(match, points, conditions)
    result.conditions += result.close_conditions


def _add_close_match(result, hits, match, points, conditions):
    """One close match's point or condition (and its points) added to the result; False
    when it is no longer published."""
    row = match.row
    if row.kind == "condition":
        condition = conditions.get(row.target)
        if condition is None:
            return False
        if condition not in result.close_conditions:
            result.close_conditions.append(condition)
            for indication in condition.indications.all():
                reason = f"Close match: used for {condition.name}"
                _hit(hits, indication.point, RANK_CLOSE_CONDITION, reason, match.score)
        return True
    point = points.get(row.target)
    if point is None:
        return False
    if row.kind == "alias":
        rank = RANK_CLOSE_MISNOMER if row.misnomer else RANK_CLOSE
        reason = _alias_reason(row)
    else:
        rank = RANK_CLOSE
        reason = row.text or _point_name(point, match.name)
        if row.note and row.ambiguous:
            reason += f": {row.note}"
    _hit(hits, point, rank, f"Close match: {reason}", match.score)
    return True


def search(raw):
    query, message = clean_query(raw)
    result = SearchResult(query=query, message=message)
    folded = fold(query)
    if not folded:
        if not message:
            result.message = "Type a point code (BL23), a name (Hegu, Hoku) or a kind of back pain (sciatica)."
        return result

    hits = {}
    readings = code_readings(query)
    for n, reading in enumerate(readings):
        if reading.point is not None:
            rank = RANK_CODE if n == 0 else RANK_CODE_OTHER_READING
            _hit(hits, reading.point, rank, reading.why if len(readings) > 1 else "")
    result.readings = readings if len(readings) > 1 else []  # a plain code: no need to explain readings

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
        _hit(hits, alias.point, rank, _alias_reason(alias))

    name_filter = {"search_names__contains": folded if partial else f"|{folded}|"}
    for point in Point.objects.for_list().filter(**name_filter)[:MAX_RESULTS]:
        names = point.search_names.strip("|").split("|")
        rank = min(_rank_for(n, folded) for n in names if folded in n)
        _hit(hits, point, rank, "")

    condition_filter = {"search_terms__contains": folded if partial else f"|{folded}|"}
    result.conditions = list(_with_points(Condition.objects.published().filter(**condition_filter))[:10])
    for condition in result.conditions:
        for indication in condition.indications.all():
            _hit(hits, indication.point, RANK_CONDITION, f"Used for {condition.name}")

    # Close matches only when nothing else matched: a name that contains the query shows
    # it is a real fragment ("intestin"), and a close match beside it is noise
    # (Large Intestine Shu, then the points for "indigestion").
    if not (readings or result.conditions or hits):
        _add_close_matches(result, hits, folded)

    # exact hits by rank; close ones (ranked below every exact one) closest first
    ranked = sorted(hits.values(), key=lambda h: (h.rank >= RANK_CLOSE, -h.closeness, h.rank, h.point.order_key))
    result.hits = ranked[:MAX_RESULTS]
    return result
