"""Several stateless app servers on PostgreSQL and Redis: shared state, load, faults (issue 6)."""

import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from urllib.parse import urlsplit

import pytest

from .servers import (
    csrf_token,
    fetch,
    gunicorn,
    manage,
    production_site,
    redis_cli,
    require_services,
    wait_for,
)

pytestmark = pytest.mark.services


@pytest.fixture(scope="module")
def stack():
    """A migrated, loaded PostgreSQL database and a private Redis, with an editor account."""
    pg, _ = require_services()
    with production_site(pg) as (env, redis):
        manage(env, "setup_roles")
        for name in ("reviewer", "second-reviewer"):  # a change readers see needs a second person
            create = "from django.contrib.auth.models import User; User.objects.create_superuser("
            create += f"'{name}', '{name}@example.org', 'a-Long-and-good-passphrase-42')"
            manage(env, "shell", "-c", create)
        yield env, redis


def marker_y(html, code):
    match = re.search(rf'data-code="{code}".*?<circle class="marker-dot" cx="[\d.]+" cy="([\d.]+)"', html, re.S)
    return float(match.group(1))


def form_fields(html):
    """The values a browser would submit from an admin change form (inputs and selected options)."""
    fields = dict(re.findall(r'<input type="(?:hidden|number|text)" name="([^"]+)" value="([^"]*)"', html))
    for name, body in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', body)
        fields[name] = chosen.group(1) if chosen else ""
    return fields


def login(port, username="reviewer"):
    status, _, html, cookies = fetch(port, "/admin/login/")
    assert status == 200
    form = {"csrfmiddlewaretoken": csrf_token(html), "username": username,
            "password": "a-Long-and-good-passphrase-42", "next": "/admin/"}  # fmt: skip
    referer = {"Referer": f"https://127.0.0.1:{port}/admin/login/"}
    status, _, _, new = fetch(port, "/admin/login/", method="POST", form=form, cookies=cookies, headers=referer)
    assert status == 302, "login failed"
    return {**cookies, **new}


def test_two_app_servers_share_edits_and_sessions_at_once(stack):
    env, _ = stack
    with gunicorn(env) as a, gunicorn(env) as b:
        status, headers, html, cookies = fetch(b, "/regions/leg/")
        assert status == 200 and not cookies  # public pages set no cookies
        before = marker_y(html, "bl40")
        etag = headers["ETag"]
        assert fetch(b, "/regions/leg/", headers={"If-None-Match": etag})[0] == 304  # cached, revalidated

        session = login(a)
        assert fetch(b, "/admin/", cookies=session)[0] == 200  # a session made on A works on B

        # Move BL40's marker on the back-of-leg figure through server A's admin.
        _, _, listing, _ = fetch(a, "/admin/points/placement/?q=BL40", cookies=session)
        pk = re.search(r'href="/admin/points/placement/(\d+)/change/', listing).group(1)
        _, _, form_html, _ = fetch(a, f"/admin/points/placement/{pk}/change/", cookies=session)
        data = form_fields(form_html)
        data.update(y="30.00" if abs(float(data["y"]) - 30) > 5 else "60.00", reason="Two-server test", _save="Save")
        referer = {"Referer": f"https://127.0.0.1:{a}/admin/"}
        url = f"/admin/points/placement/{pk}/change/"
        status, headers, _, _ = fetch(a, url, method="POST", form=data, cookies=session, headers=referer)
        assert status == 302 and "/admin/points/revision/" in headers["Location"]  # proposed, not yet public
        assert fetch(b, "/regions/leg/", headers={"If-None-Match": etag})[0] == 304

        # A second reviewer approves it on server B
        second = login(b, "second-reviewer")
        review = urlsplit(headers["Location"]).path
        _, _, review_html, _ = fetch(b, review, cookies=second)
        approve = {"csrfmiddlewaretoken": csrf_token(review_html), "note": "", "_approve": "Approve"}
        referer = {"Referer": f"https://127.0.0.1:{b}{review}"}
        assert fetch(b, review, method="POST", form=approve, cookies=second, headers=referer)[0] == 302

        status, headers, html, _ = fetch(b, "/regions/leg/", headers={"If-None-Match": etag})
        assert status == 200 and headers["ETag"] != etag  # B sees the edit at once: no stale cache
        assert marker_y(html, "bl40") != before


def test_pages_and_static_files_go_out_compressed_and_static_files_cached_for_good(stack):
    env, _ = stack
    gzip = {"Accept-Encoding": "gzip, deflate, br"}
    with gunicorn(env) as port:
        css = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', fetch(port, "/")[2]).group(1)
        for path in ("/points/bl23/", "/points/bl23/", "/sources/", "/points/no-such-point/"):  # stored, then cached
            status, headers, _, _ = fetch(port, path, headers=gzip)
            assert status in (200, 404) and headers["Content-Encoding"] == "gzip", path
        status, headers, _, _ = fetch(port, css, headers=gzip)  # collectstatic's .gz copy, from WhiteNoise
        assert status == 200 and headers["Content-Encoding"] == "gzip"
        assert "immutable" in headers["Cache-Control"] and "max-age=315360000" in headers["Cache-Control"]


def wrk(port, seconds, connections, script=None):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-H", "X-Forwarded-Proto: https"]
    if script:
        command += ["-s", str(script)]
    result = subprocess.run([*command, f"http://127.0.0.1:{port}/"], capture_output=True, text=True, check=True)  # noqa: S603
    out = result.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return rps, p99_ms, int(bad.group(1)) if bad else 0, sum(map(int, errors.groups())) if errors else 0, out


MIX = """
local paths = {"/", "/regions/back/", "/points/bl23/", "/points/li4/", "/conditions/sciatica/", "/sources/",
               "/search/?q=bl23", "/search/?q=zusanli", "/sheet/?points=bl25,gb30,bl40", "/points/ub23/"}
local n = 0
request = function()
  n = n + 1
  local path = paths[(n % #paths) + 1]
  if n % 5 == 0 then path = "/search/?q=" .. n end   -- uncached work too
  return wrk.format("GET", path)
end
"""


def test_twice_the_saturating_load_for_30_seconds(stack, tmp_path):
    if not shutil.which("wrk"):
        pytest.fail("wrk is not installed (apt install wrk)")
    env, _ = stack
    script = tmp_path / "mix.lua"
    script.write_text(MIX)
    with gunicorn(env, workers=2) as port:
        at_workers, *_ = wrk(port, 5, 2, script)
        saturating, *_ = wrk(port, 5, 4, script)  # more connections than workers: no more throughput
        rps, p99_ms, bad, errors, out = wrk(port, 30, 8, script)  # twice the saturating load
    print(f"\nload: {at_workers:.0f} req/s at 2 conns, {saturating:.0f} at 4, {rps:.0f} at 8; p99 {p99_ms:.0f} ms")
    assert bad == 0 and errors == 0, out
    assert p99_ms < 2000, out
    assert rps > 0.5 * saturating  # overload degrades gracefully, it does not collapse


def test_redis_down_site_answers_and_recovers(stack):
    env, redis = stack
    with gunicorn(env) as port:
        assert fetch(port, "/points/bl23/")[0] == 200
        redis.stop()
        try:
            for path in ("/points/bl23/", "/regions/back/", f"/search/?q={uuid.uuid4().hex[:6]}"):
                assert fetch(port, path)[0] == 200, path  # slower: rendered from the database
        finally:
            redis.start()  # empty, as after a real Redis restart
        status, headers, _, _ = fetch(port, "/points/bl23/")
        assert status == 200
        assert fetch(port, "/points/bl23/", headers={"If-None-Match": headers["ETag"]})[0] == 304
        # each worker skips Redis for CACHE_BREAKER_SECONDS after the failure, then caches again
        wait_for(lambda: fetch(port, "/points/bl23/")[0] == 200 and int(redis_cli(redis.port, "dbsize")[0]) > 0)


def pg_ctlcluster(version, *args):
    # The server started here must not inherit the test run's output: a daemon holding a
    # pipe of the CI runner open would keep the run from ending.
    subprocess.run(  # noqa: S603
        ["pg_ctlcluster", version, "main", *args],  # noqa: S607
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
        timeout=120,
    )


def test_postgresql_restart_fails_cleanly_then_recovers(stack):
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("runs in the SQLite pass: restarting PostgreSQL would cut this test run's own database")
    env, _ = stack
    version = os.environ.get("ACUGUIDE_PG_VERSION", "15")
    with gunicorn(env) as port:
        assert fetch(port, "/search/?q=warmup")[0] == 200
        pg_ctlcluster(version, "stop", "-m", "fast")
        try:
            status, headers, body, _ = fetch(port, f"/search/?q={uuid.uuid4().hex[:8]}")
            assert status == 503 and headers.get("Retry-After") == "5" and "back in a moment" in body
        finally:
            pg_ctlcluster(version, "start")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if fetch(port, f"/search/?q={uuid.uuid4().hex[:8]}")[0] == 200:
                break
            time.sleep(0.5)
        else:
            pytest.fail("the site did not recover after PostgreSQL came back")


def test_a_restore_makes_every_cached_page_obsolete(stack, tmp_path):
    env, _ = stack
    backup = tmp_path / "before.dump"
    manage(env, "backup_db", str(backup))
    edit = "from points.models import Point; p = Point.objects.get(code='BL40')\n"
    edit += "p.summary = 'Edited after the backup.'; p.save()"
    manage(env, "shell", "-c", edit)
    with gunicorn(env) as port:
        status, headers, html, _ = fetch(port, "/points/bl40/")
        assert status == 200 and "Edited after the backup." in html
        assert fetch(port, "/points/bl40/")[2] == html  # now cached
        manage(env, "restore_db", str(backup), "--yes")
        status, _, html, _ = fetch(port, "/points/bl40/", headers={"If-None-Match": headers["ETag"]})
        assert status == 200 and "Edited after the backup." not in html


def test_a_hanging_redis_costs_no_errors(stack):
    """Redis stopped with SIGSTOP: it accepts connections and never answers."""
    env, redis = stack
    with gunicorn(env, workers=1) as port:
        assert fetch(port, "/points/bl23/")[0] == 200
        redis.proc.send_signal(signal.SIGSTOP)
        try:
            statuses = [fetch(port, path)[0] for path in ("/points/bl23/", "/regions/back/", "/", "/healthz") * 10]
            started = time.monotonic()
            assert fetch(port, "/healthz")[0] == 200
            healthz_seconds = time.monotonic() - started
        finally:
            redis.proc.send_signal(signal.SIGCONT)
        assert statuses == [200] * len(statuses)
        assert healthz_seconds < 0.5  # never waits for Redis (a hang check, not a speed budget)


def test_unknown_query_parameters_do_not_grow_redis(stack):
    env, redis = stack

    def dbsize():
        return int(redis_cli(redis.port, "dbsize")[0])

    with gunicorn(env) as port:
        fetch(port, "/points/bl23/")
        before = dbsize()
        for n in range(300):
            assert fetch(port, f"/points/bl23/?utm_source={n}", headers={"Host": f"localhost:{n + 1}"})[0] == 200
        assert dbsize() == before


def test_redis_is_bounded_with_lru_eviction(stack):
    _, redis = stack
    assert redis_cli(redis.port, "config", "get", "maxmemory") == ["maxmemory", str(64 * 1024 * 1024)]
    assert redis_cli(redis.port, "config", "get", "maxmemory-policy") == ["maxmemory-policy", "allkeys-lru"]
