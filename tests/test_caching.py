"""The one cache layer (issue 9): no visitor can poison it, grow it or bypass it, a failing
cache only makes the site slower, a restore makes every cached page obsolete, and a
database outage is a clean 503 wherever it is noticed."""

import logging

import pytest
from django.core.cache import cache
from django.db import OperationalError
from django.test import Client, override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from points import caching
from points.models import ContentVersion, Point

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


@pytest.fixture
def fresh():
    """What a page must be: rendered now, with the page cache off."""

    def render(path, headers=None):
        with override_settings(ACUGUIDE_PAGE_CACHE=False):
            return Client().get(path, headers=headers or {}).content

    return render


def page_entries():
    return [key for key in cache._cache if ":page:" in key]


@pytest.mark.parametrize(
    ("path", "poison"),
    [
        ("/points/gb30/", {"HX-Request": "true", "HX-Boosted": "true"}),
        ("/points/gb30/", {"HX-Request": "yes"}),
        ("/search/?q=hegu", {"HX-Request": "yes"}),
        ("/search/?q=hegu", {"HX-Request": "true", "HX-Boosted": "true"}),
        ("/regions/back/", {"HX-Request": "TRUE", "HX-Target": "main"}),
    ],
)
def test_odd_htmx_headers_cannot_deface_a_page(client, fresh, path, poison):
    first = client.get(path, headers=poison)
    assert first.status_code == 200
    page = client.get(path)
    panel = client.get(path, headers=HX)
    assert page.content == fresh(path)
    assert panel.content == fresh(path, HX)
    html = page.content.decode()
    assert html.count("<h1") == 1 and html.count('id="point-heading"') <= 1 and "<html" in html
    if not path.startswith("/regions/"):  # the region page has no partial: htmx gets the page
        assert "<html" not in panel.content.decode()


def test_a_boosted_request_gets_the_page_and_the_template_agrees(client, fresh):
    boosted = client.get("/points/gb30/", headers={"HX-Request": "true", "HX-Boosted": "true"}).content.decode()
    assert "<html" in boosted and boosted.count("<h1") == 1 and boosted.count('id="point-heading"') == 1
    assert boosted.count('id="footnotes-heading"') == 1


def test_the_variant_decision_follows_django_htmx():
    from django.test import RequestFactory
    from django_htmx.middleware import HtmxDetails

    def chosen(**headers):
        request = RequestFactory().get("/", headers=headers)
        request.htmx = HtmxDetails(request)
        return caching.variant(request)

    assert chosen() == caching.PAGE
    assert chosen(**{"HX-Request": "true"}) == caching.PARTIAL
    assert chosen(**{"HX-Request": "true", "HX-Boosted": "true"}) == caching.PAGE
    assert chosen(**{"HX-Request": "yes"}) == chosen(**{"HX-Request": ""}) == caching.PAGE
    assert chosen(**{"HX-Request": "true", "HX-Boosted": "no"}) == caching.PARTIAL


# Everything a stranger controls, in any order: the values of every htmx header, the Host,
# cookies and extra query parameters. Afterwards both variants must be exactly what a fresh
# render gives (the cache may be warm, but never wrong).
header_value = st.sampled_from([None, "true", "true", "yes", "false", "1", ""]) | st.text(max_size=9)
hosts = st.one_of(  # "testserver" is the test client's own, the host of the checks below
    st.just("testserver"), st.sampled_from(["127.0.0.1", "localhost:8123", "[::1]:9", "evil.example", "testserver:1"])
)
cookies = st.sampled_from(["", "", "", "sessionid=x", "sessionid=" + "a" * 32, "csrftoken=abc", "sessionid=; a=1"])
extra = st.dictionaries(
    st.sampled_from(["utm_source", "q", "points", "add", "page", "x"]), st.text(max_size=8), max_size=3
)
request_strategy = st.fixed_dictionaries(
    {"hx": header_value, "boosted": header_value, "target": header_value, "current": header_value,
     "host": hosts, "cookie": cookies, "extra": extra}
)  # fmt: skip
PATHS = [
    "/points/gb30/",
    "/search/?q=hegu",
    "/points/gb30/",
    "/search/?q=hegu",
    "/regions/back/",
    "/",
    "/sheet/?points=bl23",
]


def _send(path, r):
    headers = {}
    for name, key in (("HX-Request", "hx"), ("HX-Boosted", "boosted"), ("HX-Target", "target"),
                      ("HX-Current-URL", "current")):  # fmt: skip
        if r[key] is not None:
            headers[name] = r[key]
    client = Client(raise_request_exception=False, HTTP_HOST=r["host"])
    if r["cookie"]:
        client.cookies.load(r["cookie"])
    separator = "&" if "?" in path else "?"
    query = "&".join(f"{k}={v}" for k, v in r["extra"].items())
    response = client.get(path + (separator + query if query else ""), headers=headers)
    assert response.status_code < 500


@settings(max_examples=80, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(PATHS), sequence=st.lists(request_strategy, min_size=1, max_size=4))
def test_no_sequence_of_odd_requests_changes_what_others_see(fresh, path, sequence):
    cache.clear()
    for r in sequence:
        _send(path, r)
    assert Client().get(path).content == fresh(path)
    assert Client().get(path, headers=HX).content == fresh(path, HX)


def test_query_strings_and_hosts_do_not_grow_the_cache(client):
    for n in range(50):
        assert client.get(f"/points/bl23/?utm_source={n}&fbclid={n}").status_code == 200
    for host in ("localhost", "localhost:8001", "127.0.0.1:9999", "[::1]"):
        assert Client(HTTP_HOST=host).get("/points/bl23/").status_code == 200
    assert len(page_entries()) == 1


def test_the_view_sees_only_the_parameters_in_the_key(client):
    plain = client.get("/search/?q=hegu")
    again = client.get("/search/?utm=1&q=hegu&q=hegu")
    assert plain["ETag"] == again["ETag"] and plain.content == again.content
    assert client.get("/search/?q=bl23")["ETag"] != plain["ETag"]


def test_absolute_addresses_come_from_settings_not_the_host_header(settings):
    settings.ALLOWED_HOSTS = ["*"]
    html = Client(HTTP_HOST="evil.example").get("/points/bl23/sheet/").content.decode()
    assert "evil.example" not in html and settings.SITE_URL + "/points/bl23/sheet/" in html


def test_a_session_cookie_of_nobody_is_served_from_the_cache(client, django_assert_num_queries):
    first = client.get("/conditions/sciatica/")
    stranger = Client()
    stranger.cookies.load("sessionid=" + "x" * 32)
    with django_assert_num_queries(1):  # the session lookup finds nobody; the page is the cached one
        response = stranger.get("/conditions/sciatica/")
    assert response.content == first.content and response["ETag"] == first["ETag"]
    assert len(page_entries()) == 1


def test_logged_in_users_bypass_the_cache_and_are_never_stored(admin_client, client):
    Point.objects.filter(code="LR4").update(status="draft")
    assert client.get("/points/lr4/").status_code == 404
    preview = admin_client.get("/points/lr4/")
    assert preview.status_code == 200 and "Draft:" in preview.content.decode()
    assert preview["Cache-Control"] == "private, no-store" and "ETag" not in preview
    assert admin_client.get("/points/bl23/")["Cache-Control"] == "private, no-store"
    assert "no-store" in admin_client.get("/admin/")["Cache-Control"]
    assert page_entries() == []
    assert client.get("/points/bl23/")["Cache-Control"] == "no-cache"


def test_etag_and_304_from_the_same_key(client, django_assert_num_queries):
    first = client.get("/points/bl23/")
    etag = first["ETag"]
    assert first["Cache-Control"] == "no-cache" and "HX-Request" in first["Vary"]
    with django_assert_num_queries(0):
        again = client.get("/points/bl23/?utm_source=mail", headers={"If-None-Match": f'"other", {etag}'})
    assert again.status_code == 304 and again.content == b""
    panel = client.get("/points/bl23/", headers=HX)
    assert panel["ETag"] != etag and "<html" not in panel.content.decode()
    with django_assert_num_queries(0):
        assert client.get("/points/bl23/").content == first.content


def test_an_edit_shows_at_once(client, django_capture_on_commit_callbacks):
    etag = client.get("/points/bl40/")["ETag"]
    point = Point.objects.get(code="BL40")
    with django_capture_on_commit_callbacks(execute=True):
        point.summary = "Edited summary that must show at once."
        point.save()
    response = client.get("/points/bl40/", headers={"If-None-Match": etag})
    assert response.status_code == 200 and response["ETag"] != etag
    assert "Edited summary that must show at once." in response.content.decode()
    assert len(page_entries()) == 1  # the old version's entry was overwritten, not kept beside it


def test_the_version_never_returns_to_an_old_number(django_capture_on_commit_callbacks):
    ContentVersion.objects.update_or_create(pk=1, defaults={"version": 5})  # an old backup's number
    with django_capture_on_commit_callbacks(execute=True):
        caching.content_changed()
    after_restore = ContentVersion.current()
    assert after_restore > 10**15  # microseconds since 1970: larger than any number handed out before
    with django_capture_on_commit_callbacks(execute=True):
        caching.content_changed()
    assert ContentVersion.current() > after_restore


class Unreachable:
    """A cache that fails every call, counting them."""

    def __init__(self, monkeypatch):
        self.calls = 0
        for method in ("get", "set", "delete", "get_many"):
            monkeypatch.setattr(cache, method, self.fail)

    def fail(self, *args, **kwargs):
        self.calls += 1
        raise ConnectionError("redis is down")


def test_a_failing_cache_is_skipped_with_one_log_line(client, monkeypatch, caplog):
    down = Unreachable(monkeypatch)
    now = [1000.0]
    monkeypatch.setattr(caching.time, "monotonic", lambda: now[0])
    with caplog.at_level(logging.WARNING, logger="points.caching"):
        for _ in range(20):
            response = client.get("/points/bl23/")
            assert response.status_code == 200 and "Shènshū" in response.content.decode()
    assert down.calls == 1  # the first call failed; the breaker skipped the cache after it
    assert len(caplog.records) == 1 and "cache unavailable" in caplog.records[0].getMessage()
    now[0] += caching.Breaker.seconds() + 0.1
    client.get("/points/bl23/")
    assert down.calls == 2  # one probe, still failing: open again, and no new log line
    assert len(caplog.records) == 1
    monkeypatch.undo()
    monkeypatch.setattr(caching.time, "monotonic", lambda: now[0])
    now[0] += caching.Breaker.seconds() + 0.1
    with caplog.at_level(logging.WARNING, logger="points.caching"):
        assert client.get("/points/bl23/").status_code == 200
    assert "cache reachable again" in caplog.records[-1].getMessage()
    assert caching.breaker.open_until is None


def test_an_edit_made_while_the_cache_was_unreachable_shows_when_it_returns(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    client.get("/points/bl40/")  # the version number and the page are cached
    now = [1000.0]
    monkeypatch.setattr(caching.time, "monotonic", lambda: now[0])
    real_delete, away = cache.delete, [True]

    def delete(*args, **kwargs):
        if away[0]:
            raise ConnectionError("redis is down")
        return real_delete(*args, **kwargs)

    monkeypatch.setattr(cache, "delete", delete)
    point = Point.objects.get(code="BL40")
    with django_capture_on_commit_callbacks(execute=True):
        point.summary = "Edited while Redis was away."
        point.save()  # the new version number could not be dropped from the cache
    away[0] = False
    now[0] += caching.Breaker.seconds() + 0.1
    assert "Edited while Redis was away." in client.get("/points/bl40/").content.decode()


def _database_down(monkeypatch):
    def down(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", down)


@pytest.mark.parametrize("version_cached", [True, False], ids=["version cached", "version not cached"])
@pytest.mark.parametrize(
    "path", ["/", "/points/bl23/", "/search/?q=x", "/sheet/tray/?points=bl23", "/conditions/sciatica/"]
)
def test_database_outage_is_a_503_wherever_it_is_noticed(monkeypatch, path, version_cached):
    if version_cached:
        caching.content_version()
    else:
        cache.clear()
    _database_down(monkeypatch)
    response = Client(raise_request_exception=False).get(path)
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "back in a moment" in response.content.decode()


def test_database_outage_in_middleware_is_a_503(monkeypatch, admin_client):
    """A logged-in visitor's session is read by the page-cache middleware, before any view."""
    admin_client.raise_request_exception = False
    _database_down(monkeypatch)
    response = admin_client.get("/points/bl23/")
    assert response.status_code == 503 and response["Retry-After"] == "5"


def test_healthz_checks_the_database_and_never_the_cache(client, monkeypatch, django_assert_num_queries):
    down = Unreachable(monkeypatch)
    with django_assert_num_queries(1):
        assert client.get("/healthz").content == b"ok\n"
    with django_assert_num_queries(0):
        assert client.get("/healthz/live").content == b"ok\n"
    assert down.calls == 0
    _database_down(monkeypatch)
    response = client.get("/healthz")
    assert response.status_code == 503 and b"database" in response.content
    assert client.get("/healthz/live").status_code == 200


def test_static_files_carry_the_security_headers(client):
    from django.contrib.staticfiles import finders

    assert finders.find("css/site.css")
    for path in ("/static/css/site.css", "/static/illustrations/back.svg"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "Access-Control-Allow-Origin" not in response
        assert response["X-Frame-Options"] == "DENY"
        assert "default-src 'none'" in response["Content-Security-Policy"]


# Found by attacking the running site (issue 9): odd spellings of real pages, junk values of
# real parameters, and ETag tricks.


@pytest.mark.parametrize(
    "path",
    ["/regions/back%01/", "/regions/back%E2%80%8E/", "/conditions/sciatica%01/", "/conditions/sciatica%01/sheet/",
     "/points/bl23%01/sheet/", "/points/bl23%01/", "/regions/" + "b" * 60 + "/"],
)  # fmt: skip
def test_a_page_has_one_address_invisible_characters_are_a_404(client, path):
    response = client.get(path)
    assert response.status_code == 404 and "Search" in response.content.decode()
    assert page_entries() == []


def test_junk_values_of_real_parameters_are_answered_but_not_kept(client):
    assert client.get("/sheet/?points=bl23,bl40").status_code == 200
    assert len(page_entries()) == 1  # a sheet in its own words is kept
    for n in range(5):
        response = client.get(f"/sheet/?points=bl23,bl40,x{n}")
        assert response.status_code == 200 and f"x{n}" in response.content.decode()  # "Not found: x0"
        assert "private" in response["Cache-Control"]
        assert client.get(f"/search/?q=zzqq{n}").status_code == 200
    assert client.get("/sheet/?points=BL23,ub40").status_code == 200  # another spelling of the same sheet
    assert len(page_entries()) == 1
    assert client.get("/search/?q=")["ETag"] == client.get("/search/")["ETag"]


def test_a_sheet_of_many_unknown_codes_looks_up_only_a_few(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(60):
        response = client.get("/sheet/", {"points": ",".join(f"x{n}" for n in range(200))})
    assert response.status_code == 200 and "left out" in response.content.decode()
    with django_assert_max_num_queries(60):
        client.get("/sheet/", {"points": "x," * 200})


def test_weak_and_star_etags_revalidate_but_never_for_a_missing_page(client):
    etag = client.get("/points/bl23/")["ETag"]
    assert client.get("/points/bl23/", headers={"If-None-Match": f"W/{etag}"}).status_code == 304
    assert client.get("/points/bl23/", headers={"If-None-Match": "*"}).status_code == 304
    assert client.get("/points/zz99/", headers={"If-None-Match": "*"}).status_code == 404
    forged = etag.replace(etag.split("-")[1], "0" * 32 + '"')
    assert client.get("/points/zz99/", headers={"If-None-Match": forged}).status_code == 404
    assert client.get("/points/ub23/", headers={"If-None-Match": "*"}).status_code == 301


def test_health_checks_read_no_session_and_answer_only_get(client, django_assert_num_queries):
    client.cookies.load("sessionid=" + "x" * 32)
    with django_assert_num_queries(0):
        response = client.get("/healthz/live")
    assert response.status_code == 200 and "Cookie" not in response.get("Vary", "")
    assert client.options("/healthz").status_code == 405
    assert client.generic("TRACE", "/healthz/live").status_code == 405


def test_a_database_outage_logs_one_short_line_per_request():
    import sys

    from points.middleware import ShortDatabaseOutage

    try:
        raise OperationalError("connection refused")
    except OperationalError:
        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Service Unavailable: %s", ("/",),
                                   sys.exc_info())  # fmt: skip
    assert ShortDatabaseOutage().filter(record)
    assert logging.Formatter().format(record) == "Service Unavailable: / (database unavailable: connection refused)"


def test_a_page_without_a_partial_is_stored_once(client):
    page = client.get("/regions/back/")
    htmx = client.get("/regions/back/", headers=HX)
    assert htmx.content == page.content and htmx["ETag"] == page["ETag"]
    assert len(page_entries()) == 1
    client.get("/points/bl23/")
    client.get("/points/bl23/", headers=HX)
    assert len(page_entries()) == 3  # the point page and its panel are two
