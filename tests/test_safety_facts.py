"""Each safety fact is stored once (issue 10): the records, the rules that keep them
honest, and the captions that said something the figures do not show."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from points.loading import ContentError, guide_load
from points.models import Condition, Indication, Point, RedFlag, Source

from .restated import _fixture_problems


def test_the_shipped_content_restates_no_safety_fact(settings):
    assert list(_fixture_problems(settings.GUIDE_FIXTURES_DIR)) == []


def test_red_flags_are_complete_and_each_cited_to_an_nhs_or_nice_page(guide):
    flags = {f.key: f for f in RedFlag.objects.for_display()}
    emergency = {"saddle-numbness", "bladder", "bowel", "sexual", "both-legs"}
    soon = {
        "fever", "weight-loss", "cancer", "immune-steroids", "age", "night-rest", "injury", "chest-pain",
        "swelling", "severe",
    }  # fmt: skip
    assert {k for k, f in flags.items() if f.group == "emergency"} == emergency
    assert {k for k, f in flags.items() if f.group == "soon"} == soon
    for flag in flags.values():
        source = flag.source
        assert source.url.startswith("https://") and flag.locator, flag.key
        assert "NHS" in source.publisher or "NICE" in source.publisher, f"{flag.key}: {source.publisher}"


def test_condition_warnings_name_only_what_the_general_list_does_not(guide):
    general = ("weight loss", "bladder", "bowel", "cancer", "getting worse", "both legs", "genitals")
    for condition in Condition.objects.exclude(red_flags=""):
        text = condition.red_flags.lower()
        assert not [w for w in general if w in text], condition.slug


def test_every_point_has_a_way_to_reach_it_and_an_alternative_when_it_cannot_be_reached_alone(guide):
    for point in Point.objects.prefetch_related("reach_methods"):
        kinds = {w.kind for w in point.reach_methods.all()}
        assert kinds, point.code
        if "self" not in kinds and not point.reference_only:
            assert point.reach_alternative is not None, f"{point.code}: no way to press it alone, no alternative"
    buttock = Point.objects.get(code="GB30").reach_methods.values_list("kind", flat=True)
    assert "tool" in buttock


def test_a_point_named_instead_of_one_to_avoid_in_pregnancy_has_no_caution(guide):
    avoid = Point.objects.filter(pregnancy_caution="avoid", reference_only=False)
    assert avoid.filter(pregnancy_alternative__isnull=False).count() >= avoid.count() - 1  # SP6: none fits
    for point in avoid.exclude(pregnancy_alternative=None):
        assert point.pregnancy_alternative.pregnancy_caution == "none", point.code


def test_the_reported_contradictions_are_gone(guide):
    """BL40, CV6, BL53, LR3, GV1 and CV4 as the issue found them."""
    assert Point.objects.get(code="BL40").pressure == "gentle"
    assert not Indication.objects.filter(point__code="BL40").exclude(pressure="").exists()
    assert Point.objects.get(code="GV1").reference_only and Point.objects.get(code="CV4").reference_only
    assert not Indication.objects.filter(point__reference_only=True).exists()
    for code in ("BL53", "LR3", "CV6"):
        point = Point.objects.get(code=code)
        assert not _contradicts(point), f"{code}: {point.pregnancy_caution} but the note says otherwise"


def _contradicts(point):
    from .restated import CONTRADICTS

    return CONTRADICTS[point.pregnancy_caution].search(point.pregnancy_note)


def test_a_reference_only_point_cannot_be_made_a_point_to_try(guide):
    indication = Indication(point=Point.objects.get(code="GV1"), condition=Condition.objects.first(), role="local")
    with pytest.raises(ValidationError, match="only to correct a source"):
        indication.full_clean()


def test_a_pressure_for_a_condition_or_a_study_label_needs_its_source(guide):
    indication = Indication.objects.filter(pressure="", evidence="traditional").first()
    for change in ({"pressure": "firm"}, {"evidence": "trial"}, {"evidence": "review", "evidence_summary": "x"}):
        with transaction.atomic(), pytest.raises(IntegrityError):
            Indication.objects.filter(pk=indication.pk).update(**change)


def test_the_loader_refuses_an_uncited_study_label(fixtures_copy, db):
    path = fixtures_copy / "conditions.json"
    conditions = json.loads(path.read_text())
    conditions[0]["slug"] = "a-new-condition"  # the loader only inserts what is missing
    conditions[0]["indications"][0]["evidence"] = {"kind": "trial", "summary": "It worked."}
    path.write_text(json.dumps(conditions))
    with pytest.raises(ContentError, match="indication_evidence_cited"):
        guide_load(fixtures_dir=fixtures_copy)


def test_evidence_labels_are_traditional_unless_a_stored_study_says_otherwise(guide):
    labelled = Indication.objects.exclude(evidence="traditional").select_related("evidence_source", "point")
    for use in labelled:
        assert use.evidence_source.url and use.evidence_summary and use.evidence_locator, use
        assert use.point.code in use.evidence_source.title or use.point.code in use.evidence_summary, use
    assert Indication.objects.filter(evidence="traditional").count() > labelled.count()


def test_the_sources_page_explains_the_evidence_labels(client, guide):
    html = client.get("/sources/").content.decode()
    section = html[html.index('id="evidence-labels"') :]
    for label in Indication.Evidence.labels:
        assert label in section


def test_figure_captions_say_what_the_figures_show(client, guide):
    leg = client.get("/points/sp6/").content.decode()
    assert "From the knee crease to the inner ankle tip is 13 cun" not in leg
    assert "medial condyle of the tibia" in leg
    hand = client.get("/regions/hand/").content.decode()
    (figure,) = [f for f in hand.split("<figure")[1:] if "Back of the right hand" in f]
    assert figure.count('data-code="ex-ue7"') == 2
    assert "both are marked" in figure and "the marker shows the one" not in figure


def test_the_footer_claims_only_what_is_true(client, guide):
    html = client.get("/").content.decode()
    assert "Every statement is cited" not in html
    assert "our own wording" in html


def test_sources_used_for_red_flags_exist_once(guide):
    keys = list(Source.objects.values_list("key", flat=True))
    assert len(keys) == len(set(keys))


def test_a_condition_that_needs_its_own_pressure_shows_it_cited_on_its_page_and_sheet(client, guide):
    use = Indication.objects.get(condition__slug="chronic-low-back-pain", point__code="BL60")
    assert use.point.pressure == "moderate"
    Indication.objects.filter(pk=use.pk).update(
        pressure="gentle", pressure_source=Source.objects.get(key="article-000")
    )
    for url in ("/conditions/chronic-low-back-pain/", "/conditions/chronic-low-back-pain/sheet/"):
        html = client.get(url).content.decode()
        fact = html[html.index('data-fact="pressure" data-point="BL60"') :].split("</span></span>")[0]
        assert 'data-value="gentle"' in fact and "for this kind of pain" in fact and "<sup>" in fact, url
        assert "usual: moderate" in fact, url
    assert 'data-point="BL60" data-value="moderate">Moderate pressure' in client.get("/points/bl60/").content.decode()


def test_one_edit_to_a_red_flag_changes_every_page_that_shows_it(client, guide, django_capture_on_commit_callbacks):
    pages = ["/safety/", "/conditions/sciatica/", "/conditions/sciatica/sheet/", "/points/bl23/sheet/"]
    for url in pages:
        assert "Chest pain as well as back pain" in client.get(url).content.decode()  # now cached
    flag = RedFlag.objects.get(key="chest-pain")
    flag.text = "Chest pain, or pain between the shoulder blades, as well as back pain"
    with django_capture_on_commit_callbacks(execute=True):
        flag.save()
    for url in pages:
        html = client.get(url).content.decode()
        assert flag.text in html and "Chest pain as well as back pain" not in html, url
