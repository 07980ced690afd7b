"""Background jobs: creating them, and their progress and state as they run (started by
``tasks.dispatch``; the Celery entry points are in ``tasks.tasks``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Job
from .figures import Progress


def _progress_key(job_id: Any) -> str:
    return f"tasks:job-progress:{job_id}"


def job_create(*, kind: str, params: dict[str, Any], user=None) -> Job:
    return Job.objects.create(
        kind=kind,
        params=params,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )


def job_progress(*, job_id: Any, percent: int, message: str) -> None:
    """Record progress where a poller sees it at once: the cache always, and the job row when
    not inside a transaction (a recompute's own transaction would hide it until commit)."""
    cache.set(_progress_key(job_id), {"progress": percent, "message": message}, timeout=3600)
    if not connection.in_atomic_block:
        Job.objects.filter(pk=job_id).update(progress=percent, message=message[:500])


def job_get(*, job_id: Any) -> Job:
    """A job with its latest progress (from the cache while it runs)."""
    job = Job.objects.get(pk=job_id)
    if job.state in (Job.State.PENDING, Job.State.RUNNING):
        live = cache.get(_progress_key(job.pk))
        if live:
            job.progress, job.message = live["progress"], live["message"]
    return job


def job_run(*, job_id: Any, work: Callable[[Progress], dict[str, Any]]) -> dict[str, Any]:
    """Run ``work`` for a job, keeping its state: running, then succeeded with the result, or
    failed with the error (re-raised, so the task may retry; a retry sets it running again)."""
    Job.objects.filter(pk=job_id).update(state=Job.State.RUNNING, started_at=timezone.now())

    def progress(percent: int, message: str) -> None:
        job_progress(job_id=job_id, percent=percent, message=message)

    try:
        result = work(progress)
    except Exception as exc:
        Job.objects.filter(pk=job_id).update(
            state=Job.State.FAILED, finished_at=timezone.now(), message=str(exc)[:500]
        )
        cache.delete(_progress_key(job_id))
        raise
    Job.objects.filter(pk=job_id).update(
        state=Job.State.SUCCEEDED,
        finished_at=timezone.now(),
        progress=100,
        result=result,
        message=_("Done"),
    )
    cache.delete(_progress_key(job_id))
    return result
