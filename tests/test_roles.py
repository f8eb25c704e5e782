"""Editors and Reviewers: what each may do in the admin (issue 4, item 1)."""

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command

from points.models import Point, Source
from points.roles import EDITORS, REVIEWERS, roles_sync

pytestmark = pytest.mark.django_db


def member(group_name, username):
    roles_sync()
    user = User.objects.create_user(username, password="pw-for-tests-only", is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


def test_roles_command_is_idempotent(capsys):
    call_command("setup_roles")
    first = {g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()}
    call_command("setup_roles")
    second = {g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()}
    assert first == second and set(first) == {EDITORS, REVIEWERS}
    assert "up to date" in capsys.readouterr().out


def test_editor_can_edit_but_not_publish_delete_sources_or_manage_users(client):
    editor = member(EDITORS, "edna")
    assert editor.has_perm("points.change_point") and editor.has_perm("points.add_citation")
    assert not editor.has_perm("points.publish_point")
    assert not editor.has_perm("points.delete_source") and not editor.has_perm("points.delete_point")
    assert not editor.has_perm("auth.change_user")
    client.force_login(editor)
    source = Source.objects.get(key="article-001")
    assert client.get(f"/admin/points/source/{source.pk}/delete/").status_code == 403
    assert client.get("/admin/auth/user/").status_code == 403
    point = Point.objects.get(code="BL40")
    form = client.get(f"/admin/points/point/{point.pk}/change/").content.decode()
    assert 'name="status"' not in form  # shown read-only


def test_status_field_exists_only_for_reviewers(rf):
    """The admin form an editor gets has no status field, so no POST can publish."""
    from django.contrib.admin.sites import site

    point = Point.objects.get(code="BL40")
    admin = site._registry[Point]
    for user, can_publish in ((member(EDITORS, "edna"), False), (member(REVIEWERS, "rita"), True)):
        request = rf.get("/")
        request.user = user
        form = admin.get_form(request, point)
        assert ("status" in form.base_fields) is can_publish


def test_reviewer_can_publish_and_revert():
    reviewer = member(REVIEWERS, "rita")
    assert reviewer.has_perm("points.publish_point") and reviewer.has_perm("points.revert_content")
    assert reviewer.has_perm("points.change_point")
