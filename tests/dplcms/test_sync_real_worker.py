""" "Sync now" the whole way, with a real Celery worker on the real Redis and a real HTTP server
playing dpl-cms (tests/dplcms/conftest.py: fixtures and every request checked against the
specification): an administrator presses the button in the real view, the worker (a separate
process, prefork with one pool process, on a queue of its own) runs the job, and the status page
then shows the counts. And the failure path: the pool process running the sync is killed with
SIGKILL mid-run; the job is taken over (its message handed back at once), the sync runs again
from the start, the run says so, and the data is consistent: nothing doubled, a second sync
changes nothing.

The sync is held mid-run without any hook in the code: the website (this test's HTTP server)
does not answer the first write-back until the test lets it, after every event is applied."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from werkzeug import Response

from dplcms.models import ImportedInstance, ImportedSeries, SyncRun
from events.models import Event, Occurrence
from tasks.models import Job
from tests.celery_workers import celery_workers, redis_server, wait  # noqa: F401
from tests.conftest import has_redis, require, uses_postgres
from tests.dplcms.conftest import PASSWORD, USER, feeds_agree, run_sync
from tests.tasks.util import reseed

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


@pytest.fixture
def broker(request) -> str:
    """The shared Redis (REDIS_URL), or, parametrized "own", a Redis of the test's own (for a
    test that kills a whole worker and leaves its message unacknowledged there)."""
    if getattr(request, "param", "shared") == "own":
        return request.getfixturevalue("redis_server")
    require(has_redis(), "the real-worker test needs Redis (REDIS_URL=redis://...)")
    return os.environ["REDIS_URL"]


@pytest.fixture
def workers(transactional_db, dpl, settings, tmp_path, broker):
    """Starts Celery workers (prefork, one pool process) on a queue of their own on the
    broker, set up as production with the connector pointed at this test's dpl-cms; this
    process sends there too. Each is killed at the end, with its whole process group."""
    require(uses_postgres(), "the real-worker test needs PostgreSQL (DATABASE_URL=postgres://...)")
    reseed()
    with celery_workers(
        logs=tmp_path,
        broker=broker,
        settings_module="tests.dplcms.worker_settings",
        prefix="dplcms-test",
        env={
            "DPL_CMS_URL": settings.DPL_CMS_URL,
            "DPL_CMS_USERNAME": USER,
            "DPL_CMS_PASSWORD": PASSWORD,
            "DPL_CMS_TIMEOUT_SECONDS": "60",
            "SITE_URL": settings.SITE_URL,
        },
    ) as start:
        yield start


@pytest.fixture
def worker(workers):
    return workers("a")


def _admin_client(admin_user) -> Client:
    admin_user.is_staff = True
    admin_user.save()
    client = Client()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(admin_user)
    return client


def _press_sync_now(client: Client) -> Job:
    response = client.post(reverse("admin:dplcms_status"))
    assert response.status_code == 302
    job = Job.objects.get(kind=Job.Kind.DPL_SYNC, state__in=Job.ACTIVE)
    assert response["Location"] == reverse("pages:job-detail", args=[job.pk])
    return job


def _finished(job_pk):
    job = Job.objects.get(pk=job_pk)
    return job if job.state in (Job.State.SUCCEEDED, Job.State.FAILED) else None


def _consistent(client) -> None:
    """Each instance once, with one occurrence; each series one event; the feeds agree."""
    assert ImportedInstance.objects.count() == 7
    assert Occurrence.objects.filter(dpl_instance__isnull=False).count() == 7
    assert Event.objects.count() == ImportedSeries.objects.filter(event__isnull=False).count() == 5
    assert Occurrence.objects.count() == 7
    feeds_agree(client)


def test_sync_now_through_a_real_worker_and_the_status_page_shows_the_counts(
    worker, dpl, roskilde, admin_user, client
):
    admin = _admin_client(admin_user)
    job = _press_sync_now(admin)
    assert job.state == Job.State.PENDING  # eager mode would have finished it already
    done = wait(lambda: _finished(job.pk), timeout=60, what="the sync job", log=worker["log"])
    assert (done.state, done.progress, done.attempts) == ("succeeded", 100, 1), done.message
    assert done.worker.split(":")[-1] != str(worker["process"].pid)  # a pool process ran it
    assert "dplcms.tasks.dpl_cms_sync_task" in worker["log"].read_text()
    run = SyncRun.objects.get(job=job)
    assert (run.state, run.created, run.listed, run.trigger) == ("succeeded", 7, 7, "manual")
    assert done.result["run"] == run.pk

    polled = admin.get(reverse("status-job", kwargs={"pk": job.pk})).json()
    assert (polled["state"], polled["kind"], polled["result"]["created"]) == (
        "succeeded",
        "dpl_sync",
        7,
    )
    page = admin.get(reverse("admin:dplcms_status")).content.decode()
    assert "Done" in page
    assert "<td>7</td>" in page  # new
    assert " disabled>" not in page
    # Every request the worker made followed the specification (checked by the fixture), and
    # wrote this service's links back once per instance.
    assert len(dpl.patches()) == 7
    _consistent(client)


def test_a_sync_whose_worker_is_killed_mid_run_is_taken_over_and_leaves_consistent_data(
    worker, dpl, roskilde, admin_user, client
):
    listing = json.dumps(dpl.items).encode()
    held, release = threading.Event(), threading.Event()

    def list_events(request):
        return Response(listing, status=200, content_type="application/json")

    def hold_first_write_back(request):
        held.set()
        release.wait(60)
        return Response(status=200)

    dpl.failures = [list_events, hold_first_write_back]
    admin = _admin_client(admin_user)
    job = _press_sync_now(admin)
    try:
        wait(held.is_set, timeout=60, what="the sync to reach the write-back", log=worker["log"])
        running = Job.objects.get(pk=job.pk)
        assert (running.state, running.attempts) == (Job.State.RUNNING, 1)
        # Its progress is visible while it runs: on the job's API and on the status page.
        polled = admin.get(reverse("status-job", kwargs={"pk": job.pk})).json()
        assert polled["state"] == "running"
        assert polled["progress"] == 90, polled
        page = admin.get(reverse("admin:dplcms_status")).content.decode()
        assert "starts no second one" in page
        assert " disabled>" in page
        # Pressed again while it runs: the same job, no second one, and the page says so.
        again = admin.post(reverse("admin:dplcms_status"), follow=True)
        assert again.redirect_chain[0][0] == reverse("pages:job-detail", args=[job.pk])
        assert "no second one was started" in again.content.decode()
        assert Job.objects.count() == 1
        # Everything is applied; now the pool process running it dies.
        child = int(running.worker.rpartition(":")[2])
        assert child != worker["process"].pid
        os.kill(child, signal.SIGKILL)
    finally:
        release.set()

    done = wait(lambda: _finished(job.pk), timeout=90, what="the job to finish", log=worker["log"])
    assert (done.state, done.attempts) == (Job.State.SUCCEEDED, 2), done.message
    assert done.worker != running.worker
    assert worker["process"].poll() is None  # the worker itself lives on
    run = SyncRun.objects.get(job=job)  # the same run, taken over
    assert run.state == SyncRun.State.SUCCEEDED
    # The first attempt had applied every event: the second finds them unchanged.
    assert (run.created, run.unchanged, run.failed) == (0, 7, 0)
    # The worker writes in the service's language (Danish first); either way, in words.
    notice = run.errors[0]
    assert notice["level"] == "notice"
    assert any(
        w in notice["message"] for w in ("took it over (attempt 2)", "overtog den (forsøg 2)")
    )
    page = admin.get(reverse("admin:dplcms_status")).content.decode()
    assert escape(notice["message"]) in page
    assert SyncRun.objects.count() == Job.objects.count() == 1
    _consistent(client)
    # Every instance's links were written back (the held one again by the second attempt).
    written = {p["path"].rsplit("/", 1)[-1] for p in dpl.patches()}
    assert len(written) == 7
    assert ImportedInstance.objects.filter(written_url="").count() == 0
    # A sync after that changes nothing.
    after = run_sync()
    assert (after.created, after.updated, after.unchanged, after.written_back) == (0, 0, 7, 0)
    _consistent(client)


@pytest.mark.parametrize("broker", ["own"], indirect=True)
def test_a_sync_whose_whole_worker_is_killed_is_taken_over_after_its_lease(
    workers, dpl, roskilde, admin_user, client, settings
):
    """kill -9 of the whole worker: its message stays unacknowledged on the broker, so only the
    lease brings the sync back: once the job's heartbeat is ``JOB_LEASE_SECONDS`` old, the sweep
    (beat's ``jobs_sweep_task``, called here) sends it again, and another worker runs it."""
    from tasks.tasks import jobs_sweep_task

    settings.JOB_LEASE_SECONDS = 4
    first = workers("a")
    listing = json.dumps(dpl.items).encode()
    held, release = threading.Event(), threading.Event()

    def list_events(request):
        return Response(listing, status=200, content_type="application/json")

    def hold_first_write_back(request):
        held.set()
        release.wait(60)
        return Response(status=200)

    dpl.failures = [list_events, hold_first_write_back]
    admin = _admin_client(admin_user)
    job = _press_sync_now(admin)
    try:
        wait(held.is_set, timeout=60, what="the sync to reach the write-back", log=first["log"])
        running = Job.objects.get(pk=job.pk)
        assert running.state == Job.State.RUNNING
        # While its worker beats, the sweep leaves it alone.
        time.sleep(settings.JOB_LEASE_SECONDS + 1)
        assert jobs_sweep_task()["sent"] == []
        os.killpg(first["process"].pid, signal.SIGKILL)
        first["process"].wait(10)
    finally:
        release.set()
    assert Job.objects.get(pk=job.pk).state == Job.State.RUNNING  # nobody knows yet
    second = workers("b")
    sent = wait(
        lambda: jobs_sweep_task()["sent"],
        timeout=settings.JOB_LEASE_SECONDS + 30,
        what="the sweep to take the sync over",
        log=second["log"],
    )
    assert sent == [str(job.pk)]
    done = wait(lambda: _finished(job.pk), timeout=90, what="the job to finish", log=second["log"])
    assert (done.state, done.attempts) == (Job.State.SUCCEEDED, 2), done.message
    assert done.worker != running.worker
    run = SyncRun.objects.get(job=job)
    assert (run.state, run.created, run.unchanged) == (SyncRun.State.SUCCEEDED, 0, 7)
    assert run.errors[0]["level"] == "notice"
    assert SyncRun.objects.count() == Job.objects.count() == 1
    _consistent(client)
    assert ImportedInstance.objects.filter(written_url="").count() == 0
    assert jobs_sweep_task()["sent"] == []  # a finished job is never touched again
