"""What an editor may save: only values every public page can use (issue 12, item 4).

Codes read as codes (``points.codes``), anything a page builds an address or an element id
from is a plain lower-case slug, a figure names a shipped SVG that is there; the models use
these validators, so every admin form and the content loader refuse the same things. Pages
still cope with a figure whose file goes missing later (``shipped_url``: no 500, the figure
is left out). Also the staff side's odd input: bad ids in the history pages are a 404.
"""

import logging
import math
import re
from xml.etree.ElementTree import ParseError

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.validators import RegexValidator
from django.http import Http404
from django.templatetags.static import static

from . import codes, geometry
from .locking import VersionedInlineFormSet
from .text import fold

logger = logging.getLogger(__name__)

# The longest slug a public page answers to (points.views.MAX_SLUG_LENGTH, which a test
# keeps equal): a longer one would make its own page a 404.
SLUG_MAX_LENGTH = 40

url_slug = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z",
    "Use lower-case letters and digits, words joined by single hyphens (e.g. lower-back): "
    "it is part of a page's address.",
    code="url_slug",
)

discrepancy_ref = RegexValidator(
    r"^[EC][1-9][0-9]{0,3}\Z",
    "Write E and a number for an error (E12), C and a number for a conflict (C3).",
    code="discrepancy_ref",
)

# Shipped figures live here (static/illustrations/); a path is words joined by - or _.
FIGURES_DIR = "illustrations/"
SVG_PATH_RE = re.compile(r"^illustrations/(?:[a-z0-9_-]+/)*[a-z0-9][a-z0-9_-]*\.svg\Z")
VIEWBOX_RE = re.compile(r'viewBox="0 0 ([\d.]+) ([\d.]+)"')


def validate_meridian_code(value):
    if value not in codes.MERIDIAN_FAMILIES:
        known = ", ".join(sorted(codes.MERIDIAN_FAMILIES))
        raise ValidationError(
            "Not a meridian that point codes are written with: use one of %(known)s.",
            code="meridian_code",
            params={"known": known},
        )


def shipped_file(static_path):
    """The file a static path names (found as ``collectstatic`` would find it, or in the
    collected files), or None: never an exception, whatever the path holds."""
    try:
        found = finders.find(static_path)
        if found:
            return found
        if staticfiles_storage.exists(static_path):
            return staticfiles_storage.path(static_path)
    except (SuspiciousFileOperation, NotImplementedError, ValueError, OSError):
        pass
    return None


def shipped_url(static_path):
    """The address of a shipped file, or "" when it is not there any more (a missing entry
    in the production manifest would otherwise be a 500 on every page drawing the figure)."""
    if not static_path or shipped_file(static_path) is None:
        logger.warning("The shipped figure %r is missing: pages leave it out", static_path)
        return ""
    try:
        return static(static_path)
    except ValueError:  # ManifestStaticFilesStorage: not collected
        logger.warning("The shipped figure %r is not in the static files manifest: pages leave it out", static_path)
        return ""


def svg_size(path):
    """Width and height of an SVG file from its viewBox (which must start at 0 0), or None."""
    try:
        with open(path, encoding="utf-8") as file:
            head = file.read(2000)
    except (OSError, UnicodeDecodeError):
        return None
    match = VIEWBOX_RE.search(head)
    if not match:
        return None
    width, height = round(float(match.group(1))), round(float(match.group(2)))
    return (width, height) if width > 0 and height > 0 else None


def validate_shipped_svg(value):
    """A figure's ``static_path``: an SVG under static/illustrations/ that is there and that
    the page can read (its size and labels)."""
    if not value:
        return
    if ".." in value or not SVG_PATH_RE.match(value):
        raise ValidationError(
            "Name a shipped SVG under %(dir)s in lower case, e.g. illustrations/back.svg.",
            code="svg_path",
            params={"dir": FIGURES_DIR},
        )
    path = shipped_file(value)
    if path is None:
        raise ValidationError(
            "There is no %(path)s among the shipped files.", code="svg_missing", params={"path": value}
        )
    if svg_size(path) is None:
        raise ValidationError("%(path)s has no viewBox starting at 0 0.", code="svg_unreadable", params={"path": value})
    try:
        geometry.read_art(path)
    except (ParseError, ValueError, IndexError):
        raise ValidationError(
            "%(path)s is not an SVG drawing this site can read.", code="svg_unreadable", params={"path": value}
        ) from None


# How a WHO code may be typed: BL23, bl-23, Bl 023, EX-UE7, exue7 (other signs are not a code).
TYPED_CODE_RE = re.compile(r"[A-Za-z]{2}(?:-?[A-Za-z]{2})?[- ]?[0-9]{1,3}", re.ASCII)


def point_code_clean(point):
    """The point's code in its WHO spelling, agreeing with its meridian and number (the code
    is the page's address; meridian and number sort it). Raises ValidationError."""
    if not point.code:
        return  # the field's own check says it is required
    typed = point.code.strip()
    who = codes.who_code(typed) if TYPED_CODE_RE.fullmatch(typed) else None
    if who is None:
        raise ValidationError(
            {
                "code": ValidationError(
                    "Not a WHO point code: write the meridian's letters and the point's number, e.g. BL23 or "
                    "EX-UE7 (other spellings such as UB23 are aliases).",
                    code="point_code",
                )
            }
        )
    point.code = who.code
    errors = {}
    meridian = point.meridian if point.meridian_id else None
    if meridian is not None and meridian.code != who.family:
        errors["meridian"] = ValidationError(
            "%(code)s is a point of %(family)s, not of %(meridian)s.",
            code="point_meridian",
            params={"code": who.code, "family": who.family, "meridian": meridian.code},
        )
    if point.number is not None and point.number != who.number:
        errors["number"] = ValidationError(
            "The number of %(code)s is %(number)s.",
            code="point_number",
            params={"code": who.code, "number": who.number},
        )
    if errors:
        raise ValidationError(errors)


class AliasFormSet(VersionedInlineFormSet):
    """Two rows of one point's aliases that differ only in case, accents or spacing are the
    same alias: refused in the form (the database would refuse the second)."""

    def clean(self):
        super().clean()
        seen = {}
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or self._should_delete_form(form):
                continue
            text = form.cleaned_data.get("text")
            if not text:
                continue
            key = fold(text)
            if key in seen:
                form.add_error("text", f"The same alias as {seen[key]!r} (case, accents and spaces do not count).")
            else:
                seen[key] = text


class HistoryIdsAdminMixin:
    """django-simple-history's history pages take any text as the record and version ids
    (``/history/abc/`` was a 500): anything that is not an id is a 404."""

    def _ids_or_404(self, *ids):
        for value in ids:
            text = str(value)
            if not (text.isascii() and text.isdigit() and len(text) <= 18):  # a bigint
                raise Http404("No such record or version.")

    def history_view(self, request, object_id, extra_context=None):
        self._ids_or_404(object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._ids_or_404(object_id, version_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


# Figures drawn to scale (issue 13): a figure's scale and landmarks, as points.measuring reads them.
LANDMARK_KEY_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z")


def _is_number(value):
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def validate_landmarks(value):
    """A figure's landmarks: a list of {"key", "name", "x", "y"}, keys unique, x and y percent."""
    if not isinstance(value, list):
        raise ValidationError('Write the landmarks as a list: [{"key": ..., "name": ..., "x": ..., "y": ...}].')
    seen = set()
    for n, item in enumerate(value, 1):
        if not isinstance(item, dict) or set(item) != {"key", "name", "x", "y"}:
            raise ValidationError(
                'Landmark %(n)s needs exactly "key", "name", "x" and "y".', code="landmark", params={"n": n}
            )
        key, name = item["key"], item["name"]
        if not isinstance(key, str) or not LANDMARK_KEY_RE.match(key) or len(key) > 60:
            raise ValidationError(
                "Landmark %(n)s: its key is lower-case words joined by hyphens (e.g. l2-spinous).",
                code="landmark",
                params={"n": n},
            )
        if key in seen:
            raise ValidationError("Two landmarks are called %(key)s.", code="landmark", params={"key": key})
        seen.add(key)
        if not isinstance(name, str) or not name.strip() or len(name) > 120:
            raise ValidationError("Landmark %(key)s needs a name in words.", code="landmark", params={"key": key})
        if not all(_is_number(item[a]) and 0 <= item[a] <= 100 for a in ("x", "y")):
            raise ValidationError(
                "Landmark %(key)s: x and y are percent of the figure, 0 to 100.", code="landmark", params={"key": key}
            )


SCALE_KEYS = {"cun", "from", "to", "length", "basis"}


def validate_scale(value):
    """A figure's scale: {} or {"cun", "from", "to", "length", "basis"} (cun: drawing units per
    cun; from/to: two landmarks ``length`` cun apart by a WHO proportional measurement)."""
    if value in ({}, None):
        return
    if not isinstance(value, dict) or set(value) != SCALE_KEYS:
        raise ValidationError(
            'Write the scale as {"cun": units per cun, "from": landmark, "to": landmark, "length": cun, '
            '"basis": "the measurement in words"}, or leave it empty.',
            code="scale",
        )
    if not all(_is_number(value[k]) and 0 < value[k] <= 1000 for k in ("cun", "length")):
        raise ValidationError("The scale's cun and length are positive numbers.", code="scale")
    if not all(isinstance(value[k], str) and value[k].strip() for k in ("from", "to", "basis")):
        raise ValidationError("The scale names two landmarks and says in words what it measures.", code="scale")
