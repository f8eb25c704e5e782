"""Plain language first, evidence one tap away (issue 11, item 2).

On every point page, tapped panel and condition page, the body speaks in the guide's own
voice: the articles' names, the E and C codes and the identification talk live in one
"Evidence and corrections" section, a <details> element (it opens without JavaScript), and
nothing disclosed there is lost."""

import re
from html import unescape

import pytest

from points.citations import source_links
from points.models import Condition, Discrepancy, Point

pytestmark = pytest.mark.django_db

EVIDENCE = re.compile(r'<details class="evidence[^"]*"[^>]*>(.*?)</details>', re.S)
FOOTNOTES = re.compile(r'<section class="footnotes".*?</section>', re.S)
SOURCE_TALK = re.compile(
    r"\barticle[- ]?\d+\b|\bthe (?:five|four|three|two) articles\b|\b(?:probable|possible) identification\b"
    r"|\bwe could not verify\b",
    re.I,
)


def _text(html):
    return unescape(re.sub(r"<[^>]+>", " ", html))


def split(html):
    """(the page's body without its evidence section, footnotes and site footer; the evidence section)."""
    main = html.split('<main id="main"', 1)[-1].split('<footer class="site-footer"', 1)[0]  # a panel has no <main>
    sections = EVIDENCE.findall(main)
    body = FOOTNOTES.sub("", EVIDENCE.sub("", main))
    return body, sections


def pages(client):
    for point in Point.objects.published():
        url = point.get_absolute_url()
        yield url, point, client.get(url).content.decode()
        yield url + " (panel)", point, client.get(url, headers={"HX-Request": "true"}).content.decode()
    for condition in Condition.objects.published():
        yield condition.get_absolute_url(), condition, client.get(condition.get_absolute_url()).content.decode()


def test_the_body_speaks_in_the_guides_own_voice(client, guide):
    found = []
    for url, _, html in pages(client):
        body, _ = split(html)
        hits = sorted({m.group(0) for m in SOURCE_TALK.finditer(_text(body))})
        hits += ["an E or C code"] if '<span class="tag">' in body else []
        if hits:
            found.append(f"{url}: {hits}")
    assert not found, "source talk outside Evidence and corrections:\n" + "\n".join(found)


def test_every_correction_is_in_one_evidence_section_with_a_plain_summary(client, guide):
    for url, obj, html in pages(client):
        sections = split(html)[1]
        assert len(sections) == 1, f"{url}: {len(sections)} evidence sections"
        (section,) = sections
        summary = re.search(r"<summary>(.*?)</summary>", section, re.S)
        assert summary and "Evidence and corrections" in summary.group(1), url
        line = _text(summary.group(1)).replace("Evidence and corrections", "").strip()
        assert line.endswith(".") and len(line) > 20, f"{url}: no plain one-line summary ({line!r})"
        owner = {"point": obj} if isinstance(obj, Point) else {"condition": obj}
        display = Discrepancy.Display.POINT if isinstance(obj, Point) else Discrepancy.Display.CONDITION
        for entry in Discrepancy.objects.filter(display=display, **owner):
            assert f'<span class="tag">{entry.ref}</span>' in section, f"{url}: {entry.ref} no longer disclosed"
        notes = getattr(obj, "notes", "")  # a condition's too, once it has them
        shown = " ".join(_text(section).split())
        for paragraph in filter(None, (notes or "").split("\n\n")):
            words = " ".join(_text(source_links(paragraph)).split())
            assert words in shown, f"{url}: a source note left the page: {words[:60]!r}"


def test_a_point_with_corrections_says_how_many_articles_got_it_wrong(client, guide):
    html = client.get("/points/bl23/").content.decode()
    (section,) = split(html)[1]
    summary = _text(re.search(r"<summary>(.*?)</summary>", section, re.S).group(1))
    articles = {
        s.pk
        for d in Discrepancy.objects.filter(point__slug="bl23", display="point", ref__startswith="E")
        for s in d.sources.filter(kind="article")
    }
    assert articles
    words = ["No", "One", "Two", "Three", "Four", "Five"]
    assert f"{words[len(articles)]} article" in summary, summary


def test_how_to_press_gives_advice_first_and_the_articles_disagreements_under_evidence(client, guide):
    body, sections = split(client.get("/how-to-press/").content.decode())
    hits = sorted({m.group(0) for m in SOURCE_TALK.finditer(_text(body))})
    assert not hits, f"source talk outside Evidence and corrections: {hits}"
    assert len(sections) == 1
    shown = " ".join(_text(sections[0]).split())
    assert "The articles do not agree" in shown and "The articles range widely" in shown
