"""Four eyes (issue 12, items 1, 5 and 9): a change to published content waits for a
second person; the public keeps seeing the approved version until then."""

import datetime

import pytest
from django.test import Client

from points.models import Citation, Discrepancy, Placement, Point, Revision, Source
from points.roles import EDITORS, REVIEWERS

from .test_locking import form_data
from .test_review import login

pytestmark = pytest.mark.django_db


def change_url(obj):
    return f"/admin/points/{obj._meta.model_name}/{obj.pk}/change/"


def propose(client, obj, reason="Clearer words", **changes):
    url = change_url(obj)
    data = form_data(client, url)
    data.update(changes, change_reason=reason)
    return client.post(url, data)


def review_url(revision):
    return f"/admin/points/revision/{revision.pk}/change/"


def test_an_editors_change_waits_and_the_public_sees_it_only_after_approval(django_capture_on_commit_callbacks):
    point = Point.objects.get(code="BL23")
    public = Client()
    before = public.get("/points/bl23/").content.decode()
    editor_client, editor = login(EDITORS, "edna")
    response = propose(editor_client, point, summary="A new plain summary of BL23 for the test.")
    revision = Revision.objects.get()
    assert response.status_code == 302 and response["Location"] == review_url(revision)
    assert revision.status == "pending" and revision.editor == editor and revision.reason == "Clearer words"
    point.refresh_from_db()
    assert "A new plain summary" not in point.summary and point.version == 1
    assert public.get("/points/bl23/").content.decode() == before  # cached or not: the approved page
    assert "A new plain summary" not in public.get("/points/bl23/", {"fresh": "1"}).content.decode()

    reviewer_client, _ = login(REVIEWERS, "rita")
    index = reviewer_client.get("/admin/").content.decode()
    assert "1 proposed change</strong> waiting for review" in index
    page = reviewer_client.get(review_url(revision)).content.decode()
    assert "Summary" in page and "<ins>" in page and "Clearer words" in page and "edna" in page
    assert "Citations of this point now" in page and "Location" in page
    with django_capture_on_commit_callbacks(execute=True):  # the commit clears the cached version number
        response = reviewer_client.post(review_url(revision), {"note": "Reads well", "_approve": "1"})
    assert response.status_code == 302
    point.refresh_from_db()
    assert point.summary == "A new plain summary of BL23 for the test."
    assert point.last_reviewed == datetime.date.today() and point.reviewed_by == "Rita"
    html = public.get("/points/bl23/").content.decode()
    assert "A new plain summary of BL23" in html
    assert f"Reviewed by Rita on {datetime.date.today():%-d %B %Y}" in html
    record = point.history.first()
    assert record.history_user == editor and record.history_change_reason.startswith("Approved by Rita")
    revision.refresh_from_db()
    assert (revision.status, revision.reviewer.username, revision.review_note) == ("approved", "rita", "Reads well")
    assert "proposed change</strong> waiting" not in reviewer_client.get("/admin/").content.decode()


def test_nobody_approves_their_own_change_unless_the_site_turns_the_rule_off(settings):
    point = Point.objects.get(code="LI4")
    rita_client, _ = login(REVIEWERS, "rita")
    propose(rita_client, point, notes=point.notes + " Checked by Rita.")
    revision = Revision.objects.get()
    page = rita_client.get(review_url(revision)).content.decode()
    assert "another reviewer approves or rejects it" in page and "_approve" not in page
    response = rita_client.post(review_url(revision), {"_approve": "1"}, follow=True)
    assert "a second reviewer must approve it" in response.content.decode()
    assert "Checked by Rita" not in Point.objects.get(pk=point.pk).notes

    rob_client, _ = login(REVIEWERS, "rob")
    rob_client.post(review_url(revision), {"_approve": "1"})
    assert "Checked by Rita" in Point.objects.get(pk=point.pk).notes

    settings.ACUGUIDE_SECOND_REVIEWER = False  # a one-person site: a reviewer's change goes live
    response = propose(rita_client, Point.objects.get(pk=point.pk), notes="Rita alone.")
    assert response.status_code == 302 and Revision.objects.count() == 1
    assert Point.objects.get(pk=point.pk).notes == "Rita alone."


def test_an_editor_cannot_approve_or_reject():
    editor_client, _ = login(EDITORS, "edna")
    propose(editor_client, Point.objects.get(code="GB30"), cautions="Changed.")
    revision = Revision.objects.get()
    assert editor_client.get(review_url(revision)).status_code == 200  # sees their proposal
    assert editor_client.post(review_url(revision), {"_approve": "1"}).status_code == 403
    assert Revision.objects.get().status == "pending"


def test_approval_is_refused_when_the_live_record_changed_since_and_nothing_is_lost():
    point = Point.objects.get(code="ST36")
    anna_client, _ = login(EDITORS, "anna")
    ben_client, _ = login(EDITORS, "ben")
    propose(anna_client, point, summary="Anna's summary.")
    propose(ben_client, point, summary="Ben's summary.", reason="Ben's words")
    first, second = Revision.objects.order_by("pk")
    rita_client, _ = login(REVIEWERS, "rita")
    rita_client.post(review_url(first), {"_approve": "1"})
    response = rita_client.post(review_url(second), {"_approve": "1"}, follow=True)
    html = response.content.decode()
    assert "Not approved: the live record changed after this change was proposed" in html
    assert "anna saved this record" in html and "summary" in html
    point.refresh_from_db()
    second.refresh_from_db()
    assert point.summary == "Anna's summary." and second.status == "pending"
    assert second.changes[0]["fields"]["summary"] == "Ben's summary."  # kept for the editor
    response = rita_client.post(review_url(second), {"_reject": "1", "note": ""}, follow=True)
    assert "Say why you reject it" in response.content.decode()
    rita_client.post(review_url(second), {"_reject": "1", "note": "Merge with Anna's first"})
    second.refresh_from_db()
    assert second.status == "rejected" and second.review_note == "Merge with Anna's first"


def test_inline_rows_of_a_published_point_are_proposed_too_and_the_last_location_citation_stays():
    point = Point.objects.get(code="BL40")
    editor_client, _ = login(EDITORS, "edna")
    url = change_url(point)
    data = form_data(editor_client, url)
    prefix = "citations"
    rows = [i for i in range(int(data[f"{prefix}-TOTAL_FORMS"])) if data.get(f"{prefix}-{i}-claim") == "location"]
    for i in rows:
        data[f"{prefix}-{i}-DELETE"] = "on"
    data["change_reason"] = "Remove the location citations"
    response = editor_client.post(url, data)
    assert response.status_code == 200  # the form again
    assert "A published point needs these citations" in response.content.decode()
    assert Revision.objects.count() == 0

    data = form_data(editor_client, url)
    alias_rows = int(data["aliases-TOTAL_FORMS"])
    data["aliases-0-DELETE"] = "on"
    data["change_reason"] = "That alias is wrong"
    alias_pk = data["aliases-0-id"]
    assert alias_rows and editor_client.post(url, data).status_code == 302
    revision = Revision.objects.get()
    assert [op["op"] for op in revision.changes] == ["delete"]
    assert point.aliases.filter(pk=alias_pk).exists()  # still live
    rita_client, _ = login(REVIEWERS, "rita")
    rita_client.post(review_url(revision), {"_approve": "1"})
    assert not point.aliases.filter(pk=alias_pk).exists()


def test_publishing_needs_citations_on_every_path_and_the_add_form_makes_drafts():
    rita_client, _ = login(REVIEWERS, "rita")
    add_form = rita_client.get("/admin/points/point/add/").context["adminform"].form
    assert "status" not in add_form.fields and "last_reviewed" not in add_form.fields
    # "last reviewed" cannot be typed in: it is set by publishing or approval only
    point = Point.objects.get(code="ST36")
    editor_client, _ = login(EDITORS, "edna")
    propose(editor_client, point, notes=point.notes + " x", last_reviewed="2030-01-01")
    rob_client, _ = login(REVIEWERS, "rob")
    rob_client.post(review_url(Revision.objects.get()), {"_approve": "1"})
    point.refresh_from_db()
    assert point.last_reviewed == datetime.date.today()


def test_a_reviewer_does_not_publish_their_own_draft():
    Point.objects.filter(code="TE5").update(status="draft")
    point = Point.objects.get(code="TE5")
    rita_client, _ = login(REVIEWERS, "rita")
    assert propose(rita_client, point, notes="Rita's draft note.").status_code == 302  # a draft: saved
    assert Point.objects.get(pk=point.pk).notes == "Rita's draft note." and not Revision.objects.exists()
    response = rita_client.post(
        "/admin/points/point/", {"action": "publish_selected", "_selected_action": [point.pk]}, follow=True
    )
    assert "another reviewer must publish it" in response.content.decode()
    assert Point.objects.get(pk=point.pk).status == "draft"
    rob_client, _ = login(REVIEWERS, "rob")
    rob_client.post("/admin/points/point/", {"action": "publish_selected", "_selected_action": [point.pk]})
    point.refresh_from_db()
    assert point.status == "published" and point.reviewed_by == "Rob"


def test_an_editor_changes_a_draft_directly():
    Point.objects.filter(code="TE5").update(status="draft")
    editor_client, _ = login(EDITORS, "edna")
    assert propose(editor_client, Point.objects.get(code="TE5"), notes="Draft note.").status_code == 302
    assert Point.objects.get(code="TE5").notes == "Draft note." and not Revision.objects.exists()


@pytest.mark.parametrize(
    ("model", "lookup", "field", "value"),
    [
        (Source, {"key": "who-2008"}, "summary", "A changed summary of the standard."),
        (Placement, {"point__code": "BL40", "illustration__slug": "leg-back"}, "side", "left"),
    ],
)
def test_other_public_records_are_proposed_and_approved(model, lookup, field, value):
    obj = model.objects.get(**lookup)
    editor_client, _ = login(EDITORS, "edna")
    url = change_url(obj)
    data = form_data(editor_client, url)
    data[field] = value
    data.setdefault("change_reason", "Editing")
    data["change_reason"] = "Editing"
    assert editor_client.post(url, data).status_code == 302
    obj.refresh_from_db()
    assert getattr(obj, field) != value
    rita_client, _ = login(REVIEWERS, "rita")
    rita_client.post(review_url(Revision.objects.get()), {"_approve": "1"})
    obj.refresh_from_db()
    assert getattr(obj, field) == value and obj.version == 2


def test_deleting_a_discrepancy_is_proposed_and_a_revert_is_proposed_too():
    discrepancy = Discrepancy.objects.filter(point__isnull=True, condition__isnull=True).first() or (
        Discrepancy.objects.first()
    )
    rita_client, _ = login(REVIEWERS, "rita")
    response = rita_client.post(f"/admin/points/discrepancy/{discrepancy.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and Discrepancy.objects.filter(pk=discrepancy.pk).exists()
    rob_client, _ = login(REVIEWERS, "rob")
    rob_client.post(review_url(Revision.objects.get()), {"_approve": "1"})
    assert not Discrepancy.objects.filter(pk=discrepancy.pk).exists()

    point = Point.objects.get(code="GB30")
    original = point.cautions
    propose(rita_client, point, cautions="A wrong caution.")
    rob_client.post(review_url(Revision.objects.latest("pk")), {"_approve": "1"})
    point.refresh_from_db()
    assert point.cautions == "A wrong caution."
    earlier = point.history.filter(cautions=original).first()
    revert_url = f"/admin/points/point/{point.pk}/history/{earlier.history_id}/"
    form = rita_client.get(revert_url).context["adminform"].form
    data = {k: getattr(v, "pk", v) for k, v in form.initial.items() if v is not None}
    assert rita_client.post(revert_url, data).status_code == 302
    revision = Revision.objects.latest("pk")
    assert revision.status == "pending" and "Reverted" in revision.reason
    rob_client.post(review_url(revision), {"_approve": "1"})
    point.refresh_from_db()
    assert point.cautions == original


def test_citation_changes_show_in_the_diff_escaped():
    point = Point.objects.get(code="LI4")
    editor_client, _ = login(EDITORS, "edna")
    url = change_url(point)
    data = form_data(editor_client, url)
    i = int(data["citations-TOTAL_FORMS"])
    source = Source.objects.get(key="who-2008")
    data.update(
        {
            "citations-TOTAL_FORMS": str(i + 1),
            f"citations-{i}-claim": "technique",
            f"citations-{i}-source": source.pk,
            f"citations-{i}-locator": "p. 1 <script>alert(1)</script>",
            "change_reason": "Cite the technique",
        }
    )
    assert editor_client.post(url, data).status_code == 302
    assert not Citation.objects.filter(locator__startswith="p. 1 <script>").exists()
    rita_client, _ = login(REVIEWERS, "rita")
    page = rita_client.get(review_url(Revision.objects.get())).content.decode()
    assert "Add citation" in page and "&lt;script&gt;alert(1)" in page and "<script>alert(1)" not in page


def test_a_reader_report_becomes_a_proposed_revision_and_a_second_reviewer_approves_it():
    from decimal import Decimal

    from points.reports import report_create, report_edit_url, report_to_revision

    placement = Placement.objects.get(point__code="BL40", illustration__slug="leg-back")
    report = report_create(
        point=placement.point, kind="location", details="It is lower <b>here</b>", placement=placement,
        x=Decimal("41.50"), y=Decimal("63.20"), address="203.0.113.9",
    )  # fmt: skip
    _, rita = login(REVIEWERS, "rita")
    revision = report_to_revision(report=report, reviewer=rita)
    report.refresh_from_db()
    assert revision.report == report and report.status == "revised" and revision.status == "pending"
    placement.refresh_from_db()
    assert placement.y != Decimal("63.20")  # readers still see the approved spot
    rob_client, _ = login(REVIEWERS, "rob")
    page = rob_client.get(review_url(revision)).content.decode()
    assert "Reader report" in page and "&lt;b&gt;here&lt;/b&gt;" in page
    rob_client.post(review_url(revision), {"_approve": "1"})
    placement.refresh_from_db()
    assert (placement.x, placement.y) == (Decimal("41.50"), Decimal("63.20"))

    # any other report: the point's form, with the report as the reason, linked when saved
    wording = report_create(point=placement.point, kind="wording", details="Typo in the summary", address="203.0.113.9")
    rita_client, _ = login(REVIEWERS, "rita")
    url = report_edit_url(wording)
    form = rita_client.get(url).context["adminform"].form
    assert form.fields["change_reason"].initial.startswith(f"Reader report {wording.pk} (the wording): Typo")
    data = form_data(rita_client, url)
    data["summary"] = "A corrected summary."
    assert rita_client.post(url, data).status_code == 302
    wording.refresh_from_db()
    latest = Revision.objects.latest("pk")
    assert latest.report == wording and wording.status == "revised" and latest.reason.startswith("Reader report")


def test_a_browsers_cr_lf_line_breaks_are_not_a_change():
    point = Point.objects.get(code="GB30")
    assert "\n" in point.how_to_find
    editor_client, _ = login(EDITORS, "edna")
    url = change_url(point)
    data = form_data(editor_client, url)
    data = {k: v.replace("\n", "\r\n") if isinstance(v, str) else v for k, v in data.items()}  # as a browser sends
    data.update(where="A plainer where line.", change_reason="Plainer")
    assert editor_client.post(url, data).status_code == 302
    (op,) = Revision.objects.get().changes
    assert op["fields"] == {"where": "A plainer where line."}


def test_the_admin_index_counts_new_reader_reports():
    from points.reports import report_create

    reviewer_client, _ = login(REVIEWERS, "rita")
    assert "new reader report" not in reviewer_client.get("/admin/").content.decode()
    report_create(point=Point.objects.get(code="BL23"), kind="wording", details="Typo", address="198.51.100.7")
    assert "1 new reader report</strong>" in reviewer_client.get("/admin/").content.decode()


def test_a_public_page_never_shows_a_reviewers_sign_in_name():
    editor_client, _ = login(EDITORS, "edna")
    propose(editor_client, Point.objects.get(code="BL23"), notes="Checked.")
    reviewer_client, reviewer = login(REVIEWERS, "reviewer-login-7")
    reviewer.first_name = ""
    reviewer.save()
    reviewer_client.post(review_url(Revision.objects.get()), {"_approve": "1"})
    point = Point.objects.get(code="BL23")
    assert point.reviewed_by == "an AcuGuide reviewer" and "reviewer-login-7" not in point.reviewed_by


def test_a_source_still_cited_cannot_be_deleted_and_approving_such_a_deletion_is_refused():
    source = Source.objects.get(key="who-2008")
    rita_client, rita = login(REVIEWERS, "rita")
    rita.is_superuser = True  # the only role that may delete a source
    rita.save()
    response = rita_client.post(f"/admin/points/source/{source.pk}/delete/", {"post": "yes"})
    assert response.status_code == 200 and not Revision.objects.exists()  # Django's "protected" page
    from points.review import ContentError, revision_approve, revision_propose

    _, rob = login(REVIEWERS, "rob")
    op = {"op": "delete", "model": "source", "pk": source.pk, "version": source.version, "fields": {}}
    revision = revision_propose(changes=[op], editor=rita, reason="Remove it")
    with pytest.raises(ContentError, match="cannot be deleted: citations"):
        revision_approve(revision=revision, reviewer=rob)
    assert Source.objects.filter(pk=source.pk).exists() and Revision.objects.get().status == "pending"


def test_a_reviewer_does_not_publish_a_draft_whose_rows_they_wrote():
    Point.objects.filter(code="TE5").update(status="draft")
    point = Point.objects.get(code="TE5")
    rita_client, _ = login(REVIEWERS, "rita")
    url = change_url(point)
    data = form_data(rita_client, url)
    data.update({"aliases-0-note": "Rita's alias note.", "change_reason": "Alias note"})
    assert rita_client.post(url, data).status_code == 302
    response = rita_client.post(
        "/admin/points/point/", {"action": "publish_selected", "_selected_action": [point.pk]}, follow=True
    )
    assert "another reviewer must publish it" in response.content.decode()
    assert Point.objects.get(pk=point.pk).status == "draft"


def test_the_queue_names_the_record_as_it_is_live():
    placement = Placement.objects.get(point__code="BL40", illustration__slug="leg-back")
    editor_client, _ = login(EDITORS, "edna")
    url = change_url(placement)
    data = form_data(editor_client, url)
    data.update(side="left", reason="Other side")
    assert editor_client.post(url, data).status_code == 302
    source = Source.objects.get(key="who-2008")
    propose(editor_client, source, title="A NEW TITLE")
    titles = list(Revision.objects.order_by("pk").values_list("title", flat=True))
    assert titles == [str(placement), str(source)] and "A NEW TITLE" not in titles[1]
