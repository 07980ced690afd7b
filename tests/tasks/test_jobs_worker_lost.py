"""A recompute job survives a worker killed with SIGKILL (issue 12 §2), on a real Celery worker
(prefork, one pool process) and a Redis server this test starts on a spare port and stops.

The job is made slow without any hook in the code it runs: the test holds the row lock of the
year's ``StatusYear``, so the recompute waits inside one SQL statement (``SELECT ... FOR
UPDATE``, the "5%" the issue found it stuck at) until the test lets it go. The workers beat the
heartbeat every second (tests/tasks/worker_settings.py); this process's sweep takes a job over
after ``JOB_LEASE_SECONDS`` = 4 without a beat.
"""

from __future__ import annotations

import os
import signal
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from calendar_service.celery import app
from tasks.dispatch import status_recompute_start
from tasks.models import Job, StatusYear
from tasks.tasks import jobs_sweep_task
from tests.celery_workers import celery_workers, database_url, redis_server, wait  # noqa: F401
from tests.conftest import require, uses_postgres
from tests.tasks.util import reseed

ROOT = Path(__file__).resolve().parents[2]
LEASE = 4  # seconds without a heartbeat before this process's sweep takes a job over
YEAR = 2026

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


@pytest.fixture
def workers(transactional_db, settings, tmp_path, request):
    """Starts Celery workers (prefork, one pool process) on a queue of their own on the test's
    Redis; this process sends there too. Every worker is killed at the end."""
    require(uses_postgres(), "the lost-worker tests need PostgreSQL (DATABASE_URL=postgres://...)")
    reseed()
    settings.JOB_LEASE_SECONDS = LEASE
    with celery_workers(
        logs=tmp_path,
        broker=request.getfixturevalue("redis_server"),
        settings_module="tests.tasks.worker_settings",
        prefix="jobs-test",
    ) as start:
        yield start


@contextmanager
def _year_locked(year: int):
    """Holds the lock a recompute of ``year`` waits for, on a connection of its own."""
    StatusYear.objects.get_or_create(year=year)
    with psycopg.connect(database_url()) as conn:
        conn.execute("SELECT id FROM tasks_statusyear WHERE year = %s FOR UPDATE", [year])
        try:
            yield
        finally:
            conn.rollback()


def _job(pk) -> Job:
    return Job.objects.get(pk=pk)


def _running_and_beating(pk, logs) -> Job:
    """The job running in a pool process, its heartbeat renewed while it waits for the lock."""

    def beating():
        job = _job(pk)
        return (
            job
            if job.state == Job.State.RUNNING
            and job.heartbeat_at
            and (job.heartbeat_at - job.started_at).total_seconds() >= 1.5
            else None
        )

    return wait(beating, timeout=60, what="the job to run and beat", logs=logs)


def test_a_job_whose_pool_process_is_killed_is_delivered_again_and_succeeds(workers):
    started = workers("a")
    process, log = started["process"], started["log"]
    with _year_locked(YEAR):
        job = status_recompute_start(year=YEAR)
        running = _running_and_beating(job.pk, [log])
        assert running.attempts == 1
        child = int(running.worker.rpartition(":")[2])
        assert child != process.pid  # the pool process, not the worker's main process

        os.kill(child, signal.SIGKILL)
        killed = time.monotonic()

        # The message goes back to the queue at once and the new pool process takes it over.
        again = wait(
            lambda: (j := _job(job.pk)).attempts == 2 and j.state == Job.State.RUNNING and j,
            timeout=30,
            what="the job to be delivered again",
            logs=[log],
        )
        assert again.worker != running.worker
    done = wait(
        lambda: (j := _job(job.pk)).state in (Job.State.SUCCEEDED, Job.State.FAILED) and j,
        timeout=60,
        what="the job to finish",
        logs=[log],
    )
    elapsed = time.monotonic() - killed
    assert (done.state, done.progress, done.attempts) == (Job.State.SUCCEEDED, 100, 2), done.message
    assert done.result["years"][0]["year"] == YEAR
    assert StatusYear.objects.get(year=YEAR).runs == 1  # the killed attempt committed nothing
    assert process.poll() is None  # the worker itself lives on
    print(f"pool process killed -> job succeeded in {elapsed:.1f} s")


def test_a_job_whose_whole_worker_is_killed_runs_again_on_another_after_the_sweep(workers):
    a = workers("a")
    first, first_log = a["process"], a["log"]
    with _year_locked(YEAR):
        job = status_recompute_start(year=YEAR)
        running = _running_and_beating(job.pk, [first_log])

        # While its worker beats, the sweep leaves it alone, however long it runs.
        time.sleep(LEASE + 1)
        assert jobs_sweep_task()["sent"] == []
        assert (_job(job.pk).state, _job(job.pk).worker) == (Job.State.RUNNING, running.worker)

        # kill -9 of the main process (its pool process dies with it: PR_SET_PDEATHSIG).
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        killed = time.monotonic()
        b = workers("b")
        second, second_log = b["process"], b["log"]
        logs = [first_log, second_log]

        sent = wait(
            lambda: jobs_sweep_task()["sent"],
            timeout=LEASE + 20,
            what="the sweep to take the job over",
            logs=logs,
        )
        assert sent == [str(job.pk)]
        again = wait(
            lambda: (j := _job(job.pk)).attempts == 2 and j.state == Job.State.RUNNING and j,
            timeout=30,
            what="the other worker to take the job up",
            logs=logs,
        )
        assert again.worker != running.worker
        assert second.poll() is None
    done = wait(
        lambda: (j := _job(job.pk)).state in (Job.State.SUCCEEDED, Job.State.FAILED) and j,
        timeout=60,
        what="the job to finish",
        logs=logs,
    )
    elapsed = time.monotonic() - killed
    assert (done.state, done.progress, done.attempts) == (Job.State.SUCCEEDED, 100, 2), done.message
    visibility_timeout = app.conf.broker_transport_options["visibility_timeout"]
    assert elapsed < visibility_timeout / 10
    # A sweep later finds nothing to do: a succeeded job is never touched again.
    assert jobs_sweep_task()["sent"] == []
    print(f"worker killed -> job succeeded in {elapsed:.1f} s (lease {LEASE} s)")
