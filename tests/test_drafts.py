"""Drafts never leak (issue 12, item 10): nothing of a draft point or condition reaches a
public page through a related record: a discrepancy, a citation, a placement, an alias,
an indication, or a published point's "use instead" and "easier to reach" links."""

import re

import pytest
from django.core.cache import cache

from points.models import (
    Alias,
    Citation,
    Condition,
    Discrepancy,
    Illustration,
    Indication,
    Placement,
    Point,
    Region,
    Source,
    Status,
)

pytestmark = pytest.mark.django_db

# Words only the drafts' records contain: a public page that shows any of them leaks a draft.
MARKERS = ("bl61", "draftonly", "draftpinyin", "draftalias", "draftcitation", "draftdiscrepancy",
           "draftcondition", "draftindication")  # fmt: skip


@pytest.fixture
def drafts(guide):
    """A draft point (BL61) with an alias, a citation, a placement, uses and discrepancies; a draft
    condition with indications, a citation and a discrepancy; published points that name BL61 as
    the point to use instead in pregnancy (LI4) and the easier one to reach (BL23)."""
    source = Source.objects.get(key="article-000")
    point = Point.objects.get(code="BL60")
    placements = list(point.placements.all())
    point.pk, point.code, point.number, point.status = None, "BL61", 61, Status.DRAFT
    point.content_key = None  # a copy is not the fixture record
    point.pinyin, point.english_name = "Draftpinyin", "Draftonly Servant Gate"
    point.save()
    Alias.objects.create(point=point, text="Draftalias Kunlunxyz", kind=Alias.Kind.POPULAR)
    Citation.objects.create(point=point, source=source, claim="location", note="Draftcitation note")
    for placement in placements:
        Placement.objects.create(point=point, illustration=placement.illustration, x=placement.x + 1, y=placement.y)
    sciatica = Condition.objects.get(slug="sciatica")
    Indication.objects.create(point=point, condition=sciatica, role="distal", order=99, note="Draftindication one")

    condition = Condition.objects.create(
        slug="draftcondition-ache", name="Draftcondition backache", summary="Draftcondition summary.",
        keywords="zebraache", status=Status.DRAFT,
    )  # fmt: skip
    for n, code in enumerate(("BL23", "BL40", "GB30")):
        Indication.objects.create(
            point=Point.objects.get(code=code), condition=condition, role="local", order=n, note="Draftindication two"
        )
    Citation.objects.create(condition=condition, source=source, claim="uses", note="Draftcitation of a condition")

    refs = [
        ("E90", {"point": point, "display": "sources"}),  # the repro: listed on /sources/, text and link
        ("E91", {"point": point, "display": "point"}),
        ("E92", {"condition": condition, "display": "sources"}),
        ("E93", {"condition": condition, "display": "condition"}),
        ("E94", {"point": point, "condition": sciatica, "display": "condition"}),  # about a draft, on a public page
        ("C90", {"point": point, "display": "sources"}),  # a conflict between the articles
    ]
    for n, (ref, where) in enumerate(refs):
        d = Discrepancy.objects.create(
            ref=ref, order=900 + n, severity="high", claim=f"Draftdiscrepancy {ref} claim.", fact="A fact.", **where
        )
        d.sources.add(source)

    Point.objects.filter(code="LI4").update(pregnancy_alternative=point)
    Point.objects.filter(code="BL23").update(reach_alternative=point)
    yield point, condition
    # the rows go with the test's transaction; pages cached from them must go too (a later
    # module's module-scoped fixture renders before the autouse cache clear)
    cache.clear()


def public_pages():
    yield from ["/", "/conditions/", "/how-to-press/", "/safety/", "/sources/"]
    yield from [f"/regions/{slug}/" for slug in Region.objects.values_list("slug", flat=True)]
    for point in Point.objects.published():
        url = point.get_absolute_url()
        yield from [url, url + "?hx", url + "sheet/"]
    for condition in Condition.objects.published():
        yield from [condition.get_absolute_url(), condition.get_absolute_url() + "sheet/"]
    codes = ",".join(Point.objects.published().values_list("slug", flat=True)[:12])
    yield from [f"/sheet/?points={codes}", "/sheet/?points=li4,bl23,bl61"]
    # the drafts' other names, searched for (the query itself is not one of the markers)
    yield from ["/search/?q=servant+gate", "/search/?q=kunlunxyz", "/search/?q=zebraache", "/search/?q=bl61"]
    yield from ["/search/?q=servant+gate?hx", "/search/?q=zebraache?hx", "/search/?q=Kunlun"]
    yield from ["/points/kunlunxyz/", "/regions/servant-gate/"]  # 404s with suggestions


def leaks(client, url, mode):
    headers = {"HX-Request": "true"} if url.endswith("?hx") else {}
    url = url.removesuffix("?hx")
    if mode:
        url += ("&" if "?" in url else "?") + "pregnant=1"
    response = client.get(url, headers=headers)
    assert response.status_code in (200, 404), (url, response.status_code)
    html = response.content.decode().lower()
    # a marker the address holds may be echoed (the search box, a sheet's address); the draft
    # itself must still not be found: no link to it
    found = [m for m in MARKERS if m in html and m not in url.lower()]
    found += re.findall(r'href="/points/bl61/', html)
    return [f"{url}: {m}" for m in found]


@pytest.mark.parametrize("mode", ["", "pregnant"])
def test_no_public_page_shows_anything_of_a_draft(client, drafts, mode):
    problems = [problem for url in public_pages() for problem in leaks(client, url, mode)]
    assert not problems, "\n".join(problems)


def test_the_drafts_are_there_for_staff_previews(admin_client, drafts):
    point, _ = drafts
    html = admin_client.get(point.get_absolute_url()).content.decode()
    assert "Draftpinyin" in html and "Draftdiscrepancy E91" in html  # its own correction, in the preview


def test_publishing_the_draft_shows_it_again(client, drafts):
    point, condition = drafts
    Point.objects.filter(pk=point.pk).update(status=Status.PUBLISHED)
    Condition.objects.filter(pk=condition.pk).update(status=Status.PUBLISHED)
    cache.clear()  # an update() makes no history record, so no new content version
    sources = client.get("/sources/").content.decode()
    assert "Draftdiscrepancy E90" in sources and "Draftdiscrepancy C90" in sources
    assert "Draftdiscrepancy E92" in sources
    assert "Draftpinyin" in client.get("/points/li4/").content.decode()  # LI4's "instead" link
    assert "Draftpinyin" in client.get("/points/bl23/").content.decode()  # BL23's easier point
    assert "Draftdiscrepancy E94" in client.get("/conditions/sciatica/").content.decode()
    assert Illustration.objects.filter(placements__point=point).exists()
