"""Admin sign-in behind the TLS proxy (issue 12, item 8): django-axes counts failures per
account and the visitor's real address, so a stranger cannot lock an editor out; an
over-long username is a form error, never a 500 (axes' 255-character column)."""

import os
import subprocess
import sys

import pytest
from axes.models import AccessAttempt
from django.test import Client, RequestFactory

from points.clientip import client_ip, forwarded_client_ip

pytestmark = pytest.mark.django_db

GOOD = "a-Long-and-good-passphrase-42"
PROXY = "10.0.0.2"  # every request reaches the app from the proxy
STRANGER, EDITOR = "203.0.113.5", "198.51.100.7"


@pytest.fixture
def boss(django_user_model, settings):
    settings.ACUGUIDE_TRUSTED_PROXIES = 1  # as in production: one proxy in front
    return django_user_model.objects.create_superuser("boss", "b@example.org", GOOD)


def sign_in(password, forwarded_for, *, client=None, username="boss"):
    """A sign-in through the proxy, which appends the address it was connected from."""
    client = client or Client()
    data = {"username": username, "password": password, "next": "/admin/"}
    return client.post("/admin/login/", data, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)


def test_five_failures_from_one_address_do_not_lock_the_account_out_elsewhere(boss):
    stranger = Client()
    for _ in range(4):
        assert sign_in("wrong", STRANGER, client=stranger).status_code == 200
    assert sign_in("wrong", STRANGER, client=stranger).status_code == 429  # the stranger is locked out
    assert sign_in(GOOD, STRANGER, client=stranger).status_code == 429  # even with the right password
    assert AccessAttempt.objects.get(username="boss").ip_address == STRANGER

    editor = sign_in(GOOD, EDITOR)
    assert editor.status_code == 302 and editor["Location"] == "/admin/"


def test_a_forged_forwarded_for_cannot_pick_the_editors_address(boss):
    # the stranger writes the editor's address in X-Forwarded-For; the proxy appends the real one
    for _ in range(5):
        sign_in("wrong", f"{EDITOR}, {STRANGER}")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {STRANGER}
    assert sign_in(GOOD, EDITOR).status_code == 302


def test_the_proxy_count_reads_the_entry_the_proxies_wrote(settings):
    factory = RequestFactory()

    def ip(forwarded=None, remote=PROXY):
        meta = {"REMOTE_ADDR": remote} | ({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {})
        request = factory.get("/", **meta)
        assert client_ip(request) == forwarded_client_ip(request)  # the helper other code uses agrees with axes
        return client_ip(request)

    settings.ACUGUIDE_TRUSTED_PROXIES = 0  # development: nothing in front, the header is the visitor's own
    assert ip(STRANGER) == PROXY
    settings.ACUGUIDE_TRUSTED_PROXIES = 1
    assert ip(STRANGER) == STRANGER  # a proxy that overwrites the header
    assert ip(f"{EDITOR}, {STRANGER}") == STRANGER  # one that appends: the visitor's part is ignored
    assert ip("2001:DB8::1") == "2001:db8::1"
    assert ip() == PROXY  # not through the proxy: its own address, never one it chose
    for odd in ("", "not-an-address", f"{EDITOR}, evil", "1.2.3.4\x00", "x" * 5000):
        assert ip(odd) == PROXY, odd
    settings.ACUGUIDE_TRUSTED_PROXIES = 2  # a CDN in front of our proxy
    assert ip(f"{EDITOR}, {STRANGER}, 192.0.2.9") == STRANGER
    assert ip(STRANGER) == PROXY  # fewer hops than proxies: misrouted, not trusted


def test_production_reads_the_number_of_proxies_from_the_environment():
    base = dict(
        os.environ, DJANGO_SETTINGS_MODULE="acuguide.settings.prod", SECRET_KEY="k" * 60, ALLOWED_HOSTS="x",
        DATABASE_URL="postgres://a:b@127.0.0.1:1/x", REDIS_URL="redis://127.0.0.1:1/0",
    )  # fmt: skip

    def read(**env):
        return subprocess.run(
            [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
             "print(settings.ACUGUIDE_TRUSTED_PROXIES)"],
            env=base | env, capture_output=True, text=True,
        )  # fmt: skip

    assert read().stdout.strip() == "1"  # the documented deployment: one TLS proxy
    assert read(TRUSTED_PROXIES="2").stdout.strip() == "2"
    bad = read(TRUSTED_PROXIES="many")
    assert bad.returncode != 0 and "TRUSTED_PROXIES" in bad.stderr


def test_an_over_long_username_is_a_form_error(client):
    response = client.post("/admin/login/", {"username": "u" * 300, "password": "x", "next": "/admin/"})
    assert response.status_code == 200
    assert "at most 150 characters" in response.content.decode()
    assert not AccessAttempt.objects.exists()
    # a name of the longest allowed length still signs in as usual (a failure, counted)
    response = client.post("/admin/login/", {"username": "u" * 150, "password": "x", "next": "/admin/"})
    assert response.status_code == 200 and AccessAttempt.objects.count() == 1
