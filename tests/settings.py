"""Test settings: the real settings with test-only overrides.

``DATABASE_URL`` and ``REDIS_URL`` still decide the backends, so the same suite runs on SQLite
(default) and on PostgreSQL and Redis (CI). Celery runs eagerly unless a test starts a worker.
"""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")

from calendar_service.settings import *  # noqa: F403
from calendar_service.settings import REDIS_URL, VAR_DIR

DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if REDIS_URL:
    # Each test run gets its own key prefix so parallel runs on one Redis do not collide.
    CACHES = {
        "default": {
            "BACKEND": "calendar_service.cache.FailSoftRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"roskilde-test-{os.getpid()}",
        }
    }

# Pages rendered for each request: the tests change rows directly, not through the services that
# move the generation the page cache is keyed by. tests/pages/test_page_cache.py turns it on.
PAGE_CACHE_SECONDS = 0

# WhiteNoise serves STATIC_ROOT; tests do not collect static files, so make sure it exists.
(VAR_DIR / "staticfiles").mkdir(parents=True, exist_ok=True)

# The suite's events sit on fixed dates (2025 and 2026) while the clock moves on: no bound on how
# far back an event may start, except in the tests of that bound, which set it.
EVENT_START_PAST_DAYS = 365 * 100

# Uploaded pictures go to a directory of this run's own, served by Django for the browser tests.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="roskilde-test-media-"))
SERVE_MEDIA = True
