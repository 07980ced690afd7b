"""A job's lease on its row, and the sweep that heals the jobs nothing runs (issue 12 §2).

Celery runs eagerly here: a job the sweep sends again runs at once, in this process. The real
workers killed with SIGKILL are in test_jobs_worker_lost.py.
"""

from __future__ import annotations

import os
import socket
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from calendar_service.celery import app
from tasks import tasks
from tasks.models import Job, StatusYear
from tasks.services.jobs import job_claim, job_create, job_run, jobs_sweep

pytestmark = pytest.mark.django_db

LEASE = settings.JOB_LEASE_SECONDS
GRACE = settings.JOB_SEND_GRACE_SECONDS
HOST = socket.gethostname()


def _job(*, state=Job.State.PENDING, age: float = 0, beat_age: float | None = None, **fields):
    """A recompute job of 2026 created ``age`` seconds ago, its last heartbeat ``beat_age``
    seconds ago."""
    now = timezone.now()
    job = job_create(kind=Job.Kind.RECOMPUTE, params={"year": 2026})
    fields.setdefault("created_at", now - timedelta(seconds=age))
    if beat_age is not None:
        fields.setdefault("heartbeat_at", now - timedelta(seconds=beat_age))
        fields.setdefault("started_at", now - timedelta(seconds=age))
    Job.objects.filter(pk=job.pk).update(state=state, **fields)
    job.refresh_from_db()
    return job


def _dead_worker() -> str:
    """A worker on another host (only its heartbeat tells whether it lives)."""
    return "worker-elsewhere:12345"


def test_a_running_job_whose_heartbeat_stopped_is_started_again_and_succeeds():
    job = _job(
        state=Job.State.RUNNING, age=600, beat_age=LEASE + 5, attempts=1, worker=_dead_worker()
    )

    assert tasks.jobs_sweep_task()["sent"] == [str(job.pk)]

    job.refresh_from_db()
    assert (job.state, job.attempts, job.progress) == (Job.State.SUCCEEDED, 2, 100)
    assert job.sent_at is not None
    assert StatusYear.objects.get(year=2026).runs == 1


def test_a_running_job_whose_heartbeat_stopped_waits_to_be_sent_again():
    job = _job(
        state=Job.State.RUNNING,
        age=600,
        beat_age=LEASE + 5,
        attempts=1,
        worker=_dead_worker(),
        progress=5,
    )

    assert jobs_sweep() == [job]

    job.refresh_from_db()
    assert (job.state, job.worker, job.sent_at, job.heartbeat_at, job.progress) == (
        Job.State.PENDING,
        "",
        None,
        None,
        0,
    )
    assert "stopped" in job.message
    assert "attempt 2 of 3" in job.message


def test_a_job_whose_worker_was_lost_too_often_fails_for_good_with_a_message():
    job = _job(
        state=Job.State.RUNNING,
        age=600,
        beat_age=LEASE + 5,
        attempts=settings.JOB_MAX_ATTEMPTS,
        worker=_dead_worker(),
    )

    assert tasks.jobs_sweep_task()["sent"] == []

    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert job.finished_at is not None
    assert "3 attempts" in job.message
    assert not StatusYear.objects.filter(year=2026).exists()


def test_a_running_job_that_beats_is_left_alone_however_long_it_runs():
    job = _job(state=Job.State.RUNNING, age=3600, beat_age=LEASE - 10, attempts=1, worker="w:1")

    assert jobs_sweep() == []

    job.refresh_from_db()
    assert (job.state, job.worker, job.attempts) == (Job.State.RUNNING, "w:1", 1)


def test_a_job_whose_message_never_reached_the_broker_is_sent_after_the_grace_period():
    job = _job(age=GRACE + 5)
    recent = _job(age=GRACE - 20)

    assert tasks.jobs_sweep_task()["sent"] == [str(job.pk)]

    job.refresh_from_db()
    recent.refresh_from_db()
    assert (job.state, job.attempts) == (Job.State.SUCCEEDED, 1)
    assert (recent.state, recent.sent_at) == (Job.State.PENDING, None)


def test_a_waiting_job_whose_message_was_sent_is_not_sent_twice():
    job = _job(age=3600, sent_at=timezone.now() - timedelta(seconds=3600))

    assert jobs_sweep() == []
    job.refresh_from_db()
    assert job.state == Job.State.PENDING


@pytest.mark.parametrize("state", [Job.State.SUCCEEDED, Job.State.FAILED])
def test_the_sweep_never_touches_a_finished_job(state):
    job = _job(state=state, age=3600, beat_age=3600, attempts=1, worker=_dead_worker())

    assert jobs_sweep() == []
    job.refresh_from_db()
    assert job.state == state


@pytest.mark.parametrize("state", [Job.State.SUCCEEDED, Job.State.FAILED])
def test_a_message_delivered_again_for_a_finished_job_does_nothing(state):
    job = _job(state=state, age=60, beat_age=30, attempts=1, result={"years": ["kept"]})

    answer = tasks.status_recompute_task.delay(year=2026, job_id=str(job.pk)).get()

    job.refresh_from_db()
    assert (job.state, job.attempts, job.result) == (state, 1, {"years": ["kept"]})
    assert answer == {"years": ["kept"]}
    assert not StatusYear.objects.filter(year=2026).exists()  # nothing was recomputed


def test_a_job_whose_pool_process_died_on_this_host_is_taken_over_at_once():
    # A process that surely is gone: a child of ours, reaped.
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    job = _job(state=Job.State.RUNNING, age=5, beat_age=1, attempts=1, worker=f"{HOST}:{pid}")

    claimed = job_claim(job_id=job.pk, worker="new:1")

    assert claimed is not None
    assert (claimed.state, claimed.worker, claimed.attempts) == (Job.State.RUNNING, "new:1", 2)


def test_a_job_that_a_live_worker_runs_is_not_run_a_second_time():
    job = _job(
        state=Job.State.RUNNING, age=5, beat_age=1, attempts=1, worker=f"{HOST}:{os.getpid()}"
    )
    other = _job(state=Job.State.RUNNING, age=5, beat_age=1, attempts=1, worker="elsewhere:7")

    assert job_claim(job_id=job.pk, worker="new:1") is None
    assert job_claim(job_id=other.pk, worker="new:1") is None
    job.refresh_from_db()
    assert (job.worker, job.attempts) == (f"{HOST}:{os.getpid()}", 1)


def test_a_job_whose_heartbeat_is_stale_is_taken_over_even_if_its_pid_lives_again():
    # After a container restart the dead worker's pid may belong to another process.
    job = _job(
        state=Job.State.RUNNING,
        age=600,
        beat_age=LEASE + 5,
        attempts=1,
        worker=f"{HOST}:{os.getpid()}",
    )

    claimed = job_claim(job_id=job.pk, worker="new:1")

    assert claimed is not None
    assert (claimed.worker, claimed.attempts) == ("new:1", 2)


def test_a_delivered_again_job_whose_worker_was_lost_too_often_fails_for_good():
    job = _job(
        state=Job.State.RUNNING,
        age=5,
        beat_age=LEASE + 5,
        attempts=settings.JOB_MAX_ATTEMPTS,
        worker="elsewhere:7",
    )

    assert job_claim(job_id=job.pk, worker="new:1") is None
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert "3 attempts" in job.message


def test_a_job_that_the_task_retries_waits_instead_of_failing():
    job = _job()

    def work(progress):
        raise OperationalError("database restarting")

    with pytest.raises(OperationalError):
        job_run(job_id=job.pk, work=work, will_retry=lambda exc: True)
    job.refresh_from_db()
    assert job.state == Job.State.PENDING
    assert "database restarting" in job.message

    with pytest.raises(OperationalError):
        job_run(job_id=job.pk, work=work)
    job.refresh_from_db()
    assert (job.state, job.attempts) == (Job.State.FAILED, 2)


@pytest.fixture
def broker_away():
    """Celery sends to a Redis port where nothing listens, as when Redis is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.task_always_eager = False
    app.conf.broker_url = f"redis://127.0.0.1:{port}/0"
    app._pool = None
    app.amqp._producer_pool = None
    try:
        yield
    finally:
        for key, value in saved.items():
            app.conf[key] = value
        app._pool = None
        app.amqp._producer_pool = None


def test_a_recompute_started_while_redis_is_down_is_accepted_and_sent_by_the_sweep(
    management_client, django_capture_on_commit_callbacks, broker_away
):
    with django_capture_on_commit_callbacks(execute=True):
        response = management_client.post(
            "/api/v1/status/recompute/", {"year": 2026}, format="json"
        )

    assert response.status_code == 202, response.content
    job = Job.objects.get(pk=response.json()["id"])
    assert (job.state, job.sent_at) == (Job.State.PENDING, None)

    # Redis is back; the sweep after the grace period sends it, and it runs.
    app.conf.task_always_eager = True
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(seconds=GRACE + 1))
    assert tasks.jobs_sweep_task()["sent"] == [str(job.pk)]
    polled = management_client.get(response.json()["url"]).json()
    assert (polled["state"], polled["progress"]) == ("succeeded", 100)


def test_the_redelivery_timeout_outlasts_every_time_limit_and_a_sweep():
    """Redis never hands a message still being worked on to a second worker: the visibility
    timeout exceeds the longest hard time limit, plus the lease and a sweep of a job started
    again; and a pool process that dies hands its message back."""
    app.loader.import_default_modules()
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    ours = [task for name, task in app.tasks.items() if name.startswith("tasks.")]
    longest = max(task.time_limit or app.conf.task_time_limit for task in ours)

    assert visibility >= longest + LEASE + 60
    assert all(task.acks_late and task.reject_on_worker_lost for task in ours)
    assert app.conf.beat_schedule["jobs-sweep"]["schedule"] <= 60
