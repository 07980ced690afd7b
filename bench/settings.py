"""Settings of the benchmark server: the production settings, plus bench-only URLs.

``bench.harness`` starts gunicorn with the project's config and ``DJANGO_SETTINGS_MODULE`` set
to this module. Everything else (DEBUG off, middleware, PostgreSQL, the Redis cache, logging)
comes from ``calendar_service.settings`` and the environment exactly as in production; the only
difference is the URL configuration, which adds the bare views of ``bench.urls`` in front of
the project's own. The production settings never route to them.
"""

from calendar_service.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
