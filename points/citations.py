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

import functools
import json
import re
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from .modes import Mode, keep_mode

# "article-002", "Article 002", and the bare numbers in "articles 001 and 004"
ARTICLE_RE = re.compile(r"\b(?:([Aa])rticle[- ])?00([0-4])\b")


@functools.cache
def _sources_url():
    return reverse("points:sources")


def link_articles(escaped_html):
    """Turn our internal "article-002" references into links to the sources page."""
    url = _sources_url()

    def link(match):
        number = int(match.group(2))
        label = f"{match.group(1)}rticle {number + 1}" if match.group(1) else str(number + 1)
        return f'<a href="{url}#src-article-00{number}">{label}</a>'

    return ARTICLE_RE.sub(link, escaped_html)


def source_links(text):
    """Editor text escaped, with the source articles it names linked."""
    return mark_safe(link_articles(escape(text)))  # noqa: S308 (escaped first)


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


def _marks(numbers):
    """The numbered marks of one placeholder (numbers are ints: nothing to escape)."""
    return (
        "<sup>"
        + "".join(f'<a href="#fn-{n}" class="cite" aria-label="Source {n}">[{n}]</a>' for n in numbers)
        + "</sup>"
    )


def _unescape(text):
    """The inverse of ``django.utils.html.escape``, which wrote the placeholder's attribute."""
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
    )


def _footnote(note, sources_url):
    """One entry of a footnote list."""
    source = note.source
    if source:
        label = f"{escape(source.label)}: " if source.label else ""
        parts = [f'<a href="{sources_url}#src-{escape(source.key)}">{label}{escape(source.title)}</a>']
        if source.author:
            parts.append(f", {escape(source.author)}")
        if source.year:
            parts.append(f" ({escape(source.year)})")
    else:
        parts = [escape(note.key)]
    if note.locator:
        parts.append(f": {source_links(note.locator)}")
    if note.note:
        parts.append(f'. <span class="muted">{source_links(note.note)}</span>')
    return f'\n    <li id="fn-{note.number}" value="{note.number}">\n      {"".join(parts)}\n    </li>\n    '


def footnote_list(notes, sources_url):
    """The "Sources for this page" list (plain string work: a page may cite dozens of times)."""
    if not notes:
        return "\n"
    items = "".join(_footnote(note, escape(sources_url)) for note in notes)
    return (
        '\n<section class="footnotes" aria-labelledby="footnotes-heading">\n'
        '  <h2 id="footnotes-heading">Sources for this page</h2>\n'
        f"  <ol>\n    {items}\n  </ol>\n</section>\n\n"
    )


def number_footnotes(html):
    """The page with its citation marks numbered and its footnote lists written."""
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
        refs = json.loads(_unescape(match.group(1)))
        pieces.append(_marks(sorted({numbering.number(entry) for entry in refs})))
    pieces.append(html[last:])
    if not lists:
        return html if not numbering.notes else "".join(pieces)
    missing = {n.key for n in numbering.notes if n.source is None}
    if missing:
        found = Source.objects.in_bulk(missing, field_name="key")
        for note in numbering.notes:
            if note.source is None:
                note.source = found.get(note.key)
    sources_url = _sources_url()
    for index, notes in lists:
        pieces[index] = footnote_list(notes, sources_url)
    return "".join(pieces)


def render(request, template_name, context=None, status=None):
    """``django.shortcuts.render``, with the footnotes numbered and the pregnancy mode
    (points.modes) given to the template and kept in every link (every public page uses it)."""
    mode = Mode.of(request)
    mode_on_url, mode_off_url = mode.switch_urls(request)
    context = {**(context or {}), "mode": mode, "mode_on_url": mode_on_url, "mode_off_url": mode_off_url}
    html = render_to_string(template_name, context, request)
    return HttpResponse(keep_mode(number_footnotes(html), mode), status=status)
