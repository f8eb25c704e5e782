"""Pages reach a browser gzip-compressed (issue 11: Lighthouse on a phone, slow 4G): a cached
page is compressed once, when stored, and sent as stored; everything else is compressed by
GZipMiddleware; a client that does not take gzip gets the same page uncompressed."""

import gzip

import django.middleware.gzip
import pytest
from django.test import override_settings

from points import caching

pytestmark = pytest.mark.django_db

GZIP = {"Accept-Encoding": "gzip, deflate, br, zstd"}  # what Chromium sends
PAGES = ["/", "/regions/back/", "/points/bl23/", "/conditions/chronic-low-back-pain/", "/points/bl23/sheet/"]


@pytest.mark.parametrize("path", PAGES)
def test_a_browser_gets_the_page_compressed_and_the_same_page(client, path):
    plain = client.get(path)
    assert plain.status_code == 200 and "Content-Encoding" not in plain
    for _ in range(2):  # the render that stores it, then the cache hit
        packed = client.get(path, headers=GZIP)
        assert packed.status_code == 200 and packed["Content-Encoding"] == "gzip"
        assert gzip.decompress(packed.content) == plain.content
        assert len(packed.content) < len(plain.content) / 2
        assert "Accept-Encoding" in packed["Vary"] and "HX-Request" in packed["Vary"]
        assert packed["ETag"] == f"W/{plain['ETag']}"  # equivalent, not byte-identical
        assert int(packed["Content-Length"]) == len(packed.content)
    assert client.get(path).content == plain.content  # a plain client still gets it plain from the cache


def test_a_cached_page_is_compressed_once_not_on_every_request(client, monkeypatch):
    calls = []

    def counting(real):
        def compress(*args, **kwargs):
            calls.append(1)
            return real(*args, **kwargs)

        return compress

    monkeypatch.setattr(caching, "compress_string", counting(caching.compress_string))
    monkeypatch.setattr(django.middleware.gzip, "compress_string", counting(django.middleware.gzip.compress_string))
    responses = [client.get("/points/bl23/", headers=GZIP) for _ in range(5)]
    assert {r["Content-Encoding"] for r in responses} == {"gzip"}
    assert len({r.content for r in responses}) == 1  # the stored bytes, sent as they are
    assert len(calls) == 1


def test_revalidation_with_the_compressed_pages_etag(client):
    etag = client.get("/points/bl23/", headers=GZIP)["ETag"]
    assert etag.startswith('W/"')
    again = client.get("/points/bl23/", headers={**GZIP, "If-None-Match": etag})
    assert again.status_code == 304 and again["ETag"] == etag and not again.content


@pytest.mark.parametrize(
    ("path", "status"),
    [("/sources/", 200), ("/points/no-such-point/", 404), ("/sheet/?points=bl23,nope", 200)],
)
def test_responses_not_from_the_page_cache_are_compressed_too(client, path, status):
    with override_settings(ACUGUIDE_PAGE_CACHE=False):
        response = client.get(path, headers=GZIP)
    assert response.status_code == status and response["Content-Encoding"] == "gzip"
    assert b"</html>" in gzip.decompress(response.content)
