"""Sheets printed to PDF in Chromium and read back with poppler (issue 5)."""

import re
import shutil
import subprocess

import pytest
from django.conf import settings as django_settings

from .browser import unavailable

pytestmark = pytest.mark.browser

# The four points with the most text: if these fit on two pages, any four do.
LONGEST_FOUR = "bl54,gb30,ex-ue7,lr4"


@pytest.fixture(scope="module")
def poppler():
    if not (shutil.which("pdfinfo") and shutil.which("pdftotext")):
        unavailable("poppler-utils (pdfinfo, pdftotext) is not installed")


def print_pdf(browser, url, fmt, tmp_path):
    context = browser.new_context()
    page = context.new_page()
    page.goto(url)
    page.emulate_media(media="print")
    path = tmp_path / f"sheet-{fmt}.pdf"
    page.pdf(path=str(path), format=fmt, print_background=True)
    context.close()
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups()
    return pages, tuple(round(float(v)) for v in size), text


SIZES = {"A4": (596, 843), "Letter": (612, 792)}


@pytest.mark.parametrize("fmt", ["A4", "Letter"])
@pytest.mark.parametrize(
    ("path", "max_pages", "must_have"),
    [
        ("/points/bl23/sheet/", 1, ["BL23", "Shènshū", "lumbar vertebra", "Gentle only in pregnancy", "Cautions"]),
        ("/points/sp6/sheet/", 1, ["SP6", "三阴交", "Avoid in pregnancy", "four finger"]),
        # the four longest points: three pages since every sheet carries all 15 red flags (issue 10)
        (f"/sheet/?points={LONGEST_FOUR}", 3, ["BL54", "GB30", "EX-UE7", "LR4", "Probable identification"]),
        ("/sheet/?points=bl25,gb30,bl40", 2, ["BL25", "GB30", "BL40", "knee crease"]),
        ("/conditions/sciatica/sheet/", 4, ["Sciatica", "BL25", "GB30", "BL40", "BL53"]),
    ],
)
def test_sheet_prints_cleanly(site, browser, poppler, tmp_path, path, max_pages, must_have, fmt):
    pages, size, text = print_pdf(browser, site + path, fmt, tmp_path)
    flat = " ".join(text.split())
    assert size == SIZES[fmt]
    assert 1 <= pages <= max_pages, f"{path} printed on {pages} pages"
    for needle in must_have:
        assert needle in flat, needle
    assert "Stop and get medical help" in flat and "Get emergency care the same day" in flat  # red flags, once
    assert "Chest pain as well as back pain" in flat and "under 20 or over 50" in flat  # the complete list
    assert flat.count("Stop and get medical help") == 1
    assert "Sources for this page" in flat and re.search(r"1\.\s+\S", text)  # numbered citations
    # date, and the configured public address (never the Host the request came with)
    assert "content last reviewed" in flat and django_settings.SITE_URL + path in flat
    assert f"Page 1 of {pages}" in flat  # page numbers in the footer
    for chrome in ("Skip to content", "How to press Safety Sources", "Print this sheet", "Add a point", "Move up"):
        assert chrome not in flat, f"{chrome!r} printed"


def test_pick_three_points_and_print_them(site, browser):
    """A person adds three sciatica points from their pages, then opens the sheet."""
    context = browser.new_context(viewport={"width": 390, "height": 900})
    page = context.new_page()
    for code in ("bl25", "gb30", "bl40"):
        page.goto(f"{site}/points/{code}/")
        page.get_by_role("button", name="+ Add to my sheet").click()
        page.locator(".sheet-added").wait_for()
    link = page.locator("#sheet-link")
    assert link.inner_text() == "My sheet (3)"
    link.click()
    page.wait_for_url("**/sheet/?points=bl25,gb30,bl40")
    assert page.locator(".sheet-point").count() == 3
    page.get_by_role("link", name="Remove").first.click()
    page.wait_for_url("**/sheet/?points=gb30%2Cbl40")
    page.goto(f"{site}/points/li4/")
    assert page.locator("#sheet-link").inner_text() == "My sheet (2)"  # remembered in this browser
    assert page.get_by_role("button", name="Print this sheet").count() == 0  # only on sheets
    context.close()


@pytest.mark.django_db(transaction=True)
def test_a_printed_point_page_includes_its_evidence_and_corrections(site, browser, poppler, tmp_path):
    """On screen the section is one tap away (a closed <details>); on paper it is open."""
    from points.models import Discrepancy

    entry = Discrepancy.objects.filter(point__slug="bl23", display="point").order_by("order").first()
    assert entry is not None
    _, _, text = print_pdf(browser, site + "/points/bl23/", "A4", tmp_path)
    flat = " ".join(text.split())
    assert "Evidence and corrections" in flat
    words = " ".join(entry.fact.split()[:6])
    assert words in flat, f"the printed page leaves out the correction: {words!r}"
