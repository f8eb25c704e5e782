import sys

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.db.models import Count, Prefetch, prefetch_related_objects
from django.http import HttpResponse, HttpResponsePermanentRedirect, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from .caching import PARTIAL, public_page, variant
from .citations import render
from .figures import close_up, figures_of, figures_showing
from .models import (
    Alias,
    Citation,
    Condition,
    Discrepancy,
    Illustration,
    Indication,
    Placement,
    Point,
    RedFlag,
    Region,
    Source,
    Status,
    detail_prefetches,
    drafts_hidden,
)
from .modes import Mode
from .search import code_readings, search
from .sheets import MAX_POINTS, SPLIT_RE, Selection, for_sheet, selection_from
from .text import fold, strip_controls

MAX_SLUG_LENGTH = 40
# the point's close-up at the top of its page and panel: wider than tall, so the where, how
# and is-it-safe lines below it still fit a phone's first screen
CLOSE_UP_ASPECT = 1.85
# a condition page's card: a small square crop on the point, its step number as the label
# (the card's figure column is as wide: .point-card in site.css)
THUMBNAIL = {"display_width": 84, "aspect": 1, "art_label": False, "enlarge": False}


def _clean(value):
    """The slug as typed, or "" when it holds anything a slug cannot (control or invisible
    characters, which PostgreSQL may refuse) or is too long: one page has one address, so
    ``/regions/back%01/`` is a 404, not a second copy of the back region."""
    return value if strip_controls(value) == value and len(value) <= MAX_SLUG_LENGTH else ""  # "": no row has it


def _private_if(response, odd_input):
    """Mark the answer to odd input (a search that finds nothing, a sheet of unknown codes)
    as this visitor's own: the page cache does not keep it (points.caching)."""
    if odd_input:
        patch_cache_control(response, private=True)
    return response


def _for_mode(points, mode):
    """The points to offer in ``mode`` and the ones left out: in pregnancy mode, points to
    avoid in pregnancy are taken out of lists, maps and sheets (and named, with why)."""
    points = drafts_hidden(list(points))
    if not mode.pregnant:
        return points, []
    left_out = [p for p in points if p.avoid_in_pregnancy]
    # the note on each says why (its pregnancy citations) and what instead: two queries at
    # most, none where the page's own query already brought them
    prefetch_related_objects(
        left_out,
        Prefetch("citations", queryset=Citation.objects.select_related("source").order_by("source__order", "id")),
        "pregnancy_alternative",
    )
    drafts_hidden(left_out)
    return [p for p in points if not p.avoid_in_pregnancy], left_out


def _not_found(request, what, text=""):
    text = strip_controls(text)[:MAX_SLUG_LENGTH]
    suggestions = search(text) if text else None
    return render(
        request,
        "404.html",
        {"what": what, "text": text, "suggestions": suggestions},
        status=404,
    )


def not_found(request, exception=None):
    return _not_found(request, "page")


def _conditions_with_counts():
    """Published conditions in order, each with the number of points it offers. Counts come
    from the few published points (index on status), not from an aggregate over every row:
    the page stays as fast with 100x drafts."""
    offered = Point.objects.published().filter(reference_only=False).order_by()
    by_condition = dict(
        Indication.objects.filter(point__in=offered).order_by().values_list("condition_id").annotate(n=Count("id"))
    )
    conditions = list(Condition.objects.published().order_by("order", "name"))
    for condition in conditions:
        condition.point_count = by_condition.get(condition.pk, 0)
    return conditions


@require_safe
@public_page()
def home(request):
    by_region = dict(Point.objects.published().order_by().values_list("region_id").annotate(n=Count("id")))
    regions = list(Region.objects.order_by("order"))
    for region in regions:
        region.point_count = by_region.get(region.pk, 0)
    return render(request, "points/home.html", {"regions": regions, "conditions": _conditions_with_counts()})


@require_safe
@public_page()
def condition_list(request):
    return render(request, "points/conditions.html", {"conditions": _conditions_with_counts()})


@require_safe
@public_page()
def region_detail(request, slug):
    region = Region.objects.filter(slug=_clean(slug)).first()
    if region is None:
        return _not_found(request, "region", slug)
    mode = Mode.of(request)
    points, left_out = _for_mode(Point.objects.for_list().filter(region=region), mode)
    figures = figures_of(Illustration.objects.filter(region=region).for_map(), mode=mode)
    return render(
        request, "points/region.html", {"region": region, "points": points, "figures": figures, "left_out": left_out}
    )


@require_safe
@public_page(partial=True)
def point_detail(request, code):
    text = strip_controls(code)[:MAX_SLUG_LENGTH]
    staff = request.user.is_authenticated and request.user.is_staff  # staff preview drafts
    point = Point.objects.for_page(include_drafts=staff).filter(slug=text).first() if text == code else None
    if point is not None:
        prefetch_related_objects([point], *detail_prefetches())
        drafts_hidden([point])
        partial = variant(request) == PARTIAL
        mode = Mode.of(request)
        placements = list(Placement.objects.filter(point=point).for_map())  # a draft's too, in a staff preview
        # the answer first: the point on its close-up, then where, how and is it safe
        close = close_up(placements, point, mode=mode, aspect=CLOSE_UP_ASPECT)
        context = {"point": point, "partial": partial, "close": close}
        if partial:
            return render(request, "points/point.html#panel", context)
        context["figures"] = figures_showing(placements, [point], selected=point, mode=mode)
        return render(request, "points/point.html", context)

    # Another spelling: a code (UB23, lv3, BL-23) or a name (Hoku, Shenshu).
    readings = [r for r in code_readings(text) if r.point is not None]
    targets = {r.point.slug: r.point for r in readings}
    if not readings:
        for alias in Alias.objects.filter(normalized=fold(text), point__status=Status.PUBLISHED).select_related(
            "point__region", "point__meridian"
        ):
            targets.setdefault(alias.point.slug, alias.point)
    targets.pop(text, None)  # never redirect to ourselves
    if len(targets) == 1:
        (target,) = targets.values()
        return HttpResponsePermanentRedirect(target.get_absolute_url() + _query(request))
    if len(targets) > 1:
        return render(
            request,
            "points/ambiguous.html",
            {"text": text, "readings": code_readings(text), "points": targets.values()},
        )
    return _not_found(request, "point", text)


@require_safe
@public_page()
def condition_detail(request, slug):
    condition = Condition.objects.for_detail().filter(slug=_clean(slug)).first()
    if condition is None:
        return _not_found(request, "condition", slug)
    mode = Mode.of(request)
    indications = list(condition.indications.all())  # published points to press, in order
    left_out = _for_mode([ind.point for ind in indications], mode)[1]
    indications = [ind for ind in indications if ind.point not in left_out]
    points = [ind.point for ind in indications]
    numbers = {point.pk: n for n, point in enumerate(points, start=1)}
    placements = list(Placement.objects.filter(point__in=points).for_map())
    figures = figures_showing(placements, points, numbers=numbers, mode=mode)
    cards = [
        (ind, close_up(placements, ind.point, number=numbers[ind.point_id], mode=mode, **THUMBNAIL))
        for ind in indications
    ]
    context = {
        "condition": condition,
        "cards": cards,
        "left_out": left_out,
        "figures": figures,
        "red_flags": RedFlag.objects.for_display(),
    }
    return render(request, "points/condition.html", context)


@require_safe
@public_page("q", partial=True)
def search_view(request):
    result = search(request.GET.get("q", ""))
    partial = variant(request) == PARTIAL
    template = "points/search.html#results" if partial else "points/search.html"
    response = render(request, template, {"result": result, "q": result.query, "partial": partial})
    # only a search that found nothing is odd input; close matches for a typo are a real
    # answer, the same for everyone (and the costliest to compute), so they are kept
    return _private_if(response, result.query and result.empty)


@require_safe
@public_page()
def how_to_press(request):
    points, left_out = _for_mode(Point.objects.for_list().filter(reference_only=False), Mode.of(request))
    groups = [(level, label, [p for p in points if p.pressure == level]) for level, label in Point.Pressure.choices]
    context = {"pressure_groups": [g for g in groups if g[2]], "left_out": left_out}
    return render(request, "points/how_to_press.html", context)


@require_safe
@public_page()
def safety(request):
    points = list(Point.objects.for_list())
    groups = [
        (level, label, [p for p in points if p.pregnancy_caution == level])
        for level, label in Point.Pregnancy.choices
        if level != Point.Pregnancy.NONE
    ]
    context = {
        "pregnancy_groups": groups,
        "red_flags": RedFlag.objects.for_display(),
        "points": {p.code: p for p in points},
    }
    return render(request, "points/safety.html", context)


@require_safe
@public_page()
def sources(request):
    discrepancies = Discrepancy.objects.public().select_related("point", "condition", "fact_source").order_by("order")
    all_sources = Source.objects.prefetch_related(
        Prefetch("discrepancies", queryset=discrepancies.filter(ref__startswith="E"))
    )
    conflicts = discrepancies.filter(ref__startswith="C").prefetch_related("sources")
    evidence = dict(Indication.Evidence.choices)
    context = {
        "sources": all_sources,
        "conflicts": conflicts,
        "evidence": evidence,
        "figures": Illustration.objects.for_credits(),
        "licence": settings.CONTENT_LICENCE,
    }
    return render(request, "points/sources.html", context)


def _query(request):
    """The query string the view read (the page cache's canonical parameters), for a redirect."""
    query = request.GET.urlencode(safe=",")
    return f"?{query}" if query else ""


def _address(request):
    """This page's public address: the configured site (never the Host header) and only the
    query parameters the view reads (request.GET, as the page cache left it)."""
    return settings.SITE_URL + request.path + _query(request)


def _render_sheet(request, *, title, selection, back_url, condition=None, custom=False, uses=None):
    reviewed = [p.last_reviewed for p in selection.points if p.last_reviewed]
    shown, left_out = _for_mode(selection.points, Mode.of(request))
    return render(
        request,
        "points/sheet.html",
        {
            "title": title,
            "selection": selection,
            "shown": shown,
            "left_out": left_out,
            "red_flags": RedFlag.objects.for_display(),
            "uses": uses or {},  # a condition's sheet: its indications by point id (their own pressure)
            "condition": condition,
            "back_url": back_url,
            "last_reviewed": max(reviewed) if reviewed else None,
            "page_url": _address(request),
            "max_points": MAX_POINTS,
            "custom": custom,
        },
    )


@require_safe
@public_page()
def point_sheet(request, code):
    point = for_sheet(Point.objects.filter(slug=code)).first() if _clean(code) == code.lower() else None
    if point is None:
        response = point_detail(request, code)  # redirects other spellings, or a friendly 404
        if response.status_code == 301:
            path, _, query = response["Location"].partition("?")
            return HttpResponsePermanentRedirect(path + "sheet/" + (f"?{query}" if query else ""))
        return response
    selection = Selection(points=[point])
    return _render_sheet(
        request, title=f"{point.code} {point.pinyin_plain}", selection=selection, back_url=point.get_absolute_url()
    )


@require_safe
@public_page()
def condition_sheet(request, slug):
    condition = Condition.objects.published().select_related("red_flags_source").filter(slug=_clean(slug)).first()
    if condition is None:
        return _not_found(request, "condition", slug)
    indications = list(
        condition.indications.filter(point__status=Status.PUBLISHED, point__reference_only=False)
        .select_related("pressure_source")
        .order_by("order")
    )
    by_id = {p.pk: p for p in for_sheet(Point.objects.filter(pk__in=[i.point_id for i in indications]))}
    selection = Selection(points=[by_id[i.point_id] for i in indications if i.point_id in by_id])
    return _render_sheet(
        request,
        title=condition.name,
        selection=selection,
        back_url=condition.get_absolute_url(),
        condition=condition,
        uses={i.point_id: i for i in indications},
    )


@require_safe
@public_page("points", "add")
def custom_sheet(request):
    selection = selection_from(",".join(request.GET.getlist("points")) + "," + request.GET.get("add", ""))
    response = _render_sheet(
        request, title="My acupressure sheet", selection=selection, back_url=reverse("points:home"), custom=True
    )
    # a sheet in its own words (?points=bl23,bl40) is shared by everyone who prints it;
    # any other spelling, or codes we do not know, is one visitor's, and is not kept
    return _private_if(response, request.GET.urlencode(safe=",") != f"points={selection.param()}")


def _added(selection, prior, add):
    """What "Add to my sheet" did with ``add``: "added", "already" (on the sheet before),
    "full" (past the cap), "not-added" (unknown, or a point no sheet offers), or "" if
    nothing was asked."""
    token = next((t for t in SPLIT_RE.split(strip_controls(add)) if t), "")
    if not token:
        return ""
    if token not in selection.read:  # never looked up: the sheet was full
        return "full" if len(selection.points) >= MAX_POINTS else "not-added"
    slug = selection.read[token]
    if slug is None or slug not in selection.codes:
        return "not-added"
    before = {selection.read.get(t) for t in SPLIT_RE.split(strip_controls(prior)) if t}
    return "already" if slug in before else "added"


@require_safe
@vary_on_headers("HX-Request", "HX-Boosted")
def sheet_tray(request):
    """Answer "Add to my sheet" (htmx): what happened, said beside the button, and the header tray
    (swapped out of band); without htmx, go to the sheet."""
    prior, add = request.GET.get("points", ""), request.GET.get("add", "")
    selection = selection_from(prior + "," + add)
    if variant(request) != PARTIAL:
        mode = Mode.of(request).param
        return HttpResponseRedirect(
            reverse("points:custom_sheet") + f"?points={selection.param()}{mode and '&' + mode}"
        )
    context = {"selection": selection, "added": _added(selection, prior, add), "max_points": MAX_POINTS}
    return render(request, "includes/sheet_tray.html#added", context)


def _unavailable(text):
    return HttpResponse(text, status=503, content_type="text/plain", headers={"Retry-After": "5"})


@require_safe
def healthz(request):
    """Readiness for the load balancer: the database answers (the cache is never touched:
    a slow Redis only makes the site slower, it does not make it unhealthy)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return _unavailable("database unavailable\n")
    return HttpResponse("ok\n", content_type="text/plain")


@require_safe
def alive(request):
    """Liveness: the process answers (no database, no cache); the benchmark's trivial view."""
    return HttpResponse("ok\n", content_type="text/plain")


def server_error(request):
    """The 500 handler, reached from views and middleware alike: a database outage is a 503
    with Retry-After (the site is back in a moment), anything else our 500 page."""
    exc = sys.exc_info()[1]
    if isinstance(exc, (OperationalError, InterfaceError)):
        return HttpResponse(render_to_string("503.html"), status=503, headers={"Retry-After": "5"})
    return HttpResponse(render_to_string("500.html"), status=500)
