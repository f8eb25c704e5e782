#!/usr/bin/env python
"""Screenshot every page at phone (390 px) and desktop (1280 px) width.

    .venv/bin/python scripts/screenshots.py [--base-url URL] [--out screenshots] [--only PATTERN]

Without --base-url it starts its own server on a free port (against the dev
database that `make run` set up). Uses Debian's Chromium through Playwright.
"""

import argparse
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.browser import CHROMIUM_ARGS, chromium_path  # noqa: E402

WIDTHS = {"phone": (390, 844), "desktop": (1280, 800)}
# region pages after a tap on a marker: the point panel as a phone shows it (issue 11)
TAPS = {"/regions/back/": "bl23", "/regions/foot/": "bl60", "/regions/leg/": "st36"}


def pages():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "acuguide.settings.dev")
    import django

    django.setup()
    from points.models import Condition, Point, Region

    paths = ["/", "/conditions/", "/how-to-press/", "/safety/", "/sources/", "/search/?q=sciatica", "/search/?q=B54",
             "/search/?q=" + "x" * 300, "/points/B47/", "/points/B54/", "/points/no-such-point/",
             "/points/bl23/sheet/", "/conditions/sciatica/sheet/", "/sheet/?points=bl25,gb30,bl40,nope",
             "/points/bl23/report/", "/points/gb30/report/", "/media/no-such-file.png"]  # fmt: skip
    paths += [r.get_absolute_url() for r in Region.objects.all()]
    paths += [c.get_absolute_url() for c in Condition.objects.published()]
    paths += [p.get_absolute_url() for p in Point.objects.published()]
    # every point's printed sheet (issue 13: the print figures are checked at 150 dpi)
    paths += [p.get_absolute_url() + "sheet/" for p in Point.objects.published() if p.slug != "bl23"]
    # pregnancy mode (issue 10): what a pregnant reader sees
    paths += ["/?pregnant=1", "/conditions/acute-low-back-pain/?pregnant=1", "/points/li4/?pregnant=1",
              "/regions/hand/?pregnant=1", "/conditions/acute-low-back-pain/sheet/?pregnant=1"]  # fmt: skip
    return paths


def print_sheet(page, url, out, path):
    """A sheet as it prints (A4 PDF), turned into one PNG per page at 150 dpi with poppler's pdftoppm."""
    page.goto(url)
    pdf = out / name_for(path, "print").replace(".png", ".pdf")
    page.pdf(path=pdf, format="A4", print_background=True)
    subprocess.run(["pdftoppm", "-png", "-r", "150", str(pdf), str(pdf.with_suffix(""))], check=True)
    pdf.unlink()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server():
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urlopen(url + "/", timeout=1)  # noqa: S310 (our own local server)
            return server, url
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the development server did not start")


def name_for(path, width_name):
    slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")[:60] or "home"
    return f"{slug}--{width_name}.png"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url")
    parser.add_argument("--out", default=str(REPO / "screenshots"))
    parser.add_argument("--only", help="regular expression a path must match")
    args = parser.parse_args()

    executable = chromium_path()
    if executable is None:
        raise SystemExit("Chromium not found: apt install chromium")
    from playwright.sync_api import sync_playwright

    paths = [p for p in pages() if not args.only or re.search(args.only, p)]
    server, base = (None, args.base_url.rstrip("/")) if args.base_url else start_server()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            for width_name, (width, height) in WIDTHS.items():
                page = browser.new_page(viewport={"width": width, "height": height})
                for path in paths:
                    page.goto(base + path)
                    page.screenshot(path=out / name_for(path, width_name), full_page=True)
                    # what the reader sees before scrolling
                    page.screenshot(path=out / name_for(path, width_name + "-first-screen"))
                for path, code in TAPS.items():
                    if args.only and not re.search(args.only, path):
                        continue
                    page.goto(base + path)
                    page.locator(f'.figures .marker[data-code="{code}"]').first.click()
                    page.wait_for_selector(f'#panel [data-point="{code}"]')
                    page.wait_for_timeout(200)
                    page.screenshot(path=out / name_for(f"{path}tap-{code}", width_name + "-first-screen"))
            page = browser.new_page()
            for path in [p for p in paths if "sheet/" in p]:
                print_sheet(page, base + path, out, path)
            browser.close()
    finally:
        if server:
            server.terminate()
    print(f"{len(paths) * len(WIDTHS)} screenshots in {out}")


if __name__ == "__main__":
    main()
