"""Two editors open the same point; the second to save gets a clear conflict and loses nothing."""

import pytest
from django import forms
from django.contrib.auth.models import Group, User
from django.db.models.fields.files import FieldFile
from django.test import Client

from points.models import Condition, Discrepancy, Illustration, Meridian, Placement, Point, RedFlag, Region, Source
from points.roles import EDITORS, REVIEWERS, roles_sync

pytestmark = pytest.mark.django_db


def editor_client(name):
    roles_sync()
    user = User.objects.create_user(name, password="pw-for-tests-only", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS))
    client = Client()
    client.force_login(user)
    return client


def _posted(value):
    """A form value as a browser posts it: pks for linked records, nothing for a file."""
    if isinstance(value, (list, tuple)) or hasattr(value, "model"):
        return [getattr(v, "pk", v) for v in value]
    if isinstance(value, FieldFile):
        return None
    return getattr(value, "pk", value)


def form_data(client, url):
    """Everything the change form would submit, inlines included, as a browser would send it."""
    response = client.get(url)
    data = {}
    form = response.context["adminform"].form
    for name, field in form.fields.items():
        if isinstance(field, forms.JSONField):  # a textarea of JSON, as the page shows it
            data[name] = field.prepare_value(form.initial.get(name, field.initial))
            continue
        value = _posted(form.initial.get(name, field.initial))
        if value is None:
            continue
        data[name] = value
    for formset in response.context["inline_admin_formsets"]:
        fs = formset.formset
        for key, value in fs.management_form.initial.items():
            data[f"{fs.prefix}-{key}"] = value
        for i, f in enumerate(fs.forms):
            for name, field in f.fields.items():
                value = _posted(f.initial.get(name, field.initial))
                if value is not None:
                    data[f"{fs.prefix}-{i}-{name}"] = value
    return data


def reviewer_client(name):
    roles_sync()
    user = User.objects.create_user(name, password="pw-for-tests-only", is_staff=True)
    user.groups.add(Group.objects.get(name=REVIEWERS))
    client = Client()
    client.force_login(user)
    return client


# (model, lookup, what Anna changes, what Ben changes, Ben's label in the message, Anna's)
EDITS = [
    (Meridian, {"code": "BL"}, {"name": "Bladder (Anna)"}, {"order": 99}, "order", "name"),
    (Region, {"slug": "back"}, {"description": "Anna's words."}, {"name": "Back (Ben)"}, "name", "description"),
    (Source, {"key": "who-2008"}, {"summary": "Anna's summary."}, {"title": "Ben's title"}, "title", "summary"),
    (RedFlag, {}, {"text": "Anna's sign."}, {"locator": "Ben's page"}, "locator", "text"),
    (Discrepancy, {}, {"claim": "Anna's claim."}, {"fact": "Ben's fact."}, "fact", "claim"),
    (Illustration, {"slug": "leg-back"}, {"alt_text": "Anna's alt."}, {"description": "Ben's text."},
     "description", "alt text"),
    (Point, {"code": "BL40"}, {"summary": "Anna's summary."}, {"how_to_find": "Ben's steps."},
     "How to find", "summary"),
    (Condition, {}, {"summary": "Anna's summary."}, {"keywords": "ben, words"}, "Keywords", "summary"),
    (Placement, {"point__code": "BL40", "illustration__slug": "leg-back"}, {"side": "left"},
     {"y": "52.00", "reason": "A little lower"}, "Y", "side"),
]  # fmt: skip


@pytest.mark.parametrize(("model", "lookup", "anna_edit", "ben_edit", "ben_label", "anna_label"), EDITS)
def test_every_model_refuses_a_stale_save_naming_who_when_and_what(
    model, lookup, anna_edit, ben_edit, ben_label, anna_label, one_person_site
):
    obj = model.objects.filter(**lookup).first()
    if model in (Point, Condition):
        model.objects.filter(pk=obj.pk).update(status="draft")  # saved at once, not proposed
    url = f"/admin/points/{model._meta.model_name}/{obj.pk}/change/"
    anna, ben = reviewer_client("anna"), reviewer_client("ben")
    anna_form, ben_form = form_data(anna, url), form_data(ben, url)
    anna_form.update(anna_edit, change_reason="Anna's fix")
    response = anna.post(url, anna_form)
    assert response.status_code == 302, response.content.decode()[:3000]
    saved = model.objects.get(pk=obj.pk)
    assert saved.version == obj.version + 1

    ben_form.update(ben_edit, change_reason="Ben's fix")
    response = ben.post(url, ben_form)
    html = response.content.decode()
    assert response.status_code == 200  # the form again, not a redirect
    assert "anna saved this record at" in html
    message = html[html.index("anna saved this record") :][:600]
    assert f"They changed: {anna_label}" in message and ben_label.lower() in message.split("You changed:")[1]
    assert anna_label not in message.split("You changed:")[1].split(".")[0]
    for value in ben_edit.values():
        assert str(value).replace("'", "&#x27;") in html  # Ben's input is still in the form
    assert model.objects.get(pk=obj.pk).version == saved.version  # nothing of Ben's written


def test_an_inline_row_changed_by_someone_else_is_refused_on_that_row(one_person_site):
    point = Point.objects.get(code="BL23")
    Point.objects.filter(pk=point.pk).update(status="draft")
    url = f"/admin/points/point/{point.pk}/change/"
    anna, ben = editor_client("anna"), editor_client("ben")
    anna_form, ben_form = form_data(anna, url), form_data(ben, url)
    anna_form.update({"aliases-0-note": "Anna's note.", "change_reason": "Alias note"})
    assert anna.post(url, anna_form).status_code == 302
    ben_form.update({"aliases-0-text": "Ben's spelling", "change_reason": "Alias spelling"})
    response = ben.post(url, ben_form)
    html = response.content.decode()
    assert response.status_code == 200 and "anna saved this record" in html and "Ben&#x27;s spelling" in html
    alias = point.aliases.get(pk=anna_form["aliases-0-id"])
    assert alias.note == "Anna's note." and alias.text != "Ben's spelling"
    ben_form = form_data(ben, url)  # deleting a row Anna changed meanwhile is refused too
    anna_form = form_data(anna, url)
    anna_form.update({"aliases-0-note": "Anna again.", "change_reason": "Again"})
    assert anna.post(url, anna_form).status_code == 302
    ben_form.update({"aliases-0-DELETE": "on", "change_reason": "Remove it"})
    response = ben.post(url, ben_form)
    assert response.status_code == 200 and "anna saved this record" in response.content.decode()
    assert point.aliases.filter(pk=alias.pk).exists()


def test_a_change_needs_a_reason_and_history_records_who_what_and_why():
    point = Point.objects.get(code="GB30")
    Point.objects.filter(pk=point.pk).update(status="draft")
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
