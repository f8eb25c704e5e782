"""Shared Playwright set-up: Debian's Chromium, never a downloaded browser."""

import json
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"


def chromium_path():
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def unavailable(reason):
    """Fail in CI (REQUIRE_BROWSER=1); skip loudly on a developer machine."""
    from .conftest import require_browser

    if require_browser():
        pytest.fail(f"Browser tests are required here but cannot run: {reason}")
    message = f"SKIPPING BROWSER TESTS: {reason}. Install Debian's chromium (apt install chromium) to run them."
    print(f"\n{'!' * 20} {message}")
    pytest.skip(message)


def axe_violations(page):
    if not AXE.exists():
        unavailable("node_modules/axe-core is missing (make test runs npm ci)")
    page.evaluate(AXE.read_text())  # injected through DevTools by the test, not by the site (CSP stays strict)
    result = page.evaluate("async () => JSON.stringify((await axe.run(document)).violations)")
    return [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in json.loads(result)]
