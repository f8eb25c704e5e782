"""The one cache layer of the public site: whole responses, per content version and variant.

How it works, in order:

1. ``variant(request)`` is the one decision "htmx partial or full page", from
   django-htmx's own reading of the headers (``HX-Request: true`` and not
   ``HX-Boosted: true``). Views pick their template from it and pass it to the
   template as ``partial``; the cache key contains it. Any other header value is
   simply one of the two variants.
2. A public view is marked ``@public_page("q", partial=True)`` with the query parameters
   it reads and whether it has an htmx partial (a page without one is stored once).
   The middleware keeps only those (sorted, de-duplicated) in ``request.GET``, so the
   view sees exactly what the key was built from: ``?utm_source=x`` is the same page.
   The key never contains the ``Host`` header (absolute links use ``settings.SITE_URL``).
3. Logged-in users (editors see drafts) bypass the cache and get
   ``Cache-Control: private, no-store``; a session cookie of nobody is ignored.
4. An entry is ``(version, status, content, headers)`` under a key without the version,
   so there is one entry per URL and variant, overwritten after an edit. The content
   version and the entry come back in one round trip (``get_many``); the ETag is the
   version plus a signature of version and key, so a 304 costs one read of the version.
5. Every edit raises the version (``content_changed``, from django-simple-history's
   signal); the version is time-based, so a restored database can never bring back a
   number the cache already holds pages for.
6. An entry's content is compressed once, when it is stored (gzip, when that makes it smaller):
   a hit is sent as stored to every client that accepts gzip (all browsers), with a weak ETag
   as GZipMiddleware gives the responses it compresses, and decompressed for any other.
   GZipMiddleware (settings) compresses every response that does not come from here.
7. Redis is an accelerator only: every call goes through ``cache_call``, a circuit
   breaker. After a failure (refused, or silent past the millisecond timeouts in
   settings) the cache is skipped for ``CACHE_BREAKER_SECONDS``, then one call probes it.
   Opening and closing are logged once each.
"""

import gzip
import hashlib
import json
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.http import HttpResponse, HttpResponseNotModified, QueryDict
from django.middleware.gzip import re_accepts_gzip
from django.urls import Resolver404, resolve
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags
from django.utils.text import compress_string

from . import modes

logger = logging.getLogger(__name__)

PARTIAL, PAGE = "partial", "page"
VERSION_KEY = "content-version"
VERSION_SECONDS = 60  # bounds staleness if a bump's cache delete was lost while Redis was down
CACHED_HEADERS = ("Content-Type", "Content-Language")
PRIVATE = "private, no-store"


def variant(request):
    """Which response this request gets: the htmx partial, or the whole page (a boosted
    request swaps the whole body, so it gets the page)."""
    return PARTIAL if request.htmx and not request.htmx.boosted else PAGE


def public_page(*params, partial=False):
    """Mark a view as the same for every anonymous visitor, reading only ``params`` from the
    query string (and answering htmx with a partial if ``partial``); the middleware caches it.
    Every public page also reads the pregnancy mode (points.modes)."""

    def mark(view):
        view.public_page = (tuple(sorted({*params, modes.PARAM})), partial)
        return view

    return mark


class Breaker:
    """Skip the cache for a few seconds after it fails, then let one call probe it."""

    def __init__(self):
        self.open_until = None  # None: closed (the cache is used)

    def call(self, method, *args):
        now = time.monotonic()
        if self.open_until is not None and now < self.open_until:
            return None
        probing = self.open_until is not None
        try:
            result = getattr(cache, method)(*args)
        except Exception as exc:  # refused, or silent past the timeout: behave as a miss
            if not probing:
                logger.warning("cache unavailable (%s); skipping it, probing every %ss", exc, self.seconds())
            self.open_until = now + self.seconds()
            return None
        if probing:  # back; but edits made meanwhile could not drop the cached version number
            logger.warning("cache reachable again")
            self.open_until = None
            self.call("delete", VERSION_KEY)
            return None  # so this answer may be stale: a miss
        return result

    @staticmethod
    def seconds():
        return settings.CACHE_BREAKER_SECONDS


breaker = Breaker()  # one per process: each app server finds out for itself


class PooledRedisCache(RedisCache):
    """Django's Redis backend with one client per connection pool. Django builds a new
    ``redis.Redis`` (and its table of response callbacks) for every call: measured here,
    ``get_many`` of a version and a 22 KB page took 401 µs that way and 141 µs with a shared
    client, and the cached point page ran at 0.54 of the trivial view. A ``redis.Redis`` is
    thread-safe, so one per pool is enough."""

    class Client(RedisCacheClient):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._clients = {}

        def get_client(self, key=None, *, write=False):
            index = self._get_connection_pool_index(write)
            if index not in self._clients:
                self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
            return self._clients[index]

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = self.Client


def cache_call(method, *args):
    return breaker.call(method, *args)


def content_version():
    from .models import ContentVersion

    version = cache_call("get", VERSION_KEY)
    if version is None:
        version = ContentVersion.current()
        cache_call("set", VERSION_KEY, version, VERSION_SECONDS)
    return version


def content_changed(**kwargs):
    """Raise the content version (simple-history's signal; also migrate and restore_db).

    The new number is at least the current time in microseconds, so it is larger than
    every number issued before, even after a backup with an old number is restored."""
    from .models import ContentVersion

    now = Value(time.time_ns() // 1000)
    if not ContentVersion.objects.filter(pk=1).update(version=Greatest(F("version") + 1, now)):
        ContentVersion.objects.update_or_create(pk=1, defaults={"version": now.value})
    transaction.on_commit(lambda: cache_call("delete", VERSION_KEY))


def canonical_query(query, params):
    """Only the parameters the view reads, sorted by name, each value once (in order), no
    empty values (``?q=`` reads as no ``q``)."""
    clean = QueryDict(mutable=True)
    for name in params:
        values = modes.canonical_values(name, list(dict.fromkeys(v for v in query.getlist(name) if v)))
        if values:
            clean.setlist(name, values)
    clean._mutable = False
    return clean


def page_key(path, query, chosen):
    # JSON with ensure_ascii escapes anything (lone surrogates in odd URLs included)
    ident = json.dumps([chosen, path, list(query.lists())])
    return "page:" + hashlib.blake2b(ident.encode(), digest_size=16).hexdigest()


def _public_page(request):
    """What ``@public_page`` declared for the view of this request: (params, partial), or None."""
    if request.method not in ("GET", "HEAD"):
        return None
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    return getattr(match.func, "public_page", None)


def _vary(response):
    patch_vary_headers(response, ("HX-Request", "HX-Boosted", "Accept-Encoding"))
    return response


def _private(response):
    if "no-store" not in response.get("Cache-Control", ""):
        response["Cache-Control"] = PRIVATE
    return response


def _for_user(request):
    """A response that may depend on who is logged in (its view read the session)."""
    return request.session.accessed and request.user.is_authenticated


def _if_none_match(request):
    """The ETags a client holds, compared weakly as RFC 9110 says (a compressing proxy makes
    ETags weak), or ``{"*"}``."""
    return {tag.removeprefix("W/") for tag in parse_etags(request.headers.get("If-None-Match", ""))}


def _etag(version, key):
    """The version and a signature of version and key: only this site can make one, so a
    match proves the page was served in this version, and a 304 needs no read of the page."""
    secret = hashlib.blake2b(settings.SECRET_KEY.encode(), digest_size=32).digest()
    mac = hashlib.blake2b(f"{version}:{key}".encode(), key=secret, digest_size=16).hexdigest()
    return f'"{version}-{mac}"'


def _storable(response):
    """A 200 that sets no cookie and does not say it is private (a view marks a response
    ``Cache-Control: private`` when it answers odd input, such as a sheet of unknown codes,
    so that no stranger's junk takes room from real pages)."""
    return response.status_code == 200 and not response.cookies and not response.has_header("Cache-Control")


def _accepts_gzip(request):
    return bool(re_accepts_gzip.search(request.headers.get("Accept-Encoding", "")))


def _packed(response):
    """What an entry keeps of a response: the content, compressed here once when that makes it
    smaller (so that a hit costs no compression), and the headers in CACHED_HEADERS."""
    headers = {h: response[h] for h in CACHED_HEADERS if h in response}
    packed = compress_string(response.content)  # no secret in a public page: BREACH, see settings
    if len(packed) < len(response.content):
        return packed, {**headers, "Content-Encoding": "gzip"}
    return response.content, headers


def _unpacked(request, entry):
    """An entry as the response for this client: as stored, or decompressed for a client that
    does not accept gzip."""
    _, status, content, headers = entry
    if headers.get("Content-Encoding") == "gzip" and not _accepts_gzip(request):
        content, headers = gzip.decompress(content), {h: v for h, v in headers.items() if h != "Content-Encoding"}
    return HttpResponse(content, status=status, headers=headers)


def _finish(response, etag, request):
    # the compressed copy a gzip client gets is equivalent, not identical, to the plain one
    response["ETag"] = f"W/{etag}" if _accepts_gzip(request) else etag
    response["Cache-Control"] = "no-cache"  # always revalidate: cheap with the ETag
    return _vary(response)


def page_cache(get_response):
    """Serve public pages from the cache, with a version ETag and 304s. Placed after the
    session, auth and htmx middleware (all lazy) and before CSRF and messages."""

    def middleware(request):
        declared = _public_page(request)
        if declared is None:  # not a public page (admin, sheet tray, health checks, 404s)
            response = get_response(request)
            return _private(response) if _for_user(request) else response
        params, has_partial = declared
        request.GET = canonical_query(request.GET, params)  # the view reads what the key holds
        if request.user.is_authenticated:  # editors may see drafts: never cached or stored
            return _vary(_private(get_response(request)))
        if not settings.ACUGUIDE_PAGE_CACHE:
            return _vary(get_response(request))
        key = page_key(request.path, request.GET, variant(request) if has_partial else PAGE)
        held = _if_none_match(request)
        if held and "*" not in held:  # revalidation: the version decides, the page is not read
            etag = _etag(content_version(), key)
            if etag in held:
                return _finish(HttpResponseNotModified(), etag, request)
        found = cache_call("get_many", [VERSION_KEY, key]) or {}
        version = found.get(VERSION_KEY)
        if version is None:
            version = content_version()
        etag = _etag(version, key)
        entry = found.get(key)
        if entry is None or entry[0] != version:  # a miss: render, and store what may be stored
            response = get_response(request)
            if not _storable(response):
                return _vary(response)
            entry = (version, 200, *_packed(response))
            cache_call("set", key, entry, settings.ACUGUIDE_PAGE_CACHE_SECONDS)
        if "*" in held:  # "any copy will do": only for a page that exists
            return _finish(HttpResponseNotModified(), etag, request)
        return _finish(_unpacked(request, entry), etag, request)

    return middleware
