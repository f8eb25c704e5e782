"""Arbitrary input at every query parameter and URL slug never gives a 5xx (issue 6, item 7).

Runs on whichever database the suite runs on: SQLite, and PostgreSQL in CI
(which refuses NUL bytes, so this is where unsanitised input would surface).
"""

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

# Anything: unicode, control characters and NUL, surrogates escaped, and huge values.
nasty_text = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.sampled_from(["\x00", "%00", "\x00bl23", "bl23\x00", "../../etc/passwd", "' OR 1=1 --", "<script>",
                     "B54", "UB47", "zúsānlǐ", "足三里", "🙂" * 40, "a" * 10_000, "%", "_", "\\", "\u202e"]),
)  # fmt: skip
PARAM_PATHS = ["/search/", "/sheet/", "/sheet/tray/", "/", "/points/bl23/", "/regions/back/"]
PARAM_NAMES = ["q", "points", "add", "page", "format"]
SLUG_ROUTES = ["/points/{}/", "/regions/{}/", "/conditions/{}/", "/points/{}/sheet/", "/conditions/{}/sheet/"]
COMMON = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(autouse=True, params=[False, True], ids=["cold", "page cache"])
def caches(request, settings):
    """Every case runs rendered fresh and through the page cache (whose key is built from the input)."""
    settings.ACUGUIDE_PAGE_CACHE = request.param


@COMMON
@given(path=st.sampled_from(PARAM_PATHS), name=st.sampled_from(PARAM_NAMES), value=nasty_text, htmx=st.booleans())
def test_query_parameters(client, path, name, value, htmx):
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get(path, {name: value}, headers=headers)
    assert response.status_code < 500, (path, name, value)


@COMMON
@given(route=st.sampled_from(SLUG_ROUTES), value=nasty_text.filter(lambda v: v.strip("/.") != ""), htmx=st.booleans())
def test_url_slugs(client, route, value, htmx):
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get(route.format(quote(value, safe="")), headers=headers)
    assert response.status_code < 500, (route, value)
