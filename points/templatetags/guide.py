import functools
import re

from django import template
from django.urls import reverse
from django.utils.html import escape, linebreaks
from django.utils.safestring import mark_safe

from points.citations import footnotes_here, marks, ref
from points.figures import markers_for
from points.models import Source
from points.sheets import sheet_crop

register = template.Library()


@register.simple_tag
def cite(source, locator=""):
    """Cite a source (a key in hand-written text, or a Source row): a footnote mark,
    numbered once the page is rendered (points.citations)."""
    if isinstance(source, Source):
        return marks([ref(source.key, locator, source=source)])
    return marks([ref(source, locator)])


@register.simple_tag
def cite_refs(citations):
    """Footnote marks for a list of Citation rows (e.g. one claim of a point)."""
    return marks(ref(c.source.key, c.locator, c.note, source=c.source) for c in citations)


@register.simple_tag
def cited_sources():
    """Where the numbered list of everything cited since the previous list goes."""
    return footnotes_here()


@register.filter
def citations(obj, claim):
    """The citations of a point or condition for one claim (uses the prefetch)."""
    return obj.citations_for(claim)


# "article-002", "Article 002", and the bare numbers in "articles 001 and 004"
ARTICLE_RE = re.compile(r"\b(?:([Aa])rticle[- ])?00([0-4])\b")


@functools.cache
def _sources_url():
    return reverse("points:sources")


def _link_articles(escaped_html):
    """Turn our internal "article-002" references into links to the sources page."""
    url = _sources_url()

    def link(match):
        number = int(match.group(2))
        label = f"{match.group(1)}rticle {number + 1}" if match.group(1) else str(number + 1)
        return f'<a href="{url}#src-article-00{number}">{label}</a>'

    return ARTICLE_RE.sub(link, escaped_html)


@register.filter
def sourcelinks(text):
    """Escape editor text and link the source articles it names."""
    return mark_safe(_link_articles(escape(text)))  # noqa: S308 (escaped first)


@register.simple_tag
def prose(text, citations=None):
    """Editor text as paragraphs, articles linked, footnote marks in the last paragraph."""
    html = _link_articles(linebreaks(escape(text)))
    refs = cite_refs(citations) if citations is not None else ""
    if refs and html.endswith("</p>"):
        html = html[: -len("</p>")] + refs + "</p>"
    elif refs:
        html += refs
    return mark_safe(html)  # noqa: S308 (escaped first)


@register.filter
def first_sentence(text):
    """The first sentence of a note, for one-line reminders in lists."""
    head, dot, _ = (text or "").partition(". ")
    return head + "." if dot else head


@register.inclusion_tag("includes/figure.html")
def figure(illustration, selected=None, panel=False, numbers=None, font_scale=1):
    """A figure with its point markers; ``panel`` makes markers load the point panel with htmx."""
    return {
        "fig": illustration,
        "markers": markers_for(illustration, selected=selected, numbers=numbers),
        "panel": panel,
        "numbered": numbers is not None,
        "font": round((illustration.width or 400) * 0.032, 1),
    }


@register.inclusion_tag("includes/sheet_figure.html")
def sheet_figure(point):
    """The point's figure cropped around its marker, for print."""
    return {"crop": sheet_crop(point), "point": point}


@register.filter
def moved(selection, index):
    """The selection with item ``index`` moved one place up, as a ?points= value."""
    return selection.moved(index, -1)


@register.filter
def moved_down(selection, index):
    return selection.moved(index, 1)


@register.filter
def without(selection, index):
    return selection.without(index)


@register.filter
def compact_lines(text):
    """Drop blank lines (for print, where every millimetre counts)."""
    return "\n".join(line for line in (text or "").splitlines() if line.strip())
