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
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from calendar_service.celery import app
from tasks.dispatch import status_recompute_start
from tasks.models import Job, StatusYear
from tasks.tasks import jobs_sweep_task
from tests.conftest import require, uses_postgres
from tests.tasks.util import reseed

ROOT = Path(__file__).resolve().parents[2]
LEASE = 4  # seconds without a heartbeat before this process's sweep takes a job over
YEAR = 2026

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(predicate, *, timeout: float, what: str, logs=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    tails = "\n".join(f"--- {p} ---\n{Path(p).read_text()[-3000:]}" for p in logs)
    pytest.fail(f"timed out after {timeout} s waiting for {what}\n{tails}")


@pytest.fixture
def redis_server(tmp_path):
    """A Redis of this test's own on a spare loopback port, never the shared one."""
    binary = shutil.which("redis-server")
    require(binary is not None, "redis-server (to start a Redis this test may lose workers on)")
    port = _free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(port=port)

    def up() -> bool:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False

    try:
        _wait(up, timeout=20, what="the test's Redis")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
        process.terminate()
        process.wait(10)


@pytest.fixture
def workers(transactional_db, settings, redis_server, tmp_path):
    """Starts Celery workers (prefork, one pool process) on a queue of their own on the test's
    Redis; this process sends there too. Every worker is killed at the end."""
    require(uses_postgres(), "the lost-worker tests need PostgreSQL (DATABASE_URL=postgres://...)")
    reseed()
    queue = f"jobs-test-{uuid.uuid4().hex[:12]}"
    started: list[tuple[subprocess.Popen, Path]] = []
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.tasks.worker_settings",
        "DEBUG": "true",
        "SECRET_KEY": "lost-worker-test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_server,
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }

    def start(name: str) -> tuple[subprocess.Popen, Path]:
        log = tmp_path / f"{name}.log"
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "calendar_service", "worker"),
                *("-Q", queue, "-n", f"{name}-{queue}@%h", "--pool=prefork", "--concurrency=1"),
                *("--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO"),
            ],
            cwd=ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, killed as one at the end
        )
        started.append((process, log))
        _wait(
            lambda: "ready." in log.read_text() or process.poll() is not None,
            timeout=60,
            what=f"worker {name} to start",
            logs=[log],
        )
        assert process.poll() is None, log.read_text()
        return process, log

    saved = {key: app.conf[key] for key in ("task_always_eager", "task_routes", "broker_url")}
    app.conf.task_always_eager = False
    app.conf.task_routes = {"*": {"queue": queue}}
    app.conf.broker_url = redis_server
    _reset_producers()
    settings.JOB_LEASE_SECONDS = LEASE
    try:
        yield start
    finally:
        for process, _log in started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
        for key, value in saved.items():
            app.conf[key] = value
        _reset_producers()


def _reset_producers() -> None:
    app._pool = None
    app.amqp._producer_pool = None
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)


@contextmanager
def _year_locked(year: int):
    """Holds the lock a recompute of ``year`` waits for, on a connection of its own."""
    StatusYear.objects.get_or_create(year=year)
    with psycopg.connect(_database_url()) as conn:
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

    return _wait(beating, timeout=60, what="the job to run and beat", logs=logs)


def test_a_job_whose_pool_process_is_killed_is_delivered_again_and_succeeds(workers):
    process, log = workers("a")
    with _year_locked(YEAR):
        job = status_recompute_start(year=YEAR)
        running = _running_and_beating(job.pk, [log])
        assert running.attempts == 1
        child = int(running.worker.rpartition(":")[2])
        assert child != process.pid  # the pool process, not the worker's main process

        os.kill(child, signal.SIGKILL)
        killed = time.monotonic()

        # The message goes back to the queue at once and the new pool process takes it over.
        again = _wait(
            lambda: (j := _job(job.pk)).attempts == 2 and j.state == Job.State.RUNNING and j,
            timeout=30,
            what="the job to be delivered again",
            logs=[log],
        )
        assert again.worker != running.worker
    done = _wait(
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
    first, first_log = workers("a")
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
        second, second_log = workers("b")
        logs = [first_log, second_log]

        sent = _wait(
            lambda: jobs_sweep_task()["sent"],
            timeout=LEASE + 20,
            what="the sweep to take the job over",
            logs=logs,
        )
        assert sent == [str(job.pk)]
        again = _wait(
            lambda: (j := _job(job.pk)).attempts == 2 and j.state == Job.State.RUNNING and j,
            timeout=30,
            what="the other worker to take the job up",
            logs=logs,
        )
        assert again.worker != running.worker
        assert second.poll() is None
    done = _wait(
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
