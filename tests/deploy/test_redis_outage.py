"""Redis away: a committed write is answered as a success, pages and feeds keep answering
(uncached), ``/readyz`` says "degraded", and one sweep after Redis returns puts the figures
right; the feed shows a cancellation made during the outage at once, whatever Redis lost.

The test starts its own Redis on a spare port and stops it (never the shared one), and points
the cache and the Celery publisher of this process at it, as a web process is configured."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest
import redis
from rest_framework.test import APIClient

from calendar_service.celery import app
from events.models import Attendance, Event, Occurrence, TouchedYear
from tasks import tasks
from tasks.models import StatusFigure
from tasks.services.figures import status_recompute
from tests.conftest import has_redis, require, uses_postgres
from tests.factories import BranchFactory, UserFactory, local, make_event, track, upcoming
from tests.tasks.util import reseed

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]

# Each write must answer well inside this while Redis is away (no hanging publish or cache).
WRITE_BUDGET_SECONDS = 5.0


def _spare_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnRedis:
    def __init__(self) -> None:
        self.port = _spare_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    return
            except redis.RedisError:
                time.sleep(0.05)
        pytest.fail("the test's own redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


def _reset_publisher() -> None:
    app.__dict__["_pool"] = None
    app.amqp._producer_pool = None


@pytest.fixture
def own_redis(transactional_db, settings):
    require(uses_postgres(), "the outage test needs PostgreSQL (DATABASE_URL=postgres://...)")
    require(has_redis(), "the outage test needs Redis (REDIS_URL=redis://...)")
    require(shutil.which("redis-server") is not None, "redis-server is not installed")
    reseed()
    server = OwnRedis()
    server.start()
    settings.REDIS_URL = server.url
    settings.CACHES = {
        "default": {
            "BACKEND": "calendar_service.cache.FailSoftRedisCache",
            "LOCATION": server.url,
            "KEY_PREFIX": "outage-test",
        }
    }
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.task_always_eager = False
    app.conf.broker_url = server.url
    _reset_publisher()
    try:
        yield server
    finally:
        server.stop()
        for key, value in saved.items():
            app.conf[key] = value
        _reset_publisher()


def _stored(year: int) -> list[tuple]:
    fields = ("period_kind", "period_index", "branch_id", "track_id", *StatusFigure.MEASURES)
    rows = StatusFigure.objects.filter(year=year).values_list(*fields)
    return sorted(rows, key=lambda row: tuple((v is None, v or 0) for v in row))


def _timed(call):
    began = time.monotonic()
    response = call()
    return response, time.monotonic() - began


def test_writes_pages_and_feeds_work_without_redis_and_catch_up_after(own_redis, settings):
    settings.STATUS_RECOMPUTE_DELAY = 0
    settings.STATUS_SWEEP_AGE = 0
    branch = BranchFactory(name="Jyllinge Bibliotek", slug="jyllinge")
    staff = UserFactory(username="staff-outage", branches=[branch])
    held = make_event(branch=branch, title="Foredrag", start=local(2026, 2, 3, 10, 0))
    series = make_event(
        branch=branch,
        title="Strikkecafé",
        start=upcoming(weeks=1),
        rrule="FREQ=WEEKLY;COUNT=3",
        tracks=[track("hygge")],
    )
    status_recompute(year=2026)
    api = APIClient()
    api.force_authenticate(user=staff)
    warm = api.get("/feeds/calendar.ics")
    assert warm.status_code == 200
    assert b"STATUS:CANCELLED" not in warm.content

    own_redis.stop()

    attendance, took_attendance = _timed(
        lambda: api.put(
            f"/api/v1/occurrences/{held.occurrences.get().pk}/attendance/",
            {"total": 17},
            format="json",
        )
    )
    created, took_create = _timed(
        lambda: api.post(
            "/api/v1/events/",
            {
                "branch": "jyllinge",
                "title": "Oprettet bagefter",
                "start": "2026-01-20T10:00:00",
                "end": "2026-01-20T11:00:00",
                "tracks": ["fordybelse"],
                "status": "published",
            },
            format="json",
        )
    )
    cancelled_occurrence = series.occurrences.order_by("start")[1]
    cancel, took_cancel = _timed(
        lambda: api.post(
            f"/api/v1/occurrences/{cancelled_occurrence.pk}/cancel/",
            {"reason": "Sygdom"},
            format="json",
        )
    )

    manager = APIClient()
    manager.force_authenticate(user=UserFactory(username="manager-outage", groups=["management"]))
    job, took_job = _timed(
        lambda: manager.post("/api/v1/status/recompute/", {"year": 2026}, format="json")
    )

    assert job.status_code == 202, job.content  # the message could not be sent, and says so
    assert took_job < WRITE_BUDGET_SECONDS
    assert attendance.status_code in (200, 201), attendance.content
    assert created.status_code == 201, created.content
    assert cancel.status_code == 200, cancel.content
    assert max(took_attendance, took_create, took_cancel) < WRITE_BUDGET_SECONDS
    assert Attendance.objects.get(occurrence__event=held).total == 17
    assert Event.objects.filter(title="Oprettet bagefter").count() == 1
    cancelled_occurrence.refresh_from_db()
    assert cancelled_occurrence.status == Occurrence.Status.CANCELLED
    assert TouchedYear.objects.filter(year=2026).exists()  # the figures know they are stale

    feed = api.get("/feeds/calendar.ics")
    assert feed.status_code == 200
    assert b"STATUS:CANCELLED" in feed.content
    assert api.get("/").status_code == 200
    assert api.get(f"/arrangementer/{held.pk}/").status_code == 200
    ready = api.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "degraded"
    assert ready.json()["checks"]["redis"] == "unavailable"

    own_redis.start()  # empty, as a Redis restarted without persistence

    done = tasks.status_recompute_sweep_task()

    assert 2026 in [r["year"] for r in done["years"]]
    assert not TouchedYear.objects.filter(year=2026).exists()
    january = StatusFigure.objects.get(
        year=2026, period_kind="month", period_index=1, branch=None, track=None
    )
    assert (january.held, january.missing_attendance) == (1, 1)
    kept = _stored(2026)
    status_recompute(year=2026)
    assert kept == _stored(2026)
    again = api.get("/feeds/calendar.ics")
    assert again.status_code == 200
    assert b"STATUS:CANCELLED" in again.content
