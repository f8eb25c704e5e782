"""The home page's whole-body figure (issue 13, item 2): every region a named, focusable link."""

import json
from pathlib import Path

import pytest
from django.conf import settings

from .browser import axe_violations

TAXONOMY = json.loads((Path(settings.BASE_DIR) / "fixtures" / "taxonomy.json").read_text())
REGIONS = {r["slug"]: r["name"] for r in TAXONOMY["regions"]}
LINKS = ".body-overview a.region-link"
# each link: href, accessible name, visible label, its shapes' boxes (px) and what is drawn at each centre
LINK_FACTS = """() => [...document.querySelectorAll('.body-overview a.region-link')].map(a => ({
  href: a.getAttribute('href'),
  name: a.getAttribute('aria-label'),
  label: a.querySelector('text.region-text')?.textContent.trim(),
  labelBox: (() => { const r = a.querySelector('text.region-text').getBoundingClientRect();
                     return [r.left, r.top, r.width, r.height]; })(),
  targets: [...a.querySelectorAll('.fig-fill, .region-hit')].map(el => {
    const r = el.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return {w: r.width, h: r.height, inside: !!hit && a.contains(hit)};
  }),
}))"""


@pytest.mark.django_db
def test_every_region_is_a_named_link_in_the_page(client):
    html = client.get("/").content.decode()
    figure = html[html.index('<div class="body-overview">') :]
    figure = figure[: figure.index("</svg></figure>\n</div>")]
    for slug in REGIONS:
        assert figure.count(f'href="/regions/{slug}/"') == 1, slug
    assert figure.count('class="region-link"') == len(REGIONS)
    assert figure.count('aria-label="Front of the body"') == figure.count('aria-label="Back of the body"') == 1
    assert len(figure.encode()) < 24_000, "the home figure should stay light"
    assert figure.count('fill="#f3dccb"') >= 20, "drawn in the figures' skin tone, part by part, front and back"
    for forbidden in ("<script", "style=", "<style", "<image", "<foreignObject"):
        assert forbidden not in figure


@pytest.mark.browser
def test_home_figure_links_are_named_big_enough_and_side_by_side(site, page):
    page.goto(site + "/")
    page.locator(".body-overview").scroll_into_view_if_needed()
    facts = page.evaluate(LINK_FACTS)
    assert sorted(f["href"] for f in facts) == sorted(f"/regions/{slug}/" for slug in REGIONS)
    for fact in facts:
        slug = fact["href"].split("/")[2]
        label = fact["label"]
        assert label and REGIONS[slug].lower().startswith(label.lower()), (slug, label)
        assert fact["name"].lower().startswith(label.lower()), f"{slug}: the accessible name must start with the label"
        assert fact["labelBox"][3] >= 12, f"{slug}: the label is too small to read ({fact['labelBox']})"
        big = [t for t in fact["targets"] if t["w"] >= 24 and t["h"] >= 24]
        assert big, f"{slug}: no tap target of 24x24 px: {fact['targets']}"
        assert all(t["inside"] for t in big), f"{slug}: a tap on a shape's centre misses the link: {big}"
    front, back = page.locator(".body-overview svg").all()
    front_box, back_box = front.bounding_box(), back.bounding_box()
    assert abs(front_box["y"] - back_box["y"]) < 2 and back_box["x"] >= front_box["x"] + front_box["width"] - 1
    assert front_box["width"] >= 150, "front and back side by side, each still readable"
    assert page.get_by_role("link", name="Back, neck and buttocks points").count() == 1


@pytest.mark.browser
def test_home_figure_keyboard_focus_and_hover_are_visible(site, page):
    page.goto(site + "/")
    stroke = "el => getComputedStyle(el.querySelector('.fig-contour')).stroke"
    width = "el => getComputedStyle(el.querySelector('.fig-contour')).strokeWidth"
    resting = {a.get_attribute("href"): (a.evaluate(stroke), a.evaluate(width)) for a in page.locator(LINKS).all()}
    reached = []
    for _ in range(80):  # Tab through the page from the top
        page.keyboard.press("Tab")
        href = page.evaluate(
            "document.activeElement.matches('a.region-link') ? document.activeElement.getAttribute('href') : null"
        )
        if href and href not in reached:
            reached.append(href)
            focused = page.locator(f'{LINKS}[href="{href}"]')
            assert (focused.evaluate(stroke), focused.evaluate(width)) != resting[href], f"{href}: no visible focus"
        if len(reached) == len(REGIONS):
            break
    assert sorted(reached) == sorted(resting), f"not every region is reachable by keyboard: {reached}"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{reached[-1]}")
    page.goto(site + "/")
    arm = page.locator(f'{LINKS}[href="/regions/arm/"]')
    arm.locator(".fig-fill").first.hover()
    assert arm.evaluate(stroke) != resting["/regions/arm/"][0], "hovering a region does not show it"


@pytest.mark.browser
def test_home_figure_tap_opens_the_region_and_axe_is_clean(site, page):
    page.goto(site + "/")
    assert axe_violations(page) == []
    page.locator(f'{LINKS}[href="/regions/hand/"] .region-hit').first.click()
    page.wait_for_url("**/regions/hand/")
