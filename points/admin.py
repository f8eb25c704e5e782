import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef
from django.http import HttpResponseRedirect
from simple_history.admin import SimpleHistoryAdmin

from .guards import AliasFormSet, HistoryIdsAdminMixin
from .images import image_clean
from .locking import EditConflict, VersionedForm, versioned_save
from .models import (
    Alias,
    Citation,
    Condition,
    Discrepancy,
    Illustration,
    Indication,
    Meridian,
    Placement,
    Point,
    ReachMethod,
    RedFlag,
    Region,
    Source,
    Status,
)
from .publishing import PublishError, point_publish, point_publish_problems
from .text import fold


class AliasInline(admin.TabularInline):
    model = Alias
    formset = AliasFormSet  # the same alias twice in one save: a form error (points/guards.py)
    extra = 0
    fields = ["text", "kind", "ambiguous", "note"]


class PointCitationInline(admin.TabularInline):
    model = Citation
    fk_name = "point"
    extra = 0
    fields = ["claim", "source", "locator", "note"]
    autocomplete_fields = ["source"]


class ConditionCitationInline(PointCitationInline):
    fk_name = "condition"


# what one use of a point says besides which point and condition (both inlines show it)
USE_FIELDS = [
    "note",
    ("pressure", "pressure_source", "pressure_locator"),
    ("evidence", "evidence_source", "evidence_locator"),
    "evidence_summary",
]


class IndicationInline(admin.StackedInline):
    model = Indication
    extra = 0
    fields = [("order", "point", "role"), *USE_FIELDS]
    autocomplete_fields = ["point", "pressure_source", "evidence_source"]


class ReachInline(admin.TabularInline):
    model = ReachMethod
    extra = 0
    fields = ["kind", "how", "source", "locator"]
    autocomplete_fields = ["source"]


class PlacementInline(admin.TabularInline):
    """Read-only here: a move happens on the placement's own page, with the picker and a reason."""

    model = Placement
    extra = 0
    fields = ["illustration", "x", "y", "side"]
    readonly_fields = ["illustration", "x", "y", "side"]
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


def _is_revert(request):
    """True on django-simple-history's "revert to this version" page."""
    match = getattr(request, "resolver_match", None)
    return bool(match and match.url_name and match.url_name.endswith("_simple_history"))


class ContentAdmin(HistoryIdsAdminMixin, SimpleHistoryAdmin):
    """History for every content model; only Reviewers may revert to an earlier version."""

    def has_change_history_permission(self, request, obj=None):
        return request.user.has_perm("points.revert_content")

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST" and not self.has_change_history_permission(request):
            raise PermissionDenied("Only reviewers can revert to an earlier version.")
        return super().history_form_view(request, object_id, version_id, extra_context)

    def save_model(self, request, obj, form, change):
        reason = getattr(form, "cleaned_data", {}).get("change_reason")
        obj._change_reason = reason or ("Created" if not change else "Edited in the admin")
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        """Inline rows (aliases, citations, placements...) get the same who and why."""
        reason = getattr(form, "cleaned_data", {}).get("change_reason") or "Edited in the admin"
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj._change_reason, obj._history_user = reason, request.user
            obj.delete()
        for obj in instances:
            obj._change_reason, obj._history_user = reason, request.user
            obj.save()
        formset.save_m2m()


class ConflictSafeAdminMixin:
    """For admins with versioned forms: no version check when a reviewer reverts, and a
    race lost after validation becomes a message instead of a 500 (points/locking.py)."""

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if _is_revert(request):
            return type(form.__name__, (form,), {"check_version": False})
        return form

    def changeform_view(self, request, *args, **kwargs):
        try:
            return super().changeform_view(request, *args, **kwargs)
        except EditConflict as exc:  # everything was rolled back: say so
            self.message_user(request, exc.message, level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class VersionedAdminMixin(ConflictSafeAdminMixin):
    """Optimistic locking: a stale save is refused with a clear message (see points/locking.py)."""

    form = VersionedForm

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        if _is_revert(request):
            current = type(obj).objects.filter(pk=obj.pk).values_list("version", flat=True).first()
            form.cleaned_data["version"] = current
            form.cleaned_data.setdefault("change_reason", "")
            if not form.cleaned_data["change_reason"]:
                form.cleaned_data["change_reason"] = f"Reverted by {request.user.get_username()}"
        versioned_save(
            obj=obj,
            expected_version=form.cleaned_data["version"],
            save=lambda: super(VersionedAdminMixin, self).save_model(request, obj, form, change),
        )


class PublishPermissionMixin:
    """Only people with the publish permission (Reviewers) may change the status."""

    publish_permission = ""

    def save_model(self, request, obj, form, change):
        if "status" in form.changed_data and obj.status == Status.PUBLISHED:
            obj.last_reviewed = datetime.date.today()
        super().save_model(request, obj, form, change)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm(self.publish_permission):
            fields.append("status")
        return fields


class PointForm(VersionedForm):
    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == Status.PUBLISHED and self.instance.pk and "status" in self.changed_data:
            self.instance.pregnancy_caution = cleaned.get("pregnancy_caution", self.instance.pregnancy_caution)
            problems = point_publish_problems(self.instance)
            if problems:
                self.add_error("status", "Cannot publish yet: " + "; ".join(problems) + ". Add the citation first.")
        return cleaned


class MissingLocationCitationFilter(admin.SimpleListFilter):
    title = "location citation"
    parameter_name = "location_cited"

    def lookups(self, request, model_admin):
        return [("no", "Has no location citation"), ("yes", "Location cited")]

    def queryset(self, request, queryset):
        cited = Citation.objects.filter(point=OuterRef("pk"), claim="location")
        if self.value() == "no":
            return queryset.exclude(Exists(cited))
        if self.value() == "yes":
            return queryset.filter(Exists(cited))
        return queryset


class PointIndicationInline(IndicationInline):
    fields = [("condition", "order", "role"), *USE_FIELDS]
    autocomplete_fields = ["condition", "pressure_source", "evidence_source"]


@admin.register(Point)
class PointAdmin(VersionedAdminMixin, PublishPermissionMixin, ContentAdmin):
    publish_permission = "points.publish_point"
    form = PointForm
    ordering = ["order_key"]  # the citation count's GROUP BY drops the model's ordering (autocomplete pages)
    actions = ["publish_selected"]
    list_display = [
        "code", "pinyin", "english_name", "region", "status", "pregnancy_caution", "citation_count", "last_reviewed",
    ]  # fmt: skip
    list_filter = [
        "status", "region", "meridian", "pregnancy_caution", "confidence", "indications__condition",
        MissingLocationCitationFilter,
    ]  # fmt: skip
    list_select_related = ["region"]
    search_fields = ["code", "pinyin", "english_name", "hanzi_simplified", "hanzi_traditional"]
    inlines = [AliasInline, PointCitationInline, ReachInline, PointIndicationInline, PlacementInline]
    autocomplete_fields = ["reach_alternative", "pregnancy_alternative"]
    fieldsets = [
        (None, {"fields": ["code", "meridian", "number", "region", "status", "last_reviewed", "version"]}),
        ("Names", {"fields": ["pinyin", "hanzi_simplified", "hanzi_traditional", "english_name"]}),
        ("Content", {"fields": ["summary", "where", "location", "how_to_find", "uses", "notes"]}),
        (
            "Technique",
            {
                "fields": [
                    "technique_method",
                    "pressure",
                    ("hold_seconds_min", "hold_seconds_max"),
                    ("repetitions", "times_per_day"),
                    "posture",
                    "laterality",
                    "reach_alternative",
                ]
            },
        ),
        (
            "Safety",
            {"fields": ["pregnancy_caution", "pregnancy_note", "pregnancy_alternative", "key_caution", "cautions"]},
        ),
        ("Identification", {"fields": ["confidence", "confidence_note", "reference_only"]}),
        ("Why", {"fields": ["change_reason"]}),
    ]

    @admin.action(description="Publish the selected points (reviewers)", permissions=["publish"])
    def publish_selected(self, request, queryset):
        for point in queryset:
            try:
                point_publish(point=point, reviewer=request.user)
            except PublishError as exc:
                self.message_user(request, f"Not published: {exc}.", level=messages.ERROR)
            else:
                self.message_user(request, f"{point.code} published.", level=messages.SUCCESS)

    def has_publish_permission(self, request):
        return request.user.has_perm(self.publish_permission)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(citation_total=Count("citations"))

    @admin.display(description="Citations", ordering="citation_total")
    def citation_count(self, obj):
        return obj.citation_total

    def get_search_results(self, request, queryset, search_term):
        """Find a point by any alias too (UB23, Hoku, Sea of Vitality)."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            results |= queryset.filter(aliases__normalized__contains=fold(search_term))
            may_have_duplicates = True
        return results, may_have_duplicates


@admin.register(Condition)
class ConditionAdmin(VersionedAdminMixin, PublishPermissionMixin, ContentAdmin):
    publish_permission = "points.publish_condition"
    list_display = ["name", "slug", "order", "status", "last_reviewed"]
    list_filter = ["status"]
    search_fields = ["name", "slug", "keywords"]
    inlines = [IndicationInline, ConditionCitationInline]
    autocomplete_fields = ["red_flags_source"]
    fieldsets = [
        (None, {"fields": ["slug", "name", "order", "status", "last_reviewed", "version"]}),
        ("Content", {"fields": ["summary", "keywords"]}),
        ("Warning signs for this condition only", {"fields": ["red_flags", "red_flags_source", "red_flags_locator"]}),
        ("Evidence and corrections", {"fields": ["notes"]}),
        ("Why", {"fields": ["change_reason"]}),
    ]


@admin.register(RedFlag)
class RedFlagAdmin(ContentAdmin):
    """The one list of warning signs that every condition page, the safety page and every
    sheet shows."""

    list_display = ["text", "group", "order", "source", "locator"]
    list_filter = ["group"]
    search_fields = ["text", "key"]
    autocomplete_fields = ["source"]


@admin.register(Source)
class SourceAdmin(ContentAdmin):
    list_display = ["title", "key", "kind", "author", "year"]
    list_filter = ["kind"]
    search_fields = ["title", "key", "author", "publisher"]


@admin.register(Discrepancy)
class DiscrepancyAdmin(ContentAdmin):
    list_display = ["ref", "severity", "point", "condition", "display"]
    list_filter = ["severity", "display"]
    list_select_related = ["point", "condition"]
    search_fields = ["ref", "claim", "fact"]
    filter_horizontal = ["sources"]


class IllustrationForm(forms.ModelForm):
    class Meta:
        model = Illustration
        fields = [
            "region", "slug", "view", "image", "static_path", "alt_text", "description", "credit", "licence",
            "order", "overview",
        ]  # fmt: skip
        widgets = {"image": forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"})}

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if image and getattr(image, "content_type", None) is not None:  # a new upload
            return image_clean(image)
        return image

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("image") and not cleaned.get("static_path"):
            raise forms.ValidationError("Upload an image (PNG, JPEG or WebP) or name a shipped SVG.")
        return cleaned


@admin.register(Illustration)
class IllustrationAdmin(ContentAdmin):
    form = IllustrationForm
    list_display = ["view", "region", "credit", "licence"]
    list_select_related = ["region"]


admin.site.register(Meridian, ContentAdmin)
admin.site.register(Region, ContentAdmin)
admin.site.site_header = "AcuGuide editors"
admin.site.site_title = "AcuGuide editors"
from . import admin_placement  # noqa: E402, F401  (registers PlacementAdmin)
