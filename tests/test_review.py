"""Review, publish, drafts, history and revert (issue 4, items 4-6)."""

import datetime

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from points.models import Citation, Point
from points.publishing import PublishError, point_publish
from points.roles import EDITORS, REVIEWERS, roles_sync

from .test_locking import form_data

pytestmark = pytest.mark.django_db


def login(group, name):
    roles_sync()
    user = User.objects.filter(username=name).first() or User.objects.create_user(
        name, password="pw-for-tests-only", is_staff=True, first_name=name.title()
    )
    user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    return client, user


def test_draft_is_shown_to_staff_with_a_banner_and_hidden_from_the_public(client):
    Point.objects.filter(code="LR4").update(status="draft")
    assert client.get("/points/lr4/").status_code == 404
    editor, _ = login(EDITORS, "edna")
    html = editor.get("/points/lr4/").content.decode()
    assert "Draft:" in html and "only editors can see this page" in html
    assert 'data-code="lr4"' in html  # the preview shows where the draft point is on its figure
    assert 'data-code="lr4"' not in client.get("/regions/foot/").content.decode()  # not on the public map


def test_published_page_shows_last_reviewed(client):
    point = Point.objects.get(code="BL23")
    assert f"Last reviewed {point.last_reviewed:%-d %B %Y}" in client.get("/points/bl23/").content.decode()


def test_publish_needs_a_cited_location_and_a_cited_pregnancy_caution():
    _, reviewer = login(REVIEWERS, "rita")
    point = Point.objects.get(code="SP6")
    Point.objects.filter(pk=point.pk).update(status="draft", last_reviewed=None)
    point.refresh_from_db()
    Citation.objects.filter(point=point, claim="pregnancy").delete()
    with pytest.raises(PublishError, match="pregnancy caution without a citation"):
        point_publish(point=point, reviewer=reviewer)
    Citation.objects.filter(point=point, claim="location").delete()
    with pytest.raises(PublishError, match="no citation for its location"):
        point_publish(point=point, reviewer=reviewer)
    assert Point.objects.get(pk=point.pk).status == "draft"


def test_reviewer_publishes_from_the_changelist_and_the_review_date_is_stamped():
    reviewer_client, _ = login(REVIEWERS, "rita")
    point = Point.objects.get(code="BL40")
    Point.objects.filter(pk=point.pk).update(status="draft", last_reviewed=None)
    response = reviewer_client.post(
        "/admin/points/point/", {"action": "publish_selected", "_selected_action": [point.pk]}, follow=True
    )
    assert "BL40 published" in response.content.decode()
    point.refresh_from_db()
    assert point.status == "published" and point.last_reviewed == datetime.date.today()
    assert point.history.first().history_user.username == "rita"


def test_editor_has_no_publish_action():
    editor_client, _ = login(EDITORS, "edna")
    html = editor_client.get("/admin/points/point/").content.decode()
    assert "publish_selected" not in html


def approve(name, revision=None):
    from points.models import Revision

    client, _ = login(REVIEWERS, name)
    revision = revision or Revision.objects.latest("pk")
    assert client.post(f"/admin/points/revision/{revision.pk}/change/", {"_approve": "1"}).status_code == 302
    return revision


def test_reviewer_reverts_a_change_and_an_editor_cannot():
    point = Point.objects.get(code="BL40")
    original = point.location
    editor_client, _ = login(EDITORS, "edna")
    url = f"/admin/points/point/{point.pk}/change/"
    data = form_data(editor_client, url)
    data.update(location="Wrongly moved to the calf.", change_reason="Test move")
    assert editor_client.post(url, data).status_code == 302
    approve("rob")  # a second person let it through by mistake
    before_edit = Point.objects.get(pk=point.pk).history.all()[1]  # the version before the move
    assert before_edit.location == original

    revert_url = f"/admin/points/point/{point.pk}/history/{before_edit.history_id}/"
    revert_form = editor_client.get(revert_url).context["adminform"].form
    revert_data = {k: getattr(v, "pk", v) for k, v in revert_form.initial.items() if v is not None}
    assert editor_client.post(revert_url, revert_data).status_code == 403

    reviewer_client, _ = login(REVIEWERS, "rita")
    revert_form = reviewer_client.get(revert_url).context["adminform"].form
    revert_data = {k: getattr(v, "pk", v) for k, v in revert_form.initial.items() if v is not None}
    response = reviewer_client.post(revert_url, revert_data)
    assert response.status_code == 302
    assert Point.objects.get(pk=point.pk).location != original  # the revert waits for a second person too
    approve("rob")
    reverted = Point.objects.get(pk=point.pk)
    assert reverted.location == original
    latest = reverted.history.first()
    assert latest.history_user.username == "rita" and "Reverted" in latest.history_change_reason
    assert reverted.version == point.version + 2  # edit, then revert


def test_location_citation_filter(admin_client):
    Citation.objects.filter(point__code="TE5", claim="location").delete()
    html = admin_client.get("/admin/points/point/", {"location_cited": "no"}).content.decode()
    assert ">TE5<" in html and ">BL23<" not in html


def test_moved_marker_history_shows_from_where_to_where_and_why_and_revert_brings_it_back(client):
    from points.models import Placement
    from points.services import point_relocate

    _, editor = login(EDITORS, "edna")
    placement = Placement.objects.get(point__code="BL40", illustration__slug="leg-back")
    old_x, old_y = placement.x, placement.y
    point_relocate(placement=placement, x=50, y=60, editor=editor, reason="Testing a move")
    approve("rob")
    record = placement.history.first()
    delta = record.diff_against(record.prev_record)
    moves = {c.field: (c.old, c.new) for c in delta.changes}
    assert moves["y"][0] == old_y and float(moves["y"][1]) == 60
    assert record.history_user == editor and record.history_change_reason == "Approved by Rob: Testing a move"

    reviewer_client, _ = login(REVIEWERS, "rita")
    history = reviewer_client.get(f"/admin/points/placement/{placement.pk}/history/").content.decode()
    assert "Testing a move" in history and "edna" in history
    revert_url = f"/admin/points/placement/{placement.pk}/history/{record.prev_record.history_id}/"
    form = reviewer_client.get(revert_url).context["adminform"].form
    data = {k: getattr(v, "pk", v) for k, v in form.initial.items() if v is not None}
    data["reason"] = "Back to the knee crease"
    assert reviewer_client.post(revert_url, data).status_code == 302
    approve("rob")
    placement.refresh_from_db()
    assert (placement.x, placement.y) == (old_x, old_y)
    assert 'data-code="bl40"' in client.get("/regions/leg/").content.decode()
