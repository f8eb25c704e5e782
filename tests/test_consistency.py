"""One answer to "is it safe for me?", the same on every page (issue 10).

Every public page, htmx partial and sheet is rendered, in both modes, and read as text:

- every safety fact a page states (an element marked ``data-fact``) matches the record:
  pregnancy level, pressure (the point's, or the indication's own), reach, evidence;
- nothing outside those elements restates a pressure, a pregnancy level or (inside a
  point's block) a way to reach it: a second copy is how pages came to disagree;
- a point listed only to correct a source is never offered as a point to press;
- every page with red flags shows the complete list, cited;
- in pregnancy mode no point to avoid is offered, and the mode is kept by every link.
"""

from html.parser import HTMLParser

import pytest

from points.models import Condition, Indication, Point, RedFlag, Region

from .restated import CONTRADICTS, PRESSURE, restated

pytestmark = pytest.mark.django_db  # the module's pages are rendered once, from the test database

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SKIP = {"script", "style", "title", "head"}
# Text that is allowed to state facts: the fact elements themselves, what a source said
# (a claim we correct), footnotes, and the editors' draft banner.
EXEMPT_CLASSES = {"claim", "footnotes"}
# Our description of a source may name the pregnancy lists it gives, but no pressure level.
PRESSURE_ONLY_CLASSES = {"source-summary"}


class Page(HTMLParser):
    """The text of a page in blocks, each with the facts and point blocks around it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []  # (tag, attrs)
        self.facts = []  # (attrs, text) for every data-fact element
        self.free = []  # (text, point code or None): text outside fact and exempt elements
        self.links = []
        self.forms = []
        self.blocks = []  # (class, point code) of every point's block: list rows, indications, sheet points
        self._open_facts = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("a",) and "href" in attrs:
            self.links.append(attrs)
        if tag == "form":
            self.forms.append([attrs, []])
        if tag == "input" and self.forms:
            self.forms[-1][1].append(attrs)
        if tag in VOID:
            return
        self.stack.append((tag, attrs))
        if "data-point" in attrs and "data-fact" not in attrs:
            self.blocks.append((attrs.get("class", ""), attrs["data-point"]))
        if "data-fact" in attrs:
            entry = [attrs, ""]
            self.facts.append(entry)
            self._open_facts.append((len(self.stack), entry))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        while self.stack:
            depth = len(self.stack)
            if self._open_facts and self._open_facts[-1][0] == depth:
                self._open_facts.pop()
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not data.strip() or any(t in SKIP for t, _ in self.stack):
            return
        for _, entry in self._open_facts:
            entry[1] += data
        if self._open_facts:
            return
        if any(EXEMPT_CLASSES & set(a.get("class", "").split()) for _, a in self.stack):
            return
        point = next((a["data-point"] for _, a in reversed(self.stack) if "data-point" in a), None)
        pressure_only = any(PRESSURE_ONLY_CLASSES & set(a.get("class", "").split()) for _, a in self.stack)
        self.free.append((" ".join(data.split()), point, pressure_only))


def read(html):
    page = Page()
    page.feed(html)
    return page


def public_urls():
    urls = ["/", "/how-to-press/", "/safety/", "/sources/", "/sheet/?points=bl23,bl40,li4,gv1,cv4"]
    urls += [f"/regions/{r.slug}/" for r in Region.objects.all()]
    for point in Point.objects.published():
        urls += [point.get_absolute_url(), point.get_absolute_url() + "sheet/", f"/search/?q={point.code}"]
    for condition in Condition.objects.published():
        urls += [condition.get_absolute_url(), condition.get_absolute_url() + "sheet/"]
    return urls


HTMX = {"HTTP_HX_REQUEST": "true"}
OFFERS = {"point-card", "point-row", "sheet-point"}  # the blocks that offer a point to press


def rendered(client, mode):
    """Every public page, partial and sheet, as (url, html)."""
    suffix = {"off": "", "pregnant": "pregnant=1"}[mode]
    for url in public_urls():
        full = url + (("&" if "?" in url else "?") + suffix if suffix else "")
        response = client.get(full)
        assert response.status_code == 200, full
        yield full, response.content.decode()
        if (url.startswith("/points/") and not url.endswith("sheet/")) or url.startswith("/search/"):
            response = client.get(full, **HTMX)  # the panel and the search results partial
            yield full + " (htmx)", response.content.decode()


@pytest.fixture(scope="module")
def pages(django_db_setup, django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        client = Client()
        return {mode: list(rendered(client, mode)) for mode in ("off", "pregnant")}


@pytest.fixture(scope="module")
def records(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        points = {p.code: p for p in Point.objects.prefetch_related("reach_methods")}
        indications = {
            (i.condition.slug, i.point.code): i for i in Indication.objects.select_related("point", "condition")
        }
        flags = list(RedFlag.objects.all())
    return points, indications, flags


def all_pages(pages):
    return [(mode, url, html) for mode, items in pages.items() for url, html in items]


def test_every_stated_fact_matches_the_record(pages, records):
    points, indications, _ = records
    problems, seen = [], set()
    for mode, url, html in all_pages(pages):
        for attrs, text in read(html).facts:
            fact, code, value = attrs["data-fact"], attrs.get("data-point"), attrs.get("data-value")
            if fact == "red-flags":
                continue
            if fact in ("level", "pressure-level"):  # a page explaining the levels: the records' labels
                label = (Point.Pregnancy if fact == "level" else Point.Pressure)(value).label
                if label not in text:
                    problems.append(f"{url}: level {value!r} labelled {text!r}")
                continue
            point = points[code]
            seen.add(fact)
            if fact == "pregnancy":
                ok = value == point.pregnancy_caution and (
                    point.get_pregnancy_caution_display() in text or "marker" in attrs.get("class", "")
                )
                reason = CONTRADICTS[point.pregnancy_caution].search(
                    text.replace(point.get_pregnancy_caution_display(), "")
                )
                ok = ok and reason is None
            elif fact == "pressure":
                slug = url.split("/conditions/")[1].split("/")[0] if "/conditions/" in url else None
                use = indications.get((slug, code))
                expected = (use.pressure or point.pressure) if use else point.pressure
                allowed = {expected} | {i.pressure for i in indications.values() if i.point.code == code and i.pressure}
                ok = value in allowed and (value == expected or not use)
            elif fact == "reach":
                ok = value.split() == [
                    w.kind
                    for w in sorted(point.reach_methods.all(), key=lambda w: ["self", "tool", "partner"].index(w.kind))
                ]
                ok = ok and all(w.how.split()[0] in text for w in point.reach_methods.all())
            elif fact == "reference-only":
                ok = point.reference_only
            elif fact == "evidence":
                ok = value in {i.evidence for i in indications.values() if i.point.code == code}
            else:
                ok = False
            if not ok:
                problems.append(f"{url} [{mode}]: {fact} of {code} says {value!r} / {' '.join(text.split())[:90]!r}")
    assert not problems, "\n".join(sorted(set(problems))[:40])
    assert {"pregnancy", "pressure", "reach", "reference-only", "evidence"} <= seen


def test_no_page_restates_a_safety_fact_in_free_text(pages):
    problems = []
    for mode, url, html in all_pages(pages):
        for text, point, pressure_only in read(html).free:
            found = PRESSURE.findall(text) if pressure_only else restated(text, reach=point is not None)
            for phrase in found:
                problems.append(f"{url} [{mode}] ({point or 'page'}): {phrase!r} in {text[:100]!r}")
    assert not problems, f"{len(problems)} restated facts:\n" + "\n".join(sorted(set(problems))[:60])


def test_a_reference_only_point_is_never_offered_to_press(pages, records):
    points, indications, _ = records
    reference_only = {c for c, p in points.items() if p.reference_only}
    assert {"CV4", "GV1"} <= reference_only
    assert not [key for key in indications if key[1] in reference_only], "listed on a condition page"
    for _mode, url, html in all_pages(pages):
        page = read(html)
        for code in reference_only:
            slug = points[code].slug
            if f"/points/{slug}/" in url.split("?")[0] or url.startswith("/sheet/"):
                blocks = [text for text, p, _ in page.free if p == code]
                assert not any(t == "Pressure" or t.startswith("hold ") for t in blocks), url
                assert not [
                    a for a, _ in page.facts if a.get("data-fact") == "pressure" and a.get("data-point") == code
                ], url
                added = [f for f, inputs in page.forms if any(i.get("value") == slug for i in inputs)]
                assert not added, f"{url}: 'Add to my sheet' offered for {code}"


def test_every_page_with_red_flags_shows_the_complete_cited_list(pages, records):
    _, _, flags = records
    assert len(flags) >= 15
    must_show = [u for u in (p[0] for p in pages["off"]) if "/conditions/" in u or "/sheet" in u or "/safety/" in u]
    assert must_show
    by_url = dict(pages["off"])
    for url in must_show:
        html = by_url[url]
        assert 'data-fact="red-flags"' in html, f"{url} has no red flags"
        for flag in flags:
            assert f'data-flag="{flag.key}">{flag.text}<acu' not in html  # footnotes were numbered
            assert f'data-flag="{flag.key}">{flag.text}<sup>' in html, f"{url} lacks {flag.key!r} or its citation"


def test_condition_specific_warnings_are_cited_or_plainly_general(pages, django_db_blocker):
    with django_db_blocker.unblock():
        conditions = list(Condition.objects.exclude(red_flags="").select_related("red_flags_source"))
    assert conditions
    by_url = dict(pages["off"])
    for condition in conditions:
        html = by_url[condition.get_absolute_url()]
        block = html[html.index('data-flag="condition"') :].split("</p>")[0]
        if condition.red_flags_source:
            assert "<sup>" in block, condition.slug
        else:
            assert "general medical advice, not from a cited page" in block and "<sup>" not in block, condition.slug


def test_pregnancy_mode_offers_no_point_to_avoid_and_keeps_itself(pages, records):
    points, _, _ = records
    avoid = {p.slug for p in points.values() if p.avoid_in_pregnancy}
    assert avoid
    for url, html in pages["pregnant"]:
        page = read(html)
        assert "(htmx)" in url or "Pregnancy mode is on" in html, url
        internal = [a["href"] for a in page.links if a["href"].startswith("/") and not a["href"].startswith("/static/")]
        leave = [a for a in page.links if a.get("data-mode") == "leave"]
        kept = [h for h in internal if "pregnant=1" in h]
        assert len(kept) == len(internal) - len(leave), f"{url}: a link drops the mode"
        for form in page.forms:
            if form[0].get("method") == "get":
                assert {"name": "pregnant", "type": "hidden", "value": "1"} in form[1], url
        if "/conditions/" in url or "/sheet" in url or url.startswith("/regions/"):
            offered = {a["data-code"] for a in page.links if "data-code" in a}  # markers
            offered |= {points[code].slug for cls, code in page.blocks if set(cls.split()) & OFFERS}
            assert not avoid & offered, f"{url} offers {avoid & offered}"
