"""What an admin add or change form submits, read from the page a browser would get."""

import datetime
from decimal import Decimal

from django import forms
from django.db.models.fields.files import FieldFile


def _value(value):
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, (list, tuple, set)) or hasattr(value, "all"):
        items = value.all() if hasattr(value, "all") else value
        return [getattr(item, "pk", item) for item in items]
    if isinstance(value, (datetime.date, Decimal)):
        return str(value)
    return value


def _fields(form, prefix, data):
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if callable(value):
            value = value()
        key = f"{prefix}{name}"
        if isinstance(field, forms.JSONField):
            data[key] = field.prepare_value(value)  # as the textarea shows it
            continue
        if value is None or value is False or isinstance(value, FieldFile):
            continue  # an empty field or an unticked box is not sent, a saved file not again
        data[key] = "on" if value is True else _value(value)


def admin_form_data(client, url):
    """Everything the admin form at ``url`` would submit, inline rows included (the form's
    own values, as a browser would send them back unchanged)."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    data = {}
    _fields(response.context["adminform"].form, "", data)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        for i, form in enumerate(formset.forms):
            _fields(form, f"{formset.prefix}-{i}-", data)
    return data
