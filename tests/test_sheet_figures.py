"""Printed sheets' figures read on paper (issue 13): at least 45 mm wide, enough of the
body part to recognise it, every text of the art whole (inside the crop or outside it,
never cut), the point's marker shown, and marks in black or dark grey.

Measured on every point sheet and every condition sheet: from the rendered HTML (the
crop each figure draws, against the text boxes read from its art), in Chromium's print
layout, and in the PDF itself rendered to PNG at 150 dpi."""

import re
import shutil
import subprocess

import pytest
from django.contrib.staticfiles import finders
from PIL import Image

from points import geometry
from points.models import Condition, Point

from .browser import unavailable

MIN_MM = 45
PDFTOPPM = shutil.which("pdftoppm") or "pdftoppm"
SVG_RE = re.compile(
    r'<svg class="sheet-svg" viewBox="([^"]+)"[^>]*>\s*<image href="/static/([^"]+)" x="0" y="0" width="([\d.]+)" '
    r'height="([\d.]+)"/>(.*?)</svg>',
    re.S,
)
DOT_RE = re.compile(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="[\d.]+" class="sheet-dot"/>')


def every_sheet():
    points = [f"/points/{slug}/sheet/" for slug in Point.objects.published().values_list("slug", flat=True)]
    conditions = [f"/conditions/{slug}/sheet/" for slug in Condition.objects.published().values_list("slug", flat=True)]
    return points + conditions


def sheet_figures(html):
    """(view box, art file, figure size, dots) of each figure on a sheet's page."""
    found = []
    for view_box, src, width, height, inner in SVG_RE.findall(html):
        box = tuple(float(v) for v in view_box.split())
        dots = [(float(x), float(y)) for x, y in DOT_RE.findall(inner)]
        found.append((box, src, (float(width), float(height)), dots))
    return found


def in_box(shape, box):
    x, y, w, h = box
    return any(x < px < x + w and y < py < y + h for px, py in shape.outline)


@pytest.mark.django_db
def test_no_sheet_figure_cuts_a_label_and_each_shows_its_point_and_the_body(client):
    """Every figure on every sheet: each of the art's labels (the boxes ``read_art`` gives,
    and every other text the art writes) is wholly inside the crop or wholly outside;
    the point's marker is inside; the crop is a good part of the figure and shows the
    body's outline."""
    sheets, figures = every_sheet(), 0
    assert len(sheets) > 30
    for url in sheets:
        html = client.get(url).content.decode()
        found = sheet_figures(html)
        assert len(found) == html.count('class="sheet-point"'), url  # every point has its figure
        for box, src, (width, height), dots in found:
            path = finders.find(src)
            art, texts = geometry.read_art(path), geometry.read_print_art(path)
            x, y, w, h = box
            where = f"{url} {src} {box}"
            assert x >= 0 and y >= 0 and x + w <= width + 0.1 and y + h <= height + 0.1, where
            for label in [*art.labels, *texts.texts]:
                assert not geometry.cuts(label.box, box), f"{where}: the crop cuts {label.text!r} {label.box}"
            assert dots, where
            for cx, cy in dots:  # the marker, with room for its ring
                assert x + 5 <= cx <= x + w - 5 and y + 5 <= cy <= y + h - 5, f"{where}: marker at {cx, cy}"
            # enough of the drawing to be recognised: not a small window
            assert w >= geometry.PRINT_MIN_SHARE * min(width, height) - 0.5 or w >= width - 0.5, where
            # and the body's contour runs through the crop, or (a close-up whose outline runs past
            # the figure's edges, such as the sacrum) at least two of the landmarks it is found by
            seen = sum(1 for shape in art.landmarks if in_box(shape, box))
            assert any(in_box(shape, box) for shape in texts.outline) or seen >= 2, f"{where}: no body outline"
            figures += 1
    assert figures > 60


def test_print_crop_keeps_labels_whole_and_the_body_part_in_view():
    """The crop works from the art's text boxes and body contour, whatever the drawing:
    a leg between two columns of labels, a point beside a label."""
    art = geometry.PrintArt(
        width=400,
        height=600,
        texts=(
            geometry.ArtLabel("Knee crease", 12, 290, (12, 278, 130, 296)),
            geometry.ArtLabel("Calf muscle", 272, 390, (272, 378, 390, 396)),
            geometry.ArtLabel("heel", 330, 580, (330, 568, 380, 586)),
        ),
        outline=(
            geometry.Shape(None, ((150, 0), (160, 300), (170, 600)), False, 1),
            geometry.Shape(None, ((250, 0), (240, 300), (235, 600)), False, 1),
        ),
    )
    for point in [(200, 300), (180, 390), (230, 560), (390, 590), (5, 5)]:
        box = geometry.print_crop(
            (point,), 400, 600, style=geometry.SHEET, display_px=geometry.SHEET_PX, aspect=1, art=art
        )
        x, y, w, h = box
        assert x <= point[0] <= x + w and y <= point[1] <= y + h, (point, box)
        for label in art.texts:
            assert not geometry.cuts(label.box, box), (point, label.text, box)
        if 100 < point[0] < 300:  # the leg's both edges at the point's level, with some skin beyond
            span = geometry.body_span(art.outline, *point, 400, 600)
            assert x <= span[0] - 5 and span[2] + 5 <= x + w, (point, span, box)
    # text on every side of the point in any crop of the asked shape: another shape, or the whole figure
    crowded = geometry.PrintArt(400, 420, tuple(
        geometry.ArtLabel(str(n), 0, 0, (x0, y0, x0 + 60, y0 + 15))
        for n, (x0, y0) in enumerate([(5, 150), (335, 150), (170, 5), (170, 400)])
    ), ())  # fmt: skip
    box = geometry.print_crop(
        ((200, 210),), 400, 420, style=geometry.SHEET, display_px=geometry.SHEET_PX, aspect=1, art=crowded
    )
    assert not any(geometry.cuts(t.box, box) for t in crowded.texts), box


# In Chromium: the print layout, and the PDF rendered to PNG


@pytest.fixture(scope="module")
def poppler():
    if not (shutil.which("pdftoppm") and shutil.which("pdfinfo")):
        unavailable("poppler-utils (pdftoppm, pdfinfo) is not installed")


PRINT_MEASURE = """() => [...document.querySelectorAll('.sheet-svg')].map(svg => {
  const b = svg.getBoundingClientRect(), colours = [];
  svg.querySelectorAll('circle, line, path, text').forEach(el => {
    const s = getComputedStyle(el);
    for (const c of [s.fill, s.stroke]) if (c && c !== 'none' && !c.startsWith('url')) colours.push(c);
  });
  return {width: b.width, colours};
})"""


def luminance_and_chroma(colour):
    values = [float(v) for v in re.findall(r"[\d.]+", colour)[:4]]
    r, g, b = values[:3]
    alpha = values[3] if len(values) > 3 else 1.0
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255, (max(r, g, b) - min(r, g, b)) / 255, alpha


def frames(png, dpi=150):
    """The widths in mm of the sheet figures' frames in a page image: rectangles as a
    .sheet-svg's border draws them (a straight grey run 30-90 mm long, another at least
    30 mm below it over the same columns, and the sides joining them)."""
    image = Image.open(png).convert("L")
    width, height = image.size
    mm = dpi / 25.4
    data = image.tobytes().translate(bytes(1 if v < 190 else 0 for v in range(256)))
    run = re.compile(rb"(?<!\x01)\x01{%d,%d}(?!\x01)" % (round(30 * mm), round(90 * mm)))
    runs = [(y, m.start(), m.end()) for y in range(height) for m in run.finditer(data[y * width : (y + 1) * width])]

    def side(x, top, bottom):  # a dark column (within a pixel) all the way down
        return all(any(data[y * width + c] for c in (x - 1, x, x + 1) if 0 <= c < width) for y in range(top, bottom))

    found = []
    for n, (y, x0, x1) in enumerate(runs):
        if any(r[0] == y - 1 and abs(r[1] - x0) <= 2 and abs(r[2] - x1) <= 2 for r in runs[:n]):
            continue  # not the first row of this edge
        for y2, a0, a1 in runs[n + 1 :]:
            same = abs(a0 - x0) <= 2 and abs(a1 - x1) <= 2
            if same and y2 - y >= 30 * mm and side(x0, y, y2) and side(x1 - 1, y, y2):
                found.append((x1 - x0) / mm)
                break
    return found


def pdf_sheets():
    """Sheets whose PDFs together print every point's figure: each condition sheet, and
    custom sheets of the points no condition holds."""
    from points.models import Indication
    from points.sheets import MAX_POINTS

    conditions = [f"/conditions/{slug}/sheet/" for slug in Condition.objects.published().values_list("slug", flat=True)]
    held = set(Indication.objects.filter(point__reference_only=False).values_list("point__slug", flat=True))
    pressable = Point.objects.published().filter(reference_only=False).values_list("slug", flat=True)
    rest = [s for s in pressable if s not in held]
    customs = [rest[i : i + MAX_POINTS] for i in range(0, len(rest), MAX_POINTS)]
    return conditions + [f"/sheet/?points={','.join(codes)}" for codes in customs]


@pytest.mark.browser
def test_sheet_figures_are_at_least_45_mm_wide_on_paper_and_print_in_black(site, browser, poppler, tmp_path):
    """Every point and condition sheet in Chromium's print layout (A4): each figure is at
    least 45 mm wide, and its marks (markers, crosshairs, the measuring guide) are black
    or dark grey, never a colour alone. Printed to PDF and rendered at 150 dpi, the
    condition sheets and a sheet of the remaining points (so every point's figure) show
    a frame at least 45 mm wide for every figure."""
    context = browser.new_context(viewport={"width": 711, "height": 1000})  # A4's 188 mm between the margins
    page = context.new_page()
    page.emulate_media(media="print")
    for url in every_sheet():
        page.goto(site + url)
        measured = page.evaluate(PRINT_MEASURE)
        assert measured, url
        for figure in measured:
            assert figure["width"] * 25.4 / 96 >= MIN_MM, f"{url}: a figure {figure['width'] * 25.4 / 96:.1f} mm wide"
            for colour in figure["colours"]:
                lum, chroma, alpha = luminance_and_chroma(colour)
                if alpha == 0 or lum > 0.9:
                    continue  # white halos behind labels, transparent targets
                assert lum <= 0.3 and chroma <= 0.15, f"{url}: a mark printed in {colour}"
    printed = set()
    for n, url in enumerate(pdf_sheets()):
        page.goto(site + url)
        figures = page.locator(".sheet-svg").count()
        printed |= set(page.locator(".sheet-point").evaluate_all("els => els.map(e => e.dataset.point)"))
        pdf = tmp_path / f"sheet{n}.pdf"
        page.pdf(path=str(pdf), format="A4", print_background=True)
        subprocess.run([PDFTOPPM, "-r", "150", "-png", str(pdf), str(tmp_path / f"s{n}")], check=True)  # noqa: S603
        widths = [w for png in sorted(tmp_path.glob(f"s{n}-*.png")) for w in frames(png)]
        assert len(widths) == figures, f"{url}: {figures} figures, frames found {widths}"
        assert all(w >= MIN_MM for w in widths), f"{url}: frames {widths} mm"
    context.close()
    assert printed == {p.code for p in Point.objects.published().filter(reference_only=False)}


TEXT_BOXES = """() => [...document.querySelectorAll('text')].map(t => {
  const b = t.getBBox();
  return {text: t.textContent.trim(), box: [b.x, b.y, b.x + b.width, b.y + b.height]};
})"""


@pytest.mark.browser
def test_the_crop_reads_text_boxes_at_least_as_large_as_chromium_draws_them(site, browser):
    """The print crop keeps clear of the art's text by the boxes ``read_print_art`` gives:
    each text as Chromium lays it out in every shipped figure lies inside one of them,
    so a crop edge outside those boxes never runs through a letter."""
    from points.models import Illustration

    context = browser.new_context()
    page = context.new_page()
    checked = 0
    for static_path in set(Illustration.objects.values_list("static_path", flat=True)):
        if not static_path.endswith(".svg"):
            continue
        page.goto(f"{site}/static/{static_path}")
        boxes = [t.box for t in geometry.read_print_art(finders.find(static_path)).texts]
        for drawn in page.evaluate(TEXT_BOXES):
            if not drawn["text"]:
                continue
            x0, y0, x1, y1 = drawn["box"]
            inside = any(b[0] <= x0 and b[1] <= y0 and x1 <= b[2] and y1 <= b[3] for b in boxes)
            assert inside, f"{static_path}: {drawn['text']!r} drawn at {drawn['box']}, outside every box read"
            checked += 1
    context.close()
    assert checked > 100
