"""Two editors open the same point; the second to save gets a clear conflict and loses nothing."""

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from points.models import Point
from points.roles import EDITORS, roles_sync

pytestmark = pytest.mark.django_db


def editor_client(name):
    roles_sync()
    user = User.objects.create_user(name, password="pw-for-tests-only", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS))
    client = Client()
    client.force_login(user)
    return client


def form_data(client, url):
    """Everything the change form would submit, inlines included, as a browser would send it."""
    response = client.get(url)
    data = {}
    form = response.context["adminform"].form
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        data[name] = getattr(value, "pk", value)
    for formset in response.context["inline_admin_formsets"]:
        fs = formset.formset
        for key, value in fs.management_form.initial.items():
            data[f"{fs.prefix}-{key}"] = value
        for i, f in enumerate(fs.forms):
            for name, field in f.fields.items():
                value = f.initial.get(name, field.initial)
                if value is not None:
                    data[f"{fs.prefix}-{i}-{name}"] = getattr(value, "pk", value)
    return data


def test_second_save_is_refused_with_a_clear_message():
    point = Point.objects.get(code="BL40")
    url = f"/admin/points/point/{point.pk}/change/"
    anna, ben = editor_client("anna"), editor_client("ben")
    anna_form, ben_form = form_data(anna, url), form_data(ben, url)

    anna_form["location"] = "Anna's corrected location."
    anna_form["change_reason"] = "Location per WHO 2008"
    response = anna.post(url, anna_form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Point.objects.get(pk=point.pk).version == point.version + 1

    ben_form["how_to_find"] = "Ben's clearer steps."
    ben_form["change_reason"] = "Clearer steps"
    response = ben.post(url, ben_form)
    html = response.content.decode()
    assert response.status_code == 200  # the form again, not a redirect
    assert "anna saved this record" in html and "location" in html and "how_to_find" in html
    assert "Ben&#x27;s clearer steps." in html  # his text is still in the form
    saved = Point.objects.get(pk=point.pk)
    assert saved.location == "Anna's corrected location."  # first edit kept
    assert saved.how_to_find != "Ben's clearer steps."  # second not written over it


def test_save_with_the_current_version_succeeds_and_bumps_it():
    point = Point.objects.get(code="LI4")
    url = f"/admin/points/point/{point.pk}/change/"
    anna = editor_client("anna")
    data = form_data(anna, url)
    data["notes"] = point.notes + " Checked."
    data["change_reason"] = "Checked the notes"
    assert anna.post(url, data).status_code == 302
    again = form_data(anna, url)
    again["notes"] = point.notes + " Checked twice."
    again["change_reason"] = "Checked again"
    assert anna.post(url, again).status_code == 302
    assert Point.objects.get(pk=point.pk).version == point.version + 2


def test_a_change_needs_a_reason_and_history_records_who_what_and_why():
    point = Point.objects.get(code="GB30")
    url = f"/admin/points/point/{point.pk}/change/"
    anna = editor_client("anna")
    data = form_data(anna, url)
    data["cautions"] = "Press firmly but never jab: the sciatic nerve runs deep here."
    response = anna.post(url, data)
    assert response.status_code == 200 and "Say briefly why" in response.content.decode()
    data["change_reason"] = "Shorter caution"
    assert anna.post(url, data).status_code == 302
    record = Point.objects.get(pk=point.pk).history.first()
    assert record.history_user.username == "anna"
    assert record.history_change_reason == "Shorter caution"
    delta = record.diff_against(record.prev_record)
    assert "cautions" in delta.changed_fields
    history = anna.get(f"/admin/points/point/{point.pk}/history/").content.decode()
    assert "Shorter caution" in history and "anna" in history


def test_two_editors_moving_the_same_marker():
    from points.models import Placement

    placement = Placement.objects.get(point__code="BL40", illustration__slug="leg-back")
    url = f"/admin/points/placement/{placement.pk}/change/"
    anna, ben = editor_client("anna"), editor_client("ben")
    anna_data = {k: getattr(v, "pk", v) for k, v in anna.get(url).context["adminform"].form.initial.items()}
    ben_data = dict(anna_data)
    anna_data.update(y="48.50", reason="Knee crease per WHO 2008")
    assert anna.post(url, {k: v for k, v in anna_data.items() if v is not None}).status_code == 302
    ben_data.update(y="52.00", reason="A little lower")
    response = ben.post(url, {k: v for k, v in ben_data.items() if v is not None})
    assert response.status_code == 200 and "anna saved this record" in response.content.decode()
    placement.refresh_from_db()
    assert float(placement.y) == 48.5 and placement.version == 2
