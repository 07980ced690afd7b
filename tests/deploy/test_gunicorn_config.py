"""The gunicorn config keeps /healthz p99 low under load (issue 19): the app is preloaded (a
recycled worker is a fork, not a second of imports) and workers are recycled rarely, with
jitter, so that they never restart together. BENCHMARKS.md, "Production stack", has the p99."""

from __future__ import annotations

import json
import os
import runpy
import socket
import subprocess
import sys

from tests.deploy.compose import ROOT


def _config() -> dict:
    return runpy.run_path(str(ROOT / "calendar_service" / "gunicorn.conf.py"))


def test_the_app_is_preloaded_and_workers_recycle_rarely_with_jitter():
    config = _config()

    assert config["preload_app"] is True
    assert config["worker_class"] == "sync"
    assert config["max_requests"] >= 50_000
    assert config["max_requests"] // 10 <= config["max_requests_jitter"] < config["max_requests"]


WARM_CHECK = """
import json
import sys

from calendar_service.wsgi import application  # noqa: F401  (runs the warm-up)
from django.db import connections
from django.template import engines
from django.utils.translation import trans_real

VIEWS = ("feeds.views", "pages.public", "events.api.views")
loaders = [loader for engine in engines.all() for loader in engine.engine.template_loaders]
print(json.dumps({
    "opened": [alias for alias in connections if connections[alias].connection is not None],
    "templates": sorted(
        str(name) for loader in loaders for name in getattr(loader, "get_template_cache", {})
    ),
    "views": sorted(m for m in VIEWS if m in sys.modules),
    "languages": sorted(trans_real._translations),
}))
"""


def test_the_wsgi_module_warms_the_app_up_without_a_connection():
    # What gunicorn's arbiter imports before it forks (preload_app): each worker then starts with
    # the views imported, the URL resolvers filled, the templates compiled and both catalogues
    # loaded, so its first request is not the slow one. Nothing may open a connection: one opened
    # before the fork would be shared by every worker. The database and Redis here are a closed
    # port, so any attempt would fail the import.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "calendar_service.settings",
        "DATABASE_URL": f"postgres://nobody@127.0.0.1:{port}/none",
        "REDIS_URL": f"redis://127.0.0.1:{port}/0",
    }
    done = subprocess.run(
        [sys.executable, "-c", WARM_CHECK],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    warm = json.loads(done.stdout.strip().splitlines()[-1])

    assert warm["opened"] == []
    assert warm["views"] == ["events.api.views", "feeds.views", "pages.public"]
    assert {"pages/calendar.html", "pages/event_detail.html"} <= set(warm["templates"])
    assert {"da", "en"} <= set(warm["languages"])
