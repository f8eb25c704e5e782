from .base import *  # noqa: F403

DEBUG = True

# Serve static files straight from the source folders (no collectstatic needed).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
