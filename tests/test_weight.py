"""First visit of any page stays under 100 KB transferred (gzip, as WhiteNoise serves it)."""

import gzip
import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db

BUDGET = 100 * 1024
ASSET_RE = re.compile(r'(?:src|href)="/static/([^"]+)"')


def transferred(client, path):
    html = client.get(path).content
    total = len(gzip.compress(html))
    assets = set(ASSET_RE.findall(html.decode()))
    for asset in assets:
        found = finders.find(asset)
        assert found, f"{path} links a missing static file {asset}"
        with open(found, "rb") as fh:
            total += len(gzip.compress(fh.read()))
    return total, assets


@pytest.mark.parametrize(
    "path",
    ["/", "/regions/back/", "/regions/hand/", "/regions/arm/", "/regions/abdomen/", "/regions/leg/",
     "/regions/foot/", "/points/bl23/", "/conditions/sciatica/", "/search/?q=bl", "/sources/"],
)  # fmt: skip
def test_first_visit_under_budget(client, path):
    total, assets = transferred(client, path)
    assert any(a.endswith("htmx-2.min.js") for a in assets) or path == "/sources/"
    assert total < BUDGET, f"{path}: {total / 1024:.1f} KB"


def test_stylesheets_have_balanced_braces():
    """A stray brace makes browsers drop the next rule silently (it once broke the map layout)."""
    from pathlib import Path

    for css in Path(finders.find("css/site.css")).parent.parent.rglob("*.css"):
        text = css.read_text()
        depth = 0
        for ch in text:
            depth += {"{": 1, "}": -1}.get(ch, 0)
            assert depth >= 0, f"{css}: a closing brace without an opening one"
        assert depth == 0, f"{css}: unclosed block"
