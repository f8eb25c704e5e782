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
