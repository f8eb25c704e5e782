"""Loading the shipped guide content from ``fixtures/`` (see docs/content-format.md).

The rule is *insert what is missing*: records are keyed on codes, slugs, keys and
refs, and a record that already exists is never changed, so an editor's work in
the admin is never overwritten. A record's own aliases, citations and indications
are loaded together with it, only when the record itself is new: an alias an
editor deleted does not come back on the next ``make run``.
"""

import datetime
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from .models import (
    Alias,
    Citation,
    Condition,
    Discrepancy,
    Illustration,
    Indication,
    Meridian,
    Placement,
    Point,
    ReachMethod,
    RedFlag,
    Region,
    Source,
    Status,
)
from .text import fold

POINT_KEYS = {
    "code", "meridian", "region", "pinyin", "hanzi_simplified", "hanzi_traditional", "english_name",
    "summary", "location", "how_to_find", "uses", "technique", "laterality", "reach",
    "pregnancy_caution", "pregnancy_note", "cautions", "confidence", "confidence_note",
    "reference_only", "notes", "aliases", "citations",
}  # fmt: skip
# set after every point exists: they name other points
POINT_OPTIONAL_KEYS = {"reach_alternative", "pregnancy_alternative"}
# the two plain lines of a point's first screen; "where" is required for a point to press
POINT_LINE_KEYS = {"where", "key_caution"}
REACH_KEYS = {"kind", "how", "source", "locator"}
RED_FLAG_KEYS = {"key", "group", "text", "source", "locator"}
TECHNIQUE_KEYS = {
    "method", "pressure", "hold_seconds_min", "hold_seconds_max", "repetitions", "times_per_day", "posture",
}  # fmt: skip
SOURCE_KEYS = {"key", "kind", "title", "author", "publisher", "year", "url", "summary", "claims"}
CONDITION_KEYS = {"slug", "name", "order", "summary", "keywords", "red_flags", "indications", "citations"}
CONDITION_OPTIONAL_KEYS = {"notes"}
CONDITION_FLAG_KEYS = {"text", "source", "locator"}
DISCREPANCY_KEYS = {"ref", "sources", "point", "condition", "severity", "claim", "fact", "fact_source", "display"}
CITATION_KEYS = {"source", "claim", "locator", "note"}
ALIAS_KEYS = {"text", "kind", "ambiguous", "note"}
INDICATION_KEYS = {"point", "role", "note", "sources", "pressure", "evidence"}
CITED_VALUE_KEYS = {"level", "source", "locator"}
EVIDENCE_KEYS = {"kind", "source", "locator", "summary"}
ILLUSTRATION_KEYS = {
    "slug", "region", "view", "static_path", "order", "alt_text", "description", "credit", "licence", "placements",
    "overview",
}  # fmt: skip
PLACEMENT_KEYS = {"point", "x", "y", "side"}
VIEWBOX_RE = re.compile(r'viewBox="\s*0[ ,]+0[ ,]+([\d.]+)[ ,]+([\d.]+)\s*"')


class ContentError(ValueError):
    """The fixtures are malformed; the message names the file and the problem."""


@dataclass
class LoadReport:
    created: dict = field(default_factory=dict)
    kept: dict = field(default_factory=dict)

    def add(self, kind, was_created):
        bucket = self.created if was_created else self.kept
        bucket[kind] = bucket.get(kind, 0) + 1

    @property
    def total_created(self):
        return sum(self.created.values())

    def lines(self):
        kinds = sorted(set(self.created) | set(self.kept))
        return [
            f"{kind}: {self.created.get(kind, 0)} added, {self.kept.get(kind, 0)} already present" for kind in kinds
        ]


def _read(path):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ContentError(f"{path}: file is missing") from exc
    except json.JSONDecodeError as exc:
        raise ContentError(f"{path}: not valid JSON ({exc})") from exc


def _check_text(item, key, model, where):
    """A text value that fits its column, with a message naming the file and the field."""
    value = item.get(key, "")
    if not isinstance(value, str):
        raise ContentError(f"{where}: {key!r} must be text")
    limit = model._meta.get_field(key).max_length
    if limit is not None and len(value) > limit:
        raise ContentError(f"{where}: {key!r} is {len(value)} characters long; at most {limit} fit: {value!r}")
    return value


def _check_keys(item, allowed, where, required=None):
    if not isinstance(item, dict):
        raise ContentError(f"{where}: expected an object")
    unknown = set(item) - allowed
    if unknown:
        raise ContentError(f"{where}: unknown keys {sorted(unknown)}")
    missing = (required if required is not None else allowed) - set(item)
    if missing:
        raise ContentError(f"{where}: missing keys {sorted(missing)}")


class _Loader:
    def __init__(self, fixtures_dir):
        self.dir = Path(fixtures_dir)
        self.report = LoadReport()
        self.sources = {}
        self.points = {}
        self.conditions = {}

    def source(self, key, where):
        try:
            return self.sources[key]
        except KeyError:
            raise ContentError(f"{where}: unknown source {key!r}") from None

    def point(self, code, where):
        try:
            return self.points[code]
        except KeyError:
            raise ContentError(f"{where}: unknown point {code!r}") from None

    def run(self):
        guide = _read(self.dir / "taxonomy.json")
        self.reviewed = datetime.date.fromisoformat(guide["reviewed"])
        self.load_taxonomy(guide)
        self.load_sources(_read(self.dir / "sources.json"))
        point_files = sorted((self.dir / "points").glob("*.json"))
        if not point_files:
            raise ContentError(f"{self.dir / 'points'}: no point files")
        self.points = {p.code: p for p in Point.objects.all()}
        self.alternatives = []
        for path in point_files:
            self.load_point(_read(path), str(path))
        for point, field_name, code, where in self.alternatives:
            setattr(point, field_name, self.point(code, where))
            point.save(update_fields=[field_name])
        self.load_red_flags(_read(self.dir / "red_flags.json"))
        self.load_conditions(_read(self.dir / "conditions.json"))
        self.load_discrepancies(_read(self.dir / "discrepancies.json"))
        for path in sorted((self.dir / "illustrations").glob("*.json")):
            _load_illustration(self, _read(path), str(path))
        return self.report

    def load_taxonomy(self, guide):
        for order, item in enumerate(guide["meridians"]):
            _, created = Meridian.objects.get_or_create(
                code=item["code"], defaults={"name": item["name"], "order": order}
            )
            self.report.add("meridians", created)
        for order, item in enumerate(guide["regions"]):
            _, created = Region.objects.get_or_create(
                slug=item["slug"],
                defaults={"name": item["name"], "order": order, "description": item.get("description", "")},
            )
            self.report.add("regions", created)
        self.meridians = {m.code: m for m in Meridian.objects.all()}
        self.regions = {r.slug: r for r in Region.objects.all()}

    def load_sources(self, items):
        existing = {s.key: s for s in Source.objects.all()}
        for order, item in enumerate(items):
            where = f"sources.json[{order}]"
            _check_keys(item, SOURCE_KEYS, where, required={"key", "kind", "title"})
            source = existing.get(item["key"])
            if source is None:
                source = Source(**{k: item.get(k, "") for k in SOURCE_KEYS}, order=order)
                source.full_clean()
                source.save()
            self.report.add("sources", source.key not in existing)
            self.sources[source.key] = source

    def load_red_flags(self, items):
        existing = set(RedFlag.objects.values_list("key", flat=True))
        for order, item in enumerate(items):
            where = f"red_flags.json[{order}]"
            _check_keys(item, RED_FLAG_KEYS, where, required={"key", "group", "text", "source"})
            if item["key"] in existing:
                self.report.add("red flags", False)
                continue
            flag = RedFlag(
                key=item["key"],
                group=item["group"],
                text=item["text"],
                order=order,
                source=self.source(item["source"], where),
                locator=item.get("locator", ""),
            )
            flag.full_clean()
            flag.save()
            self.report.add("red flags", True)

    def load_point(self, item, where):
        _check_keys(item, POINT_KEYS | POINT_OPTIONAL_KEYS | POINT_LINE_KEYS, where, required=POINT_KEYS)
        technique = item["technique"]
        _check_keys(technique, TECHNIQUE_KEYS, f"{where} technique")
        lines = {key: _check_text(item, key, Point, where) for key in sorted(POINT_LINE_KEYS)}
        if not item["reference_only"] and not lines["where"].strip():
            raise ContentError(
                f"{where}: a published point to press needs 'where': one plain sentence saying where it is"
            )
        code = item["code"]
        if code in self.points:
            self.report.add("points", False)
            return
        try:
            meridian = self.meridians[item["meridian"]]
            region = self.regions[item["region"]]
        except KeyError as exc:
            raise ContentError(f"{where}: unknown meridian or region {exc}") from None
        number = int(code.rsplit("UE", 1)[-1]) if code.startswith("EX-") else int(code[len(meridian.code) :])
        point = Point(
            code=code,
            meridian=meridian,
            number=number,
            region=region,
            technique_method=technique["method"],
            pressure=technique["pressure"],
            hold_seconds_min=technique["hold_seconds_min"],
            hold_seconds_max=technique["hold_seconds_max"],
            repetitions=technique["repetitions"],
            times_per_day=technique["times_per_day"],
            posture=technique["posture"],
            status=Status.PUBLISHED,
            last_reviewed=self.reviewed,
            **lines,
            **{
                k: item[k]
                for k in POINT_KEYS - {"code", "meridian", "region", "technique", "aliases", "citations", "reach"}
            },
        )
        point.full_clean(exclude=["slug"])
        point.save()
        self.points[code] = point
        self.report.add("points", True)
        for field_name in sorted(POINT_OPTIONAL_KEYS & set(item)):
            if item[field_name]:
                self.alternatives.append((point, field_name, item[field_name], where))
        if not isinstance(item["reach"], list) or not item["reach"]:
            raise ContentError(f"{where}: reach must be a list of ways to reach the point")
        for n, way in enumerate(item["reach"]):
            rwhere = f"{where} reach[{n}]"
            _check_keys(way, REACH_KEYS, rwhere, required={"kind", "how"})
            method = ReachMethod(
                point=point,
                kind=way["kind"],
                how=way["how"],
                source=self.source(way["source"], rwhere) if way.get("source") else None,
                locator=way.get("locator", ""),
            )
            method.full_clean()
            method.save()
            self.report.add("ways to reach", True)
        seen = set()
        for n, alias in enumerate(item["aliases"]):
            _check_keys(alias, ALIAS_KEYS, f"{where} aliases[{n}]", required={"text", "kind"})
            if fold(alias["text"]) in seen:  # "Zu San Li" and "Zusanli" search the same
                continue
            seen.add(fold(alias["text"]))
            Alias.objects.create(
                point=point,
                text=alias["text"],
                kind=alias["kind"],
                ambiguous=alias.get("ambiguous", False),
                note=alias.get("note", ""),
            )
            self.report.add("aliases", True)
        self.load_citations(item["citations"], where, point=point)

    def load_citations(self, items, where, **target):
        for n, item in enumerate(items):
            _check_keys(item, CITATION_KEYS, f"{where} citations[{n}]", required={"source", "claim"})
            citation = Citation(
                source=self.source(item["source"], where),
                claim=item["claim"],
                locator=item.get("locator", ""),
                note=item.get("note", ""),
                **target,
            )
            citation.full_clean()
            citation.save()
            self.report.add("citations", True)

    def load_conditions(self, items):
        existing = {c.slug: c for c in Condition.objects.all()}
        for order, item in enumerate(items):
            where = f"conditions.json[{order}]"
            _check_keys(item, CONDITION_KEYS | CONDITION_OPTIONAL_KEYS, where, required=CONDITION_KEYS)
            notes = _check_text(item, "notes", Condition, where)
            condition = existing.get(item["slug"])
            self.report.add("conditions", condition is None)
            if condition is not None:
                self.conditions[condition.slug] = condition
                continue
            flags = item["red_flags"] or {"text": ""}
            _check_keys(flags, CONDITION_FLAG_KEYS, f"{where} red_flags", required={"text"})
            condition = Condition(
                slug=item["slug"],
                name=item["name"],
                order=item["order"],
                summary=item["summary"],
                keywords=", ".join(item["keywords"]),
                red_flags=flags["text"],
                red_flags_source=self.source(flags["source"], where) if flags.get("source") else None,
                red_flags_locator=flags.get("locator", ""),
                notes=notes,
                status=Status.PUBLISHED,
                last_reviewed=self.reviewed,
            )
            condition.full_clean()
            condition.save()
            self.conditions[condition.slug] = condition
            for n, ind in enumerate(item["indications"]):
                iwhere = f"{where} indications[{n}]"
                _check_keys(ind, INDICATION_KEYS, iwhere, required={"point", "role"})
                pressure = ind.get("pressure") or {}
                evidence = ind.get("evidence") or {"kind": Indication.Evidence.TRADITIONAL}
                if pressure:
                    _check_keys(pressure, CITED_VALUE_KEYS, f"{iwhere} pressure", required={"level", "source"})
                _check_keys(evidence, EVIDENCE_KEYS, f"{iwhere} evidence", required={"kind"})
                indication = Indication(
                    point=self.point(ind["point"], iwhere),
                    condition=condition,
                    order=n + 1,
                    role=ind["role"],
                    note=ind.get("note", ""),
                    pressure=pressure.get("level", ""),
                    pressure_source=self.source(pressure["source"], iwhere) if pressure else None,
                    pressure_locator=pressure.get("locator", ""),
                    evidence=evidence["kind"],
                    evidence_source=self.source(evidence["source"], iwhere) if evidence.get("source") else None,
                    evidence_locator=evidence.get("locator", ""),
                    evidence_summary=evidence.get("summary", ""),
                )
                indication.full_clean()
                indication.save()
                indication.sources.set([self.source(k, iwhere) for k in ind.get("sources", [])])
                self.report.add("indications", True)
            self.load_citations(item["citations"], where, condition=condition)

    def load_discrepancies(self, items):
        existing = set(Discrepancy.objects.values_list("ref", flat=True))
        for order, item in enumerate(items):
            where = f"discrepancies.json[{order}]"
            _check_keys(item, DISCREPANCY_KEYS, where)
            if item["ref"] in existing:
                self.report.add("discrepancies", False)
                continue
            condition = None
            if item["condition"]:
                try:
                    condition = self.conditions[item["condition"]]
                except KeyError:
                    raise ContentError(f"{where}: unknown condition {item['condition']!r}") from None
            discrepancy = Discrepancy(
                ref=item["ref"],
                order=order,
                point=self.point(item["point"], where) if item["point"] else None,
                condition=condition,
                severity=item["severity"],
                claim=item["claim"],
                fact=item["fact"],
                fact_source=self.source(item["fact_source"], where) if item["fact_source"] else None,
                display=item["display"],
            )
            discrepancy.full_clean()
            discrepancy.save()
            discrepancy.sources.set([self.source(k, where) for k in item["sources"]])
            self.report.add("discrepancies", True)


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


def _load_illustration(loader, item, where):
    _check_keys(item, ILLUSTRATION_KEYS, where, required=ILLUSTRATION_KEYS - {"overview"})
    if Illustration.objects.filter(slug=item["slug"]).exists():
        loader.report.add("illustrations", False)
        return
    width, height = _svg_size(item["static_path"], where)
    try:
        region = loader.regions[item["region"]]
    except KeyError:
        raise ContentError(f"{where}: unknown region {item['region']!r}") from None
    illustration = Illustration(
        region=region,
        width=width,
        height=height,
        overview=item.get("overview", False),
        **{k: item[k] for k in ILLUSTRATION_KEYS - {"region", "placements", "overview"}},
    )
    illustration.full_clean(exclude=["image"])
    illustration.save()
    loader.report.add("illustrations", True)
    for n, place in enumerate(item["placements"]):
        pwhere = f"{where} placements[{n}]"
        _check_keys(place, PLACEMENT_KEYS, pwhere)
        placement = Placement(
            point=loader.point(place["point"], pwhere),
            illustration=illustration,
            x=Decimal(str(place["x"])).quantize(Decimal("0.01")),
            y=Decimal(str(place["y"])).quantize(Decimal("0.01")),
            side=place["side"],
        )
        placement.full_clean()
        placement.save()
        loader.report.add("placements", True)


def guide_load(*, fixtures_dir):
    """Insert every fixture record that is missing; return a ``LoadReport``.

    All or nothing: a malformed fixture raises ``ContentError`` and nothing is saved."""
    try:
        with transaction.atomic():
            return _Loader(fixtures_dir).run()
    except ValidationError as exc:
        raise ContentError(f"invalid content: {exc}") from exc
    except IntegrityError as exc:
        raise ContentError(f"content breaks a database rule ({exc}); duplicate alias or code?") from exc
