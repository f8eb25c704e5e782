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

import hashlib
from dataclasses import dataclass, field

from django.conf import settings

from .caching import _cache_call, content_version


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
        hx = "panel" if request.htmx and not request.htmx.boosted else "page"
        return cls(_key("fragment", name, hx, *parts), prepare)

    def render(self, render):
        """The cached HTML, or ``render()``'s (after ``prepare``), stored for next time."""
        if self.key:
            html = _cache_call("get", self.key)
            if html is not None:
                return html
        if self.prepare is not None:
            self.prepare()
        html = render()
        if self.key:
            _cache_call("set", self.key, html, settings.ACUGUIDE_PAGE_CACHE_SECONDS)
        return html


def _key(kind, *parts):
    ident = "|".join(map(str, parts))
    digest = hashlib.blake2b(ident.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()
    return f"{kind}:{content_version()}:{digest}"


def cached_row(name, *parts, load):
    """``load()`` (a published row, or None), cached under the content version when fragments are on.
    Only for public pages: a staff preview must load its row itself (drafts are never cached)."""
    if not settings.ACUGUIDE_FRAGMENT_CACHE:
        return load()
    key = _key("row", name, *parts)
    row = _cache_call("get", key)
    if row is None:
        row = load()
        if row is not None:
            _cache_call("set", key, row, settings.ACUGUIDE_PAGE_CACHE_SECONDS)
    return row
