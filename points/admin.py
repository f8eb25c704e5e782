from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Exists, OuterRef

from .admin_base import ContentAdmin, ContentStackedInline, ContentTabularInline
from .guards import AliasFormSet
from .images import image_clean
from .locking import VersionedForm, VersionedInlineFormSet
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
from .reports import report_from_query, report_initial
from .text import fold


class PublishStatusMixin:
    """Only people with the publish permission (Reviewers) change the status; a new record
    starts as a draft (the add form has no status)."""

    publish_permission = ""

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and not request.user.has_perm(self.publish_permission):
            fields.append("status")
        return fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None:
            return fieldsets
        drop = {"status", "last_reviewed", "reviewed_by", "loaded_version"}
        return [(name, {**opts, "fields": [f for f in opts["fields"] if f not in drop]}) for name, opts in fieldsets]


class PointCitationFormSet(VersionedInlineFormSet):
    """A published point keeps a cited location (and a cited pregnancy caution): checked
    against the rows as they will be, so deleting the last one is refused here."""

    def clean(self):
        super().clean()
        point = self.instance
        if point.pk is None or point.status != Status.PUBLISHED or any(self.errors):
            return
        claims = {
            form.cleaned_data.get("claim")
            for form in self.forms
            if form.cleaned_data and form not in self.deleted_forms and form.cleaned_data.get("claim")
        }
        problems = point_publish_problems(point, claims)
        if problems:
            raise forms.ValidationError(
                "A published point needs these citations: " + "; ".join(problems) + ". Add the citation first."
            )


class AliasInline(ContentTabularInline):
    model = Alias
    formset = AliasFormSet  # the same alias twice in one save: a form error (points/guards.py)
    extra = 0
    fields = ["text", "kind", "ambiguous", "note"]


class PointCitationInline(ContentTabularInline):
    model = Citation
    fk_name = "point"
    extra = 0
    fields = ["claim", "source", "locator", "note"]
    autocomplete_fields = ["source"]
    formset = PointCitationFormSet


class ConditionCitationInline(PointCitationInline):
    fk_name = "condition"
    formset = VersionedInlineFormSet


# what one use of a point says besides which point and condition (both inlines show it)
USE_FIELDS = [
    "note",
    ("pressure", "pressure_source", "pressure_locator"),
    ("evidence", "evidence_source", "evidence_locator"),
    "evidence_summary",
]


class IndicationInline(ContentStackedInline):
    model = Indication
    extra = 0
    fields = [("order", "point", "role"), *USE_FIELDS]
    autocomplete_fields = ["point", "pressure_source", "evidence_source"]


class ReachInline(ContentTabularInline):
    model = ReachMethod
    extra = 0
    fields = ["kind", "how", "source", "locator"]
    autocomplete_fields = ["source"]


class PlacementInline(ContentTabularInline):
    """Read-only here: a move happens on the placement's own page, with the picker and a reason."""

    model = Placement
    extra = 0
    fields = ["illustration", "x", "y", "side"]
    readonly_fields = ["illustration", "x", "y", "side"]
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


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
class PointAdmin(PublishStatusMixin, ContentAdmin):
    publish_permission = "points.publish_point"
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
        (
            None,
            {
                "fields": [
                    "code",
                    "meridian",
                    "number",
                    "region",
                    "status",
                    "last_reviewed",
                    "reviewed_by",
                    "loaded_version",
                ]
            },
        ),
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

    def answered_report(self, request):
        """A reviewer edits the point from a reader report (``reports.report_edit_url``)."""
        return report_from_query(request.GET) if request.user.has_perm("points.change_report") else None

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        initial = report_initial(request.GET) if obj is not None and self.answered_report(request) else {}
        if not initial:
            return form

        class FromReport(form):
            def __init__(self, *args, **kw):
                super().__init__(*args, **kw)
                self.fields["change_reason"].initial = initial["change_reason"]

        return FromReport

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
class ConditionAdmin(PublishStatusMixin, ContentAdmin):
    publish_permission = "points.publish_condition"
    list_display = ["name", "slug", "order", "status", "last_reviewed"]
    list_filter = ["status"]
    search_fields = ["name", "slug", "keywords"]
    inlines = [IndicationInline, ConditionCitationInline]
    autocomplete_fields = ["red_flags_source"]
    fieldsets = [
        (None, {"fields": ["slug", "name", "order", "status", "last_reviewed", "reviewed_by", "loaded_version"]}),
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


class SafeJSONField(forms.JSONField):
    """JSON an editor types: empty is the empty value, and input the parser cannot take
    (nested too deep, numbers too long) is "Enter a valid JSON", never a 500."""

    def __init__(self, *, empty, **kwargs):
        self.empty = empty
        super().__init__(required=False, **kwargs)

    def to_python(self, value):
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return type(self.empty)()
        try:
            converted = super().to_python(value)
        except (RecursionError, ValueError):
            invalid = self.error_messages["invalid"]
            raise forms.ValidationError(invalid, code="invalid", params={"value": value}) from None
        return type(self.empty)() if converted is None else converted

    def bound_data(self, data, initial):
        try:
            return super().bound_data(data, initial)
        except (RecursionError, ValueError):
            return forms.fields.InvalidJSONInput(data)


class IllustrationForm(VersionedForm):
    scale = SafeJSONField(empty={}, help_text=Illustration._meta.get_field("scale").help_text)
    landmarks = SafeJSONField(empty=[], help_text=Illustration._meta.get_field("landmarks").help_text)

    class Meta:
        model = Illustration
        fields = [
            "region", "slug", "view", "image", "static_path", "alt_text", "description", "credit", "licence",
            "order", "overview", "scale", "landmarks",
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
from . import admin_placement, admin_review  # noqa: E402, F401  (register PlacementAdmin, RevisionAdmin)
