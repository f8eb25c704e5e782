"""Loading content is idempotent and never overwrites an editor's work (issue 2, item 5);
it never fights editors (content keys, tombstones) and is quick (issue 12, item 6)."""

import importlib
import json

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from points import loading
from points.loading import REASON, ContentError, guide_load
from points.models import (
    Alias,
    Citation,
    Condition,
    ContentVersion,
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
)
from points.text import fold

pytestmark = pytest.mark.django_db

# in an order that deletes cleanly (discrepancies protect the points they correct)
MODELS = [Discrepancy, Citation, Indication, Alias, ReachMethod, Point, Condition, RedFlag, Source]
EVERY_MODEL = [*MODELS[:5], Placement, Illustration, *MODELS[5:], Region, Meridian]
# A whole load into an empty database: 75 queries measured (one insert and one history insert
# per model, the look-ups, the links); it was 8,073 (826 of them content-version bumps).
LOAD_BUDGET = 100


def snapshot():
    return {m.__name__: sorted(map(str, m.objects.values_list())) for m in MODELS}


def history_counts():
    return {m.__name__: m.history.count() for m in MODELS}


def test_second_run_changes_nothing(settings):
    before, history_before = snapshot(), history_counts()
    report = guide_load(fixtures_dir=settings.GUIDE_FIXTURES_DIR)
    assert report.total_created == 0
    assert report.kept["points"] == Point.objects.count()
    assert snapshot() == before
    assert history_counts() == history_before


def fresh_database():
    """Empty content tables and their history, as in a new database (deleting rows alone
    leaves their deletions in the history: tombstones that the loader respects)."""
    for model in EVERY_MODEL:
        model.objects.all().delete()
        model.history.all().delete()


def test_loads_everything_into_an_empty_database(settings):
    fresh_database()
    report = guide_load(fixtures_dir=settings.GUIDE_FIXTURES_DIR)
    point_files = list((settings.GUIDE_FIXTURES_DIR / "points").glob("*.json"))
    assert report.created["points"] == len(point_files) == Point.objects.count()
    assert Condition.objects.count() == 8


def test_editor_changes_survive_a_reload(settings):
    point = Point.objects.get(code="BL40")
    point.location = "Edited by an editor."
    point.save()
    alias = Alias.objects.get(point=point, text="Commanding Middle")
    alias.delete()
    Condition.objects.filter(slug="sciatica").update(name="Sciatica (edited)")

    guide_load(fixtures_dir=settings.GUIDE_FIXTURES_DIR)

    assert Point.objects.get(code="BL40").location == "Edited by an editor."
    assert not Alias.objects.filter(point=point, text="Commanding Middle").exists()
    assert Condition.objects.get(slug="sciatica").name == "Sciatica (edited)"


def test_what_the_fixtures_add_reaches_an_existing_database(fixtures_copy):
    """Insert what is missing: a new discrepancy, a new alias of a point that is there."""
    path = fixtures_copy / "discrepancies.json"
    items = json.loads(path.read_text())
    items.append({**items[0], "ref": "E99"})
    path.write_text(json.dumps(items))
    _edit_point_file(
        fixtures_copy, "bl23.json", aliases=[*_point_file(fixtures_copy, "bl23.json")["aliases"], NEW_ALIAS]
    )
    report = guide_load(fixtures_dir=fixtures_copy)
    assert report.created == {"discrepancies": 1, "aliases": 1}
    assert Discrepancy.objects.get(ref="E99").sources.count() == len(items[0]["sources"])
    assert Alias.objects.get(text="Kidney Back Shu").point.code == "BL23"


NEW_ALIAS = {"text": "Kidney Back Shu", "kind": "english", "ambiguous": False, "note": ""}


def test_malformed_fixture_loads_nothing(fixtures_copy):
    fresh_database()
    _edit_point_file(fixtures_copy, "bl23.json", pressure_typo="firm")
    with pytest.raises(
        ContentError, match=r"points/bl23\.json \(BL23\): Object contains unknown field `pressure_typo`"
    ):
        guide_load(fixtures_dir=fixtures_copy)
    assert Point.objects.count() == 0  # all or nothing


def test_unknown_source_key_is_reported(fixtures_copy):
    path = fixtures_copy / "points" / "li4.json"
    data = json.loads(path.read_text())
    data["citations"][0]["source"] = "no-such-source"
    path.write_text(json.dumps(data))
    with pytest.raises(ContentError, match="no-such-source"):
        guide_load(fixtures_dir=fixtures_copy)


def test_command_reports_and_fails_cleanly(fixtures_copy, capsys):
    call_command("load_guide", fixtures=str(fixtures_copy))
    assert "nothing to add" in capsys.readouterr().out
    (fixtures_copy / "conditions.json").write_text("{not json")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("load_guide", fixtures=str(fixtures_copy))


def _point_file(fixtures, name):
    return json.loads((fixtures / "points" / name).read_text())


def _edit_point_file(fixtures, name, **changes):
    path = fixtures / "points" / name
    data = json.loads(path.read_text())
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    path.write_text(json.dumps(data))


def test_the_plain_lines_and_condition_notes_are_loaded(settings):
    """What the first screen and "Evidence and corrections" show comes from the fixtures."""
    fixtures = settings.GUIDE_FIXTURES_DIR
    for path in (fixtures / "points").glob("*.json"):
        data = json.loads(path.read_text())
        point = Point.objects.get(code=data["code"])
        assert (point.where, point.key_caution) == (data.get("where", ""), data.get("key_caution", "")), path.name
    for item in json.loads((fixtures / "conditions.json").read_text()):
        assert Condition.objects.get(slug=item["slug"]).notes == item.get("notes", ""), item["slug"]
    assert Condition.objects.exclude(notes="").exists()


def test_a_point_to_press_without_where_is_refused(fixtures_copy):
    _edit_point_file(fixtures_copy, "li4.json", where=None)
    with pytest.raises(ContentError, match=r"li4\.json \(LI4\): a published point to press needs 'where'"):
        guide_load(fixtures_dir=fixtures_copy)
    _edit_point_file(fixtures_copy, "li4.json", where="   ")
    with pytest.raises(ContentError, match=r"li4\.json \(LI4\): a published point to press needs 'where'"):
        guide_load(fixtures_dir=fixtures_copy)


def test_a_reference_only_point_may_leave_out_where(fixtures_copy):
    fresh_database()
    _edit_point_file(fixtures_copy, "gv1.json", where=None)
    guide_load(fixtures_dir=fixtures_copy)
    assert Point.objects.get(code="GV1").where == ""


@pytest.mark.parametrize(("key", "limit"), [("where", 160), ("key_caution", 200)])
def test_a_plain_line_too_long_is_refused_with_its_file_and_field(fixtures_copy, key, limit):
    fresh_database()
    _edit_point_file(fixtures_copy, "bl23.json", **{key: "x" * (limit + 1)})
    message = (
        rf"points/bl23\.json \(BL23\): {key}: Ensure this value has at most {limit} characters \(it has {limit + 1}\)"
    )
    with pytest.raises(ContentError, match=message):
        guide_load(fixtures_dir=fixtures_copy)
    assert Point.objects.count() == 0  # all or nothing


# -- Issue 12: the loader never fights editors (content keys, tombstones), and is quick.
def test_a_discrepancy_a_reviewer_deleted_stays_deleted(settings):
    Discrepancy.objects.get(ref="E13").delete()  # as the admin deletes: a deletion in the history
    report = guide_load(fixtures_dir=settings.GUIDE_FIXTURES_DIR)
    assert not Discrepancy.objects.filter(ref="E13").exists()
    assert report.deleted == {"discrepancies": 1}
    assert report.total_created == 0


def test_nothing_an_editor_deleted_comes_back(settings):
    """A point (with the rows that go with it), an alias and a citation of another point."""
    point = Point.objects.get(code="KI1")
    point.discrepancies.all().delete()  # they protect the point they correct
    point.delete()  # its aliases, citations, ways to reach, uses and markers go with it
    bl40 = Point.objects.get(code="BL40")
    bl40.aliases.get(text="Commanding Middle").delete()
    bl40.citations.filter(source__key="who-2008", claim="name").get().delete()
    before, history_before = snapshot(), history_counts()

    report = guide_load(fixtures_dir=settings.GUIDE_FIXTURES_DIR)

    assert report.total_created == 0
    assert (snapshot(), history_counts()) == (before, history_before)
    assert report.deleted["points"] == 1
    assert report.deleted["aliases"] == 1 + len({fold(a["text"]) for a in _fixture_point("ki1.json")["aliases"]})


def _fixture_point(name):
    from django.conf import settings

    return _point_file(settings.GUIDE_FIXTURES_DIR, name)


def test_a_renamed_slug_or_key_brings_no_duplicate(settings):
    condition = Condition.objects.get(slug="chronic-low-back-pain")
    condition.slug = "long-lasting-back-pain"
    condition.save()
    source = Source.objects.get(key="gach")
    source.key = "gach-acupressure"
    source.save()
    figure = Illustration.objects.get(slug="hand-back")
    figure.slug = "back-of-the-hand"
    figure.save()
    counts = {model: model.objects.count() for model in EVERY_MODEL}

    report = guide_load(fixtures_dir=settings.GUIDE_FIXTURES_DIR)

    assert report.total_created == 0
    assert {model: model.objects.count() for model in EVERY_MODEL} == counts
    assert not Condition.objects.filter(slug="chronic-low-back-pain").exists()
    assert not Source.objects.filter(key="gach").exists()
    assert not Illustration.objects.filter(slug="hand-back").exists()


def _change_json(path, change):
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        (
            "points/bl23.json",
            lambda d: d["technique"].update(hold_seconds_min="thirty"),
            r"points/bl23\.json \(BL23\): Expected `int`, got `str` \(at technique\.hold_seconds_min\)",
        ),
        (
            "points/st36.json",
            lambda d: d["citations"][1].update(claim="how_to_fnid"),
            r"points/st36\.json \(ST36\): Invalid enum value 'how_to_fnid' \(at citations\[1\]\.claim\)",
        ),
        (
            "conditions.json",
            lambda d: d[2]["indications"][0].update(strength="firm"),
            r"conditions\.json\[2\] \('sciatica'\): Object contains unknown field `strength` \(at indications\[0\]\)",
        ),
        (
            "discrepancies.json",
            lambda d: d[4].pop("severity"),
            r"discrepancies\.json\[4\] \('E5'\): Object missing required field `severity`",
        ),
        (
            "sources.json",
            lambda d: d[3].update(url="javascript:alert(1)"),
            r"sources\.json\[3\] \('article-003'\): url: Enter a valid URL",
        ),
        (
            "illustrations/hand-back.json",
            lambda d: d["placements"][0].update(x=140),
            r"illustrations/hand-back\.json: Expected `float` <= 100\.0 \(at placements\[0\]\.x\)",
        ),
        (
            "conditions.json",
            lambda d: d[0]["indications"][0].update(point="BL99"),
            r"conditions\.json\[0\] \('acute-low-back-pain'\) indications\[0\] \(BL99\): unknown point 'BL99'",
        ),
    ],
)
def test_a_malformed_fixture_is_refused_naming_its_file_and_item(fixtures_copy, name, change, message):
    """Every file is checked against its schema, on a full database too (where every record
    is already there and nothing would be inserted), and nothing is written."""
    _change_json(fixtures_copy / name, change)
    before = snapshot()
    with pytest.raises(ContentError, match=message):
        guide_load(fixtures_dir=fixtures_copy)
    assert snapshot() == before


def test_a_load_is_one_transaction_with_one_version_bump(settings):
    fresh_database()
    version = ContentVersion.current()
    with CaptureQueriesContext(connection) as queries:
        guide_load(fixtures_dir=settings.GUIDE_FIXTURES_DIR)
    sql = [q["sql"].upper() for q in queries.captured_queries]
    assert len([q for q in sql if q.startswith("SAVEPOINT")]) == 1  # its own (the test runs in one): none inside
    assert len([q for q in sql if q.startswith("UPDATE") and "CONTENTVERSION" in q]) == 1
    assert ContentVersion.current() > version


def test_a_failure_midway_leaves_nothing(settings, monkeypatch):
    fresh_database()
    version = ContentVersion.current()
    insert = loading._Writer.insert

    def failing(writer, model, new):
        if model is Discrepancy:  # after the points, conditions and citations were written
            raise IntegrityError("the database went away midway")
        insert(writer, model, new)

    monkeypatch.setattr(loading._Writer, "insert", failing)
    with pytest.raises(ContentError, match="went away midway"):
        guide_load(fixtures_dir=settings.GUIDE_FIXTURES_DIR)
    assert not [model for model in EVERY_MODEL if model.objects.exists() or model.history.exists()]
    assert ContentVersion.current() == version


def test_a_whole_load_stays_within_its_query_budget(settings, django_assert_max_num_queries):
    fresh_database()
    with django_assert_max_num_queries(LOAD_BUDGET):
        report = guide_load(fixtures_dir=settings.GUIDE_FIXTURES_DIR)
    assert report.created["placements"] == Placement.objects.count() > 0


def test_a_second_load_writes_nothing_and_keeps_the_content_version(settings):
    version = ContentVersion.current()
    with CaptureQueriesContext(connection) as queries:
        report = guide_load(fixtures_dir=settings.GUIDE_FIXTURES_DIR)
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert {"INSERT", "UPDATE", "DELETE"}.isdisjoint(statements)
    assert statements.count("SELECT") == len(EVERY_MODEL)  # a model: its content keys (and nothing is missing)
    assert report.total_created == 0
    assert ContentVersion.current() == version


def test_the_first_version_in_the_history_is_complete(settings):
    """Each record's history starts with one version, "Loaded from fixtures", holding what was
    loaded, many-to-many links and alternative points included (what a revert restores)."""
    item = json.loads((settings.GUIDE_FIXTURES_DIR / "conditions.json").read_text())[0]
    indication = item["indications"][0]
    record = Indication.history.get(content_key=f"{item['slug']}:{indication['point']}")
    assert (record.history_type, record.history_change_reason) == ("+", REASON)
    linked = {link.source.content_key for link in record.sources.all()}
    assert linked == set(indication["sources"])
    point = _fixture_point("bl54.json")
    [first] = Point.history.filter(content_key="BL54")
    assert first.history_change_reason == REASON
    assert first.reach_alternative_id == Point.objects.get(code=point["reach_alternative"]).pk


def test_an_existing_database_gets_the_keys_it_was_loaded_with(settings):
    """The migration: a database from before content keys, where an editor had renamed a slug
    and a reviewer deleted a discrepancy, gets each record's key from its first version."""
    keys = {model: set(model.objects.values_list("content_key", flat=True)) for model in EVERY_MODEL}
    condition = Condition.objects.get(slug="chronic-low-back-pain")
    condition.slug = "long-lasting-back-pain"
    condition.save()
    Discrepancy.objects.get(ref="E13").delete()
    for model in EVERY_MODEL:
        model.objects.update(content_key=None)
        model.history.update(content_key=None)

    importlib.import_module("points.migrations.0013_loader").fill_content_keys(apps, None)

    keys[Discrepancy].remove("E13")
    assert {model: set(model.objects.values_list("content_key", flat=True)) for model in EVERY_MODEL} == keys
    assert Condition.objects.get(slug="long-lasting-back-pain").content_key == "chronic-low-back-pain"
    counts = {model: model.objects.count() for model in EVERY_MODEL}
    report = guide_load(fixtures_dir=settings.GUIDE_FIXTURES_DIR)
    assert report.total_created == 0
    assert report.deleted == {"discrepancies": 1}
    assert {model: model.objects.count() for model in EVERY_MODEL} == counts
