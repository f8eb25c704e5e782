"""Whatever an editor types is shown as text, never run as code (issue 4, item 9)."""

import pytest
from django.db import IntegrityError, models, transaction

from points.models import Alias, Citation, Condition, Discrepancy, Indication, Point, Source

pytestmark = pytest.mark.django_db

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)> javascript:alert(1)'
SKIP = {"code", "slug", "normalized", "search_names", "search_terms", "order_key", "key", "url", "keywords",
        "hanzi_simplified", "hanzi_traditional", "year"}  # fmt: skip


def poison(obj):
    for field in obj._meta.get_fields():
        if isinstance(field, (models.CharField, models.TextField)) and not field.choices and field.name not in SKIP:
            setattr(obj, field.name, f"{field.name} {obj.pk}: {PAYLOAD}"[: field.max_length or 10_000])
    obj.save()


def assert_safe(html):
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert 'href="javascript:' not in html.lower()


def test_every_editable_text_field_is_escaped_on_public_pages(client):
    point = Point.objects.get(code="BL23")
    poison(point)
    for alias in point.aliases.all():
        poison(alias)
    for citation in Citation.objects.filter(point=point):
        poison(citation)
    condition = Condition.objects.get(slug="sciatica")
    poison(condition)
    for indication in Indication.objects.filter(condition=condition):
        poison(indication)
    for source in Source.objects.filter(key__in=["article-000", "who-2008"]):
        poison(source)
    for discrepancy in Discrepancy.objects.filter(point=point):
        poison(discrepancy)
    pages = ["/points/bl23/", "/conditions/sciatica/", "/sources/", "/regions/back/", "/", "/safety/",
             "/search/?q=sea+of+vitality"]  # fmt: skip
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_safe(response.content.decode())
    html = client.get("/points/bl23/", headers={"HX-Request": "true"}).content.decode()
    assert_safe(html)
    assert "&lt;script&gt;" in html  # shown, as text


def test_search_query_is_escaped(client):
    assert_safe(client.get("/search/", {"q": '<script>alert("x")</script>'}).content.decode())
    assert_safe(client.get('/points/<script>alert("x")</').content.decode())


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,hi", "vbscript:x", "ftp://example.org"])
def test_non_http_source_urls_cannot_be_stored(url):
    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.create(key="x", kind="web", title="X", url=url)


def test_admin_refuses_a_javascript_url(admin_client):
    response = admin_client.post(
        "/admin/points/source/add/", {"key": "js", "kind": "web", "title": "Bad", "url": "javascript:alert(1)"}
    )
    assert response.status_code == 200 and "Enter a valid URL" in response.content.decode()
    assert not Source.objects.filter(key="js").exists()


def test_alias_payload_in_admin_changelist_is_escaped(admin_client):
    alias = Alias.objects.filter(point__code="LI4").first()
    alias.text = '<script>alert("x")</script>'
    alias.save()
    assert_safe(admin_client.get("/admin/points/point/", {"q": "script"}).content.decode())
