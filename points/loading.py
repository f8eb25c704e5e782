"""Loading the shipped guide content from ``fixtures/`` (see docs/content-format.md).

The rule is *insert what is missing, never what an editor deleted, never change anything*:

- Every record the loader makes carries a ``content_key``: its identity in the fixtures
  (a point's code, a condition's slug, a source's key as shipped; a child row's parent key
  and its own identity, e.g. ``BL23:ub23`` for an alias). No form edits it, so a record an
  editor renamed is still found by it, and no second copy comes back.
- A record an editor deleted has a deletion row (``-``) with that key in its
  django-simple-history history: the loader does not re-create it (the tombstone is the
  history itself, no table of its own). A record referring to a deleted one is not
  created either.
- A record that is there (by its key, or by its code, slug or key when an editor made one
  like it in the admin) is never changed; what is missing is inserted, child rows of an
  existing record too.

Every file is checked against the declared schema below (msgspec ``Struct`` types: unknown
or missing keys, types, choices) and every item against its model's fields, and every
reference against the fixtures themselves, before anything is written: a broken fixture
fails on a full database too, with a message naming the file and the item.

Then each model's missing records are written with one ``bulk_create`` and their history
with one ``bulk_history_create`` (reason "Loaded from fixtures"), inside one transaction,
with one content-version bump at the end, and none when nothing was added.
"""

import datetime
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import msgspec
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.functional import cached_property

from . import guards
from .caching import content_changed
from .models import (
    Alias,
    AliasKind,
    Citation,
    CitationClaim,
    Condition,
    Confidence,
    Discrepancy,
    DiscrepancyDisplay,
    DiscrepancySeverity,
    Evidence,
    Illustration,
    Indication,
    IndicationRole,
    Laterality,
    Meridian,
    Placement,
    PlacementSide,
    Point,
    Pregnancy,
    Pressure,
    Reach,
    ReachMethod,
    RedFlag,
    RedFlagGroup,
    Region,
    Source,
    SourceKind,
    Status,
    TechniquePicture,
)
from .text import fold

REASON = "Loaded from fixtures"
VIEWBOX_RE = re.compile(r'viewBox="\s*0[ ,]+0[ ,]+([\d.]+)[ ,]+([\d.]+)\s*"')


class ContentError(ValueError):
    """The fixtures are malformed; the message names the file and the problem."""


# -- the schema of the files (docs/content-format.md describes each key) ---------------
Count = Annotated[int, msgspec.Meta(ge=0)]
Percent = Annotated[float, msgspec.Meta(ge=0, le=100)]


class Spec(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One object of a fixture file: no unknown keys, every required key, the right types."""


class MeridianSpec(Spec, kw_only=True):
    code: str
    name: str


class RegionSpec(Spec, kw_only=True):
    slug: str
    name: str
    description: str = ""


class TaxonomySpec(Spec, kw_only=True):
    reviewed: datetime.date
    meridians: list[MeridianSpec]
    regions: list[RegionSpec]


class SourceSpec(Spec, kw_only=True):
    key: str
    kind: SourceKind
    title: str
    author: str = ""
    publisher: str = ""
    year: str = ""
    url: str = ""
    summary: str = ""
    claims: str = ""


class RedFlagSpec(Spec, kw_only=True):
    key: str
    group: RedFlagGroup
    text: str
    source: str
    locator: str = ""


class TechniqueSpec(Spec, kw_only=True):
    method: str
    pressure: Pressure
    hold_seconds_min: Count
    hold_seconds_max: Count
    repetitions: Count | None
    times_per_day: Count | None
    posture: str
    picture: TechniquePicture | None = None

    def __post_init__(self):
        if self.hold_seconds_min > self.hold_seconds_max:
            raise ValueError("technique: hold_seconds_min is more than hold_seconds_max")


class ReachSpec(Spec, kw_only=True):
    kind: Reach
    how: str
    source: str | None = None
    locator: str = ""


class AliasSpec(Spec, kw_only=True):
    text: str
    kind: AliasKind
    ambiguous: bool = False
    note: str = ""

    def __post_init__(self):
        if not fold(self.text):
            raise ValueError(f"alias {self.text!r} has no letters or digits")


class CitationSpec(Spec, kw_only=True):
    source: str
    claim: CitationClaim
    locator: str = ""
    note: str = ""


class PointSpec(Spec, kw_only=True):
    code: str
    meridian: str
    region: str
    pinyin: str
    hanzi_simplified: str
    hanzi_traditional: str
    english_name: str
    summary: str
    where: str = ""
    location: str
    how_to_find: str
    uses: str
    technique: TechniqueSpec
    laterality: Laterality
    reach: Annotated[list[ReachSpec], msgspec.Meta(min_length=1)]
    reach_alternative: str | None = None
    pregnancy_caution: Pregnancy
    pregnancy_note: str
    pregnancy_alternative: str | None = None
    key_caution: str = ""
    cautions: str
    confidence: Confidence
    confidence_note: str
    reference_only: bool
    notes: str
    aliases: list[AliasSpec]
    citations: list[CitationSpec]

    def __post_init__(self):
        if not self.reference_only and not self.where.strip():
            raise ValueError("a published point to press needs 'where': one plain sentence saying where it is")


class ConditionFlagsSpec(Spec, kw_only=True):
    text: str
    source: str | None = None
    locator: str = ""


class CitedValueSpec(Spec, kw_only=True):
    level: Pressure
    source: str
    locator: str = ""


class EvidenceSpec(Spec, kw_only=True):
    kind: Evidence = Evidence.TRADITIONAL
    source: str | None = None
    locator: str = ""
    summary: str = ""

    def __post_init__(self):
        if self.kind != Evidence.TRADITIONAL and not (self.source and self.summary):
            raise ValueError(
                "a trial or review label needs the study as 'source' and what it measured as 'summary' "
                "(the database rule indication_evidence_cited)"
            )


class IndicationSpec(Spec, kw_only=True):
    point: str
    role: IndicationRole
    note: str = ""
    sources: list[str] = []
    pressure: CitedValueSpec | None = None
    evidence: EvidenceSpec | None = None


class ConditionSpec(Spec, kw_only=True):
    slug: str
    name: str
    order: Count
    summary: str
    notes: str = ""
    keywords: list[str]
    red_flags: ConditionFlagsSpec | None
    indications: list[IndicationSpec]
    citations: list[CitationSpec]


class DiscrepancySpec(Spec, kw_only=True):
    ref: str
    sources: list[str]
    point: str | None
    condition: str | None
    severity: DiscrepancySeverity
    claim: str
    fact: str
    fact_source: str | None
    display: DiscrepancyDisplay

    def __post_init__(self):
        if self.display == DiscrepancyDisplay.POINT and not self.point:
            raise ValueError("display 'point' needs a point")
        if self.display == DiscrepancyDisplay.CONDITION and not self.condition:
            raise ValueError("display 'condition' needs a condition")


class PlacementSpec(Spec, kw_only=True):
    point: str
    x: Percent
    y: Percent
    side: PlacementSide
    landmark: str = ""
    dx: float | None = None  # cun from the landmark, to the viewer's right
    dy: float | None = None  # cun from the landmark, down the picture


class LandmarkSpec(Spec, kw_only=True):
    key: str
    name: str
    x: Percent
    y: Percent


class ScaleSpec(Spec, kw_only=True):
    cun: Annotated[float, msgspec.Meta(gt=0)]
    from_: str = msgspec.field(name="from")
    to: str
    length: Annotated[float, msgspec.Meta(gt=0)]
    basis: str


class IllustrationSpec(Spec, kw_only=True):
    slug: str
    region: str
    view: str
    static_path: str
    order: Count
    alt_text: str
    description: str
    credit: str
    licence: str
    overview: bool = False
    scale: ScaleSpec | None = None
    landmarks: list[LandmarkSpec] = []
    placements: list[PlacementSpec]


# -- reading ---------------------------------------------------------------------------
def _readable(exc):
    """msgspec's message with its JSON path in words: "... (at technique.pressure)"."""
    message, _, path = str(exc).partition(" - at `")
    path = path.rstrip("`").removeprefix("$").lstrip(".")
    return f"{message} (at {path})" if path else message


def _read(path):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ContentError(f"{path}: file is missing") from exc
    except json.JSONDecodeError as exc:
        raise ContentError(f"{path}: not valid JSON ({exc})") from exc


def _convert(data, spec, where):
    try:
        return msgspec.convert(data, spec)
    except msgspec.ValidationError as exc:
        raise ContentError(f"{where}: {_readable(exc)}") from None


def _named(where, data, name_key):
    """Where an item is, with its identity when it has one: ``sources.json[3] ('gach')``."""
    name = data.get(name_key) if isinstance(data, dict) else None
    return f"{where} ({name!r})" if isinstance(name, str) else where


def _items(path, spec, name_key):
    """The items of a list file, each checked, each named by its position and identity."""
    data = _read(path)
    if not isinstance(data, list):
        raise ContentError(f"{path.name}: expected a list")
    specs = []
    for n, item in enumerate(data):
        where = _named(f"{path.name}[{n}]", item, name_key)
        specs.append((_convert(item, spec, where), where))
    return specs


# -- the plan: every fixture record, checked, before the database is read ----------------
@dataclass
class Row:
    """One fixture record: its content key, an unsaved instance with its own fields set,
    and what it refers to, by (model, content key): filled in when it is written."""

    key: str
    obj: models.Model
    where: str
    refs: dict = field(default_factory=dict)  # attname -> (model, key): required
    optional: dict = field(default_factory=dict)  # attname -> (model, key or None): None if deleted
    late: dict = field(default_factory=dict)  # attname -> (model, key): rows of the same model
    m2m: dict = field(default_factory=dict)  # field name -> [(model, key), ...]: required


# What the report calls each model, in the order they are written (parents first).
KINDS = {
    Meridian: "meridians",
    Region: "regions",
    Source: "sources",
    RedFlag: "red flags",
    Point: "points",
    ReachMethod: "ways to reach",
    Alias: "aliases",
    Condition: "conditions",
    Citation: "citations",
    Indication: "indications",
    Discrepancy: "discrepancies",
    Illustration: "illustrations",
    Placement: "placements",
}
# The identities a record already has in the database besides its content key (a record an
# editor made in the admin, or one from before content keys): one like it counts as present.
NATURAL = {
    Meridian: [("code",)],
    Region: [("slug",)],
    Source: [("key",)],
    RedFlag: [("key",)],
    Point: [("code",), ("slug",)],
    ReachMethod: [("point_id", "kind")],
    Alias: [("point_id", "normalized")],
    Condition: [("slug",)],
    Citation: [],
    Indication: [("condition_id", "point_id")],
    Discrepancy: [("ref",)],
    Illustration: [("slug",)],
    Placement: [("point_id", "illustration_id", "x", "y")],
}


def _field_errors(exc):
    return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in exc.message_dict.items())


class _Plan:
    def __init__(self, fixtures_dir):
        self.dir = Path(fixtures_dir)
        self.rows = {model: [] for model in KINDS}
        self.keys = {model: {} for model in KINDS}  # content key -> where, for duplicates
        self.specs = {}  # (model, key) -> spec, for checks across files

    def add(self, model, row):
        if row.key in self.keys[model]:
            raise ContentError(f"{row.where}: the same {model._meta.verbose_name} as {self.keys[model][row.key]}")
        exclude = [f.name for f in model._meta.concrete_fields if f.is_relation or not f.editable or f.primary_key]
        try:
            row.obj.clean_fields(exclude=[*exclude, "image"])
        except ValidationError as exc:
            raise ContentError(f"{row.where}: {_field_errors(exc)}") from None
        self.keys[model][row.key] = row.where
        self.rows[model].append(row)
        return row

    def ref(self, model, key, where, what):
        """(model, key) of a record another fixture names; refused unless the fixtures have it."""
        if key not in self.keys[model]:
            raise ContentError(f"{where}: unknown {what} {key!r}")
        return (model, key)

    def build(self):
        guide = _convert(_read(self.dir / "taxonomy.json"), TaxonomySpec, "taxonomy.json")
        self.reviewed = guide.reviewed
        for n, m in enumerate(guide.meridians):
            self.add(
                Meridian, Row(m.code, Meridian(code=m.code, name=m.name, order=n), f"taxonomy.json meridian {m.code}")
            )
        for n, r in enumerate(guide.regions):
            region = Region(slug=r.slug, name=r.name, order=n, description=r.description)
            self.add(Region, Row(r.slug, region, f"taxonomy.json region {r.slug}"))
        for n, (s, where) in enumerate(_items(self.dir / "sources.json", SourceSpec, "key")):
            fields = {f: getattr(s, f) for f in SourceSpec.__struct_fields__}
            self.add(Source, Row(s.key, Source(**fields, order=n), where))
        point_files = sorted((self.dir / "points").glob("*.json"))
        if not point_files:
            raise ContentError(f"{self.dir / 'points'}: no point files")
        points = []
        for path in point_files:
            data = _read(path)
            code = data.get("code") if isinstance(data, dict) else None
            where = f"points/{path.name} ({code})" if isinstance(code, str) else f"points/{path.name}"
            points.append((_convert(data, PointSpec, where), where))
        for spec, where in points:
            self.point(spec, where)
        for spec, where in points:  # alternatives name other points: checked once all are known
            row = next(r for r in self.rows[Point] if r.key == spec.code)
            for name in ("reach_alternative", "pregnancy_alternative"):
                if getattr(spec, name):
                    row.late[f"{name}_id"] = self.ref(Point, getattr(spec, name), f"{where} {name}", "point")
        for n, (f, where) in enumerate(_items(self.dir / "red_flags.json", RedFlagSpec, "key")):
            flag = RedFlag(key=f.key, group=f.group, text=f.text, order=n, locator=f.locator)
            row = self.add(RedFlag, Row(f.key, flag, where))
            row.refs["source_id"] = self.ref(Source, f.source, where, "source")
        for spec, where in _items(self.dir / "conditions.json", ConditionSpec, "slug"):
            self.condition(spec, where)
        for n, (d, where) in enumerate(_items(self.dir / "discrepancies.json", DiscrepancySpec, "ref")):
            self.discrepancy(n, d, where)
        for path in sorted((self.dir / "illustrations").glob("*.json")):
            spec = _convert(_read(path), IllustrationSpec, f"illustrations/{path.name}")
            self.illustration(spec, f"illustrations/{path.name}")
        return self

    def point(self, p, where):
        meridian = self.ref(Meridian, p.meridian, where, "meridian")
        region = self.ref(Region, p.region, where, "region")
        digits = p.code.rsplit("UE", 1)[-1] if p.code.startswith("EX-") else p.code.removeprefix(p.meridian)
        if not digits.isdigit():
            raise ContentError(f"{where}: code {p.code!r} is not meridian {p.meridian!r} and a number")
        t = p.technique
        own = {
            f: getattr(p, f)
            for f in PointSpec.__struct_fields__
            if f not in {"code", "meridian", "region", "technique", "reach", "aliases", "citations"}
            and not f.endswith("_alternative")
        }
        point = Point(
            code=p.code,
            number=int(digits),
            technique_method=t.method,
            pressure=t.pressure,
            hold_seconds_min=t.hold_seconds_min,
            hold_seconds_max=t.hold_seconds_max,
            repetitions=t.repetitions,
            times_per_day=t.times_per_day,
            posture=t.posture,
            technique_picture=t.picture or "",
            status=Status.PUBLISHED,
            last_reviewed=self.reviewed,
            **own,
        )
        try:
            guards.point_code_clean(point)  # a WHO code, as the admin requires (the meridian is checked above)
        except ValidationError as exc:
            raise ContentError(f"{where}: {_field_errors(exc)}") from None
        row = self.add(Point, Row(p.code, point, where))
        row.refs.update(meridian_id=meridian, region_id=region)
        self.specs[Point, p.code] = p
        for n, way in enumerate(p.reach):
            rwhere = f"{where} reach[{n}]"
            method = ReachMethod(kind=way.kind, how=way.how, locator=way.locator)
            row = self.add(ReachMethod, Row(f"{p.code}:{way.kind}", method, rwhere))
            row.refs["point_id"] = (Point, p.code)
            row.optional["source_id"] = self.ref(Source, way.source, rwhere, "source") if way.source else None
        for n, alias in enumerate(p.aliases):
            key = f"{p.code}:{fold(alias.text)}"
            if key in self.keys[Alias]:  # "Zu San Li" and "Zusanli" search the same: one alias
                continue
            obj = Alias(text=alias.text, kind=alias.kind, ambiguous=alias.ambiguous, note=alias.note)
            obj.fill_derived()
            self.add(Alias, Row(key, obj, f"{where} aliases[{n}]")).refs["point_id"] = (Point, p.code)
        self.citations(p.citations, where, "point", p.code)

    def citations(self, items, where, kind, parent):
        seen = defaultdict(int)
        for n, c in enumerate(items):
            cwhere = f"{where} citations[{n}]"
            base = f"{kind}:{parent}:{c.source}:{c.claim}"
            seen[base] += 1
            key = base if seen[base] == 1 else f"{base}#{seen[base]}"
            row = self.add(Citation, Row(key, Citation(claim=c.claim, locator=c.locator, note=c.note), cwhere))
            row.refs["source_id"] = self.ref(Source, c.source, cwhere, "source")
            row.refs[f"{kind}_id"] = (Point if kind == "point" else Condition, parent)

    def condition(self, c, where):
        flags = c.red_flags or ConditionFlagsSpec(text="")
        condition = Condition(
            slug=c.slug,
            name=c.name,
            order=c.order,
            summary=c.summary,
            keywords=", ".join(c.keywords),
            red_flags=flags.text,
            red_flags_locator=flags.locator,
            notes=c.notes,
            status=Status.PUBLISHED,
            last_reviewed=self.reviewed,
        )
        row = self.add(Condition, Row(c.slug, condition, where))
        if flags.source:
            row.refs["red_flags_source_id"] = self.ref(Source, flags.source, f"{where} red_flags", "source")
        for n, ind in enumerate(c.indications):
            iwhere = f"{where} indications[{n}] ({ind.point})"
            point = self.ref(Point, ind.point, iwhere, "point")
            if self.specs[point].reference_only:
                raise ContentError(
                    f"{iwhere}: {ind.point} is listed only to correct a source; it cannot be a point to try"
                )
            pressure, evidence = ind.pressure, ind.evidence or EvidenceSpec()
            indication = Indication(
                order=n + 1,
                role=ind.role,
                note=ind.note,
                pressure=pressure.level if pressure else "",
                pressure_locator=pressure.locator if pressure else "",
                evidence=evidence.kind,
                evidence_locator=evidence.locator,
                evidence_summary=evidence.summary,
            )
            row = self.add(Indication, Row(f"{c.slug}:{ind.point}", indication, iwhere))
            row.refs.update(point_id=point, condition_id=(Condition, c.slug))
            if pressure:
                row.refs["pressure_source_id"] = self.ref(Source, pressure.source, iwhere, "source")
            if evidence.source:
                row.refs["evidence_source_id"] = self.ref(Source, evidence.source, iwhere, "source")
            row.m2m["sources"] = [self.ref(Source, k, iwhere, "source") for k in ind.sources]
        self.citations(c.citations, where, "condition", c.slug)

    def discrepancy(self, order, d, where):
        own = {f: getattr(d, f) for f in ("ref", "severity", "claim", "fact", "display")}
        row = self.add(Discrepancy, Row(d.ref, Discrepancy(order=order, **own), where))
        if d.point:
            row.refs["point_id"] = self.ref(Point, d.point, where, "point")
        if d.condition:
            row.refs["condition_id"] = self.ref(Condition, d.condition, where, "condition")
        if d.fact_source:
            row.refs["fact_source_id"] = self.ref(Source, d.fact_source, where, "source")
        row.m2m["sources"] = [self.ref(Source, k, where, "source") for k in d.sources]

    def illustration(self, i, where):
        region = self.ref(Region, i.region, where, "region")
        width, height = _svg_size(i.static_path, where)
        skip = {"region", "placements", "scale", "landmarks"}
        own = {f: getattr(i, f) for f in IllustrationSpec.__struct_fields__ if f not in skip}
        own["landmarks"] = msgspec.to_builtins(i.landmarks)
        own["scale"] = msgspec.to_builtins(i.scale) if i.scale else {}
        figure = Illustration(width=width, height=height, **own)
        try:
            figure._clean_scale()
        except ValidationError as exc:
            raise ContentError(f"{where}: {_field_errors(exc)}") from None
        row = self.add(Illustration, Row(i.slug, figure, where))
        row.refs["region_id"] = region
        seen = defaultdict(int)
        for n, place in enumerate(i.placements):
            pwhere = f"{where} placements[{n}] ({place.point})"
            point = self.ref(Point, place.point, pwhere, "point")
            base = f"{i.slug}:{place.point}:{place.side}"
            seen[base] += 1
            placement = Placement(
                x=Decimal(str(place.x)).quantize(Decimal("0.01")),
                y=Decimal(str(place.y)).quantize(Decimal("0.01")),
                side=place.side,
                landmark=place.landmark,
                dx=None if place.dx is None else Decimal(str(place.dx)).quantize(Decimal("0.01")),
                dy=None if place.dy is None else Decimal(str(place.dy)).quantize(Decimal("0.01")),
            )
            try:
                placement.clean_landmark(figure)
            except ValidationError as exc:
                raise ContentError(f"{pwhere}: {_field_errors(exc)}") from None
            key = base if seen[base] == 1 else f"{base}#{seen[base]}"
            row = self.add(Placement, Row(key, placement, pwhere))
            row.refs.update(point_id=point, illustration_id=(Illustration, i.slug))


def _svg_size(static_path, where):
    """Width and height of a shipped SVG, from its viewBox."""
    path = settings.BASE_DIR / "static" / static_path
    try:
        head = path.read_text(encoding="utf-8")[:2000]
    except FileNotFoundError:
        raise ContentError(f"{where}: {path} is missing") from None
    match = VIEWBOX_RE.search(head)
    if not match:
        raise ContentError(f"{where}: {path} has no viewBox starting at 0 0")
    return round(float(match.group(1))), round(float(match.group(2)))


# -- writing ---------------------------------------------------------------------------
@dataclass
class LoadReport:
    created: dict = field(default_factory=dict)
    kept: dict = field(default_factory=dict)
    deleted: dict = field(default_factory=dict)  # deleted by an editor: not re-added

    def add(self, kind, bucket):
        counts = getattr(self, bucket)
        counts[kind] = counts.get(kind, 0) + 1

    @property
    def total_created(self):
        return sum(self.created.values())

    def lines(self):
        kinds = sorted(set(self.created) | set(self.kept) | set(self.deleted))
        return [
            f"{kind}: {self.created.get(kind, 0)} added, {self.kept.get(kind, 0)} already present"
            + (f", {self.deleted[kind]} deleted by an editor (not re-added)" if kind in self.deleted else "")
            for kind in kinds
        ]


DELETED = object()  # resolved: an editor deleted it (or it refers to something deleted)


class _Writer:
    def __init__(self, plan):
        self.plan = plan
        self.report = LoadReport()
        self.when = timezone.now()
        self.pks = {model: {} for model in KINDS}  # content key -> pk, or DELETED

    def run(self):
        for model, rows in self.plan.rows.items():
            self.write(model, rows)
        if self.report.total_created:
            content_changed()
        return self.report

    @cached_property
    def meridians(self):
        return Meridian.objects.in_bulk()

    def resolve(self, ref):
        model, key = ref
        return self.pks[model].get(key, DELETED)

    def write(self, model, rows):
        kind, pks = KINDS[model], self.pks[model]
        present = dict(model.objects.exclude(content_key=None).values_list("content_key", "pk"))
        deleted, natural, new = set(), {}, []
        if any(row.key not in present for row in rows):  # else one query: the usual second load
            history = model.history.filter(history_type="-").exclude(content_key=None)
            deleted = set(history.values_list("content_key", flat=True))
            natural = self.natural(model)
        for row in rows:
            if row.key in present:
                pks[row.key] = present[row.key]
                self.report.add(kind, "kept")
                continue
            refs = {name: self.resolve(ref) for name, ref in row.refs.items()}
            m2m = {name: [self.resolve(ref) for ref in refs_] for name, refs_ in row.m2m.items()}
            if row.key in deleted or DELETED in refs.values() or any(DELETED in v for v in m2m.values()):
                pks[row.key] = DELETED
                self.report.add(kind, "deleted")
                continue
            obj = row.obj
            for name, pk in refs.items():
                setattr(obj, name, pk)
            for name, ref in row.optional.items():
                pk = self.resolve(ref) if ref else None
                setattr(obj, name, None if pk is DELETED else pk)
            if model is Point:  # its sort key reads the meridian's order
                obj.meridian = self.meridians[obj.meridian_id]
            if hasattr(obj, "fill_derived"):
                obj.fill_derived()
            same = self.same_as(model, obj, natural)
            if same is not None:  # made by an editor, or from before content keys: present
                pks[row.key] = same
                self.report.add(kind, "kept")
                continue
            obj.content_key = row.key
            new.append((row, obj, m2m))
        if new:
            self.insert(model, new)

    def natural(self, model):
        """The natural identities in the database, each with its record's pk (one query)."""
        identities = NATURAL[model]
        names = sorted(
            {name for identity in identities for name in identity} | ({"ambiguous"} if model is Alias else set())
        )
        found = {}
        if not names:
            return found
        for pk, *values in model.objects.values_list("pk", *names):
            row = dict(zip(names, values, strict=True))
            for identity in identities:
                found[identity, tuple(row[n] for n in identity)] = pk
            if model is Alias and not row["ambiguous"]:
                found["unambiguous", row["normalized"]] = pk
        return found

    def same_as(self, model, obj, natural):
        for identity in NATURAL[model]:
            pk = natural.get((identity, tuple(getattr(obj, n) for n in identity)))
            if pk is not None:
                return pk
        if model is Alias and not obj.ambiguous:  # the same spelling, unambiguous, elsewhere
            return natural.get(("unambiguous", obj.normalized))
        return None

    def insert(self, model, new):
        objs = [obj for _, obj, _ in new]
        model.objects.bulk_create(objs)  # primary keys come back (RETURNING: PostgreSQL, SQLite 3.35+)
        for row, obj, _ in new:
            self.pks[model][row.key] = obj.pk
            self.report.add(KINDS[model], "created")
        late = set()
        for row, obj, _ in new:  # a point's alternatives may be points inserted just now
            for name, ref in row.late.items():
                pk = self.resolve(ref)
                setattr(obj, name, None if pk is DELETED else pk)
                late.add(name)
        if late:
            model.objects.bulk_update(objs, sorted(late))
        for name in {name for _, _, m2m in new for name in m2m}:
            through = getattr(model, name).through
            ends = getattr(model, name).field
            links = [
                through(**{ends.m2m_column_name(): obj.pk, ends.m2m_reverse_name(): pk})
                for _, obj, m2m in new
                for pk in m2m.get(name, [])
            ]
            through.objects.bulk_create(links)
        # simple_history.utils.bulk_create_with_history does these two steps; here the rows get
        # their alternatives and many-to-many links first, so the first version is complete.
        history = model.history.bulk_history_create(objs, default_change_reason=REASON, default_date=self.when)
        self.m2m_history(model, objs, history)

    def m2m_history(self, model, objs, history):
        """The many-to-many links of each first version (what django-simple-history stores
        for ``m2m_fields``), so that reverting to it restores them."""
        records = {record.id: record for record in history}
        for name in {f.name for f in getattr(model.history.model, "_history_m2m_fields", [])}:
            through = getattr(model, name).through
            historical = getattr(model.history.model, name).model
            ends = getattr(model, name).field
            own = ends.m2m_column_name()
            links = through.objects.filter(**{f"{own}__in": [o.pk for o in objs]})
            historical.objects.bulk_create(
                historical(
                    history=records[getattr(link, own)],
                    **{f.attname: getattr(link, f.attname) for f in through._meta.concrete_fields},
                )
                for link in links
            )


def guide_load(*, fixtures_dir):
    """Insert every fixture record that is missing and not deleted; return a ``LoadReport``.

    All or nothing: a malformed fixture raises ``ContentError`` and nothing is saved."""
    plan = _Plan(fixtures_dir).build()
    try:
        with transaction.atomic():
            return _Writer(plan).run()
    except ValidationError as exc:
        raise ContentError(f"invalid content: {exc}") from exc
    except IntegrityError as exc:
        raise ContentError(f"content breaks a database rule ({exc}); duplicate alias or code?") from exc
