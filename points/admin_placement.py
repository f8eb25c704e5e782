"""Placements in the admin: the location picker, and a reason for every move.

On an existing placement the editor sees the illustration with this point's marker
and the other points faintly (``LocationPickerWidget``). Moving it asks for a
reason, kept in the history, and where possible a source, which becomes a
location citation on the point (``point_relocate``). On the add form the editor
chooses the illustration and types x and y; "Save and continue editing" then
shows the picker.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from . import measuring
from .admin_base import ContentAdmin
from .locking import VersionedForm
from .models import Illustration, Placement, Source
from .services import relocation_changes
from .widgets import LocationPickerWidget

LOCATION_FIELDS = ("x", "y", "illustration")
WHY_FIELDS = ("reason", "citation_source", "citation_locator")
REASON_REQUIRED = (
    "You moved this point: say why in “Reason for the move” (it is kept in the history), "
    "and choose the source that supports the new spot if you can."
)
REASON_FOR_CITATION = "A citation needs a reason: say what the source supports (it becomes the citation's note)."
LOCATOR_WITHOUT_SOURCE = "Choose the source this page or section belongs to."


def _percent_field(name):
    model_field = Placement._meta.get_field(name)
    return forms.DecimalField(
        label=name.upper(),
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        help_text=model_field.help_text,
    )


class PlacementAdminForm(VersionedForm):
    x = _percent_field("x")
    y = _percent_field("y")
    picker = forms.Field(
        label="Location on the figure",
        required=False,
        widget=LocationPickerWidget,
    )
    reason = forms.CharField(
        label="Reason for the move",
        required=False,
        max_length=400,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text="Required when you change x, y or the illustration: why is the new spot right? "
        "Kept in the history and as the citation's note.",
    )
    citation_source = forms.ModelChoiceField(
        label="Source for the new location",
        queryset=Source.objects.all(),
        required=False,
        help_text="Optional: the source that supports the new spot. Adds a location citation to the point.",
    )
    citation_locator = forms.CharField(
        label="Where in the source",
        required=False,
        max_length=200,
        help_text="Page, section or item in the source.",
    )

    class Meta:
        model = Placement
        fields = ["point", "illustration", "x", "y", "side", "landmark"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop("change_reason")  # "Reason for the move" is asked instead
        figure = self.instance.illustration if self.instance.illustration_id else None
        marks = measuring.landmark_map(figure.landmarks if figure else [])
        self.fields["landmark"] = forms.ChoiceField(
            label="Measured from",
            required=False,
            choices=[("", "— not measured (no guide) —"), *((k, f"{m['name']} ({k})") for k, m in marks.items())],
            help_text="The landmark of this figure its “how to find it” measures from. The page draws the guide "
            "from it to the marker; the offsets in cun follow the marker when you move it.",
        )
        if self.instance.pk is None:  # add form: no figure to pick on yet, nothing moved
            for name in ("picker", *WHY_FIELDS):
                self.fields.pop(name, None)
            return
        if "picker" in self.fields:
            self.fields["picker"].widget = LocationPickerWidget(
                placement=self.instance,
                x_input=self["x"].auto_id,
                y_input=self["y"].auto_id,
                illustration_input=self["illustration"].auto_id if "illustration" in self.fields else "",
            )

    @property
    def location_changed(self):
        return self.instance.pk is not None and any(name in self.changed_data for name in LOCATION_FIELDS)

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None:
            return cleaned
        reason = (cleaned.get("reason") or "").strip()
        cleaned["reason"] = reason
        if self.location_changed and not reason:
            self.add_error("reason", ValidationError(REASON_REQUIRED, code="reason_required"))
        elif cleaned.get("citation_source") and not reason:
            self.add_error("reason", ValidationError(REASON_FOR_CITATION, code="reason_required"))
        if cleaned.get("citation_locator") and not cleaned.get("citation_source"):
            self.add_error("citation_source", ValidationError(LOCATOR_WITHOUT_SOURCE, code="source_required"))
        return cleaned


@admin.register(Placement)
class PlacementAdmin(ContentAdmin):
    """Revert is for reviewers only (ContentAdmin); every move goes through ``point_relocate``."""

    form = PlacementAdminForm
    list_display = ["point", "illustration", "x", "y", "side"]
    list_select_related = ["point", "illustration__region"]
    list_filter = ["illustration__region", "side"]
    search_fields = ["point__code", "point__pinyin", "illustration__view"]
    ordering = ["point__order_key", "illustration__region__order", "illustration__order"]

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [
                (
                    None,
                    {
                        "fields": ["point", "illustration", ("x", "y"), "side"],
                        "description": "Choose the illustration and type x and y (percent of the figure's width "
                        "and height), then use “Save and continue editing” to place the point on the figure.",
                    },
                )
            ]
        why = ["reason"]
        if self._may_cite(request):
            why += ["citation_source", "citation_locator"]
        return [
            (
                None,
                {
                    "fields": [
                        "point",
                        "illustration",
                        "picker",
                        ("x", "y"),
                        "side",
                        "landmark",
                        "offsets",
                        "loaded_version",
                    ]
                },
            ),
            (
                "Why it moved",
                {
                    "fields": why,
                    "description": "A change of location needs a reason and, where possible, a source.",
                },
            ),
        ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("point", "illustration__region")

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "offsets"]

    @admin.display(description="Measuring guide")
    def offsets(self, obj):
        guide = measuring.guide_for(obj, obj.illustration) if obj and obj.pk else None
        if guide is None:
            return "No guide: not measured from a landmark."
        return f"{guide.words} (dx {obj.dx:g}, dy {obj.dy:g} cun)"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "illustration":
            kwargs["queryset"] = Illustration.objects.select_related("region")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def change_reason(self, request, form, add, default=""):
        return form.cleaned_data.get("reason") or super().change_reason(request, form, add, default)

    def extra_changes(self, request, form, obj):
        """A move with a source adds a location citation to the point (``relocation_changes``)."""
        source = form.cleaned_data.get("citation_source") if self._may_cite(request) else None
        if obj is None or source is None:
            return []
        return relocation_changes(
            placement=obj,
            x=form.cleaned_data["x"],
            y=form.cleaned_data["y"],
            reason=form.cleaned_data["reason"],
            source=source,
            locator=form.cleaned_data.get("citation_locator", ""),
        )[1:]

    @staticmethod
    def _may_cite(request):
        return request.user.has_perm("points.add_citation")
