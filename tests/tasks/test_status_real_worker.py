"""The whole path with a real Celery worker on the real Redis, not eager mode.

Attendance is recorded through the API; after the commit the trigger queues a recompute on
Redis; a worker started here as a separate process (on its own queue, so parallel runs do not
collide) runs it against the same test database; the figures then appear through the API.
"""

from __future__ import annotations

import os
import time

import pytest

from events.models import Occurrence
from tasks.models import Job
from tests.celery_workers import celery_workers, wait
from tests.conftest import has_redis, require, uses_postgres
from tests.factories import BranchFactory, UserFactory, local, make_event, track
from tests.tasks.util import reseed


@pytest.fixture
def worker(transactional_db, settings, tmp_path):
    require(uses_postgres(), "the real-worker test needs PostgreSQL (DATABASE_URL=postgres://...)")
    require(has_redis(), "the real-worker test needs Redis (REDIS_URL=redis://...)")
    reseed()
    settings.STATUS_RECOMPUTE_DELAY = 1
    with celery_workers(
        logs=tmp_path,
        broker=os.environ["REDIS_URL"],
        settings_module="calendar_service.settings",
        prefix="tasks-test",
        pool="solo",
    ) as start:
        yield start("status")


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.slow
def test_attendance_through_the_api_reaches_the_figures_through_a_real_worker(worker):
    from rest_framework.test import APIClient

    branch = BranchFactory(slug="jyllinge", name="Jyllinge Bibliotek")
    staff = UserFactory(username="staff-jyllinge", branches=[branch])
    manager = UserFactory(username="manager", groups=["management"])
    event = make_event(
        branch=branch,
        start=local(2026, 10, 6, 10, 0),
        rrule="FREQ=WEEKLY;COUNT=3",
        tracks=[track("hygge"), track("fordybelse")],
    )
    occurrences = list(Occurrence.objects.filter(event=event).order_by("start"))
    staff_api, management_api = APIClient(), APIClient()
    staff_api.force_authenticate(staff)
    management_api.force_authenticate(manager)

    response = staff_api.post(
        "/api/v1/attendance/bulk/",
        {
            "branch": "jyllinge",
            "items": [
                {"occurrence": o.pk, "total": n}
                for o, n in zip(occurrences, (11, 12, 13), strict=True)
            ],
        },
        format="json",
    )
    assert response.status_code == 200, response.content

    def figures():
        rows = management_api.get(
            "/api/v1/status/figures/", {"year": 2026, "period": "month", "index": 10}
        ).json()["results"]
        by_scope = {(r["branch"], r["track"]): r for r in rows}
        total = by_scope.get((None, None))
        return by_scope if total and total["attendance"] == 36 else None

    by_scope = wait(figures, timeout=60, what="the worker's recompute", log=worker["log"])
    assert (by_scope[(None, None)]["held"], by_scope[("jyllinge", None)]["held"]) == (3, 3)
    assert by_scope[("jyllinge", "hygge")]["attendance"] == 36
    assert by_scope[(None, "fordybelse")]["attendance"] == 36
    assert "tasks.tasks.status_recompute_task" in worker["log"].read_text()

    # On demand: 202 with a job that the worker (not this process) runs to the end.
    started = management_api.post("/api/v1/status/recompute/", {"year": 2026}, format="json")
    assert started.status_code == 202
    assert started.json()["state"] in ("pending", "running")  # eager mode would have finished it

    def finished():
        job = management_api.get(started.json()["url"]).json()
        return job if job["state"] in ("succeeded", "failed") else None

    job = wait(finished, timeout=60, what="the recompute job", log=worker["log"])
    assert (job["state"], job["progress"]) == ("succeeded", 100)
    assert Job.objects.get(pk=job["id"]).started_at is not None


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * 95 // 100) - 1)]


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.slow
def test_each_head_count_reaches_the_demo_figures_exactly_through_a_real_worker(worker):
    """Twenty head counts recorded through the API, one after another, each reach the status
    figures' grand total exactly, through a real worker's per-event update (the update after
    commit waits ``STATUS_RECOMPUTE_DELAY``, 1 s). How fast (the issue's 5 s at p95) is measured
    by ``bench.status --worker-only`` on the production stack (BENCHMARKS.md), not asserted here;
    the 30 s wait below is only the bound after which the test gives up."""
    from django.core.management import call_command
    from django.utils import timezone
    from rest_framework.test import APIClient

    from events.clock import local_date_of
    from tasks.services.figures import status_recompute

    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    now = timezone.now()
    held = list(
        Occurrence.objects.filter(
            end__lte=now, status="scheduled", event__status="published", attendance__isnull=True
        )
        .select_related("event__branch")
        .order_by("-end")[:20]
    )
    assert len(held) == 20, "the demo has held occurrences without a head count"
    years = {local_date_of(o.start).year for o in held}
    for year in years:
        status_recompute(year=year)
    manager = UserFactory(username="manager-latency", groups=["management"])
    admin = UserFactory(username="admin-latency")
    admin.is_superuser = admin.is_staff = True
    admin.save()
    api, management_api = APIClient(), APIClient()
    api.force_authenticate(admin)
    management_api.force_authenticate(manager)

    def grand_total(year: int) -> int:
        rows = management_api.get("/api/v1/status/figures/", {"year": year}).json()["results"]
        return next(r["attendance"] for r in rows if (r["branch"], r["track"]) == (None, None))

    latencies = []
    for i, occurrence in enumerate(held):
        year = local_date_of(occurrence.start).year
        expected = grand_total(year) + 7 + i
        began = time.monotonic()
        response = api.put(
            f"/api/v1/occurrences/{occurrence.pk}/attendance/", {"total": 7 + i}, format="json"
        )
        assert response.status_code == 200, response.content
        wait(
            lambda year=year, expected=expected: grand_total(year) == expected,
            timeout=30,
            what="the head count in the figures",
            log=worker["log"],
        )
        latencies.append(time.monotonic() - began)
    latencies.sort()
    print(
        f"visible within: p50 {latencies[len(latencies) // 2]:.2f} s, p95 {_p95(latencies):.2f} s"
    )
    assert len(latencies) == len(held)
