#!/usr/bin/env python
"""`make lighthouse`: Lighthouse's four category scores for five pages, on a phone, served the
way production serves them (gunicorn, PostgreSQL, Redis, WhiteNoise, compressed responses).

Lighthouse is the npm package pinned in package.json (the newest release that runs on Node 20),
driving Debian's Chromium headless with the browser tests' flags. The mobile form factor and
Lighthouse's default (simulated) throttling. The app servers run the production settings as if
behind the TLS proxy: ``behind_tls_proxy`` adds the one header the proxy adds to every request,
``X-Forwarded-Proto: https`` (Lighthouse treats 127.0.0.1 as a secure origin). Each page is
fetched once first, so the page cache holds it, as it does for nearly every visitor.

Writes the reports (JSON and HTML) to lighthouse-reports/ (not committed) and the section
"## Lighthouse (mobile)" of docs/performance.md, leaving the rest of that file as it is.
LIGHTHOUSE_RUNS (1) runs each page that many times and keeps the run with the median
performance score. Exits non-zero when a score is below 100. Needs PostgreSQL and Redis: run as
root it starts them with .ci/services.sh.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.browser import CHROMIUM_ARGS, chromium_path  # noqa: E402
from tests.servers import fetch, gunicorn, production_site, start_services  # noqa: E402

PAGES = {
    "home": "/",
    "region": "/regions/back/",
    "point": "/points/bl23/",
    "condition": "/conditions/chronic-low-back-pain/",
    "sheet": "/points/bl23/sheet/",
}
CATEGORIES = {"performance": "Performance", "accessibility": "Accessibility",
              "best-practices": "Best practices", "seo": "SEO"}  # fmt: skip
METRICS = {"first-contentful-paint": "FCP", "largest-contentful-paint": "LCP", "total-blocking-time": "TBT",
           "cumulative-layout-shift": "CLS", "speed-index": "Speed Index"}  # fmt: skip
# the audits that name what a metric's score comes from
CULPRITS = {"cumulative-layout-shift": "layout-shifts", "largest-contentful-paint": "largest-contentful-paint-element",
            "total-blocking-time": "long-tasks"}  # fmt: skip
RUNS = int(os.environ.get("LIGHTHOUSE_RUNS", "1"))
ATTEMPTS = 3
LIGHTHOUSE = REPO / "node_modules" / ".bin" / "lighthouse"
REPORTS = REPO / "lighthouse-reports"
DOC = REPO / "docs" / "performance.md"
HEADING = "## Lighthouse (mobile)"
GZIP = {"Accept-Encoding": "gzip, deflate, br, zstd"}  # as Chromium asks
SCORED = {"binary", "numeric", "metricSavings"}  # audits with a pass mark (not informative, manual, n/a)


def behind_tls_proxy(environ, start_response):
    """The app that `make lighthouse` serves: AcuGuide's, with the header the TLS proxy adds (Chromium's
    own requests, such as Lighthouse's for /robots.txt, cannot be given extra headers)."""
    from acuguide.wsgi import application

    return application({**environ, "HTTP_X_FORWARDED_PROTO": "https"}, start_response)


def section(text):
    """The Lighthouse section of a docs/performance.md text: from its heading to the next
    second-level heading or the end; "" when there is none."""
    start = text.find(f"\n{HEADING}\n")
    if start < 0:
        return ""
    end = text.find("\n## ", start + len(HEADING) + 2)
    return text[start + 1 : end + 1 if end >= 0 else len(text)]


def with_section(text, new):
    """``text`` with its Lighthouse section replaced by ``new`` (appended when it has none)."""
    old = section(text)
    if old:
        return text.replace(old, new)
    return text.rstrip("\n") + "\n\n" + new


def check_tools():
    if not LIGHTHOUSE.exists():
        raise SystemExit("node_modules/.bin/lighthouse is missing: run `npm ci` (make lighthouse does)")
    if not chromium_path():
        raise SystemExit("Chromium is needed: apt install chromium")


def versions():
    lighthouse = subprocess.run([LIGHTHOUSE, "--version"], capture_output=True, text=True, check=True)
    chromium = subprocess.run([chromium_path(), "--version"], capture_output=True, text=True, check=True)
    return lighthouse.stdout.strip(), re.search(r"[\d.]+", chromium.stdout).group(0)


def lighthouse(url, out):
    """One Lighthouse run of ``url``; writes out.report.json and out.report.html, returns the result."""
    command = [
        LIGHTHOUSE,
        url,
        "--form-factor=mobile",
        f"--only-categories={','.join(CATEGORIES)}",
        "--output=json",
        "--output=html",
        f"--output-path={out}",
        f"--chrome-flags={' '.join(['--headless=new', *CHROMIUM_ARGS])}",
        "--quiet",
    ]
    env = {**os.environ, "CHROME_PATH": chromium_path()}
    for attempt in range(1, ATTEMPTS + 1):
        # now and then Lighthouse misses the navigation in Chromium's trace (NO_NAVSTART): try again
        if subprocess.run(command, env=env, timeout=300).returncode == 0:
            return json.loads(Path(f"{out}.report.json").read_text())
        print(f"Lighthouse failed on {url} (attempt {attempt} of {ATTEMPTS})", flush=True)
    raise SystemExit(f"Lighthouse failed {ATTEMPTS} times on {url}")


def scores(result):
    return {cat: round(result["categories"][cat]["score"] * 100) for cat in CATEGORIES}


def median_run(results):
    """The run with the median performance score (the lower middle one for an even count)."""
    ranked = sorted(results, key=lambda r: r["categories"]["performance"]["score"])
    return ranked[(len(ranked) - 1) // 2]


def culprits(result, audit_id):
    """Up to three elements (selectors) or scripts (path and time) an audit, or the audit that
    explains a metric, names."""
    items = (result["audits"][CULPRITS.get(audit_id, audit_id)].get("details") or {}).get("items") or []
    named = []
    for item in items:
        if not isinstance(item, dict):
            continue
        if isinstance(item.get("node"), dict) and item["node"].get("selector"):
            named.append(item["node"]["selector"])
        elif audit_id == "total-blocking-time" and item.get("url"):
            named.append(f"{re.sub(r'^https?://[^/]+', '', item['url'])} {item['duration']:.0f} ms")
    return named[:3]


def below_full_marks(result):
    """Per category under 100: its scored audits that did not pass, with the elements named."""
    found = {}
    for cat in CATEGORIES:
        if scores(result)[cat] == 100:
            continue
        failing = []
        for ref in result["categories"][cat]["auditRefs"]:
            audit = result["audits"][ref["id"]]
            if audit["scoreDisplayMode"] not in SCORED or audit["score"] is None or audit["score"] >= 1:
                continue
            failing.append({
                "id": ref["id"], "title": audit["title"], "score": audit["score"], "weight": ref["weight"],
                "value": audit.get("displayValue", ""), "nodes": culprits(result, ref["id"]),
            })  # fmt: skip
        found[cat] = sorted(failing, key=lambda a: (-a["weight"], a["score"]))
    return found


def audit_line(audit):
    detail = ", ".join(filter(None, [audit["value"], f"score {audit['score']:.2f}"]))
    nodes = "; ".join(f"`{n}`" for n in audit["nodes"])
    return f"`{audit['id']}` {audit['title']} ({detail})" + (f": {nodes}" if nodes else "")


def misses_lines(name, result):
    """What keeps a page's categories below 100: the failing audits that carry weight, then the
    failing diagnostics that carry none (Lighthouse's hints about the metrics above them)."""
    lines = []
    for cat, failing in below_full_marks(result).items():
        lines.append(f"- **{name}**, {CATEGORIES[cat]} {scores(result)[cat]}:")
        scored = [audit_line(a) for a in failing if a["weight"]]
        hints = [audit_line(a) for a in failing if not a["weight"]]
        lines += [f"  - {line}" for line in scored] or ["  - no audit with weight fails (the scores add up below 100)"]
        lines += [f"  - diagnostic, no weight: {line}" for line in hints]
    return lines


def report(results, spread, tools, server):
    (lighthouse_version, chromium_version), (workers, load) = tools, server
    score_rows = ["| page | address | " + " | ".join(CATEGORIES.values()) + " |",
                  "| --- | --- | " + " | ".join("---:" for _ in CATEGORIES) + " |"]  # fmt: skip
    metric_rows = [
        "| page | " + " | ".join(METRICS.values()) + " |",
        "| --- | " + " | ".join("---:" for _ in METRICS) + " |",
    ]
    misses = []
    for name, path in PAGES.items():
        result = results[name]
        shown = [str(s) for s in scores(result).values()]
        if len(spread[name]) > 1:  # every run's performance score: other work on the machine moves it
            shown[0] += f" ({', '.join(map(str, spread[name]))})"
        score_rows.append(f"| {name} | `{path}` | " + " | ".join(shown) + " |")
        metric_rows.append(f"| {name} | " + " | ".join(result["audits"][m]["displayValue"] for m in METRICS) + " |")
        misses += misses_lines(name, result)
    runs = len(next(iter(spread.values())))
    all_runs = (
        f"{runs} runs per page, the one with the median performance score shown (every run's in brackets)"
        if runs > 1
        else "one run per page"
    )
    return "\n\n".join([
        HEADING,
        f"Measured with `make lighthouse` (scripts/lighthouse.py) on {datetime.now(UTC):%Y-%m-%d}: Lighthouse "
        f"{lighthouse_version} (npm) and Chromium {chromium_version} (Debian, headless), mobile form factor with "
        f"Lighthouse's default simulated throttling (slow 4G, 4x CPU slowdown), {all_runs}. Served by gunicorn "
        f"({workers} sync workers) with the production settings (PostgreSQL, Redis, WhiteNoise's compressed static "
        "files, gzip-compressed pages), every request marked as coming through the TLS proxy, every page in the "
        f"page cache and every worker warmed up first. Load average {load:.1f} on {os.cpu_count()} cores when the "
        "runs began (Total Blocking Time is the main thread's work measured here, times Lighthouse's 4x slowdown: "
        "other work on the machine raises it). "
        "The goal: 100 in all four categories on every page. The full reports are written to lighthouse-reports/.",
        "\n".join(score_rows),
        "Metrics of the same runs:",
        "\n".join(metric_rows),
        "### Below 100",
        "\n".join(misses) if misses else "Nothing: every page scores 100 in all four categories.",
    ]) + "\n"  # fmt: skip


def warm(port, workers):
    """Every page in the page cache, and every worker past its first requests (imports, URL
    resolver, template loading): what a visitor meets on a server that has been up a while."""
    with ThreadPoolExecutor(workers) as pool:
        for path in PAGES.values():
            statuses = set(pool.map(lambda p: fetch(port, p, headers=GZIP)[0], [path] * workers * 4))
            if statuses != {200}:
                raise SystemExit(f"{path} answered {statuses}")


def main():
    check_tools()
    pg = start_services()
    lighthouse_version, chromium_version = versions()
    shutil.rmtree(REPORTS, ignore_errors=True)
    REPORTS.mkdir()
    results, spread = {}, {}
    workers = os.cpu_count() * 2 + 1  # gunicorn.conf.py's default
    with (
        production_site(pg) as (env, _),
        gunicorn(env, workers=workers, app="scripts.lighthouse:behind_tls_proxy") as port,
    ):
        warm(port, workers)
        load = os.getloadavg()[0]  # other work on the machine slows the main thread: TBT grows
        for name, path in PAGES.items():
            runs = [lighthouse(f"http://127.0.0.1:{port}{path}", REPORTS / f"{name}-{n + 1}") for n in range(RUNS)]
            results[name] = median_run(runs)
            spread[name] = [scores(r)["performance"] for r in runs]
            print(f"{name}: {scores(results[name])} (performance per run: {spread[name]})", flush=True)
    text = report(results, spread, (lighthouse_version, chromium_version), (workers, load))
    DOC.write_text(with_section(DOC.read_text() if DOC.exists() else "# Performance\n", text))
    print(f"\n{text}\nwritten to {DOC}")
    below = [name for name, r in results.items() if min(scores(r).values()) < 100]
    if below:
        print("Below 100:", ", ".join(below))
        raise SystemExit(1)


if __name__ == "__main__":
    main()
