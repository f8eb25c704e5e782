import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from points.loading import guide_load
from points.models import Point

from .browser import CHROMIUM_ARGS, chromium_path, unavailable

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls
# made from the same thread (live_server tests) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


def in_ci():
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_browser():
    return os.environ.get("REQUIRE_BROWSER", "") not in {"", "0"} or in_ci()


@pytest.fixture(autouse=True)
def _cache_starts_empty():
    """Caches are on in every test, as in production; each test starts with an empty one
    (the locmem cache lives in the test process) and a closed circuit breaker."""
    from django.core.cache import cache

    from points.caching import breaker

    cache.clear()
    breaker.open_until = None


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database starts with the real guide content loaded once."""
    with django_db_blocker.unblock():
        guide_load(fixtures_dir=settings.GUIDE_FIXTURES_DIR)


@pytest.fixture
def guide(db):
    """The shipped content (reloaded if a transactional test emptied the tables)."""
    if not Point.objects.exists():
        guide_load(fixtures_dir=settings.GUIDE_FIXTURES_DIR)


@pytest.fixture
def fixtures_copy(tmp_path):
    """A private copy of fixtures/ a test may change."""
    target = tmp_path / "fixtures"
    shutil.copytree(settings.GUIDE_FIXTURES_DIR, target)
    return target


@pytest.fixture(scope="session")
def seeds_text():
    """The five source articles, for the own-words check (they live in ../shared)."""
    seeds = sorted((SHARED / "seeds").glob("*.txt"))
    if not seeds:
        if in_ci():
            pytest.fail("../shared/seeds is missing: CI must check content against the source articles")
        pytest.skip("../shared/seeds not found beside the checkout")
    return {p.name[:3]: p.read_text(encoding="utf-8") for p in seeds}


# Browser fixtures (Playwright on Debian's Chromium) shared by the browser tests.
@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        unavailable("no Chromium found at /usr/bin/chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Python Playwright is not installed")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def site(live_server, transactional_db):
    guide_load(fixtures_dir=settings.GUIDE_FIXTURES_DIR)
    return live_server.url


@pytest.fixture(params=[390, 1280], ids=["phone", "desktop"])
def page(request, browser):
    context = browser.new_context(viewport={"width": request.param, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    yield page
    context.close()
    assert not errors, f"JavaScript or CSP errors in the page: {errors}"


@pytest.fixture
def one_person_site(settings):
    """ACUGUIDE_SECOND_REVIEWER off: a reviewer's (or superuser's) own change is applied at
    once. For tests about what a save does, not about who must approve it (tests/test_four_eyes.py)."""
    settings.ACUGUIDE_SECOND_REVIEWER = False
