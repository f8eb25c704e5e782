"""Production profile: everything secret or site-specific comes from the environment."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403


def env(name, default=None):
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Set the {name} environment variable.")
    return value


DEBUG = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = [h.strip() for h in env("ALLOWED_HOSTS").split(",") if h.strip()]
# The site's public address, for absolute links (never taken from a request's Host header).
SITE_URL = os.environ.get("SITE_URL", f"https://{ALLOWED_HOSTS[0]}").rstrip("/")
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

# PostgreSQL and Redis are required in production (base.py reads the same variables).
if not env("DATABASE_URL").startswith(("postgres://", "postgresql://")):
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL in production.")
env("REDIS_URL")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies we run in front of the app servers, each adding the address it was
# connected from to X-Forwarded-For: the sign-in lockout counts per real visitor, not per
# proxy (points/clientip.py; README "Running in production").
try:
    ACUGUIDE_TRUSTED_PROXIES = int(env("TRUSTED_PROXIES", "1"))
except ValueError:
    raise ImproperlyConfigured("TRUSTED_PROXIES must be a whole number (the proxies in front of the app).") from None
if ACUGUIDE_TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured("TRUSTED_PROXIES must be 0 or more.")
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"short_database_outage": {"()": "points.middleware.ShortDatabaseOutage"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["short_database_outage"]},
        "null": {"class": "logging.NullHandler"},
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        # A request for a Host we do not serve already gets a 400; a traceback for each one
        # would let any stranger fill the log.
        "django.security.DisallowedHost": {"handlers": ["null"], "propagate": False},
    },
}
