import functools
import re

from django import template
from django.urls import reverse
from django.utils.html import escape, format_html, format_html_join, linebreaks
from django.utils.safestring import mark_safe

from points.citations import CitationList
from points.figures import markers_for
from points.fragments import Fragment
from points.models import Source
from points.sheets import sheet_crop

register = template.Library()


def _list(context):
    citations = context.get("page_citations")
    if citations is None:  # rendered outside a request: keep numbering local
        citations = context["page_citations"] = CitationList()
    return citations


def _ref(number):
    return format_html('<a href="#fn-{0}" class="cite" aria-label="Source {0}">[{0}]</a>', number)


@register.simple_tag(takes_context=True)
def cite(context, source, locator=""):
    """Cite a source (a key in hand-written text, or a Source row): a footnote mark."""
    if isinstance(source, Source):
        number = _list(context).add(source.key, locator=locator, source=source)
    else:
        number = _list(context).add(source, locator=locator)
    return format_html("<sup>{}</sup>", _ref(number))


@register.simple_tag(takes_context=True)
def cite_refs(context, citations):
    """Footnote marks for a list of Citation rows (e.g. one claim of a point)."""
    citations = list(citations)
    if not citations:
        return ""
    numbers = sorted(
        {_list(context).add(c.source.key, locator=c.locator, note=c.note, source=c.source) for c in citations}
    )
    return format_html("<sup>{}</sup>", format_html_join("", "{}", ((_ref(n),) for n in numbers)))


@register.inclusion_tag("includes/footnotes.html", takes_context=True)
def cited_sources(context):
    """The numbered list of everything cited so far on this page (then emptied)."""
    notes = _list(context).drain()
    missing = {n.key for n in notes if n.source is None}
    if missing:
        found = Source.objects.in_bulk(missing, field_name="key")
        for note in notes:
            if note.source is None:
                note.source = found.get(note.key)
    return {"notes": notes, "sources_url": reverse("points:sources")}


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


@register.simple_tag(takes_context=True)
def prose(context, text, citations=None):
    """Editor text as paragraphs, articles linked, footnote marks in the last paragraph."""
    html = _link_articles(linebreaks(escape(text)))
    refs = cite_refs(context, citations) if citations is not None else ""
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


class FragmentNode(template.Node):
    def __init__(self, nodelist, fragment):
        self.nodelist, self.fragment = nodelist, fragment

    def render(self, context):
        fragment = self.fragment.resolve(context)
        if not isinstance(fragment, Fragment) or context.get("_in_fragment"):
            return self.nodelist.render(context)  # no fragment here, or part of an outer one
        with context.push(_in_fragment=True):
            return mark_safe(fragment.render(lambda: self.nodelist.render(context)))  # noqa: S308 (our own render)


@register.tag("fragment")
def fragment_tag(parser, token):
    """``{% fragment f %}...{% endfragment %}``: the content cached as ``f`` says (points.fragments).
    The footnotes must be inside: a cached fragment adds no citations to the page."""
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("{% fragment %} takes one argument: a Fragment")
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(nodelist, parser.compile_filter(bits[1]))
