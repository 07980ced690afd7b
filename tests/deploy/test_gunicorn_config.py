"""The gunicorn config keeps /healthz p99 low under load (issue 19): the app is preloaded (a
recycled worker is a fork, not a second of imports) and workers are recycled rarely, with
jitter, so that they never restart together. BENCHMARKS.md, "Production stack", has the p99."""

from __future__ import annotations

import runpy

from tests.deploy.compose import ROOT


def _config() -> dict:
    return runpy.run_path(str(ROOT / "calendar_service" / "gunicorn.conf.py"))


def test_the_app_is_preloaded_and_workers_recycle_rarely_with_jitter():
    config = _config()

    assert config["preload_app"] is True
    assert config["worker_class"] == "sync"
    assert config["max_requests"] >= 50_000
    assert config["max_requests"] // 10 <= config["max_requests_jitter"] < config["max_requests"]
