"""Footnotes are numbered in Python after the page is rendered, never while it renders
(issue 9, item 2): the citation tags are pure, and every page numbers in reading order."""

import re

import pytest
from django.template import Context, Template

from points.models import Condition, Point

pytestmark = pytest.mark.django_db


def test_citation_tags_have_no_side_effects():
    template = Template('{% load guide %}{% cite "nhs-back-pain" "x" %}')
    context = Context({})
    first, second = template.render(context), template.render(context)
    assert first == second and "<acu-cite" in first  # a placeholder, numbered later
    assert list(context.flatten()) == ["True", "False", "None"]  # nothing left in the context


def pages():
    yield "/"
    yield "/how-to-press/"
    yield "/safety/"
    yield "/sources/"
    for point in Point.objects.published():
        yield point.get_absolute_url()
        yield point.get_absolute_url() + "sheet/"
    for condition in Condition.objects.published():
        yield condition.get_absolute_url()
        yield condition.get_absolute_url() + "sheet/"


def check_numbering(html, where):
    assert "<acu-" not in html, where  # every placeholder was replaced
    marks = [int(n) for n in re.findall(r'<a href="#fn-(\d+)" class="cite"', html)]
    listed = [int(n) for n in re.findall(r'<li id="fn-(\d+)"', html)]
    first_seen = list(dict.fromkeys(marks))
    assert first_seen == list(range(1, len(first_seen) + 1)), where  # reading order, no gaps
    assert sorted(listed) == first_seen, where  # each mark has its note, each note a mark


def test_every_page_numbers_its_footnotes_in_reading_order(client):
    for path in pages():
        response = client.get(path)
        assert response.status_code == 200, path
        check_numbering(response.content.decode(), path)


def test_the_htmx_panel_numbers_its_own_footnotes(client):
    panel = client.get("/points/bl23/", headers={"HX-Request": "true"}).content.decode()
    check_numbering(panel, "panel")
    assert 'id="fn-1"' in panel
