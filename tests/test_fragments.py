"""Fragment caching of the point and region pages' content, keyed on the content version (issue 6)."""

import pytest
from django.core.cache import cache

from points.models import Point

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


@pytest.fixture
def fresh(settings):
    """Pages rendered with no cache at all: what the cached ones must equal, byte for byte."""
    cache.clear()

    def render(client, path, **kwargs):
        settings.ACUGUIDE_FRAGMENT_CACHE = False
        try:
            return client.get(path, **kwargs).content
        finally:
            settings.ACUGUIDE_FRAGMENT_CACHE = True

    settings.ACUGUIDE_FRAGMENT_CACHE = True
    return render


def fragment_keys():
    return [key for key in cache._cache if ":fragment:" in key]


def cached_rows():
    return [key for key in cache._cache if ":row:" in key]


@pytest.mark.parametrize(
    ("path", "headers"),
    [("/points/bl23/", {}), ("/points/bl23/", HX), ("/regions/back/", {}), ("/points/gv1/", {})],
    ids=["point page", "htmx panel", "region page", "point without figures"],
)
def test_a_cached_fragment_gives_the_same_page_without_queries(client, fresh, django_assert_num_queries, path, headers):
    expected = fresh(client, path, headers=headers)
    assert client.get(path, headers=headers).content == expected  # a miss: rendered and stored
    with django_assert_num_queries(0):  # the row for the title and the content both come from the cache
        again = client.get(path, headers=headers)
    assert again.status_code == 200 and again.content == expected
    if path.startswith("/points/"):
        assert b'id="fn-1"' in expected  # the footnotes are part of the cached content


def test_panel_and_page_are_cached_apart(client, fresh):
    page = client.get("/points/bl23/").content.decode()
    panel = client.get("/points/bl23/", headers=HX).content.decode()
    assert len(fragment_keys()) == 2
    assert "<h1" in page and "<html" in page
    assert "<html" not in panel and '<h2 id="point-heading"' in panel


def test_a_page_cache_miss_is_served_from_the_fragment(client, fresh, settings, django_assert_num_queries):
    expected = fresh(client, "/points/bl23/")
    settings.ACUGUIDE_PAGE_CACHE = True
    client.get("/points/bl23/")
    with django_assert_num_queries(0):  # another URL for the page cache, the same content
        response = client.get("/points/bl23/?utm_source=newsletter")
    assert response.content == expected


def test_an_edit_shows_at_once(client, fresh, django_capture_on_commit_callbacks):
    client.get("/points/bl40/")
    client.get("/regions/leg/")
    point = Point.objects.get(code="BL40")
    with django_capture_on_commit_callbacks(execute=True):
        point.summary = "A summary edited a moment ago."
        point.english_name = "Edited Middle"
        point.save()
    page = client.get("/points/bl40/").content.decode()
    assert "A summary edited a moment ago." in page and "(Edited Middle) · AcuGuide</title>" in page
    region = client.get("/regions/leg/").content.decode()
    assert "Edited Middle" in region


def test_staff_previews_are_never_cached(admin_client, client, fresh):
    Point.objects.filter(code="LR4").update(status="draft")
    preview = admin_client.get("/points/lr4/")
    assert preview.status_code == 200 and "draft-banner" in preview.content.decode()
    admin_client.get("/points/bl23/")
    assert fragment_keys() == [] and cached_rows() == []
    assert client.get("/points/lr4/").status_code == 404


def test_unknown_codes_are_not_cached_and_still_get_the_helpful_404(client, fresh):
    for _ in range(2):
        response = client.get("/points/zz99/")
        assert response.status_code == 404 and "zz99" in response.content.decode().lower()
    assert cached_rows() == []
    assert client.get("/points/UB23/").status_code == 301  # other spellings still redirect


def test_pages_render_when_the_cache_is_down(client, fresh, monkeypatch):
    expected = fresh(client, "/points/bl23/")

    def broken(*args, **kwargs):
        raise ConnectionError("redis is down")

    for method in ("get", "set", "delete"):
        monkeypatch.setattr(cache, method, broken)
    assert client.get("/points/bl23/").content == expected
    assert client.get("/points/bl23/").content == expected
