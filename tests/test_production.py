"""Production behaviour that needs no extra services: headers, caching, 304, lockout, 503 (issue 6)."""

import os
import subprocess
import sys

import pytest
from django.db import OperationalError
from django.urls import reverse

from points.models import Point

pytestmark = pytest.mark.django_db

EXPECTED_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def assert_security_headers(response):
    csp = response["Content-Security-Policy"]
    assert csp == EXPECTED_CSP
    for banned in ("unsafe-inline", "unsafe-eval", "nonce-"):
        assert banned not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]


@pytest.mark.parametrize(
    ("path", "headers"),
    [("/", {}), ("/points/bl23/", {}), ("/points/bl23/", {"HX-Request": "true"}),
     ("/search/?q=bl", {"HX-Request": "true"}), ("/sheet/?points=bl23", {}), ("/admin/login/", {}),
     ("/no-such-page/", {})],
)  # fmt: skip
def test_header_set_on_public_pages_partials_admin_and_errors(client, path, headers):
    assert_security_headers(client.get(path, headers=headers))


def test_admin_pages_under_the_same_policy(admin_client):
    for path in ("/admin/", "/admin/points/point/", f"/admin/points/point/{Point.objects.get(code='BL40').pk}/change/"):
        assert_security_headers(admin_client.get(path))


def test_hsts_and_secure_cookies_in_production(client, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_deploy_check_passes_with_production_settings(tmp_path):
    env = dict(
        {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},  # set only for browser tests
        DJANGO_SETTINGS_MODULE="acuguide.settings.prod",
        SECRET_KEY="x" * 20 + "-production-like-secret-key-with-enough-entropy-7f3a9c",
        ALLOWED_HOSTS="guide.example.org",
        DATABASE_URL="postgres://acuguide:secret@127.0.0.1:5432/acuguide",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_refuse_sqlite(tmp_path):
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="acuguide.settings.prod", SECRET_KEY="k" * 60,
               ALLOWED_HOSTS="x", DATABASE_URL="sqlite:///x.db", REDIS_URL="redis://127.0.0.1:1/0")  # fmt: skip
    result = subprocess.run([sys.executable, "manage.py", "check"], env=env, capture_output=True, text=True)
    assert result.returncode != 0 and "PostgreSQL" in result.stderr


class TestPageCache:
    @pytest.fixture(autouse=True)
    def cache_on(self, settings):
        from django.core.cache import cache

        settings.ACUGUIDE_PAGE_CACHE = True
        cache.clear()

    def test_etag_and_304(self, client):
        first = client.get("/points/bl23/")
        etag = first["ETag"]
        assert first.status_code == 200 and etag and first["Cache-Control"] == "no-cache"
        assert "HX-Request" in first["Vary"] and "Cookie" in first["Vary"]
        again = client.get("/points/bl23/", headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        partial = client.get("/points/bl23/", headers={"HX-Request": "true"})
        assert partial["ETag"] != etag and "<html" not in partial.content.decode()

    def test_public_pages_set_no_cookies(self, client):
        for path in ("/", "/regions/back/", "/points/bl23/", "/conditions/sciatica/", "/search/?q=bl23",
                     "/sources/", "/sheet/?points=bl23"):  # fmt: skip
            response = client.get(path)
            assert not response.cookies, f"{path} sets {list(response.cookies)}"

    def test_an_edit_changes_the_version_at_once(self, client, django_capture_on_commit_callbacks):
        etag = client.get("/points/bl40/")["ETag"]
        point = Point.objects.get(code="BL40")
        with django_capture_on_commit_callbacks(execute=True):
            point.summary = "Edited summary that must show at once."
            point.save()
        response = client.get("/points/bl40/", headers={"If-None-Match": etag})
        assert response.status_code == 200 and response["ETag"] != etag
        assert "Edited summary that must show at once." in response.content.decode()

    def test_cached_page_is_served_without_queries(self, client, django_assert_num_queries):
        client.get("/conditions/sciatica/")
        with django_assert_num_queries(0):
            assert client.get("/conditions/sciatica/").status_code == 200

    def test_site_answers_when_the_cache_is_down(self, client, monkeypatch):
        from django.core.cache import cache

        def broken(*args, **kwargs):
            raise ConnectionError("redis is down")

        for method in ("get", "set", "delete"):
            monkeypatch.setattr(cache, method, broken)
        response = client.get("/points/bl23/")
        assert response.status_code == 200 and "Shènshū" in response.content.decode()

    def test_editors_are_never_served_the_public_cache(self, admin_client, client):
        Point.objects.filter(code="LR4").update(status="draft")
        assert client.get("/points/lr4/").status_code == 404
        assert admin_client.get("/points/lr4/").status_code == 200  # draft preview, not a cached 404


def test_database_outage_gives_a_clean_503(client, monkeypatch):
    def down(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", down)  # every query fails
    response = client.get(reverse("points:home"))
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "back in a moment" in response.content.decode()


def test_failed_logins_are_rate_limited(client, django_user_model):
    django_user_model.objects.create_superuser("boss", "b@example.org", "a-Long-and-good-passphrase-42")
    for _ in range(4):
        response = client.post("/admin/login/", {"username": "boss", "password": "wrong", "next": "/admin/"})
        assert response.status_code == 200  # the form again, with an error
    assert client.post("/admin/login/", {"username": "boss", "password": "wrong"}).status_code == 429  # 5th
    locked = client.post("/admin/login/", {"username": "boss", "password": "a-Long-and-good-passphrase-42"})
    assert locked.status_code == 429 and "Too many failed sign-in attempts" in locked.content.decode()


def test_weak_passwords_are_refused():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("password", "12345678901234", "short1!"):
        with pytest.raises(ValidationError):
            validate_password(weak)


def test_healthz_is_trivial(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get("/healthz").content == b"ok\n"
