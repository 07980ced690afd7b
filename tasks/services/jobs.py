"""Background jobs: creating them, and their progress and state as they run (started by
``tasks.dispatch``; the Celery entry points are in ``tasks.tasks``).

A job's row is its lease. The worker that takes it up writes its name and beats a heartbeat on
the row every ``JOB_HEARTBEAT_SECONDS`` from a small thread (a recompute spends minutes in one
SQL statement, where no progress call comes). ``jobs_sweep`` (beat, every minute) puts a job
whose heartbeat is older than ``JOB_LEASE_SECONDS`` back to waiting, to be sent again, at most
``JOB_MAX_ATTEMPTS`` times in all, and a job whose message never reached the broker. So a job is
shown running only while a worker runs it, and a dead worker's job runs again within about two
minutes."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, connection, connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Job
from .figures import Progress

log = logging.getLogger(__name__)


def _setting(name: str) -> int:
    return int(getattr(settings, name))


def _progress_key(job_id: Any) -> str:
    return f"tasks:job-progress:{job_id}"


def _cache_call(method: str, *args, **kwargs) -> Any:
    """The live progress is a convenience: a cache that is away only hides it."""
    try:
        return getattr(cache, method)(*args, **kwargs)
    except Exception:  # any backend's connection error
        log.warning("job progress cache unavailable", exc_info=True)
        return None


# How the apps above this one send their own kinds of job (dplcms registers the sync with the
# library website in its AppConfig.ready): kind -> function sending the job's message, called by
# ``tasks.tasks.job_send`` (the first time, and the sweep's).
JOB_SENDERS: dict[str, Callable[[Job], object]] = {}


def worker_name() -> str:
    """Who runs a job: the host (a container's own name) and the process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def job_create(*, kind: str, params: dict[str, Any], user=None) -> Job:
    return Job.objects.create(
        kind=kind,
        params=params,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )


def job_sent(*, job_id: Any) -> None:
    """Record that the job's message reached the broker (``jobs_sweep`` sends it otherwise)."""
    Job.objects.filter(pk=job_id, sent_at__isnull=True).update(sent_at=timezone.now())


def job_progress(*, job_id: Any, percent: int, message: str) -> None:
    """Record progress where a poller sees it at once: the cache always, and the job row when
    not inside a transaction (a recompute's own transaction would hide it until commit)."""
    _cache_call(
        "set", _progress_key(job_id), {"progress": percent, "message": message}, timeout=3600
    )
    if not connection.in_atomic_block:
        Job.objects.filter(pk=job_id).update(progress=percent, message=message[:500])


def job_get(*, job_id: Any) -> Job:
    """A job with its latest progress (from the cache while it runs)."""
    job = Job.objects.get(pk=job_id)
    if job.state == Job.State.RUNNING:
        live = _cache_call("get", _progress_key(job.pk))
        if live:
            job.progress, job.message = live["progress"], live["message"]
    return job


# --- running: claim, heartbeat, outcome -------------------------------------------------------


def _alive_here(worker: str) -> bool | None:
    """Whether the process named ``worker`` lives, when it ran on this host (None: elsewhere)."""
    host, _sep, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _lost(job: Job, now: datetime) -> bool:
    """A running job whose worker stopped: its process on this host is gone (a pool process
    killed, its message handed back at once), or its heartbeat is stale."""
    if _alive_here(job.worker) is False:
        return True
    beat = job.heartbeat_at or job.started_at or job.created_at
    return beat < now - timedelta(seconds=_setting("JOB_LEASE_SECONDS"))


def _give_up_message(attempts: int) -> str:
    return _(
        "Failed: the worker running it stopped each time (%(attempts)d attempts). "
        "Start it again when the workers are healthy."
    ) % {"attempts": attempts}


def job_claim(*, job_id: Any, worker: str) -> Job | None:
    """Take a job up for ``worker``: running, one more attempt, a first heartbeat. None when
    there is nothing to run: it succeeded or failed already (a redelivered message), another
    live worker runs it, or its worker was lost too often (it is then failed for good)."""
    now = timezone.now()
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state in (Job.State.SUCCEEDED, Job.State.FAILED):
            return None
        if job.state == Job.State.RUNNING:
            if not _lost(job, now):
                log.warning("job %s already runs on %s", job.pk, job.worker)
                return None
            log.warning("job %s: its worker %s was lost, taking it over", job.pk, job.worker)
            if job.attempts >= _setting("JOB_MAX_ATTEMPTS"):
                job.state, job.finished_at = Job.State.FAILED, now
                job.message = _give_up_message(job.attempts)
                job.save(update_fields=["state", "finished_at", "message"])
                return None
        job.state, job.worker = Job.State.RUNNING, worker
        job.started_at = job.heartbeat_at = now
        job.attempts += 1
        job.finished_at = None
        job.save(
            update_fields=[
                *("state", "worker", "started_at", "heartbeat_at", "attempts", "finished_at")
            ]
        )
    return job


class _Heartbeat(threading.Thread):
    """Beats the job's heartbeat every ``JOB_HEARTBEAT_SECONDS`` on a connection of its own,
    while the work runs in the calling thread (even inside one long SQL statement)."""

    def __init__(self, *, job_id: Any, worker: str) -> None:
        super().__init__(name=f"job-heartbeat-{job_id}", daemon=True)
        self.job_id, self.worker = job_id, worker
        self.done = threading.Event()

    def run(self) -> None:
        interval = _setting("JOB_HEARTBEAT_SECONDS")
        try:
            while not self.done.wait(interval):
                try:
                    Job.objects.filter(
                        pk=self.job_id, state=Job.State.RUNNING, worker=self.worker
                    ).update(heartbeat_at=timezone.now())
                except Exception:  # the database away for a moment: beat again next time
                    log.warning("job %s: heartbeat failed", self.job_id, exc_info=True)
                    close_old_connections()
        finally:
            connections.close_all()

    def stop(self) -> None:
        self.done.set()
        self.join()


def job_run(
    *,
    job_id: Any,
    work: Callable[[Progress], dict[str, Any]],
    will_retry: Callable[[BaseException], bool] = lambda exc: False,
) -> dict[str, Any]:
    """Run ``work`` for a job, keeping its state: running (with a heartbeat), then succeeded
    with the result, or failed with the error (re-raised). When ``will_retry(error)`` (the task
    retries it) the job waits again instead of failing. Does nothing, and answers the stored
    result, when there is nothing to run (see ``job_claim``)."""
    worker = worker_name()
    job = job_claim(job_id=job_id, worker=worker)
    if job is None:
        return Job.objects.filter(pk=job_id).values_list("result", flat=True).first() or {}
    mine = Job.objects.filter(pk=job_id, worker=worker)

    def progress(percent: int, message: str) -> None:
        job_progress(job_id=job_id, percent=percent, message=message)

    heartbeat = _Heartbeat(job_id=job_id, worker=worker)
    heartbeat.start()
    try:
        result = work(progress)
    except Exception as exc:
        if will_retry(exc):
            mine.update(state=Job.State.PENDING, message=(_("Retrying after: %s") % exc)[:500])
        else:
            mine.update(state=Job.State.FAILED, finished_at=timezone.now(), message=str(exc)[:500])
        raise
    else:
        mine.update(
            state=Job.State.SUCCEEDED,
            finished_at=timezone.now(),
            progress=100,
            result=result,
            message=_("Done"),
        )
        return result
    finally:
        # Anything else (the process is going away) leaves it running: the sweep takes it over
        # once the heartbeat is stale.
        heartbeat.stop()
        _cache_call("delete", _progress_key(job_id))


# --- the sweep --------------------------------------------------------------------------------


# Other apps' records of finished jobs to prune with them (e.g. dplcms' sync runs): each a
# function taking the cut-off time and answering how many rows it deleted.
JOB_PRUNERS: list = []


def jobs_prune(*, now: datetime | None = None) -> int:
    """Delete the jobs that finished more than ``JOB_KEEP_DAYS`` days ago (and what
    ``JOB_PRUNERS`` keep of them); waiting and running jobs are never touched. Answers how many
    rows went."""
    cutoff = (now or timezone.now()) - timedelta(days=_setting("JOB_KEEP_DAYS"))
    deleted = sum(prune(cutoff) for prune in JOB_PRUNERS)
    count, _ = Job.objects.filter(
        state__in=[Job.State.SUCCEEDED, Job.State.FAILED], finished_at__lt=cutoff
    ).delete()
    return deleted + count


def jobs_sweep(*, now: datetime | None = None) -> list[Job]:
    """Heal the jobs nothing runs (beat, every minute); answers the jobs to send again.

    - Running, but its heartbeat is older than ``JOB_LEASE_SECONDS``: its worker died. It waits
      again, to be sent again, or fails for good after ``JOB_MAX_ATTEMPTS`` attempts.
    - Waiting, and its message never reached the broker (Redis was away when it was started)
      for ``JOB_SEND_GRACE_SECONDS``: sent again.
    Succeeded and failed jobs are never touched."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=_setting("JOB_LEASE_SECONDS"))
    grace = now - timedelta(seconds=_setting("JOB_SEND_GRACE_SECONDS"))
    max_attempts = _setting("JOB_MAX_ATTEMPTS")
    resend: list[Job] = []
    with transaction.atomic():
        lost = Job.objects.select_for_update(skip_locked=True).filter(
            Q(heartbeat_at__lt=stale)
            | Q(heartbeat_at__isnull=True, started_at__lt=stale)
            | Q(heartbeat_at__isnull=True, started_at__isnull=True, created_at__lt=stale),
            state=Job.State.RUNNING,
        )
        for job in lost:
            log.warning("job %s: worker %s stopped beating", job.pk, job.worker)
            _cache_call("delete", _progress_key(job.pk))
            if job.attempts >= max_attempts:
                job.state, job.finished_at = Job.State.FAILED, now
                job.message = _give_up_message(job.attempts)
                job.save(update_fields=["state", "finished_at", "message"])
                continue
            job.state, job.sent_at, job.worker, job.heartbeat_at, job.progress = (
                Job.State.PENDING,
                None,
                "",
                None,
                0,
            )
            job.message = _(
                "The worker running it stopped; started again (attempt %(next)d of %(max)d)."
            ) % {"next": job.attempts + 1, "max": max_attempts}
            job.save(
                update_fields=["state", "sent_at", "worker", "heartbeat_at", "progress", "message"]
            )
            resend.append(job)
        unsent = Job.objects.select_for_update(skip_locked=True).filter(
            state=Job.State.PENDING, sent_at__isnull=True, created_at__lt=grace
        )
        resend += [job for job in unsent if job not in resend]
    return resend
