import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = "django-insecure-dev-only-key-not-for-production"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django_htmx",
    "simple_history",
    "axes",
    "points",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "points.middleware.security_headers",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # static files get the headers above too (an SVG is a document a browser can open)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # uploaded illustrations under MEDIA_URL, with the same headers (points/media.py)
    "points.media.media_files",
    # Pages are gzip-compressed (a third to a fifth of their size); static files are not
    # touched here, WhiteNoise sends the copies collectstatic compressed. Cached pages are
    # compressed once, when stored (points/caching.py), so a hit costs no compression.
    # BREACH (a secret in a compressed page that also reflects a visitor's input) does not
    # apply to the public pages: they hold nothing secret, the same bytes for every anonymous
    # visitor, no CSRF token (the sheet lives in its address). Only the admin and the report
    # form (points/report_views.py, never cached) carry CSRF tokens, and Django masks them anew
    # in every response and pads each compressed response with random bytes (GZipMiddleware's
    # own mitigation).
    "django.middleware.gzip.GZipMiddleware",
    # in the admin, a NUL in the query string or form data is a 400 (PostgreSQL refuses it in text)
    "points.middleware.refuse_nul",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # the one cache layer (points/caching.py): after the lazy session, user and htmx
    # details it reads, before the per-visitor work below
    "points.caching.page_cache",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # last, as django-axes requires: counts failed admin logins and locks out guessing
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "lockout.html"
# The address failures are counted against: REMOTE_ADDR here; behind the TLS proxy, the entry
# it added to X-Forwarded-For (prod.py reads the number of proxies; points/clientip.py).
AXES_CLIENT_IP_CALLABLE = "points.clientip.forwarded_client_ip"
ACUGUIDE_TRUSTED_PROXIES = 0

ROOT_URLCONF = "acuguide.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Form widgets (the admin location picker) render from templates/ like everything else.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

WSGI_APPLICATION = "acuguide.wsgi.application"

# SQLite is the zero-set-up default; DATABASE_URL (postgres://...) switches to PostgreSQL.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=60,
        conn_health_checks=True,
    )
}
if DATABASES["default"].get("ENGINE", "").endswith("sqlite3"):
    # A transaction that reads (the version check) then writes takes the write lock at its
    # start, so two editors saving at once wait for each other instead of "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(transaction_mode="IMMEDIATE", timeout=20)

# A shared Redis cache when REDIS_URL is set (several app servers); otherwise per process.
# Redis answers in well under a millisecond here: a call that takes longer than these
# timeouts counts as a failure, and the circuit breaker in points/caching.py then skips
# the cache for CACHE_BREAKER_SECONDS, so a hanging Redis costs one timeout per few seconds.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": (
        {
            "BACKEND": "points.caching.PooledRedisCache",  # why: its docstring
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "acuguide",
            "OPTIONS": {"socket_connect_timeout": 0.05, "socket_timeout": 0.1},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "acuguide"}
    )
}
CACHE_BREAKER_SECONDS = 5
# Public pages are cached whole, per content version and variant (points/caching.py).
# History reasons as text: a reason from a reader report or a review can be longer than 100 characters.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
# Four eyes: a change to published content waits for a second person's approval
# (points/review.py). "0" lets a reviewer's own changes through, for a one-person site.
ACUGUIDE_SECOND_REVIEWER = os.environ.get("ACUGUIDE_SECOND_REVIEWER", "1") != "0"
ACUGUIDE_PAGE_CACHE = os.environ.get("ACUGUIDE_PAGE_CACHE", "1") != "0"
ACUGUIDE_PAGE_CACHE_SECONDS = 600
# Absolute links (a sheet's printed address) use this, never the request's Host header.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# The licence of the guide's own text and drawings (the sources page says it; each figure
# also carries its own credit and licence).
CONTENT_LICENCE = {"name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = BASE_DIR / "media"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Where the shipped guide content lives (see docs/content-format.md).
GUIDE_FIXTURES_DIR = BASE_DIR / "fixtures"

# Longest search query we look at; longer input is answered with a message.
SEARCH_MAX_LENGTH = 100

# Strict, static Content Security Policy: no inline script or style anywhere,
# so htmx is configured (see templates/base.html) not to inject styles or eval.
SECURE_CSP = {
    "default-src": [CSP.NONE],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Sent by points.middleware.security_headers (Django has no setting for these two).
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Static files are ours and same-origin: no Access-Control-Allow-Origin: * on them.
WHITENOISE_ALLOW_ALL_ORIGINS = False
