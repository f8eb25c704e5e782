from .base import *  # noqa: F403

DEBUG = False
# Tests change content without going through the write paths that bump the content
# version; caching is switched on only in the tests that are about caching.
ACUGUIDE_PAGE_CACHE = False
ACUGUIDE_FRAGMENT_CACHE = False  # on in tests/test_fragments.py and test_fuzz.py
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Serve static files straight from the source folders (no collectstatic needed).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
