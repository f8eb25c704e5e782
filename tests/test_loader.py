"""Loading content is idempotent and never overwrites an editor's work (issue 2, item 5)."""

import json

import pytest
from django.core.management import CommandError, call_command

from points.loading import ContentError, guide_load
from points.models import Alias, Citation, Condition, Discrepancy, Indication, Point, ReachMethod, RedFlag, Source

pytestmark = pytest.mark.django_db

# in an order that deletes cleanly (discrepancies protect the points they correct)
MODELS = [Discrepancy, Citation, Indication, Alias, ReachMethod, Point, Condition, RedFlag, Source]


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


def test_loads_everything_into_an_empty_database(settings):
    for model in MODELS:
        model.objects.all().delete()
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


def test_missing_records_are_inserted(settings):
    Discrepancy.objects.filter(point__code="KI1").delete()
    Point.objects.filter(code="KI1").delete()
    Discrepancy.objects.filter(ref="E13").delete()
    report = guide_load(fixtures_dir=settings.GUIDE_FIXTURES_DIR)
    assert report.created["points"] == 1
    assert Point.objects.get(code="KI1").citations.exists()
    assert Discrepancy.objects.filter(ref="E13").exists()


def test_malformed_fixture_loads_nothing(fixtures_copy):
    for model in MODELS:
        model.objects.all().delete()
    path = fixtures_copy / "points" / "bl23.json"
    data = json.loads(path.read_text())
    data["pressure_typo"] = "firm"
    path.write_text(json.dumps(data))
    with pytest.raises(ContentError, match=r"bl23\.json.*unknown keys"):
        guide_load(fixtures_dir=fixtures_copy)
    assert Point.objects.count() == 0  # all or nothing


def test_unknown_source_key_is_reported(fixtures_copy):
    Discrepancy.objects.filter(point__code="LI4").delete()
    Point.objects.filter(code="LI4").delete()
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
    Discrepancy.objects.all().delete()
    Condition.objects.all().delete()
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("load_guide", fixtures=str(fixtures_copy))


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
    with pytest.raises(ContentError, match=r"li4\.json: a published point to press needs 'where'"):
        guide_load(fixtures_dir=fixtures_copy)
    _edit_point_file(fixtures_copy, "li4.json", where="   ")
    with pytest.raises(ContentError, match=r"li4\.json: a published point to press needs 'where'"):
        guide_load(fixtures_dir=fixtures_copy)


def test_a_reference_only_point_may_leave_out_where(fixtures_copy):
    Discrepancy.objects.filter(point__code="GV1").delete()
    Point.objects.filter(code="GV1").delete()
    _edit_point_file(fixtures_copy, "gv1.json", where=None)
    guide_load(fixtures_dir=fixtures_copy)
    assert Point.objects.get(code="GV1").where == ""


@pytest.mark.parametrize(("key", "limit"), [("where", 160), ("key_caution", 200)])
def test_a_plain_line_too_long_is_refused_with_its_file_and_field(fixtures_copy, key, limit):
    for model in MODELS:
        model.objects.all().delete()
    _edit_point_file(fixtures_copy, "bl23.json", **{key: "x" * (limit + 1)})
    with pytest.raises(ContentError, match=rf"bl23\.json: '{key}' is {limit + 1} characters long; at most {limit}"):
        guide_load(fixtures_dir=fixtures_copy)
    assert Point.objects.count() == 0  # all or nothing
