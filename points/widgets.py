"""The location picker: an editor places a point on its illustration.

A widget in Django's own style (``django/contrib/admin/widgets.py``): a template,
a ``Media`` class and ``data-*`` attributes that tell ``location-picker.js``
which x and y inputs it drives. No inline script, no style attributes (CSP): the
script moves the marker by setting SVG attributes (``cx``, ``cy``).
"""

from django import forms
from django.db.models import Prefetch

from . import geometry
from .figures import art_for, markers_for
from .models import Illustration, Placement

STEP = 0.5  # percent per arrow key press
BIG_STEP = 2  # percent per Shift+arrow


def _percent(value):
    return f"{float(value):.2f}"


class LocationPickerWidget(forms.Widget):
    """Shows ``placement`` on its illustration with the other points faintly; the
    editor clicks, drags or uses the arrow keys and the x and y inputs follow."""

    template_name = "points/widgets/location_picker.html"

    class Media:
        css = {"all": ["points/location-picker.css"]}
        js = ["points/location-picker.js"]

    def __init__(self, attrs=None, *, placement=None, x_input="id_x", y_input="id_y", illustration_input=""):
        super().__init__(attrs)
        self.placement = placement
        self.x_input = x_input
        self.y_input = y_input
        self.illustration_input = illustration_input

    def value_from_datadict(self, data, files, name):
        return None  # the x and y inputs carry the values; the picker only drives them

    def value_omitted_from_data(self, data, files, name):
        return False

    def id_for_label(self, id_):
        return ""  # the focusable part is the marker inside the figure, named by its own aria-label

    def use_required_attribute(self, initial):
        return False

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        placement = self.placement
        if placement is None or placement.illustration_id is None:
            context["picker"] = None
            return context
        illustration = (
            Illustration.objects.select_related("region")
            .prefetch_related(
                Prefetch(
                    "placements",
                    queryset=Placement.objects.exclude(pk=placement.pk)
                    .select_related("point__region", "point__meridian")
                    .order_by("point__order_key", "side"),
                )
            )
            .get(pk=placement.illustration_id)
        )
        width, height = illustration.width or 100, illustration.height or 100
        x, y = float(placement.x or 0), float(placement.y or 0)
        scale = geometry.scale_for(geometry.PICKER, width, geometry.PICKER_PX)
        sizes = geometry.picker_numbers(scale)
        others = markers_for(illustration)
        drawn = geometry.layout(others, scale, (0, 0, width, height), art_for(illustration))
        code = placement.point.code if placement.point_id else "the point"
        position = f"x {_percent(x)} %, y {_percent(y)} %"
        context["widget"]["attrs"].update(
            {
                "data-x-input": self.x_input,
                "data-y-input": self.y_input,
                "data-illustration": str(illustration.pk),
                "data-width": str(width),
                "data-height": str(height),
                "data-step": str(STEP),
                "data-big-step": str(BIG_STEP),
                "data-code": code,
                # the marker's geometry (points.geometry), in figure units: the script moves it
                "data-arm": str(sizes["arm"]),
                "data-label-dy": str(sizes["label_dy"]),
            }
        )
        if self.illustration_input:
            context["widget"]["attrs"]["data-illustration-input"] = self.illustration_input
        cx, cy = round(x * width / 100, 2), round(y * height / 100, 2)
        context["picker"] = {
            "code": code,
            "src": illustration.src,
            "width": width,
            "height": height,
            "view": illustration.view,
            "alt_text": illustration.alt_text,
            "others": [(m, d) for m, d in zip(others, drawn, strict=True) if d is not None],
            "font": sizes["font"],
            "marker": {
                "cx": cx,
                "cy": cy,
                "r": sizes["dot_r"],
                "ring_r": sizes["ring_r"],
                "stroke": sizes["stroke"],
                "cross_x1": round(cx - sizes["arm"], 2),
                "cross_x2": round(cx + sizes["arm"], 2),
                "cross_y1": round(cy - sizes["arm"], 2),
                "cross_y2": round(cy + sizes["arm"], 2),
                "label_y": round(cy + sizes["label_dy"], 2),
                "x": _percent(x),
                "y": _percent(y),
                "position": position,
                "label": f"{code} location: {position}. Arrow keys move it by {STEP} %, "
                f"Shift+arrow keys by {BIG_STEP} %.",
            },
            "step": STEP,
            "big_step": BIG_STEP,
        }
        return context
