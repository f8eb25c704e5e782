"""Numbered footnotes, given in Python once a page is rendered, never while it renders.

Templates say what they cite with ``{% cite %}``, ``{% cite_refs %}`` and ``{% prose %}``
(points/templatetags/guide.py). Each of those tags is pure: it writes a placeholder
element naming the sources (key, locator, note), the same HTML wherever and however often
it is rendered, and ``{% cited_sources %}`` writes a placeholder where a list goes.
``render()`` then numbers the marks in reading order (a source cited again with the same
locator keeps its number), writes each list from the marks before it, and looks up in
one query the sources that were cited by key only. Editor text is escaped before it
reaches a template, so a placeholder can only come from our own tags.
"""

import json
import re
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

MARK = re.compile(r'<acu-cite data-refs="([^"]*)"></acu-cite>|<acu-footnotes></acu-footnotes>')
SOURCE_FIELDS = ("key", "label", "title", "author", "year")


def ref(key, locator="", note="", source=None):
    """One cited source, as the placeholder carries it (with the source's display fields
    when the template had the row, so the list needs no query for it)."""
    entry = {"key": key, "locator": locator or "", "note": note or ""}
    if source is not None:
        entry["source"] = {name: getattr(source, name) for name in SOURCE_FIELDS}
    return entry


def marks(refs):
    """The placeholder for a group of citations (rendered as one ``<sup>``)."""
    refs = list(refs)
    if not refs:
        return ""
    return format_html('<acu-cite data-refs="{}"></acu-cite>', json.dumps(refs, ensure_ascii=False))


def footnotes_here():
    return mark_safe("<acu-footnotes></acu-footnotes>")


@dataclass
class Footnote:
    number: int
    key: str
    locator: str
    note: str
    source: object = None


@dataclass
class _Numbering:
    numbers: dict = field(default_factory=dict)
    pending: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    def number(self, entry):
        ident = (entry["key"], entry["locator"])
        if ident not in self.numbers:
            source = SimpleNamespace(**entry["source"]) if "source" in entry else None
            self.numbers[ident] = len(self.numbers) + 1
            note = Footnote(self.numbers[ident], entry["key"], entry["locator"], entry["note"], source)
            self.pending.append(note)
            self.notes.append(note)
        return self.numbers[ident]


def _mark(number):
    return format_html('<a href="#fn-{0}" class="cite" aria-label="Source {0}">[{0}]</a>', number)


def number_footnotes(html):
    """The page with its citation marks numbered and its footnote lists written."""
    import html as html_module

    from .models import Source

    numbering = _Numbering()
    pieces, lists, last = [], [], 0
    for match in MARK.finditer(html):
        pieces.append(html[last : match.start()])
        last = match.end()
        if match.group(1) is None:  # a list: the footnotes since the previous one
            lists.append((len(pieces), numbering.pending))
            numbering.pending = []
            pieces.append("")
            continue
        refs = json.loads(html_module.unescape(match.group(1)))
        numbers = sorted({numbering.number(entry) for entry in refs})
        pieces.append(format_html("<sup>{}</sup>", format_html_join("", "{}", ((_mark(n),) for n in numbers))))
    pieces.append(html[last:])
    if not lists:
        return html if not numbering.notes else "".join(pieces)
    missing = {n.key for n in numbering.notes if n.source is None}
    if missing:
        found = Source.objects.in_bulk(missing, field_name="key")
        for note in numbering.notes:
            if note.source is None:
                note.source = found.get(note.key)
    sources_url = reverse("points:sources")
    for index, notes in lists:
        pieces[index] = render_to_string("includes/footnotes.html", {"notes": notes, "sources_url": sources_url})
    return "".join(pieces)


def render(request, template_name, context=None, status=None):
    """``django.shortcuts.render``, with the footnotes numbered (every public page uses it)."""
    html = render_to_string(template_name, context, request)
    return HttpResponse(number_footnotes(html), status=status)
