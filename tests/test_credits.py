"""Licence and credit of every figure on the sources page (issue 13, item 7)."""

import pytest
from django.conf import settings

from points.models import Illustration

pytestmark = pytest.mark.django_db


def test_the_sources_page_credits_every_figure_with_its_licence_and_scale(client):
    html = client.get("/sources/").content.decode()
    section = html[html.index('id="figures"') :]
    figures = list(Illustration.objects.for_credits())
    assert len(figures) >= 13
    for figure in figures:
        item = section[section.index(f'id="figure-{figure.slug}"') :].split("</li>", 1)[0]
        assert figure.view in item and f"Credit: {figure.credit}." in item and f"Licence: {figure.licence}." in item
        if figure.scale:
            assert figure.scale["basis"] in item
    licence = settings.CONTENT_LICENCE
    assert f'href="{licence["url"]}" rel="license' in section and licence["name"] in section


def test_a_figure_an_editor_adds_is_credited_too(client, django_capture_on_commit_callbacks):
    from points.caching import content_changed

    figure = Illustration.objects.first()
    Illustration.objects.filter(pk=figure.pk).update(credit="Jo Bloggs, photograph", licence="CC BY-SA 4.0")
    with django_capture_on_commit_callbacks(execute=True):
        content_changed()
    item = client.get("/sources/").content.decode().split(f'id="figure-{figure.slug}"', 1)[1].split("</li>", 1)[0]
    assert "Credit: Jo Bloggs, photograph." in item and "Licence: CC BY-SA 4.0." in item
