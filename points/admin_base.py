"""What every content admin shares: history, optimistic locking, and one save path.

A valid POST of a change form (with its inline rows), of the revert page or of a
delete confirmation becomes one change set (points/review.py) handed to
``content_change``: applied at once, or, when readers would see it, proposed for a
second person's review. Django's own ``save_model``/``save_related``/``delete_model``
are never used for content.
"""

from django.contrib import admin, messages
from django.contrib.admin.options import ActionLocation
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied
from django.db import models, router, transaction
from django.forms.formsets import all_valid
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from .guards import HistoryIdsAdminMixin
from .locking import EditConflict, VersionedForm, VersionedInlineForm, VersionedInlineFormSet
from .models import Revision
from .review import ContentError, content_change, store_upload, to_json


class ContentInline:
    """Inline rows carry their version too; adding ``loaded_version`` to the fields."""

    form = VersionedInlineForm
    formset = VersionedInlineFormSet

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        return fields if "loaded_version" in fields else [*fields, "loaded_version"]


class ContentTabularInline(ContentInline, admin.TabularInline):
    pass


class ContentStackedInline(ContentInline, admin.StackedInline):
    pass


def model_fields(form):
    """The names of ``form``'s fields that are fields of its model."""
    names = {f.name for f in form._meta.model._meta.get_fields() if getattr(f, "editable", False)}
    return [name for name in form.fields if name in names and name in form.cleaned_data]


def _lines(value):
    """Browsers send a textarea's line breaks as CR LF: the same text, not a change."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def form_op(form, *, add, parent=None):
    """One operation from a valid model form (main form or inline row)."""
    instance, opts = form.instance, form._meta.model._meta
    names = model_fields(form) if add else [n for n in form.changed_data if n in model_fields(form)]
    fields = {}
    for name in names:
        field = opts.get_field(name)
        value = _lines(form.cleaned_data[name])
        if isinstance(field, models.FileField):
            fields[name] = store_upload(field, instance, value) if value is not False else ""
            continue
        value = to_json(field, value)
        if not add and value == to_json(field, _lines(form.initial.get(name))):
            continue  # only the line breaks differed
        fields[name] = value
    if parent is not None:
        fk_name, parent_value = parent
        fields[fk_name] = parent_value
    return {
        "op": "add" if add else "change",
        "model": opts.model_name,
        "pk": None if add else instance.pk,
        "version": None if add else form.cleaned_data.get("loaded_version", instance.version),
        "fields": fields,
    }


def formset_ops(formset, parent_ref):
    ops = []
    fk_name = formset.fk.name
    for form in formset.initial_forms:
        if form in formset.deleted_forms:
            ops.append(
                {
                    "op": "delete",
                    "model": form._meta.model._meta.model_name,
                    "pk": form.instance.pk,
                    "version": form.cleaned_data.get("loaded_version") or form.instance.version,
                    "fields": {},
                }
            )
        elif form.has_changed():
            op = form_op(form, add=False)
            if op["fields"]:
                ops.append(op)
    for form in formset.extra_forms:
        if form.has_changed() and form not in formset.deleted_forms:
            ops.append(form_op(form, add=True, parent=(fk_name, parent_ref)))
    return ops


class ContentAdmin(HistoryIdsAdminMixin, SimpleHistoryAdmin):
    """History for every content model; only Reviewers may revert to an earlier version."""

    form = VersionedForm

    # ---- permissions ------------------------------------------------------------------

    def has_change_history_permission(self, request, obj=None):
        return request.user.has_perm("points.revert_content")

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location)
        actions.pop("delete_selected", None)  # deletions go one by one, through the review
        return actions

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, *(f.name for f in self.model._meta.fields if f.name in ("last_reviewed", "reviewed_by"))]

    # ---- the save path ----------------------------------------------------------------

    def save_model(self, request, obj, form, change):  # pragma: no cover - guarded
        raise PermissionDenied("Content is saved through points.review.content_change.")

    def delete_model(self, request, obj):
        self._submit_changes(request, [_delete_op(obj)], reason="Deleted in the admin", target=obj)

    def extra_changes(self, request, form, obj):
        """More operations that belong to this save (the placement form adds a citation)."""
        return []

    def answered_report(self, request):
        """The reader report this save answers (``?report=<id>``), if the admin supports it."""
        return None

    def change_reason(self, request, form, add, default=""):
        return form.cleaned_data.get("change_reason") or default or ("Created" if add else "Edited in the admin")

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and "_saveasnew" not in request.POST:
            try:
                with transaction.atomic(using=router.db_for_write(self.model)):
                    response = self._changeform_post(request, object_id)
            except (ContentError, EditConflict) as exc:  # rolled back: say so
                self.message_user(request, exc.message, level=messages.ERROR)
                return HttpResponseRedirect(request.get_full_path())
            if response is not None:
                return response
        elif object_id:
            self._say_pending(request, object_id)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _changeform_post(self, request, object_id):
        """Validate like Django's change form; None when invalid (Django renders the errors)."""
        add = object_id is None
        obj = None if add else self.get_object(request, unquote(object_id))
        if not add and obj is None:
            return None  # Django answers "does not exist"
        if (add and not self.has_add_permission(request)) or (not add and not self.has_change_permission(request, obj)):
            raise PermissionDenied
        fieldsets = self.get_fieldsets(request, obj)
        form_class = self.get_form(request, obj, change=not add, fields=flatten_fieldsets(fieldsets))
        form = form_class(request.POST, request.FILES, instance=obj)
        form_valid = form.is_valid()
        new_object = self.save_form(request, form, change=not add) if form_valid else form.instance
        formsets, _ = self._create_formsets(request, new_object, change=not add)
        if not (form_valid and all_valid(formsets)):
            for upload in request.FILES.values():
                upload.seek(0)  # Django validates again to show the errors
            return None
        changes = []
        main = form_op(form, add=add)
        if add or main["fields"]:
            changes.append(main)
        parent_ref = {"ref": 0} if add else (obj.pk if obj is not None else None)
        for formset in formsets:
            changes += formset_ops(formset, parent_ref)
        changes += self.extra_changes(request, form, obj)
        reason = self.change_reason(request, form, add)
        if not changes:
            self.message_user(request, "Nothing changed, so nothing was saved.", level=messages.INFO)
            return self.response_change(request, obj)
        revision, records = content_change(
            changes=changes, user=request.user, reason=reason, target=obj, report=self.answered_report(request)
        )
        if revision is not None:
            return self._sent_for_review(request, revision)
        saved = obj if obj is not None else records[0]
        if not add:
            saved.refresh_from_db()
            self.log_change(request, saved, [{"changed": {"fields": [c["model"] for c in changes]}}])
            return self.response_change(request, saved)
        self.log_addition(request, records[0], [{"added": {}}])
        return self.response_add(request, records[0])

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """Reverting to an earlier version is a change like any other (reviewers only)."""
        if request.method == "POST":
            if not self.has_change_history_permission(request):
                raise PermissionDenied("Only reviewers can revert to an earlier version.")
            try:
                with transaction.atomic(using=router.db_for_write(self.model)):
                    response = self._revert_post(request, object_id, version_id)
            except (ContentError, EditConflict) as exc:
                self.message_user(request, exc.message, level=messages.ERROR)
                return HttpResponseRedirect(request.get_full_path())
            if response is not None:
                return response
        return super().history_form_view(request, object_id, version_id, extra_context)

    def _revert_post(self, request, object_id, version_id):
        live = self.get_object(request, unquote(object_id))
        record = _history_record(self.model, object_id, version_id)
        if live is None or record is None:
            raise Http404("No such version of this record.")
        form_class = self.get_form(request, record.instance)
        form_class = type(form_class.__name__, (form_class,), {"check_version": False})
        form = form_class(request.POST, request.FILES, instance=live)
        if not form.is_valid():
            return None
        op = form_op(form, add=False)
        op["version"] = live.version
        if not op["fields"]:
            self.message_user(request, "This version is the same as the live one: nothing to revert.")
            return HttpResponseRedirect(reverse(f"admin:{self._url_name('change')}", args=[live.pk]))
        when = record.history_date.strftime("%-d %b %Y %H:%M")
        reason = self.change_reason(request, form, False, default=f"Reverted to the version of {when}")
        return self._submit_changes(request, [op], reason=reason, target=live, redirect=True)

    def delete_view(self, request, object_id, extra_context=None):
        if request.method == "POST":
            obj = self.get_object(request, unquote(object_id))
            blocked = obj is not None and any(self.get_deleted_objects([obj], request)[2:])
            if obj is not None and self.has_delete_permission(request, obj) and not blocked:
                try:
                    with transaction.atomic(using=router.db_for_write(self.model)):
                        return self._submit_changes(
                            request, [_delete_op(obj)], reason="Deleted in the admin", target=obj, redirect=True
                        )
                except (ContentError, EditConflict) as exc:
                    self.message_user(request, exc.message, level=messages.ERROR)
                    return HttpResponseRedirect(request.get_full_path())
        return super().delete_view(request, object_id, extra_context)

    def _submit_changes(self, request, changes, *, reason, target, redirect=False):
        revision, _ = content_change(changes=changes, user=request.user, reason=reason, target=target)
        if revision is not None:
            return self._sent_for_review(request, revision)
        if changes[0]["op"] == "delete":
            self.message_user(request, f"Deleted {target}.", level=messages.SUCCESS)
            return HttpResponseRedirect(reverse(f"admin:{self._url_name('changelist')}"))
        self.message_user(request, f"Saved {target}.", level=messages.SUCCESS)
        return HttpResponseRedirect(reverse(f"admin:{self._url_name('change')}", args=[target.pk]))

    def _url_name(self, view):
        return f"{self.model._meta.app_label}_{self.model._meta.model_name}_{view}"

    def _sent_for_review(self, request, revision):
        url = reverse("admin:points_revision_change", args=[revision.pk])
        self.message_user(
            request,
            format_html(
                "Your change to “{}” is waiting for review: readers see the approved version until a second "
                'person approves it. <a href="{}">See the proposed change</a>.',
                revision.title,
                url,
            ),
            level=messages.SUCCESS,
        )
        return HttpResponseRedirect(url)

    def _say_pending(self, request, object_id):
        try:
            pk = int(object_id)
        except (TypeError, ValueError):
            return
        pending = Revision.objects.pending().filter(target_model=self.model._meta.model_name, target_pk=pk)
        count = pending.count()
        if count:
            self.message_user(
                request,
                format_html(
                    "{} proposed change{} to this record {} waiting for review; the form shows the live version. "
                    '<a href="{}?status__exact=pending&target_model={}&target_pk={}">See the queue</a>.',
                    count,
                    "" if count == 1 else "s",
                    "is" if count == 1 else "are",
                    reverse("admin:points_revision_changelist"),
                    self.model._meta.model_name,
                    pk,
                ),
                level=messages.WARNING,
            )


def _delete_op(obj):
    return {"op": "delete", "model": obj._meta.model_name, "pk": obj.pk, "version": obj.version, "fields": {}}


def _history_record(model, object_id, version_id):
    try:
        history_id, pk = int(version_id), int(object_id)
    except (TypeError, ValueError):
        return None
    return model.history.filter(history_id=history_id, id=pk).first()
