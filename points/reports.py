"""Reader reports ("Is something wrong here?"): storing them, the rate limit, and what a
reviewer does with one.

A report is never shown publicly and never changes a public page: it is not content (no
history record, so the content version and the page cache do not move). The sender's
address is kept only as a keyed hash (``address_hash``), for the rate limit.

The rate limit counts stored reports per sender in the cache (Redis in production, shared
by every app server): ``RATE_LIMIT`` per ``RATE_WINDOW`` seconds from the sender's first
report. While the cache is unavailable (points.caching's circuit breaker), the reports the
database holds from that sender in the last window are counted instead.
"""

import hashlib
import hmac
import ipaddress
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from . import review
from .caching import cache_call
from .models import Placement, Report, ReportKind, ReportStatus

RATE_LIMIT = 5
RATE_WINDOW = 3600  # seconds
REASON_MAX = 400  # the length of a change reason (points.admin_placement)


class ReportError(Exception):
    """A report cannot be handled that way; the message says why, for the reviewer."""


def address_hash(address):
    """A keyed hash of the sender's address, so that neither the database nor the cache holds
    an address: it tells "the same sender as before" and nothing else. Hashed, not truncated:
    a truncated IPv4 address (a /24) would still narrow a reader down to a household or an
    office, and would make neighbours share one limit. An IPv6 address counts by its /64
    (one subscriber usually holds a whole /64, so counting single addresses would not limit
    anyone). Without SECRET_KEY the hash cannot be tried against the address space."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        text = "unknown"  # no usable address: all such senders share one limit
    else:
        if ip.version == 6 and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        text = str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else str(ip)
    key = hashlib.blake2b(b"acuguide-report-sender:" + settings.SECRET_KEY.encode(), digest_size=32).digest()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:32]


def _rate_key(sender):
    return f"report-rate:{sender}"


def _recent_in_database(sender):
    since = timezone.now() - timedelta(seconds=RATE_WINDOW)
    return Report.objects.filter(sender=sender, created__gte=since).count()


def _count(sender):
    """Count one report from ``sender``; returns how many there are in the window, this one
    included (the cache's incr is atomic, so concurrent senders cannot slip past the limit)."""
    key = _rate_key(sender)
    cache_call("add", key, 0, RATE_WINDOW)  # starts the window; a no-op while one is open
    count = cache_call("incr", key)
    if count is None:  # cache unavailable: the database knows the recent reports
        count = _recent_in_database(sender) + 1
    return count


class RateLimited(Exception):
    """This sender has sent RATE_LIMIT reports in the last RATE_WINDOW seconds."""


def report_create(*, point, kind, details="", placement=None, x=None, y=None, address):
    """Store a reader's report on a published ``point``; raises RateLimited past the limit.
    ``placement`` (one of the point's) with ``x`` and ``y`` is a tap on its figure. The form
    (points.report_views) has checked every value; the database's constraints check again."""
    if kind not in ReportKind.values:
        raise ValueError(f"unknown kind {kind!r}")
    if (x is None) != (y is None) or (x is not None and (placement is None or placement.point_id != point.pk)):
        raise ValueError("a tap needs x, y and one of the point's placements")
    sender = address_hash(address)
    if _count(sender) > RATE_LIMIT:
        raise RateLimited
    return Report.objects.create(
        point=point,
        kind=kind,
        details=details,
        placement=placement if x is not None else None,
        x=x,
        y=y,
        sender=sender,
    )


def _reason(report):
    text = f"Reader report {report.pk} ({report.get_kind_display().lower()})"
    if report.details:
        text += f": {' '.join(report.details.split())}"
    return text if len(text) <= REASON_MAX else text[: REASON_MAX - 1] + "…"


def report_mark(*, report, reviewer, status):
    """Mark ``report`` handled (turned into a revision, or dismissed) by ``reviewer``."""
    if status not in (ReportStatus.REVISED, ReportStatus.DISMISSED):
        raise ValueError(f"not a handled status: {status!r}")
    updated = Report.objects.filter(pk=report.pk, status=ReportStatus.NEW).update(
        status=status, handled_by=reviewer, handled=timezone.now()
    )
    if not updated:
        raise ReportError(f"Report {report.pk} was already handled")
    report.refresh_from_db()
    return report


def report_dismiss(*, report, reviewer):
    return report_mark(report=report, reviewer=reviewer, status=ReportStatus.DISMISSED)


def report_moves_placement(report):
    """True if the report is a location report with a tap on one of its point's figures:
    the one kind of report that becomes a revision without an editor's words."""
    return (
        report.kind == ReportKind.LOCATION
        and report.has_tap
        and Placement.objects.filter(pk=report.placement_id, point_id=report.point_id).exists()
    )


def report_edit_url(report):
    """Where a reviewer turns any other report into a revision: the point's change form, with
    the report's text as the reason (``report_initial``)."""
    url = reverse("admin:points_point_change", args=[report.point_id])
    return f"{url}?{urlencode({'report': report.pk})}"


@transaction.atomic
def report_to_revision(*, report, reviewer):
    """Turn a location report with a tap into a proposed revision that moves the tapped
    placement to the reader's spot, reviewed like any editor's change; the report is then
    "turned into a revision". Any other report raises ReportError: it needs an edit in the
    point's form (``report_edit_url``)."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.status != ReportStatus.NEW:
        raise ReportError(f"Report {report.pk} was already handled")
    if not report_moves_placement(report):
        raise ReportError(
            f"Report {report.pk} does not say where the point is on a figure: edit the point, "
            "with the report as the reason"
        )
    placement = Placement.objects.select_for_update().get(pk=report.placement_id)
    changes = [
        {
            "op": "change",
            "model": "placement",
            "pk": placement.pk,
            "version": placement.version,
            "fields": {"x": f"{report.x:.2f}", "y": f"{report.y:.2f}"},
        }
    ]
    revision = review.revision_propose(changes=changes, editor=reviewer, reason=_reason(report), report=report)
    report_mark(report=report, reviewer=reviewer, status=ReportStatus.REVISED)
    return revision


def report_from_query(query):
    """The new report named by ``?report=<id>``, or None for no, odd, unknown or handled ids."""
    value = query.get("report", "")
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        return None
    return Report.objects.filter(pk=int(value), status=ReportStatus.NEW).first()


def report_initial(query):
    """The prefill hook for the point's change form (``?report=<id>``, ``report_edit_url``):
    ``{"change_reason": ...}`` from the report, or ``{}`` for no, odd or unknown ids. The
    form's save, when it proposes the revision, passes the report to ``revision_propose``
    and calls ``report_mark(..., status=ReportStatus.REVISED)``."""
    report = report_from_query(query)
    return {"change_reason": _reason(report)} if report else {}
