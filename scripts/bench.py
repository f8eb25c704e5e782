#!/usr/bin/env python
"""`make bench`: throughput and latency of AcuGuide's main pages, served the way
production serves them (gunicorn, PostgreSQL, Redis, WhiteNoise), measured with wrk.

Measures, on one app server with the page cache on ("cached") and one with it off ("cold"):

1. throughput of each page as a ratio to a trivial view (/healthz/live) in the same run:
   cached and cold pages, 304 revalidation, query strings the view does not read;
2. Redis failures under load on the cached server (stopped with SIGSTOP, then killed):
   errors, latency against the cold render, and how much the app servers log;
3. that Redis memory stays bounded under unique query strings (and its maxmemory policy);
4. queries, bytes and latency of each page at 1x and 100x content (cold renders).

Writes docs/performance.md and exits non-zero if a target is missed. BENCH_SECONDS (10)
sets the length of each wrk run; BENCH_CONNECTIONS (8) its connections.
Needs PostgreSQL and Redis: run as root it starts them with .ci/services.sh.
"""

import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scripts.lighthouse import section  # noqa: E402
from tests.servers import fetch, gunicorn, manage, production_site, redis_cli, start_services  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
POINT = "/points/bl23/"
TRIVIAL = "trivial view (/healthz/live)"
TARGETS = {  # req/s as a ratio to the trivial view
    "cached point page": 0.9,
    "304 revalidation": 1.0,
    "query-string variant (?utm_source=x)": 0.9,
    "unique query string per request": 0.9,
    "cold point page (page cache off)": 0.1,
}
OUTAGE_MEDIAN_FACTOR = 2.0  # with Redis down, the median may be at most this times the cold render's
MEMORY_TOLERANCE = 0.05  # used_memory after 10,000 unique query strings vs after 100
MAXMEMORY, POLICY = 64 * 1024 * 1024, "allkeys-lru"  # deploy/redis.conf
PAGE_CACHE_OFF = {"ACUGUIDE_PAGE_CACHE": "0"}  # "cold": every request runs the view, its queries and templates
PAGES = ["/", "/regions/back/", POINT, "/conditions/sciatica/", "/search/?q=zusanli", "/sources/"]

# ?utm_source=<start time>-<thread>-<n>: a value never sent before, on every request.
UNIQUE_QUERY_LUA = """
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
local prefix, n = "", 0
function init(args) prefix = os.time() .. "-" .. id .. "-" end
function request()
  n = n + 1
  return wrk.format(nil, wrk.path .. "?utm_source=" .. prefix .. n)
end
"""

THROUGHPUT_NOTES = """\
The rows with a target and the trivial view are the best of two wrk runs a few minutes apart (on a small \
shared machine one run can catch a busy moment); the other rows are one run.

- **Trivial view**: `/healthz/live`, which touches neither the database nor the cache, through the whole \
middleware stack: the most this machine serves from Django. The baseline of every ratio.
- **Cached**: the whole response from the page cache (points/caching.py): the content version and the entry \
in one Redis round trip, no query, no template.
- **304 revalidation**: the same request with the page's ETag in `If-None-Match`: one Redis round trip, no body.
- **Query-string variant**: `?utm_source=x`, a parameter the view does not read. The page cache keys on the \
path, the view's declared parameters and the variant only, so this is the cached page's entry. **Unique query \
string per request**: a wrk Lua script sends a value never sent before on every request \
(`?utm_source=<time>-<thread>-<n>`), as campaign links and crawlers do; still the same entry.
- **Cold**: a second app server with the page cache off (`ACUGUIDE_PAGE_CACHE=0`), so every request runs the \
view, all its queries and templates: what a cache miss costs, as right after an edit.
- **Readiness check**: `/healthz`, one query to the database (what the load balancer polls); **static file**: \
the hashed stylesheet from WhiteNoise. No targets.
- **Errors**: responses with status ≥ 400 plus wrk's socket errors (connect, read, write, timeout); every row \
must have none."""

OUTAGE_NOTES = """\
wrk on the cached server's point page for {seconds} s while its Redis is down, then Redis is brought back. \
**SIGSTOP**: the Redis process is stopped, so the kernel still accepts connections but nothing ever answers \
(a hung server); a call waits for the 100 ms socket timeout. **Killed**: SIGKILL, so connections are refused at \
once; Redis is then started again, empty. In both cases each worker's circuit breaker skips Redis for \
{breaker:g} s after a failure, then probes it with one call, so pages are rendered as on the cold server. \
Target: no response ≥ 400, no socket error (a timeout is wrk waiting 2 s for an answer), and a median no worse \
than {factor:g}x the cold point page's above. **Log lines/min**: lines the app server (gunicorn and the app) \
wrote to stderr during the run, per minute. **After restart**: a 3 s wrk run once the breaker's pause is over, \
and the keys Redis then holds (more than 0: the cache is used again)."""

MEMORY_NOTES = """\
From `redis-cli info memory` after 100 requests for the point page with unique `?utm_source=<n>` values, then \
after 10,000 in all ({seconds:.0f} s, 4 clients at once), on the Redis restarted empty above. The query strings \
are not part of the key, so what Redis stores must not grow: the target compares `used_memory` less \
`mem_clients_normal` (the input and output buffers of the app servers' connections, sized by the last few \
commands: they swing by up to ~200 KiB from one reading to the next on an idle key set), with a tolerance of \
{tol:.0%} of the first reading. Raw `used_memory` is shown too. `maxmemory` and its policy from `config get`: \
deploy/redis.conf bounds what any visitor's requests can make Redis hold, and evicts the least recently used \
entries beyond it."""

PAGES_NOTES = """\
Cold renders (the page cache off), 60 sequential requests per page. 100x content = 99 draft copies of every \
point (2,673 extra points with their aliases, citations, indications and placements): the database grows a \
hundredfold while the public pages stay the same, so queries and bytes must be equal and latency may grow at \
most 1.5x. Query counts for published growth are asserted in tests/test_queries.py."""


def services():
    pg = start_services()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt install wrk")
    return pg


def _ms(out, percentile):
    found = re.search(rf"{percentile}%\s+([\d.]+)(us|ms|s|m)\b", out)
    return float(found.group(1)) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[found.group(2)]


def wrk(port, path, headers=(), script=None, seconds=SECONDS):
    """One wrk run: req/s, median and p99 ms, responses >= 400 ("bad") and socket errors
    (connect, read, write, and timeouts: no answer within wrk's 2 s)."""
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "-H", "X-Forwarded-Proto: https",
               "-H", "Accept-Encoding: gzip, deflate, br"]  # as browsers ask: pages go out compressed  # fmt: skip
    for header in headers:
        command += ["-H", header]
    if script:
        command += ["-s", str(script)]
    out = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
    ).stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = [int(n) for n in errors.groups()] if errors else [0, 0, 0, 0]
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50_ms": _ms(out, 50),
        "p99_ms": _ms(out, 99),
        "bad": int(bad.group(1)) if bad else 0,
        "errors": sum(errors),
        "timeouts": errors[3],
    }


def throughput(cached, cold, unique_script):
    """Every row once, then the rows with a target (and the baseline) again, keeping each row's best run:
    on a small shared machine one run can catch a busy moment, and the two runs of a row are minutes apart."""
    etag = fetch(cached, POINT)[1]["ETag"]
    css = re.search(r'href="(/static/css/site\.[0-9a-f]+\.css)"', fetch(cached, "/")[2]).group(1)
    rows = {
        TRIVIAL: (cached, "/healthz/live", {}),
        "cached point page": (cached, POINT, {}),
        "304 revalidation": (cached, POINT, {"headers": (f"If-None-Match: {etag}",)}),
        "query-string variant (?utm_source=x)": (cached, f"{POINT}?utm_source=x", {}),
        "unique query string per request": (cached, POINT, {"script": unique_script}),
        "cold point page (page cache off)": (cold, POINT, {}),
        "region page (cached)": (cached, "/regions/back/", {}),
        "region page (cold)": (cold, "/regions/back/", {}),
        "search (cached)": (cached, "/search/?q=zusanli", {}),
        "search (cold)": (cold, "/search/?q=zusanli", {}),
        "readiness check (/healthz: SELECT 1)": (cached, "/healthz", {}),
        "static file (WhiteNoise)": (cached, css, {}),
    }
    results = {}
    for name in [*rows, TRIVIAL, *TARGETS]:
        port, path, options = rows[name]
        fetch(port, path)  # warm (and fill the page cache)
        run = wrk(port, path, **options)
        results[name] = max(results.get(name, run), run, key=lambda r: r["rps"])
        print(f"{name}: {run['rps']:.0f} req/s", flush=True)
    return results


def _log_messages(text):
    """gunicorn's and the app's log lines, without timestamp and pid, counted."""
    return Counter(re.sub(r"^\[[^]]*\] \[\d+\] ", "", line) for line in text.splitlines() if line.strip())


def redis_outage(port, log, cause, cure):
    """wrk on the cached point page while Redis is down (``cause``), then ``cure``; with the
    lines the app server logged during the run."""
    start = log.stat().st_size
    cause()
    try:
        began = time.monotonic()
        result = wrk(port, POINT)
        elapsed = time.monotonic() - began
        end = log.stat().st_size
    finally:
        cure()
    messages = _log_messages(log.read_bytes()[start:end].decode(errors="replace"))
    return {**result, "log_per_min": sum(messages.values()) * 60 / elapsed, "messages": messages}


def recover(port, redis, breaker_seconds):
    """After Redis is back: once the breaker's pause is over, every worker probes and uses it again."""
    time.sleep(breaker_seconds + 0.5)
    result = wrk(port, POINT, seconds=3)  # enough requests to reach every worker
    keys = int(redis_cli(redis.port, "dbsize")[0])
    return {"rps": result["rps"], "keys": keys}


def redis_failures(port, redis, log, breaker_seconds):
    def stop():
        redis.proc.send_signal(signal.SIGSTOP)

    def cont():
        redis.proc.send_signal(signal.SIGCONT)

    def kill():
        redis.proc.kill()
        redis.proc.wait(5)
        redis.proc = None

    outages = {}
    for name, cause, cure in (("stopped (SIGSTOP)", stop, cont), ("killed (SIGKILL)", kill, redis.start)):
        outages[name] = redis_outage(port, log, cause, cure)
        outages[name]["recovered"] = recover(port, redis, breaker_seconds)
        print(f"Redis {name}: {outages[name]['rps']:.0f} req/s, median {outages[name]['p50_ms']:.1f} ms", flush=True)
    return outages


def unique_requests(port, numbers):
    def one(n):
        status = fetch(port, f"{POINT}?utm_source={n}")[0]
        if status != 200:
            raise SystemExit(f"{POINT}?utm_source={n} answered {status}")

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(one, numbers))


def redis_memory(port, redis):
    """used_memory after 100 and after 10,000 requests with unique (unread) query strings; also less the
    app servers' connection buffers (mem_clients_normal), which follow the last commands, not the keys."""

    def info():
        fields = dict(word.partition(":")[::2] for word in redis_cli(redis.port, "info", "memory") if ":" in word)
        used, buffers = int(fields["used_memory"]), int(fields["mem_clients_normal"])
        return {"used": used, "stored": used - buffers, "keys": int(redis_cli(redis.port, "dbsize")[0])}

    unique_requests(port, range(100))
    after_100, started = info(), time.monotonic()
    unique_requests(port, range(100, 10_000))
    return {
        "after_100": after_100,
        "after_10k": info(),
        "seconds": time.monotonic() - started,
        "maxmemory": int(redis_cli(redis.port, "config", "get", "maxmemory")[1]),
        "policy": redis_cli(redis.port, "config", "get", "maxmemory-policy")[1],
    }


def page_stats(env, port):
    """Queries (in-process), bytes and median latency (over HTTP) per page, with the page cache off."""
    snippet = (
        "import json; from django.db import connection; from django.test import Client; "
        "from django.test.utils import CaptureQueriesContext; c = Client(HTTP_X_FORWARDED_PROTO='https'); out = {}\n"
        f"for p in {PAGES!r}:\n"
        "    with CaptureQueriesContext(connection) as q: r = c.get(p, HTTP_HOST='127.0.0.1')\n"
        "    out[p] = len(q.captured_queries)\n"
        "print(json.dumps(out))"
    )
    queries = json.loads(manage({**env, **PAGE_CACHE_OFF}, "shell", "-c", snippet).strip().splitlines()[-1])
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


_last = [time.monotonic()]


def phase(name):
    now = time.monotonic()
    print(f"-- {name}: {now - _last[0]:.0f} s", flush=True)
    _last[0] = now


def main():
    pg = services()
    workers = os.cpu_count() * 2 + 1
    began, load = time.monotonic(), os.getloadavg()[0]  # other work on the machine skews every row
    with tempfile.TemporaryDirectory() as tmp, production_site(pg) as (env, redis):
        log, unique_script = Path(tmp, "gunicorn.log"), Path(tmp, "unique.lua")
        unique_script.write_text(UNIQUE_QUERY_LUA)
        breaker = manage(env, "shell", "-c", "from django.conf import settings; print(settings.CACHE_BREAKER_SECONDS)")
        breaker_seconds = float(breaker.split()[-1])
        phase("set up")
        with (
            gunicorn(env, workers=workers, log=log) as cached,
            gunicorn({**env, **PAGE_CACHE_OFF}, workers=workers) as cold,
        ):
            results = throughput(cached, cold, unique_script)
            phase("throughput")
            outages = redis_failures(cached, redis, log, breaker_seconds)
            phase("Redis failures")
            memory = redis_memory(cached, redis)  # on the Redis restarted empty after it was killed
            phase("Redis memory")
            one = page_stats(env, cold)
            manage(env, "make_synthetic_points", "--copies", "99")
            manage(env, "shell", "-c", "from django.db import connection; connection.cursor().execute('ANALYZE')")
            hundred = page_stats(env, cold)
            phase("pages at 1x and 100x")
    report(results, outages, memory, one, hundred, workers, breaker_seconds, time.monotonic() - began, load)


def throughput_table(results):
    base = results[TRIVIAL]["rps"]
    lines = ["| measurement | req/s | ratio to trivial | median ms | p99 ms | errors | target |",
             "| --- | ---: | ---: | ---: | ---: | ---: | --- |"]  # fmt: skip
    failures = []
    for name, r in results.items():
        ratio, target = r["rps"] / base, TARGETS.get(name)
        ok = target is None or ratio >= target
        errors = r["bad"] + r["errors"]
        failures += [] if ok and errors == 0 else [name]
        verdict = "" if target is None else f"≥ {target:.2f} {'ok' if ok else 'MISSED'}"
        lines.append(f"| {name} | {r['rps']:.0f} | {ratio:.2f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
                     f"{errors} | {verdict} |")  # fmt: skip
    return lines, failures


def outage_table(outages, cold):
    lines = ["| Redis | req/s | median ms | p99 ms | responses ≥ 400 | socket errors (timeouts) | log lines/min | "
             "median / cold median | target | after restart |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"]  # fmt: skip
    failures, logged = [], []
    for name, r in outages.items():
        factor = r["p50_ms"] / cold["p50_ms"]
        ok = r["bad"] == 0 and r["errors"] == 0 and factor <= OUTAGE_MEDIAN_FACTOR
        back = r["recovered"]["keys"] > 0
        failures += [] if ok else [f"Redis {name}"]
        failures += [] if back else [f"Redis {name}: cache not used again after restart"]
        verdict = f"0 errors, ≤ {OUTAGE_MEDIAN_FACTOR:.0f}x {'ok' if ok else 'MISSED'}"
        recovered = f"{r['recovered']['rps']:.0f} req/s, {r['recovered']['keys']} keys" + ("" if back else " NO")
        lines.append(f"| {name} | {r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['bad']} | "
                     f"{r['errors']} ({r['timeouts']}) | {r['log_per_min']:.0f} | {factor:.2f} | {verdict} | "
                     f"{recovered} |")  # fmt: skip
        said = "; ".join(f"{n} x `{message}`" for message, n in r["messages"].most_common(5)) or "nothing"
        logged.append(f"- Redis {name}: {said}")
    return lines, failures, logged


def memory_table(m):
    a, b = m["after_100"], m["after_10k"]
    limit = a["stored"] * (1 + MEMORY_TOLERANCE)
    bounded = b["stored"] <= limit
    configured = m["maxmemory"] == MAXMEMORY and m["policy"] == POLICY
    lines = ["| Redis memory | after 100 unique query strings | after 10,000 | target |",
             "| --- | ---: | ---: | --- |",
             f"| used_memory | {a['used'] / 1024:.0f} KiB | {b['used'] / 1024:.0f} KiB | |",
             f"| used_memory less client buffers | {a['stored'] / 1024:.0f} KiB | {b['stored'] / 1024:.0f} KiB | "
             f"≤ {limit / 1024:.0f} KiB (+{MEMORY_TOLERANCE:.0%}) {'ok' if bounded else 'MISSED'} |",
             f"| keys | {a['keys']} | {b['keys']} | |",
             f"| maxmemory, policy | | {m['maxmemory'] / 1024 / 1024:.0f} MiB, {m['policy']} | "
             f"{MAXMEMORY // 1024 // 1024} MiB, {POLICY} {'ok' if configured else 'MISSED'} |"]  # fmt: skip
    return lines, ([] if bounded else ["Redis memory"]) + ([] if configured else ["Redis maxmemory"])


def pages_table(one, hundred):
    lines = ["| page | queries 1x / 100x | bytes 1x / 100x | median ms 1x / 100x | within target |",
             "| --- | --- | --- | --- | --- |"]  # fmt: skip
    failures = []
    for path in PAGES:
        a, b = one[path], hundred[path]
        ok = a["queries"] == b["queries"] and a["bytes"] == b["bytes"] and b["median_ms"] <= 1.5 * a["median_ms"]
        failures += [] if ok else [path]
        lines.append(f"| `{path}` | {a['queries']} / {b['queries']} | {a['bytes']} / {b['bytes']} | "
                     f"{a['median_ms']:.1f} / {b['median_ms']:.1f} | {'yes' if ok else 'NO'} |")  # fmt: skip
    return lines, failures


def report(results, outages, memory, one, hundred, workers, breaker_seconds, elapsed, load):
    speed, failures = throughput_table(results)
    outage, outage_failures, logged = outage_table(outages, results["cold point page (page cache off)"])
    mem, memory_failures = memory_table(memory)
    pages, page_failures = pages_table(one, hundred)
    failures += outage_failures + memory_failures + page_failures
    print("\n\n".join("\n".join(t) for t in (speed, outage, mem, pages)))
    doc = REPO / "docs" / "performance.md"
    lighthouse = section(doc.read_text()) if doc.exists() else ""  # make lighthouse's, kept as it is
    doc.write_text(
        "\n\n".join([
            "# Performance",
            f"Measured with `make bench` (scripts/bench.py) on {datetime.now(UTC):%Y-%m-%d}: gunicorn with {workers} "
            f"sync workers, PostgreSQL and Redis on the same machine, wrk with {CONNECTIONS} connections for "
            f"{SECONDS} s per run, through the production settings (as if behind the TLS proxy). Every ratio is to "
            f"the trivial view in the same run. The whole run took {elapsed / 60:.1f} minutes.",
            f"Machine: {machine()}; load average {load:.1f} when the run started.",
            "## Throughput", "\n".join(speed), THROUGHPUT_NOTES,
            "## Redis failures", "\n".join(outage),
            OUTAGE_NOTES.format(seconds=SECONDS, breaker=breaker_seconds, factor=OUTAGE_MEDIAN_FACTOR),
            "What the app server logged during each run (most frequent first):", "\n".join(logged),
            "## Redis memory", "\n".join(mem), MEMORY_NOTES.format(seconds=memory["seconds"], tol=MEMORY_TOLERANCE),
            "## Pages at 1x and 100x content", "\n".join(pages), PAGES_NOTES,
            *filter(None, [lighthouse.rstrip("\n")]),
        ]) + "\n"
    )  # fmt: skip
    print(f"\nwritten to {doc} ({elapsed / 60:.1f} minutes)")
    if failures:
        print("MISSED:", ", ".join(failures))
        raise SystemExit(1)


if __name__ == "__main__":
    main()
