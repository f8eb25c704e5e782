"""Optimistic locking for the admin: two editors saving the same record never
silently overwrite each other.

Every content model has a ``version`` that goes up by one with every save
(``points.review.changes_apply``). Every change form, and every inline row, carries
the version the editor loaded as ``loaded_version``. On save the row is locked and
its version compared: if someone else saved in between, the form is shown again
with the editor's own input intact and a message naming who saved, when, and
which fields they changed (read from the history); nothing is written.
"""

from django import forms


class EditConflict(forms.ValidationError):
    pass


class VersionedForm(forms.ModelForm):
    """Adds the loaded version as a hidden field, asks why, and refuses stale saves."""

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    change_reason = forms.CharField(
        label="Why this change?",
        max_length=400,
        required=False,
        help_text="Shown in the history and to the reviewer, e.g. “Location per WHO 2008”. "
        "Required when you change something.",
    )
    check_version = True  # off when reverting to an earlier version from the history page

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["loaded_version"].initial = self.instance.version

    @property
    def content_changed(self):
        return [f for f in self.changed_data if f not in {"loaded_version", "change_reason"}]

    def clean(self):
        cleaned = super().clean()
        asks = "change_reason" in self.fields and self.check_version  # a revert says why by itself
        if asks and self.instance.pk is not None and self.content_changed and not cleaned.get("change_reason"):
            self.add_error("change_reason", "Say briefly why you made this change; it goes into the history.")
        if self.check_version:
            refuse_stale(self)
        return cleaned


class VersionedInlineForm(forms.ModelForm):
    """An inline row (alias, citation, reach, use): refused when someone changed it since."""

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["loaded_version"].initial = self.instance.version

    @property
    def content_changed(self):
        return [f for f in self.changed_data if f != "loaded_version"]

    def clean(self):
        cleaned = super().clean()
        if self.content_changed:
            refuse_stale(self)
        return cleaned


class VersionedInlineFormSet(forms.BaseInlineFormSet):
    """Deleting a row someone changed since it was loaded is refused too."""

    def clean(self):
        super().clean()
        for form in self.deleted_forms:
            if form.instance.pk is not None:
                submitted = _submitted_version(form)
                try:
                    refuse_stale_version(form.instance, submitted, ["deleted this row"])
                except EditConflict as exc:
                    raise forms.ValidationError(exc.message) from None


def _submitted_version(form):
    raw = form.data.get(form.add_prefix("loaded_version"))
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def refuse_stale(form):
    """Lock the row and add an EditConflict to ``form`` if someone saved it since it was loaded."""
    instance, submitted = form.instance, form.cleaned_data.get("loaded_version")
    if instance.pk is None:
        return
    if submitted is None:
        submitted = _submitted_version(form)
    try:
        refuse_stale_version(instance, submitted, lambda seen: _yours(form, seen))
    except EditConflict as exc:
        form.add_error(None, exc)


def _yours(form, seen):
    """The fields this editor changed from the version they loaded (``seen``)."""
    opts = form._meta.model._meta
    labels = []
    for name in form.content_changed:
        if name not in form.fields:
            continue
        try:
            field = opts.get_field(name)
        except Exception:
            field = None
        if seen is not None and field is not None and field.concrete and not field.many_to_many:
            value = form.cleaned_data.get(name)
            if getattr(value, "pk", value) == getattr(seen, field.attname, None):
                continue  # the other editor's change, not this one's
        labels.append(str(form.fields[name].label or name).lower())
    return labels


def refuse_stale_version(instance, submitted, yours):
    """Raise EditConflict if ``instance``'s row no longer has version ``submitted``.

    ``yours`` is the list of fields this editor changed, or a function of the version
    they loaded that returns it."""
    if submitted is None:
        raise EditConflict("This form is missing the version it was loaded at: reload the page and try again.")
    current = type(instance)._default_manager.select_for_update().filter(pk=instance.pk).first()
    if current is None:
        raise EditConflict("Someone deleted this record while you were editing it: nothing was saved.")
    if current.version != submitted:
        raise EditConflict(conflict_message(current, submitted, yours))


def conflict_message(current, loaded_version, yours):
    """Who saved ``current`` since ``loaded_version``, when, and which fields they changed."""
    history = current.history.all()
    since = list(history.filter(version__gt=loaded_version).select_related("history_user"))
    seen = history.filter(version__lte=loaded_version).first()
    names = []
    for record in since:
        user = record.history_user
        name = user.get_username() if user else "another editor"
        if name not in names:
            names.append(name)
    who = " and ".join(names) or "Another editor"
    latest = since[0] if since else history.first()
    when = latest.history_date.strftime("%-d %b %Y %H:%M UTC") if latest else "just now"
    theirs = changed_fields(seen, current) if seen is not None else []
    if callable(yours):
        yours = yours(seen)
    theirs_text = ", ".join(theirs) if theirs else "fields this form does not show"
    yours_text = ", ".join(yours) or "nothing"
    return (
        f"{who} saved this record at {when} while you were editing it. "
        f"They changed: {theirs_text}. You changed: {yours_text}. "
        "Nothing of yours has been saved yet and your text is still in the form below: "
        "open the record in a new tab to see their version, merge the two, then save again."
    )


SKIPPED = {"id", "version"}


def changed_fields(old, new):
    """Labels of the fields whose values differ between two versions of a record."""
    labels = []
    for field in type(new)._meta.concrete_fields:
        if field.name in SKIPPED or not field.editable:
            continue
        if getattr(old, field.attname, None) != getattr(new, field.attname, None):
            labels.append(str(field.verbose_name).lower())
    return labels
