"""Fragment caching: the main content of a public page, keyed on the content version.

The page cache (``caching.page_cache``) stores whole responses, one per URL and
variant. Below it, the ``<main>`` of the point and region pages (and the htmx
point panel) is cached on its own, so a miss of the page cache (another query
string, a visitor with a session cookie, Redis evicting a page) still skips the
queries and template work of the content. The key holds the content version,
so an edit shows at once on every server, exactly as with the page cache.

A view builds a ``Fragment`` with the key parts and, optionally, ``prepare``: a
function that loads what only the content needs (prefetches, figures), run only
on a miss. Drafts and staff previews are never cached (``Fragment.off()``).
``cached_row`` keeps the one published row a page needs for its title and
breadcrumb under the same version, so a fragment hit needs no query at all.
"""

from dataclasses import dataclass, field

from django.conf import settings

from .caching import cache_call, digest, request_version, wants_partial


@dataclass
class Fragment:
    key: str | None = None
    prepare: object = field(default=None, repr=False)

    @classmethod
    def off(cls, prepare=None):
        return cls(None, prepare)

    @classmethod
    def for_page(cls, request, name, *parts, prepare=None):
        """The fragment of one page: ``name`` and ``parts`` say what it shows, the
        request adds whether it is the htmx panel or the whole page."""
        if not settings.ACUGUIDE_FRAGMENT_CACHE:
            return cls.off(prepare)
        variant = "panel" if wants_partial(request) else "page"
        return cls(_key(request, "fragment", name, variant, *parts), prepare)

    def render(self, render):
        """The cached HTML, or ``render()``'s (after ``prepare``), stored for next time."""

        def build():
            if self.prepare is not None:
                self.prepare()
            return render()

        return _remembered(self.key, build)


def cached_row(request, name, *parts, load):
    """``load()`` (a published row, or None), cached under the content version when fragments are on.
    Only for public pages: a staff preview must load its row itself (drafts are never cached)."""
    key = _key(request, "row", name, *parts) if settings.ACUGUIDE_FRAGMENT_CACHE else None
    return _remembered(key, load)


def _key(request, kind, *parts):
    return f"{kind}:{request_version(request)}:{digest(*parts)}"


def _remembered(key, compute):
    """The value cached under ``key``, or ``compute()``'s, stored unless None (no key: no cache)."""
    if key:
        value = cache_call("get", key)
        if value is not None:
            return value
    value = compute()
    if key and value is not None:
        cache_call("set", key, value, settings.ACUGUIDE_PAGE_CACHE_SECONDS)
    return value
