"""Pregnancy mode: one switch, "I am pregnant", carried by the address.

The mode is the query parameter ``?pregnant=1``: no cookie, no account, no JavaScript.
It is a parameter of every public page (``points.caching.public_page`` declares it), so
it is part of the cache key like any other, and any other value reads as "off".
``points.citations.render`` gives every template the ``mode`` and writes the parameter
into every internal link and GET form of a page rendered in the mode, so the mode stays
on while the reader browses and ends only through the "leave" link.
"""

import re
from dataclasses import dataclass

from django.http import QueryDict

PARAM = "pregnant"
ON = "1"
ON_VALUES = {"1", "yes", "true", "on"}  # what people type; the address the site writes is ?pregnant=1
# internal addresses that are pages (not files, not the admin)
LINK = re.compile(r'(?<!data-mode="leave" )\b(href|hx-get|action)="(/(?!static/|media/|admin/)[^"#]*)(#[^"]*)?"')
GET_FORM = re.compile(r'<form\b[^>]*\bmethod="get"[^>]*>')
HIDDEN = f'<input type="hidden" name="{PARAM}" value="{ON}">'


def canonical_values(name, values):
    """The values of ``name`` as the cache key and the view see them: the mode is on
    (``["1"]``) or absent, whatever was typed."""
    if name == PARAM:
        return [ON] if ON_VALUES & {v.lower() for v in values} else []
    return values


@dataclass(frozen=True)
class Mode:
    pregnant: bool = False

    @classmethod
    def of(cls, request):
        return cls(pregnant=canonical_values(PARAM, request.GET.getlist(PARAM)) == [ON])

    @property
    def param(self):
        """The mode as a query parameter ("pregnant=1"), or "" when it is off."""
        return f"{PARAM}={ON}" if self.pregnant else ""

    def switch_urls(self, request):
        """This page with the mode on and with it off: (on, off)."""
        query = request.GET.copy()
        query.pop(PARAM, None)
        off = query.urlencode(safe=",")
        query[PARAM] = ON
        on = query.urlencode(safe=",")
        return f"{request.path}?{on}", request.path + (f"?{off}" if off else "")


def keep_mode(html, mode):
    """The page with the mode kept in every internal link and GET form (nothing changes
    when the mode is off)."""
    if not mode.pregnant:
        return html

    def link(match):
        attr, url, fragment = match.group(1), match.group(2), match.group(3) or ""
        path, _, query = url.partition("?")
        params = QueryDict(query.replace("&amp;", "&"), mutable=True)
        params[PARAM] = ON
        return f'{attr}="{path}?{params.urlencode(safe=",").replace("&", "&amp;")}{fragment}"'

    html = LINK.sub(link, html)
    return GET_FORM.sub(lambda m: m.group(0) + HIDDEN, html)
