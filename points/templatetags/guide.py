from django import template
from django.utils.html import escape, format_html, linebreaks
from django.utils.safestring import mark_safe

from points.citations import footnotes_here, link_articles, marks, ref, source_links
from points.models import Confidence, Pregnancy, Source
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


@register.filter
def sourcelinks(text):
    """Escape editor text and link the source articles it names."""
    return source_links(text)


@register.simple_tag
def prose(text, citations=None):
    """Editor text as paragraphs, articles linked, footnote marks in the last paragraph."""
    html = link_articles(linebreaks(escape(text)))
    refs = cite_refs(citations) if citations is not None else ""
    if refs and html.endswith("</p>"):
        html = html[: -len("</p>")] + refs + "</p>"
    elif refs:
        html += refs
    return mark_safe(html)  # noqa: S308 (escaped first)


@register.simple_tag
def discrepancies(items):
    """The "Sources differ" entries of a point or condition page, with their sources'
    names and the standard's citation (``source_list`` prefetched; one tag for the list,
    where an include per entry cost more than the entries themselves)."""
    return mark_safe("".join(_discrepancy(d) for d in items))  # noqa: S308 (escaped in _discrepancy)


def _discrepancy(d):
    names = "; ".join(escape(s.label or s.title) for s in d.source_list)
    verb = "disagree" if d.is_conflict else "says"
    standard_cited = cite(d.fact_source) if d.fact_source else ""
    return (
        '\n<div class="discrepancy">\n'
        f'  <p class="claim"><span class="tag">{escape(d.ref)}</span> <strong>{names}</strong> {verb}: '
        f"{source_links(d.claim)}</p>\n"
        f'  <p class="fact"><strong>The standard:</strong> {source_links(d.fact)}{standard_cited}</p>\n'
        "</div>\n"
    )


UNCERTAIN = {
    Confidence.PROBABLE: "which point the articles mean is probable, not certain",
    Confidence.POSSIBLE: "the articles' point is only a possible match for this one",
}
NUMBERS = ["No", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine"]


def _count(n, one, many):
    word = NUMBERS[n] if n < len(NUMBERS) else str(n)
    return f"{word} {one if n == 1 else many}"


@register.simple_tag
def evidence_line(discrepancies, confidence=None):
    """The one plain line that sums up an "Evidence and corrections" section (its summary,
    read before it is opened): how many articles were corrected, how many disagreements,
    and whether the identification is less than certain (from ``discrepancies`` with their
    ``source_list``, and a point's ``confidence``)."""
    errors = [d for d in discrepancies if not d.is_conflict]
    articles = {s.pk for d in errors for s in d.source_list if s.kind == Source.Kind.ARTICLE}
    conflicts = len(discrepancies) - len(errors)
    parts = []
    if articles:
        parts.append(
            f"{_count(len(articles), 'article gets', 'articles get')} something wrong here; the standard is shown"
        )
    elif errors:
        parts.append("A source gets something wrong here; the standard is shown")
    if conflicts:
        parts.append(f"the sources disagree on {_count(conflicts, 'thing', 'things').lower()}")
    if confidence in UNCERTAIN:
        parts.append(UNCERTAIN[confidence])
    if not parts:
        return "No source contradicts the standard here."
    line = "; ".join(parts)
    return line[0].upper() + line[1:] + "."


@register.filter
def first_sentence(text):
    """The first sentence of a note, for one-line reminders in lists."""
    head, dot, _ = (text or "").partition(". ")
    return head + "." if dot else head


@register.simple_tag
def figure(fig, panel=False):
    """A figure with its point markers (``points.figures.Figure``); ``panel`` makes markers
    load the point panel with htmx."""
    return fig.html(panel=panel)


@register.inclusion_tag("includes/sheet_figure.html")
def sheet_figure(point):
    """The point's figure cropped around its marker, for print."""
    return {"crop": sheet_crop(point), "point": point}


@register.filter
def for_point(uses, point):
    """A condition sheet's indication for ``point`` (or None): its own pressure, if any."""
    return uses.get(point.pk)


@register.filter
def moved(selection, slug):
    """The selection with point ``slug`` moved one place up, as a ?points= value (by slug:
    in pregnancy mode the sheet shows fewer points than the selection holds)."""
    return selection.moved(selection.codes.index(slug), -1)


@register.filter
def moved_down(selection, slug):
    return selection.moved(selection.codes.index(slug), 1)


@register.filter
def without(selection, slug):
    return selection.without(selection.codes.index(slug))


@register.filter
def compact_lines(text):
    """Drop blank lines (for print, where every millimetre counts)."""
    return "\n".join(line for line in (text or "").splitlines() if line.strip())


LEVEL_BADGE = {Pregnancy.AVOID: ("badge-danger", "⚠ "), Pregnancy.GENTLE: ("badge-warn", "! ")}


@register.simple_tag
def pregnancy_level(level):
    """A pregnancy level's badge where a page explains the levels themselves (not a point's)."""
    css, mark = LEVEL_BADGE.get(level, ("badge-ok", ""))
    return format_html(
        '<span class="badge {}" data-fact="level" data-value="{}"><span aria-hidden="true">{}</span>{}</span>',
        css,
        level,
        mark,
        Pregnancy(level).label,
    )
