"""Reader reports (issue 12, item 2): "Is something wrong here?" on every point page, a small
form that works without JavaScript, is never cached, resists abuse (CSRF, length limits, a
honeypot, a per-address rate limit behind the proxy), never changes a public page, is shown
escaped in the admin, and becomes a proposed revision in one click."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from points import caching, reports, review
from points.models import ContentVersion, Placement, Point, Report, ReportStatus
from points.reports import RATE_LIMIT, address_hash, report_initial
from points.roles import EDITORS, REVIEWERS, roles_sync

pytestmark = pytest.mark.django_db

URL = "/points/bl23/report/"
THANKS = "/points/bl23/report/thanks/"
PAYLOAD = '<script>alert("x")</script>"><img src=x onerror=alert(1)>'


def main_placement(code="BL23"):
    """The placement on the figure the report page shows (the point's close-up figure)."""
    return Placement.objects.get(point__code=code, illustration__slug="back-lower", side="left")


def post(client, data=None, address="203.0.113.7", **kwargs):
    return client.post(URL, {"kind": "wording", "details": "", **(data or {})}, REMOTE_ADDR=address, **kwargs)


def member(group, name):
    roles_sync()
    user = User.objects.create_user(name, password="pw-for-tests-only", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    return client, user


# The link and the page


def test_every_published_point_page_and_panel_links_to_its_report_page(client):
    points = list(Point.objects.published())
    assert len(points) > 20
    for point in points:
        link = f'href="/points/{point.slug}/report/" rel="nofollow">Is something wrong here?</a>'
        assert link in client.get(f"/points/{point.slug}/").content.decode(), point.code
        assert link in client.get(f"/points/{point.slug}/", headers={"HX-Request": "true"}).content.decode()


def test_a_draft_has_no_report_link_or_page():
    Point.objects.filter(code="LR4").update(status="draft")
    _, user = member(REVIEWERS, "rita")
    staff = Client()
    staff.force_login(user)
    assert "Is something wrong here?" not in staff.get("/points/lr4/").content.decode()  # staff preview
    assert Client().get("/points/lr4/report/").status_code == 404


def test_the_form_works_without_javascript_under_the_strict_csp(client):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('<form class="report-form"')
    form = html[start : html.index("</form>", start)]
    assert 'method="post"' in form and 'action="/points/bl23/report/"' in form
    assert 'name="csrfmiddlewaretoken"' in form
    assert re.findall(r'name="kind" value="(\w+)"', form) == ["location", "wording", "safety", "other"]
    assert "<legend>What is wrong?</legend>" in form
    assert 'maxlength="1000"' in form and "Up to 1000 characters" in form
    # the figure is shown with the point's current markers, without any script
    assert 'href="/static/illustrations/back-lower.svg"' in form
    assert form.count('class="report-marker"') == 2  # BL23 on both sides
    assert 'name="x"' in form and 'name="y"' in form and 'name="placement"' in form
    assert "say where in the details" in form  # what to do without the tap
    # the honeypot is in the form but hidden from people (CSS) and from assistive technology
    assert re.search(r'<div class="report-hp" aria-hidden="true">.*?name="website".*?tabindex="-1"', form, re.S)
    # strict CSP: no inline script, no style attribute
    assert " style=" not in html and not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert '<script src="/static/js/report.js" defer>' in html
    assert "default-src 'none'" in response["Content-Security-Policy"]


def test_sending_a_report_stores_it_and_thanks_the_reader(client):
    response = post(client, {"kind": "safety", "details": "The pregnancy note\r\nseems too weak."})
    assert response.status_code == 303 and response["Location"] == THANKS
    report = Report.objects.get()
    assert (report.point.code, report.kind, report.status) == ("BL23", "safety", ReportStatus.NEW)
    assert report.details == "The pregnancy note\nseems too weak."
    assert report.x is None and report.placement is None
    # the address is never stored, only a keyed hash of it (for the rate limit)
    assert report.sender == address_hash("203.0.113.7") and "203.0.113" not in report.sender
    thanks = client.get(THANKS)
    assert thanks.status_code == 200
    text = thanks.content.decode()
    assert "A reviewer reads it" in text and "Nothing you wrote is shown on the site" in text
    assert 'href="/points/bl23/">Back to BL23' in text


def test_a_tap_on_the_figure_is_stored_with_the_figure_tapped(client):
    placement = main_placement()
    response = post(client, {"kind": "location", "x": "41.567", "y": "63.2", "placement": placement.pk})
    assert response.status_code == 303
    report = Report.objects.get()
    assert (report.x, report.y, report.placement) == (Decimal("41.57"), Decimal("63.20"), placement)


def test_a_report_never_changes_what_readers_see(client):
    before = client.get("/points/bl23/").content
    version = ContentVersion.current()
    post(client, {"details": PAYLOAD})
    assert Report.objects.count() == 1
    assert ContentVersion.current() == version  # not content: no history record, no version bump
    assert client.get("/points/bl23/").content == before
    for path in ["/points/bl23/", "/search/?q=alert", "/sources/", "/regions/back/"]:
        assert "alert(" not in client.get(path).content.decode(), path


# Abuse


def test_the_honeypot_gets_the_usual_thanks_and_nothing_is_stored(client):
    response = post(client, {"details": "cheap pills", "website": "http://spam.example"})
    assert response.status_code == 303 and response["Location"] == THANKS
    assert not Report.objects.exists()
    # even with other junk, a filled honeypot is answered the same way
    assert post(client, {"kind": "nonsense", "website": "x"}).status_code == 303
    assert not Report.objects.exists()


def test_csrf_is_enforced():
    strict = Client(enforce_csrf_checks=True)
    assert post(strict, {"details": "no token"}).status_code == 403
    assert not Report.objects.exists()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', strict.get(URL).content.decode()).group(1)
    assert post(strict, {"details": "with token", "csrfmiddlewaretoken": token}).status_code == 303
    assert Report.objects.get().details == "with token"


def test_the_sixth_report_in_an_hour_from_one_address_is_refused_with_the_text_kept(client):
    for n in range(RATE_LIMIT):
        assert post(client, {"details": f"report {n}"}).status_code == 303
    response = post(client, {"details": "my sixth & last <report>"})
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    html = response.content.decode()
    assert "You have sent 5 reports in the last hour" in html
    assert ">my sixth &amp; last &lt;report&gt;</textarea>" in html  # kept, escaped, for the reader to copy
    assert "no-store" in response["Cache-Control"]
    assert Report.objects.count() == RATE_LIMIT
    # another address is not affected
    assert post(client, {"details": "someone else"}, address="198.51.100.2").status_code == 303
    assert Report.objects.count() == RATE_LIMIT + 1


def test_behind_the_proxy_the_limit_counts_the_address_client_ip_gives(client, monkeypatch):
    """Behind the TLS proxy every request comes from the proxy's address: the limit must use
    client_ip (points.clientip), never REMOTE_ADDR itself."""
    monkeypatch.setattr("points.clientip.client_ip", lambda request: request.META["HTTP_X_FORWARDED_FOR"])
    proxy = "10.0.0.1"
    for n in range(RATE_LIMIT + 2):  # seven readers behind one proxy: all stored
        assert post(client, address=proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.{n + 1}").status_code == 303
    for _ in range(RATE_LIMIT - 1):  # one reader sends five in all
        assert post(client, address=proxy, HTTP_X_FORWARDED_FOR="192.0.2.1").status_code == 303
    assert post(client, address=proxy, HTTP_X_FORWARDED_FOR="192.0.2.1").status_code == 429
    assert Report.objects.count() == RATE_LIMIT + 2 + RATE_LIMIT - 1


def test_the_limit_holds_while_the_cache_is_down(client, monkeypatch):
    """With Redis unavailable (the circuit breaker open) the database counts the sender's reports."""
    monkeypatch.setattr(caching.breaker, "open_until", float("inf"))
    for _ in range(RATE_LIMIT):
        assert post(client).status_code == 303
    assert post(client).status_code == 429


def test_an_ipv6_sender_counts_by_its_64_block():
    assert address_hash("2001:db8:1:2::1") == address_hash("2001:db8:1:2:ffff::9")
    assert address_hash("2001:db8:1:2::1") != address_hash("2001:db8:1:3::1")
    assert address_hash("::ffff:192.0.2.1") == address_hash("192.0.2.1")
    assert address_hash("192.0.2.1") != address_hash("192.0.2.2")


def test_details_are_limited_to_1000_characters_line_breaks_counted_once(client):
    response = post(client, {"details": "x" * 1001})
    assert response.status_code == 200
    assert "Please keep the details to 1000 characters (you wrote 1001)" in response.content.decode()
    assert not Report.objects.exists()
    # a browser counts a line break as one character but sends CR LF
    assert post(client, {"details": "line\r\n" * 199 + "x" * 5}).status_code == 303
    assert len(Report.objects.get().details) == 1000


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"details": "a\x00b"}, "Null characters are not allowed"),
        ({"details": "x" * 200_000}, "Please keep the details to 1000 characters"),
        ({"kind": "hacked"}, "Choose one of the answers"),
        ({"kind": ""}, "Choose what is wrong"),
        ({"x": "101", "y": "50", "placement": "{placement}"}, "We could not read where you tapped"),
        ({"x": "-1", "y": "50", "placement": "{placement}"}, "We could not read where you tapped"),
        ({"x": "abc", "y": "50", "placement": "{placement}"}, "We could not read where you tapped"),
        ({"x": "NaN", "y": "Infinity", "placement": "{placement}"}, "We could not read where you tapped"),
        ({"x": "1e999999", "y": "5", "placement": "{placement}"}, "We could not read where you tapped"),
        ({"x": "40", "placement": "{placement}"}, "We could not read where you tapped"),
        ({"x": "40", "y": "50"}, "We could not read where you tapped"),
        ({"x": "40", "y": "50", "placement": "abc"}, "We could not read where you tapped"),
        ({"x": "40", "y": "50", "placement": "99999999999999999999999"}, "We could not read where you tapped"),
        ({"x": "40", "y": "50", "placement": "{other}"}, "We could not read where you tapped"),
    ],
    ids=["nul", "huge", "unknown-kind", "no-kind", "x>100", "x<0", "x-text", "nan", "huge-exponent", "no-y",
         "no-placement", "placement-text", "placement-huge", "other-points-placement"],
)  # fmt: skip
def test_odd_input_gets_a_form_error_and_nothing_is_stored(client, data, message):
    values = {"placement": str(main_placement().pk), "other": str(main_placement("BL25").pk)}
    data = {k: v.format(**values) for k, v in data.items()}
    response = post(client, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and 'role="alert"' in html
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    "path", ["/points/xx99/report/", "/points/bl23%00/report/", "/points/" + "b" * 5000 + "/report/",
             "/points/xx99/report/thanks/"],
)  # fmt: skip
def test_an_unknown_point_is_a_helpful_404(client, path):
    answers = [client.get(path)] + ([] if path.endswith("thanks/") else [client.post(path, {"kind": "other"})])
    for response in answers:
        assert response.status_code == 404
        assert "We could not find that point" in response.content.decode()
    assert not Report.objects.exists()


def test_a_misspelt_code_404_suggests_the_point(client):
    response = client.get("/points/bl-23/report/")
    assert response.status_code == 404 and 'href="/points/bl23/"' in response.content.decode()


def test_other_methods_are_refused(client):
    assert client.put(URL).status_code == 405
    assert client.post(THANKS).status_code == 405


def test_the_page_is_never_cached_and_one_readers_text_never_reaches_another():
    first, second = Client(), Client()
    refused = first.post(URL, {"kind": "wording", "details": "FIRST-READERS-TEXT " + "x" * 1000})
    assert refused.status_code == 200 and "FIRST-READERS-TEXT" in refused.content.decode()
    page = second.get(URL)
    assert "FIRST-READERS-TEXT" not in page.content.decode()
    for response in (page, refused, second.get(THANKS), second.head(URL)):
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
        assert not response.has_header("ETag")
    # the two GETs: two tokens, not one stored page
    assert first.get(URL).content != second.get(URL).content


# The admin


def test_reports_are_escaped_in_the_admin_list_and_change_page():
    placement = main_placement()
    report = Report.objects.create(
        point=placement.point, kind="location", details=PAYLOAD, placement=placement, x=40, y=60, sender="s"
    )
    reviewer, _ = member(REVIEWERS, "rita")
    for path in ("/admin/points/report/", f"/admin/points/report/{report.pk}/change/"):
        response = reviewer.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html, path
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in html


def test_the_list_shows_new_reports_with_point_kind_date_and_a_short_excerpt():
    point = Point.objects.get(code="BL23")
    Report.objects.create(point=point, kind="wording", details="A" * 300, sender="s")
    Report.objects.create(point=point, kind="other", details="already dismissed", status="dismissed", sender="s")
    reviewer, _ = member(REVIEWERS, "rita")
    html = reviewer.get("/admin/points/report/").content.decode()
    assert "BL23" in html and "The wording" in html
    assert "A" * 79 + "…" in html and "A" * 81 not in html
    assert "already dismissed" not in html  # the inbox: new reports
    assert "already dismissed" in reviewer.get("/admin/points/report/?status=all").content.decode()
    assert "A" * 79 not in reviewer.get("/admin/points/report/?kind=other").content.decode()
    # odd filters are ignored or refused (NUL: 400, points.middleware.refuse_nul), never a 500
    odd = ("status=%00", "kind=%00", "kind__exact=%00", "details=%00", "q=%00", "created__year=%00", "o=%00", "%00=1")
    for query in odd:
        assert reviewer.get(f"/admin/points/report/?{query}").status_code in {200, 302, 400}, query


def test_the_change_page_draws_the_readers_spot_beside_the_current_marker():
    placement = main_placement()
    report = Report.objects.create(
        point=placement.point, kind="location", placement=placement, x=Decimal("50.00"), y=Decimal("25.00"), sender="s"
    )
    reviewer, _ = member(REVIEWERS, "rita")
    html = reviewer.get(f"/admin/points/report/{report.pk}/change/").content.decode()
    assert 'href="/static/points/report.css"' in html
    assert '<figure class="report-figure has-tap">' in html
    width, height = placement.illustration.width, placement.illustration.height
    # the reader's spot at 50 %, 25 %; the current markers where the placements are
    assert f'class="report-tap-ring" cx="{width / 2:g}' in html.replace('.0"', '"')
    assert f'cy="{height / 4:g}' in html.replace('.0"', '"')
    assert html.count('class="report-marker"') == 2
    assert "x 50.00 %, y 25.00 %" in html
    assert 'value="Turn into a proposed revision"' in html and 'value="Dismiss"' in html
    assert 'name="_save"' not in html  # read-only: nothing to save


def test_who_may_do_what_with_reports():
    point = Point.objects.get(code="BL23")
    report = Report.objects.create(point=point, kind="wording", sender="s")
    editor_client, editor = member(EDITORS, "edna")
    reviewer_client, reviewer = member(REVIEWERS, "rita")
    assert editor.has_perm("points.view_report") and not editor.has_perm("points.change_report")
    assert reviewer.has_perm("points.change_report") and reviewer.has_perm("points.delete_report")
    assert not reviewer.has_perm("points.add_report") and not editor.has_perm("points.add_report")
    assert editor_client.get("/admin/points/report/").status_code == 200
    page = editor_client.get(f"/admin/points/report/{report.pk}/change/").content.decode()
    assert 'value="Dismiss"' not in page
    assert editor_client.post(f"/admin/points/report/{report.pk}/dismiss/").status_code == 403
    assert reviewer_client.get("/admin/points/report/add/").status_code == 403
    admin = User.objects.create_superuser("root", password="pw-for-tests-only")
    superuser = Client()
    superuser.force_login(admin)
    assert superuser.get("/admin/points/report/add/").status_code == 403  # readers only, through the form
    assert reviewer_client.get(f"/admin/points/report/{report.pk}/dismiss/").status_code == 405
    assert reviewer_client.post("/admin/points/report/abc/dismiss/").status_code == 302  # "does not exist"
    assert reviewer_client.post(f"/admin/points/report/{report.pk}/dismiss/").status_code == 302
    report.refresh_from_db()
    assert (report.status, report.handled_by) == (ReportStatus.DISMISSED, reviewer)


# One click: a report becomes a proposed revision


@pytest.fixture
def proposed(monkeypatch):
    """What revision_propose (the lead's points/review.py) was called with."""
    calls, stub = [], review.revision_propose

    def record(**kwargs):
        calls.append(kwargs)
        return stub(**kwargs)

    monkeypatch.setattr("points.review.revision_propose", record)
    return calls


def test_a_location_report_with_a_tap_becomes_a_revision_moving_that_placement(proposed):
    placement = main_placement()
    report = Report.objects.create(
        point=placement.point, kind="location", details="It is a finger lower.", placement=placement,
        x=Decimal("41.50"), y=Decimal("63.20"), sender="s",
    )  # fmt: skip
    reviewer_client, reviewer = member(REVIEWERS, "rita")
    response = reviewer_client.post(f"/admin/points/report/{report.pk}/revise/", follow=True)
    assert "is now a proposed revision" in response.content.decode()
    assert proposed == [
        {
            "changes": [
                {
                    "op": "change",
                    "model": "placement",
                    "pk": placement.pk,
                    "version": placement.version,
                    "fields": {"x": "41.50", "y": "63.20"},
                }
            ],
            "editor": reviewer,
            "reason": f"Reader report {report.pk} (the location): It is a finger lower.",
            "report": report,
        }
    ]
    report.refresh_from_db()
    assert (report.status, report.handled_by) == (ReportStatus.REVISED, reviewer)
    placement.refresh_from_db()
    assert (placement.x, placement.y) != (Decimal("41.50"), Decimal("63.20"))  # live only once approved
    # a second click does nothing more
    reviewer_client.post(f"/admin/points/report/{report.pk}/revise/")
    assert len(proposed) == 1


def test_any_other_report_opens_the_points_form_with_the_report_as_the_reason(proposed):
    point = Point.objects.get(code="BL23")
    report = Report.objects.create(point=point, kind="wording", details=f"Step 2 is unclear {PAYLOAD}", sender="s")
    reviewer_client, _ = member(REVIEWERS, "rita")
    html = reviewer_client.get(f"/admin/points/report/{report.pk}/change/").content.decode()
    assert f'href="/admin/points/point/{point.pk}/change/?report={report.pk}"' in html
    assert 'value="Turn into a proposed revision"' not in html
    response = reviewer_client.post(f"/admin/points/report/{report.pk}/revise/", follow=True)
    assert "does not say where the point is" in response.content.decode()
    assert proposed == []
    report.refresh_from_db()
    assert report.status == ReportStatus.NEW
    # the hook the point's change form calls for ?report=<id>
    reason = report_initial({"report": str(report.pk)})["change_reason"]
    assert reason.startswith(f"Reader report {report.pk} (the wording): Step 2 is unclear")
    for junk in ("", "abc", "1" * 40, "٣", "-1", str(report.pk + 1000), "\x00"):
        assert report_initial({"report": junk}) == {}


def test_the_list_action_turns_tapped_location_reports_into_revisions_and_links_the_rest(proposed):
    placement = main_placement()
    tapped = Report.objects.create(point=placement.point, kind="location", placement=placement, x=1, y=2, sender="s")
    untapped = Report.objects.create(point=placement.point, kind="location", sender="s")
    reviewer_client, _ = member(REVIEWERS, "rita")
    response = reviewer_client.post(
        "/admin/points/report/",
        {"action": "turn_into_revisions", "_selected_action": [tapped.pk, untapped.pk]},
        follow=True,
    )
    html = response.content.decode()
    assert [c["report"].pk for c in proposed] == [tapped.pk]
    assert f"?report={untapped.pk}" in html
    tapped.refresh_from_db()
    untapped.refresh_from_db()
    assert (tapped.status, untapped.status) == (ReportStatus.REVISED, ReportStatus.NEW)


def test_a_deleted_placement_leaves_the_report_without_a_tap(proposed):
    placement = main_placement()
    report = Report.objects.create(point=placement.point, kind="location", placement=placement, x=1, y=2, sender="s")
    placement.delete()
    report.refresh_from_db()
    assert report.placement is None and not reports.report_moves_placement(report)
    reviewer_client, _ = member(REVIEWERS, "rita")
    assert reviewer_client.get(f"/admin/points/report/{report.pk}/change/").status_code == 200


def test_the_form_and_a_report_cost_a_fixed_few_queries(client, django_assert_num_queries):
    client.get(URL)
    with django_assert_num_queries(2):  # the point, its placements with their figures
        assert client.get(URL).status_code == 200
    tap = {"placement": main_placement().pk, "x": "5", "y": "5"}
    with django_assert_num_queries(3):  # the same, and the insert (the rate limit is in the cache)
        assert post(client, tap).status_code == 303
    with django_assert_num_queries(1):
        assert client.get(THANKS).status_code == 200


def test_the_admin_list_costs_the_same_queries_for_3_or_30_reports():
    point = Point.objects.get(code="BL23")
    reviewer, _ = member(REVIEWERS, "rita")
    counts = []
    for total in (3, 30):
        Report.objects.bulk_create(
            Report(point=point, kind="wording", details=f"r{n}", sender="s")
            for n in range(total - Report.objects.count())
        )
        reviewer.get("/admin/points/report/")
        with CaptureQueriesContext(connection) as queries:
            assert reviewer.get("/admin/points/report/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_reader_without_the_csrf_cookie_gets_a_page_in_plain_words():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/points/bl23/report/", {"kind": "other"})
    html = response.content.decode()
    assert response.status_code == 403 and "The form could not be sent" in html and 'href="/"' in html
