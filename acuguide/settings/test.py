from .base import *  # noqa: F403

DEBUG = False
# Caches are on, as in production (a per-process locmem cache, cleared before each test
# by tests/conftest.py); a test about a cold render switches ACUGUIDE_PAGE_CACHE off.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Serve static files straight from the source folders (no collectstatic needed).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
