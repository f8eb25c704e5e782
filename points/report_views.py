"""The public "Is something wrong here?" page of a point, and its thank-you page.

Not a cached page (no ``@public_page``: the page cache passes it by) and marked
``never_cache``: the form carries a CSRF token and, after an error, the reader's own text.
It works without JavaScript; static/js/report.js adds "tap where you think it is".
Stored by ``points.reports.report_create``; never shown publicly.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from . import clientip, geometry
from .citations import render
from .models import REPORT_DETAILS_MAX, Placement, Point, ReportKind
from .reports import RATE_LIMIT, RATE_WINDOW, RateLimited, report_create
from .text import strip_controls
from .views import MAX_SLUG_LENGTH, _not_found

HONEYPOT = "website"  # hidden by CSS (.report-hp); a person never fills it in
TAP_ERROR = "We could not read where you tapped the figure. Tap it again, or leave it out."


class DetailsField(forms.CharField):
    """Details as typed; a browser sends each line break as CR LF, but counts it (maxlength)
    as one character, so line breaks are counted as one here too."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n")


class ReportForm(forms.Form):
    kind = forms.ChoiceField(
        label="What is wrong?",
        choices=ReportKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what is wrong.", "invalid_choice": "Choose one of the answers below."},
    )
    details = DetailsField(
        label="Details (optional)",
        required=False,
        max_length=REPORT_DETAILS_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "max_length": f"Please keep the details to {REPORT_DETAILS_MAX} characters (you wrote %(show_value)d).",
        },
    )
    x = forms.DecimalField(required=False, min_value=0, max_value=100, widget=forms.HiddenInput)
    y = forms.DecimalField(required=False, min_value=0, max_value=100, widget=forms.HiddenInput)
    placement = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, point, placements, **kwargs):
        super().__init__(*args, **kwargs)
        self.point = point
        self.placements = {p.pk: p for p in placements}

    def clean_details(self):
        return strip_controls(self.cleaned_data["details"]).strip()

    def clean(self):
        cleaned = super().clean()
        tap_fields = ("x", "y", "placement")
        if any(name in self.errors for name in tap_fields):
            for name in tap_fields:
                self.errors.pop(name, None)
                cleaned.pop(name, None)
            raise ValidationError(TAP_ERROR, code="tap")
        x, y, pk = (cleaned.get(name) for name in tap_fields)
        if x is None and y is None:
            cleaned["placement"] = None  # no tap: whichever figure was shown does not matter
            return cleaned
        if x is None or y is None or pk not in self.placements:  # half a tap, or another point's figure
            cleaned["x"] = cleaned["y"] = cleaned["placement"] = None
            raise ValidationError(TAP_ERROR, code="tap")
        cleaned["x"], cleaned["y"] = (round(v, 2) for v in (x, y))
        cleaned["placement"] = self.placements[pk]
        return cleaned

    def tap(self):
        """The reader's spot, to draw again after an error: (x, y, placement pk), or None."""
        cleaned = getattr(self, "cleaned_data", None) or {}
        placement = cleaned.get("placement")
        if cleaned.get("x") is None or cleaned.get("y") is None or not isinstance(placement, Placement):
            return None
        return cleaned["x"], cleaned["y"], placement.pk


def _main_figure(point, placements):
    """The figure the reader taps: the point's close-up figure (points.figures.close_up's
    choice: a close-up before an overview, the point's own region first), drawn whole."""
    if not placements:
        return None
    return min(
        (p.illustration for p in placements),
        key=lambda i: (i.overview, i.region_id != point.region_id, i.order, i.pk),
    )


def report_figure(illustration, placements, *, tap=None, display_px=geometry.CLOSE_UP_PX):
    """What templates/points/includes/report_figure.html draws: ``illustration`` whole, the
    point's markers on it (``placements``, the point's) and, if given, the reader's ``tap``
    (x, y in percent); sizes from points.geometry for a figure ``display_px`` CSS px wide."""
    width, height = illustration.width or 100, illustration.height or 100
    sizes = geometry.picker_numbers(geometry.scale_for(geometry.PICKER, width, display_px))
    markers = [
        {
            "placement": p.pk,
            "cx": round(float(p.x) * width / 100, 2),
            "cy": round(float(p.y) * height / 100, 2),
            "side": "" if p.side == "midline" else f"person's {p.side} side",
        }
        for p in placements
        if p.illustration_id == illustration.pk
    ]
    spot = None
    if tap is not None:
        cx, cy = round(float(tap[0]) * width / 100, 2), round(float(tap[1]) * height / 100, 2)
        arm = sizes["arm"]
        spot = {
            "cx": cx, "cy": cy, "x1": round(cx - arm, 2), "x2": round(cx + arm, 2), "y1": round(cy - arm, 2),
            "y2": round(cy + arm, 2), "x": f"{tap[0]:.2f}", "y": f"{tap[1]:.2f}",
        }  # fmt: skip
    return {
        "illustration": illustration,
        "src": illustration.src,
        "width": width,
        "height": height,
        "markers": markers,
        "first_placement": markers[0]["placement"] if markers else "",
        "sizes": sizes,
        "tap": spot,
    }


def _published_point(code):
    text = strip_controls(code)[:MAX_SLUG_LENGTH]
    if text != code:
        return None
    return Point.objects.published().select_related("region").filter(slug=text).first()


def _form_page(request, point, placements, form, *, status=None, limited=False):
    illustration = _main_figure(point, placements)
    figure = report_figure(illustration, placements, tap=form.tap()) if illustration else None
    context = {
        "point": point,
        "form": form,
        "figure": figure,
        "honeypot": HONEYPOT,
        "details_max": REPORT_DETAILS_MAX,
        "limited": limited,
        "rate_limit": RATE_LIMIT,
        "rate_hours": RATE_WINDOW // 3600,
    }
    response = render(request, "points/report.html", context, status=status)
    if limited:
        response["Retry-After"] = str(RATE_WINDOW)
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def point_report(request, code):
    point = _published_point(code)
    if point is None:
        return _not_found(request, "point", code)
    placements = list(Placement.objects.filter(point=point).select_related("illustration"))
    if request.method != "POST":
        return _form_page(request, point, placements, ReportForm(point=point, placements=placements))
    thanks = HttpResponseRedirect(reverse("points:point_report_thanks", args=[point.slug]), status=303)
    if request.POST.get(HONEYPOT, "").strip():  # a bot: the usual answer, nothing stored
        return thanks
    form = ReportForm(request.POST, point=point, placements=placements)
    if not form.is_valid():
        return _form_page(request, point, placements, form)
    data = form.cleaned_data
    try:
        report_create(
            point=point,
            kind=data["kind"],
            details=data["details"],
            placement=data["placement"],
            x=data["x"],
            y=data["y"],
            address=clientip.client_ip(request),
        )
    except RateLimited:
        return _form_page(request, point, placements, form, status=429, limited=True)
    return thanks


@never_cache
@require_safe
def point_report_thanks(request, code):
    point = _published_point(code)
    if point is None:
        return _not_found(request, "point", code)
    return render(request, "points/report_thanks.html", {"point": point})
