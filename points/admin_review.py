"""The review queue: proposed changes to published content, with a field-by-field
diff against what is live, and Approve / Reject with a note (points/review.py)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from .models import Citation, Revision, RevisionStatus
from .review import ContentError, revision_approve, revision_reject, revision_rows, second_person_required


class ReviewForm(forms.Form):
    note = forms.CharField(
        label="Note to the editor",
        required=False,
        max_length=400,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Required when you reject: say what to change.",
    )


class PendingFilter(admin.SimpleListFilter):
    """Waiting changes first: the queue opens on them."""

    title = "status"
    parameter_name = "status__exact"

    def lookups(self, request, model_admin):
        return [*RevisionStatus.choices, ("all", "All")]

    def choices(self, changelist):
        value = self.value() or RevisionStatus.PENDING
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or RevisionStatus.PENDING
        if value == "all":
            return queryset
        if value not in RevisionStatus.values:
            return queryset.none()
        return queryset.filter(status=value)


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    list_display = ["title", "reason", "editor", "created_at", "status", "reviewer"]
    list_filter = [PendingFilter]
    search_fields = ["title", "reason"]
    list_display_links = ["title"]

    def get_queryset(self, request):
        return super().get_queryset(request).for_queue()

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # the review page below replaces the change form

    def change_view(self, request, object_id, form_url="", extra_context=None):
        revision = self.get_object(request, object_id)
        if revision is None or not self.has_view_permission(request, revision):
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        can_review = request.user.has_perm("points.review_revision")
        form = ReviewForm(request.POST or None)
        if request.method == "POST":
            if not can_review:
                raise PermissionDenied("Only reviewers can approve or reject proposed changes.")
            if form.is_valid():
                note = form.cleaned_data["note"]
                try:
                    if "_approve" in request.POST:
                        revision_approve(revision=revision, reviewer=request.user, note=note)
                        self.message_user(request, f"Approved and published: {revision.title}.", messages.SUCCESS)
                    elif "_reject" in request.POST:
                        revision_reject(revision=revision, reviewer=request.user, note=note)
                        self.message_user(request, f"Rejected: {revision.title}.", messages.SUCCESS)
                    else:
                        self.message_user(request, "Choose Approve or Reject.", messages.WARNING)
                        return HttpResponseRedirect(request.path)
                except ContentError as exc:
                    self.message_user(request, exc.message, messages.ERROR)
                    return HttpResponseRedirect(request.path)
                return HttpResponseRedirect(reverse("admin:points_revision_changelist"))
        own = revision.editor_id == request.user.pk and second_person_required()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Proposed change: {revision.title}",
            "revision": revision,
            "blocks": revision_rows(revision),
            "form": form,
            "can_review": can_review and revision.status == RevisionStatus.PENDING and not own,
            "own": own and revision.status == RevisionStatus.PENDING,
            "target_url": _target_url(revision),
            "citations": _live_citations(revision),
        }
        return TemplateResponse(request, "admin/points/revision/review.html", context)


def _live_citations(revision):
    """What the point or condition cites now: the reviewer checks the change against it."""
    if revision.target_model not in ("point", "condition") or revision.target_pk is None:
        return []
    return list(
        Citation.objects.filter(**{f"{revision.target_model}_id": revision.target_pk})
        .select_related("source")
        .order_by("claim", "pk")
    )


def _target_url(revision):
    if revision.target_pk is None:
        return ""
    try:
        return reverse(f"admin:points_{revision.target_model}_change", args=[revision.target_pk])
    except Exception:
        return ""
