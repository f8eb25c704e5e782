"""Optimistic locking for the admin: two editors saving the same record never
silently overwrite each other.

The change form carries the ``version`` the editor loaded. On save the row is
locked and its version compared: if someone else saved in between, the form is
shown again with the editor's own input intact and a message naming who changed
what; nothing is written. A successful save raises the version by one.
"""

from django import forms
from django.db import transaction
from django.db.models import F


class EditConflict(forms.ValidationError):
    pass


class VersionedForm(forms.ModelForm):
    """Adds the loaded version as a hidden field, asks why, and refuses stale saves."""

    change_reason = forms.CharField(
        label="Why this change?",
        max_length=100,
        required=False,
        help_text="Shown in the history, e.g. “Location per WHO 2008”. Required when you change something.",
    )
    check_version = True  # off when reverting to an earlier version from the history page

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "version" in self.fields:
            self.fields["version"].widget = forms.HiddenInput()

    def clean(self):
        cleaned = super().clean()
        instance = self.instance
        changed = [f for f in self.changed_data if f not in {"version", "change_reason"}]
        if instance.pk is not None and changed and self.check_version and not cleaned.get("change_reason"):
            self.add_error("change_reason", "Say briefly why you made this change; it goes into the history.")
        if self.check_version:
            refuse_stale(self)
        return cleaned


def refuse_stale(form):
    """Lock the row and raise EditConflict if someone saved it since ``form`` was loaded."""
    instance, submitted = form.instance, form.cleaned_data.get("version")
    if instance.pk is None or submitted is None:
        return
    current = type(instance).objects.select_for_update().filter(pk=instance.pk).first()
    if current is not None and current.version != submitted:
        raise EditConflict(conflict_message(current, form.initial, form.changed_data))


def conflict_message(current, initial, yours):
    latest = current.history.first()
    who = getattr(getattr(latest, "history_user", None), "get_username", lambda: "another editor")()
    when = latest.history_date.strftime("%-d %b %Y %H:%M UTC") if latest else "just now"
    theirs = sorted(
        name
        for name, value in initial.items()
        if name not in {"version", "id"}
        and hasattr(current, name)
        and _comparable(getattr(current, name)) != _comparable(value)
    )
    theirs_text = ", ".join(theirs) if theirs else "no field on this form"
    yours_text = ", ".join(f for f in yours if f != "version") or "nothing"
    return (
        f"{who} saved this record at {when} while you were editing it. "
        f"They changed: {theirs_text}. You changed: {yours_text}. "
        "Nothing of yours has been saved yet and your text is still in the form below: "
        "open the record in a new tab to see their version, merge the two, then save again."
    )


def _comparable(value):
    return getattr(value, "pk", value)


def versioned_save(*, obj, expected_version, save):
    """Write ``obj`` only if its row still has ``expected_version``; raise EditConflict otherwise."""
    model = type(obj)
    with transaction.atomic():
        bumped = model.objects.filter(pk=obj.pk, version=expected_version).update(version=F("version") + 1)
        if not bumped:
            raise EditConflict("Someone else saved this record a moment ago. Reload it and apply your change again.")
        obj.version = expected_version + 1
        save()
