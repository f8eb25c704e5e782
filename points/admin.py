from django.contrib import admin, messages
from django.db.models import Count
from django.http import HttpResponseRedirect
from simple_history.admin import SimpleHistoryAdmin

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
    Region,
    Source,
)
from .text import fold


class AliasInline(admin.TabularInline):
    model = Alias
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


class IndicationInline(admin.TabularInline):
    model = Indication
    extra = 0
    fields = ["order", "point", "role", "note"]
    autocomplete_fields = ["point"]


class PlacementInline(admin.TabularInline):
    model = Placement
    extra = 0
    fields = ["illustration", "x", "y", "side"]


class VersionedAdminMixin:
    """Optimistic locking: a stale save is refused with a clear message (see points/locking.py)."""

    form = VersionedForm

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        versioned_save(
            obj=obj,
            expected_version=form.cleaned_data["version"],
            save=lambda: super(VersionedAdminMixin, self).save_model(request, obj, form, change),
        )

    def changeform_view(self, request, *args, **kwargs):
        try:
            return super().changeform_view(request, *args, **kwargs)
        except EditConflict as exc:  # lost a race after validation: everything rolled back, say so
            self.message_user(request, exc.message, level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class PublishPermissionMixin:
    """Only people with the publish permission (Reviewers) may change the status."""

    publish_permission = ""

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm(self.publish_permission):
            fields.append("status")
        return fields


@admin.register(Point)
class PointAdmin(VersionedAdminMixin, PublishPermissionMixin, SimpleHistoryAdmin):
    publish_permission = "points.publish_point"
    list_display = ["code", "pinyin", "english_name", "region", "status", "pregnancy_caution", "citation_count"]
    list_filter = ["status", "region", "meridian", "pregnancy_caution", "confidence", "indications__condition"]
    list_select_related = ["region"]
    search_fields = ["code", "pinyin", "english_name", "hanzi_simplified", "hanzi_traditional"]
    inlines = [AliasInline, PointCitationInline, PlacementInline]
    fieldsets = [
        (None, {"fields": ["code", "meridian", "number", "region", "status", "last_reviewed", "version"]}),
        ("Names", {"fields": ["pinyin", "hanzi_simplified", "hanzi_traditional", "english_name"]}),
        ("Content", {"fields": ["summary", "location", "how_to_find", "uses", "notes"]}),
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
                    "reach",
                ]
            },
        ),
        ("Safety", {"fields": ["pregnancy_caution", "pregnancy_note", "cautions"]}),
        ("Identification", {"fields": ["confidence", "confidence_note", "reference_only"]}),
    ]

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
class ConditionAdmin(VersionedAdminMixin, PublishPermissionMixin, SimpleHistoryAdmin):
    publish_permission = "points.publish_condition"
    list_display = ["name", "slug", "order", "status", "last_reviewed"]
    list_filter = ["status"]
    search_fields = ["name", "slug", "keywords"]
    inlines = [IndicationInline, ConditionCitationInline]


@admin.register(Source)
class SourceAdmin(SimpleHistoryAdmin):
    list_display = ["title", "key", "kind", "author", "year"]
    list_filter = ["kind"]
    search_fields = ["title", "key", "author", "publisher"]


@admin.register(Discrepancy)
class DiscrepancyAdmin(SimpleHistoryAdmin):
    list_display = ["ref", "severity", "point", "condition", "display"]
    list_filter = ["severity", "display"]
    list_select_related = ["point", "condition"]
    search_fields = ["ref", "claim", "fact"]
    filter_horizontal = ["sources"]


@admin.register(Illustration)
class IllustrationAdmin(SimpleHistoryAdmin):
    list_display = ["view", "region", "credit", "licence"]
    list_select_related = ["region"]


admin.site.register(Meridian, SimpleHistoryAdmin)
admin.site.register(Region, SimpleHistoryAdmin)
admin.site.site_header = "AcuGuide editors"
admin.site.site_title = "AcuGuide editors"
