#!/usr/bin/env python
"""What a cold render of the main public pages costs: no cache at all, as right after an edit.

Renders each page many times in this process through ``django.test.Client`` with the page
cache off (``ACUGUIDE_PAGE_CACHE=0``) and DEBUG off (so the cached template loader is on,
as in production), and prints per page the median CPU and wall-clock milliseconds and the
number of SQL queries. Pages are measured in interleaved rounds, so a neighbour's load on
the machine spreads over all of them alike.

    .venv/bin/python scripts/render_cost.py                 # measure (200 renders per page)
    .venv/bin/python scripts/render_cost.py -n 500          # more renders
    .venv/bin/python scripts/render_cost.py --profile /points/bl23/   # where the time goes
    .venv/bin/python scripts/render_cost.py --snapshot DIR  # save every public page's HTML
    .venv/bin/python scripts/render_cost.py --compare DIR   # diff every public page against DIR

Uses ``DATABASE_URL`` as it is (migrated, guide loaded); without it, a fresh SQLite database
in a temporary folder, migrated and loaded first (a few seconds).
"""

import argparse
import cProfile
import difflib
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "acuguide.settings.test")
os.environ["ACUGUIDE_PAGE_CACHE"] = "0"
_tmp = None
if not os.environ.get("DATABASE_URL"):
    _tmp = tempfile.TemporaryDirectory(prefix="acuguide-render-cost-")
    os.environ["DATABASE_URL"] = f"sqlite:///{_tmp.name}/db.sqlite3"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

HX = {"HX-Request": "true"}
# (label, path, headers)
PAGES = [
    ("point", "/points/bl23/", {}),
    ("point htmx panel", "/points/bl23/", HX),
    ("region", "/regions/back/", {}),
    ("condition", "/conditions/sciatica/", {}),
    ("home", "/", {}),
]


def client():
    return Client(HTTP_HOST="127.0.0.1")  # ALLOWED_HOSTS has no "testserver" outside tests


def prepare_database():
    if _tmp is not None:
        call_command("migrate", verbosity=0, interactive=False)
        call_command("load_guide", verbosity=0)


def get(c, path, headers):
    response = c.get(path, headers=headers)
    if response.status_code != 200:
        raise SystemExit(f"{path}: status {response.status_code}")
    return response


def queries(c, path, headers):
    with CaptureQueriesContext(connection) as captured:
        get(c, path, headers)
    return len(captured.captured_queries)


def measure(repeat, rounds=10):
    c = client()
    for _, path, headers in PAGES:  # warm: templates compiled, URL resolvers and connection ready
        for _ in range(20):
            get(c, path, headers)
    cpu = {label: [] for label, _, _ in PAGES}
    wall = {label: [] for label, _, _ in PAGES}
    per_round = max(1, repeat // rounds)
    for _ in range(rounds):
        for label, path, headers in PAGES:
            for _ in range(per_round):
                c0, w0 = time.thread_time(), time.perf_counter()
                get(c, path, headers)
                cpu[label].append((time.thread_time() - c0) * 1000)
                wall[label].append((time.perf_counter() - w0) * 1000)
    print(f"{per_round * rounds} cold renders per page; medians")
    print(f"{'page':<18} {'path':<22} {'CPU ms':>7} {'wall ms':>8} {'queries':>8} {'bytes':>7}")
    for label, path, headers in PAGES:
        size = len(get(c, path, headers).content)
        print(
            f"{label:<18} {path:<22} {statistics.median(cpu[label]):7.2f} {statistics.median(wall[label]):8.2f} "
            f"{queries(c, path, headers):8d} {size:7d}"
        )


def profile(path, repeat, headers, limit=45):
    c = client()
    for _ in range(20):
        get(c, path, headers)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        get(c, path, headers)
    profiler.disable()
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats("cumulative").print_stats(limit)
    stats.sort_stats("tottime").print_stats(limit)


def public_pages():
    """Every public page: (file name, path, headers)."""
    from points.models import Condition, Point, Region

    pages = [
        ("home.html", "/", {}),
        ("how-to-press.html", "/how-to-press/", {}),
        ("safety.html", "/safety/", {}),
        ("sources.html", "/sources/", {}),
        ("search-bl23.html", "/search/?q=bl23", {}),
        ("search-bl23.hx.html", "/search/?q=bl23", HX),
    ]
    for slug in Point.objects.published().values_list("slug", flat=True):
        pages += [
            (f"point-{slug}.html", f"/points/{slug}/", {}),
            (f"point-{slug}.hx.html", f"/points/{slug}/", HX),
            (f"point-{slug}-sheet.html", f"/points/{slug}/sheet/", {}),
        ]
    for slug in Region.objects.values_list("slug", flat=True):
        pages += [(f"region-{slug}.html", f"/regions/{slug}/", {})]
    for slug in Condition.objects.published().values_list("slug", flat=True):
        pages += [
            (f"condition-{slug}.html", f"/conditions/{slug}/", {}),
            (f"condition-{slug}-sheet.html", f"/conditions/{slug}/sheet/", {}),
        ]
    return pages


def snapshot(folder):
    folder.mkdir(parents=True, exist_ok=True)
    c = client()
    pages = public_pages()
    for name, path, headers in pages:
        (folder / name).write_bytes(get(c, path, headers).content)
    print(f"{len(pages)} pages saved in {folder}")


def compare(folder):
    c = client()
    pages = public_pages()
    saved = {p.name for p in folder.glob("*.html")}
    different = []
    for name, path, headers in pages:
        saved.discard(name)
        old = (folder / name).read_bytes() if (folder / name).exists() else None
        new = get(c, path, headers).content
        if old != new:
            different.append(name)
            if old is None:
                print(f"== {name}: not in {folder}")
                continue
            print(f"== {name} ({path}{' with HX-Request' if headers else ''})")
            diff = difflib.unified_diff(
                old.decode().splitlines(), new.decode().splitlines(), "before", "after", lineterm="", n=1
            )
            print("\n".join(list(diff)[:40]))
    for name in sorted(saved):
        print(f"== {name}: saved, but no longer a public page")
    print(f"{len(pages)} pages compared: {len(different)} differ, {len(saved)} gone")
    return not different and not saved


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--repeat", type=int, default=200, help="renders per page (default 200)")
    parser.add_argument("--profile", metavar="PATH", help="cProfile the cold render of one page")
    parser.add_argument("--htmx", action="store_true", help="with --profile: the htmx partial")
    parser.add_argument("--snapshot", metavar="DIR", type=Path, help="save every public page's HTML in DIR")
    parser.add_argument("--compare", metavar="DIR", type=Path, help="compare every public page with DIR")
    args = parser.parse_args()
    prepare_database()
    print(f"settings {os.environ['DJANGO_SETTINGS_MODULE']}, DEBUG={settings.DEBUG}, "
          f"page cache {'on' if settings.ACUGUIDE_PAGE_CACHE else 'off'}, {connection.vendor}")  # fmt: skip
    if args.snapshot:
        snapshot(args.snapshot)
    elif args.compare:
        sys.exit(0 if compare(args.compare) else 1)
    elif args.profile:
        profile(args.profile, args.repeat, HX if args.htmx else {})
    else:
        measure(args.repeat)


if __name__ == "__main__":
    main()
