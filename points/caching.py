"""Whole-page caching for the public, keyed on the content version.

Every content change goes through django-simple-history, whose
``post_create_historical_record`` signal raises the single content version in
the database (inside the same transaction) and, after commit, drops the cached
copy of that number from the shared cache. Every page key and ETag contains
the version, so an edit made on one app server is visible at once on all of
them, and browsers and htmx revalidate with ``If-None-Match`` (304).

The cache is an accelerator only: if Redis is down, pages are rendered from
the database (slower) and nothing fails.
"""

import functools
import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_vary_headers

logger = logging.getLogger(__name__)

VERSION_KEY = "content-version"
VERSION_SECONDS = 60  # bounds staleness if a bump's cache delete was lost while Redis was down
CACHED_HEADERS = ("Content-Type", "Vary", "Content-Language")


def cache_call(method, *args):
    try:
        return getattr(cache, method)(*args)
    except Exception as exc:  # Redis down or slow: behave as a miss
        logger.warning("cache %s failed: %s", method, exc)
        return None


def request_version(request):
    """The content version, read once per request (the page cache, fragments and rows share it)."""
    try:
        return request.acuguide_version
    except AttributeError:
        request.acuguide_version = content_version()
        return request.acuguide_version


def digest(*parts):
    """A short stable key for any text parts (lone surrogates in odd URLs included)."""
    ident = "|".join(map(str, parts))
    return hashlib.blake2b(ident.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def wants_partial(request):
    """An htmx request for part of a page (a boosted request wants the whole page)."""
    return bool(request.htmx) and not request.htmx.boosted


def content_version():
    from .models import ContentVersion

    version = cache_call("get", VERSION_KEY)
    if version is None:
        version = ContentVersion.current()
        cache_call("set", VERSION_KEY, version, VERSION_SECONDS)
    return version


def content_changed(**kwargs):
    """Raise the content version (receiver for simple-history's signal, also called directly)."""
    from .models import ContentVersion

    updated = ContentVersion.objects.filter(pk=1).update(version=F("version") + 1)
    if not updated:
        ContentVersion.objects.get_or_create(pk=1, defaults={"version": 2})
    transaction.on_commit(lambda: cache_call("delete", VERSION_KEY))


def _finish(response, etag):
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache"  # always revalidate: cheap with the ETag
    patch_vary_headers(response, ("Cookie", "HX-Request"))
    return response


def _cacheable(request):
    return (
        settings.ACUGUIDE_PAGE_CACHE
        and request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES  # editors see drafts: never cached
        and not request.path.startswith(("/admin/", "/static/", "/media/"))
    )


def page_cache(get_response):
    """Serve anonymous GETs of public pages from the shared cache, early in the middleware
    chain (before sessions, auth, CSRF and messages), with a version ETag and 304s.
    Misses go through the view; responses of views marked ``@public_page`` are stored."""

    def middleware(request):
        if not _cacheable(request):
            return get_response(request)
        version = request_version(request)
        hx = "1" if request.headers.get("HX-Request") else "0"  # before HtmxMiddleware: the raw header
        ident = digest(request.get_host(), request.get_full_path(), hx)
        etag = f'"{version}-{ident}"'
        key = f"page:{version}:{ident}"
        if etag in request.headers.get("If-None-Match", ""):  # same version: the page has not changed
            return _finish(HttpResponseNotModified(), etag)
        cached = cache_call("get", key)
        if cached is not None:
            status, content, headers = cached
            return _finish(HttpResponse(content, status=status, headers=headers), etag)
        response = get_response(request)
        if getattr(response, "acuguide_public", False) and response.status_code == 200 and not response.cookies:
            headers = {h: response[h] for h in CACHED_HEADERS if h in response}
            cache_call("set", key, (200, response.content, headers), settings.ACUGUIDE_PAGE_CACHE_SECONDS)
            return _finish(response, etag)
        return response

    return middleware


def public_page(view):
    """Mark a view's responses as the same for every anonymous visitor (page_cache stores them)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.acuguide_public = True
        return response

    return wrapper
