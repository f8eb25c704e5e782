#!/usr/bin/env python
"""`make bench`: throughput and latency of AcuGuide's main pages, served the way
production serves them (gunicorn, PostgreSQL, Redis, WhiteNoise), measured with wrk.

Prints each page's throughput as a ratio to a trivial view, then queries, bytes and
median latency per page at 1x and 100x content, and writes docs/performance.md.
Needs PostgreSQL and Redis: run as root it starts them with .ci/services.sh.
"""

import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.servers import fetch, fresh_database, gunicorn, manage, prod_env, redis_server  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
TARGETS = {"cached point page": 0.8, "uncached point page": 0.25, "304 revalidation": 0.6}
NO_PAGE_CACHE = {"ACUGUIDE_PAGE_CACHE": "0"}  # "uncached": every request runs the view (fragments may be cached)
NO_CACHE = {**NO_PAGE_CACHE, "ACUGUIDE_FRAGMENT_CACHE": "0"}  # "cold": nothing cached, every query and template
PAGES = ["/", "/regions/back/", "/points/bl23/", "/conditions/sciatica/", "/search/?q=zusanli", "/sources/"]


def services():
    if not (os.environ.get("ACUGUIDE_PG_URL") and shutil.which("redis-server")):
        if os.geteuid() != 0:
            raise SystemExit('Start PostgreSQL and Redis first: eval "$(sudo bash .ci/services.sh)"')
        out = subprocess.run(["bash", str(REPO / ".ci/services.sh")], capture_output=True, text=True, check=True)
        for line in out.stdout.splitlines():
            key, _, value = line.removeprefix("export ").partition("=")
            os.environ[key] = value
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt install wrk")
    return os.environ["ACUGUIDE_PG_URL"]


def wrk(port, path, headers=()):
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", "-H", "X-Forwarded-Proto: https"]
    for header in headers:
        command += ["-H", header]
    out = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    p50_ms = float(p50.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p50.group(2)]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50_ms": p50_ms, "bad": int(bad.group(1)) if bad else 0}


def page_stats(env, port):
    """Queries (in-process), bytes and median latency (over HTTP) per page, with nothing cached."""
    snippet = (
        "import json; from django.db import connection; from django.test import Client; "
        "from django.test.utils import CaptureQueriesContext; c = Client(HTTP_X_FORWARDED_PROTO='https'); out = {}\n"
        f"for p in {PAGES!r}:\n"
        "    with CaptureQueriesContext(connection) as q: r = c.get(p, HTTP_HOST='127.0.0.1')\n"
        "    out[p] = len(q.captured_queries)\n"
        "print(json.dumps(out))"
    )
    queries = json.loads(manage({**env, **NO_CACHE}, "shell", "-c", snippet).strip().splitlines()[-1])
    stats = {}
    for path in PAGES:
        for _ in range(10):  # warm the worker, the connection and PostgreSQL's buffers
            fetch(port, path)
        times, size = [], 0
        for _ in range(60):
            start = time.perf_counter()
            status, _, body, _ = fetch(port, path)
            times.append((time.perf_counter() - start) * 1000)
            size = len(body.encode())
            if status != 200:
                raise SystemExit(f"{path} answered {status}")
        stats[path] = {"queries": queries[path], "bytes": size, "median_ms": statistics.median(times)}
    return stats


def machine():
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())  # fmt: skip
    mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) // 1024 // 1024
    pg = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip()
    redis = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.split()[2]
    return f"{os.cpu_count()} cores ({cpu}), {mem} GiB RAM, Python {platform.python_version()}, {pg}, Redis {redis}"


def main():
    pg = services()
    workers = os.cpu_count() * 2 + 1
    with fresh_database(pg) as url, redis_server() as redis:
        env = prod_env(url, redis.port)
        for step in (("collectstatic", "--noinput"), ("migrate", "--noinput"), ("load_guide",)):
            manage(env, *step)
        results = {}
        with (
            gunicorn(env, workers=workers) as cached,
            gunicorn({**env, **NO_PAGE_CACHE}, workers=workers) as raw,
            gunicorn({**env, **NO_CACHE}, workers=workers) as cold,
        ):
            etag = fetch(cached, "/points/bl23/")[1]["ETag"]
            css = re.search(r'href="(/static/css/site\.[0-9a-f]+\.css)"', fetch(cached, "/")[2]).group(1)
            runs = {
                "trivial view (/healthz)": (cached, "/healthz", ()),
                "cached point page": (cached, "/points/bl23/", ()),
                "uncached point page": (raw, "/points/bl23/", ()),
                "cold point page (no cache at all)": (cold, "/points/bl23/", ()),
                "304 revalidation": (cached, "/points/bl23/", (f"If-None-Match: {etag}",)),
                "region page (cached)": (cached, "/regions/back/", ()),
                "region page (uncached)": (raw, "/regions/back/", ()),
                "region page (cold)": (cold, "/regions/back/", ()),
                "search (cached)": (cached, "/search/?q=zusanli", ()),
                "search (uncached)": (raw, "/search/?q=zusanli", ()),
                "static file (WhiteNoise)": (cached, css, ()),
            }
            for name, (port, path, headers) in runs.items():
                fetch(port, path)  # warm
                # best of two runs: on a small shared machine one run can catch a busy moment
                results[name] = max((wrk(port, path, headers) for _ in range(2)), key=lambda r: r["rps"])
            one = page_stats(env, cold)
            manage(env, "make_synthetic_points", "--copies", "99")
            manage(env, "shell", "-c", "from django.db import connection; connection.cursor().execute('ANALYZE')")
            hundred = page_stats(env, cold)
    report(results, one, hundred, workers)


def report(results, one, hundred, workers):
    base = results["trivial view (/healthz)"]["rps"]
    lines = ["| measurement | req/s | ratio to trivial | median ms | target |", "| --- | ---: | ---: | ---: | --- |"]
    failures = []
    for name, r in results.items():
        ratio = r["rps"] / base
        target = TARGETS.get(name)
        ok = target is None or ratio >= target
        failures += [] if ok and r["bad"] == 0 else [name]
        verdict = "" if target is None else f"≥ {target:.2f} {'ok' if ok else 'MISSED'}"
        lines.append(f"| {name} | {r['rps']:.0f} | {ratio:.2f} | {r['p50_ms']:.1f} | {verdict} |")
    lines += ["", "| page | queries 1x / 100x | bytes 1x / 100x | median ms 1x / 100x | within target |",
              "| --- | --- | --- | --- | --- |"]  # fmt: skip
    for path in PAGES:
        a, b = one[path], hundred[path]
        ok = a["queries"] == b["queries"] and a["bytes"] == b["bytes"] and b["median_ms"] <= 1.5 * a["median_ms"]
        failures += [] if ok else [path]
        lines.append(f"| `{path}` | {a['queries']} / {b['queries']} | {a['bytes']} / {b['bytes']} | "
                     f"{a['median_ms']:.1f} / {b['median_ms']:.1f} | {'yes' if ok else 'NO'} |")  # fmt: skip
    table = "\n".join(lines)
    print(table)
    doc = REPO / "docs" / "performance.md"
    doc.write_text(
        "# Performance\n\nMeasured with `make bench` (scripts/bench.py) on "
        f"{datetime.now(UTC):%Y-%m-%d}: gunicorn with {workers} sync workers, PostgreSQL and Redis on the same "
        f"machine, wrk with {CONNECTIONS} connections for {SECONDS} s per row, through the production settings "
        "(as if behind the TLS proxy).\n\n"
        f"Machine: {machine()}.\n\n{table}\n\n"
        "Cached: the whole response from the page cache. Uncached: the page cache is off, so every request runs "
        "the view, its title query and the page template; the content (point panel, figures, footnotes) comes from "
        "the fragment cache, keyed on the content version like the page cache (points/fragments.py). This is what "
        "a page-cache miss costs (another query string, a visitor with a cookie). Cold: no cache at all, every "
        "query and template, as right after an edit; no target, shown so the cost of rendering stays visible.\n\n"
        "The per-page rows below are cold renders. 100x content = 99 draft copies of every point (2,673 extra "
        "points with their aliases, citations, "
        "indications and placements): the database grows a hundredfold while the public pages stay the same, so "
        "queries and bytes must be equal and latency may grow at most 1.5x. Query counts for published growth are "
        "asserted in tests/test_queries.py.\n"
    )
    print(f"\nwritten to {doc}")
    if failures:
        print("MISSED:", ", ".join(failures))
        raise SystemExit(1)


if __name__ == "__main__":
    main()
