"""Production behaviour that needs no extra services: headers, cookies, lockout (issue 6).
The cache, the 503 and the health checks: tests/test_caching.py."""

import os
import subprocess
import sys

import pytest

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


def test_public_pages_set_no_cookies(client):
    for path in ("/", "/regions/back/", "/points/bl23/", "/conditions/sciatica/", "/search/?q=bl23",
                 "/sources/", "/sheet/?points=bl23"):  # fmt: skip
        response = client.get(path)
        assert not response.cookies, f"{path} sets {list(response.cookies)}"


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
