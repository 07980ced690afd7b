"""Celery entry points of the dpl-cms connector: thin, taking ids, calling one service. A sync
is one of the project's jobs (``dplcms.jobs``): "sync now" and the schedule send the same task."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from tasks.models import Job

from . import jobs
from .models import SyncRun

RETRY = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "max_retries": 5,
    "acks_late": True,
}


def _will_retry(task):
    """Whether ``autoretry_for`` will retry this error (its job then waits instead of failing)."""
    return lambda exc: (
        isinstance(exc, task.autoretry_for) and task.request.retries < task.max_retries
    )


@shared_task(**RETRY, bind=True)
def dpl_cms_sync_task(self, job_id: str) -> dict:
    """Run one sync job (its row says who started it); HTTP retries happen inside the client.
    A sync that fails (a refused login, the website away) is recorded on its job and its run,
    and is no error of the task's."""
    try:
        return jobs.sync_job_run(job_id=job_id, will_retry=_will_retry(self))
    except jobs.SyncFailed as exc:
        return {"job": job_id, "state": SyncRun.State.FAILED, "message": str(exc)}


def job_send(job: Job) -> None:
    """How ``tasks.tasks.job_send`` (first time, and the sweep's) sends a sync job."""
    dpl_cms_sync_task.apply_async(kwargs={"job_id": str(job.pk)})


@shared_task(**RETRY)
def dpl_cms_sync_due_task() -> dict:
    """Every minute (beat): start a sync job when the connector is configured, none waits or
    runs, and DPL_CMS_SYNC_MINUTES have passed since the last one; send again one whose message
    was lost; otherwise nothing."""
    stuck = jobs.stuck_job()
    if stuck is not None:
        job_send(stuck)
        return {"job": str(stuck.pk), "sent_again": True}
    if not jobs.sync_due():
        return {"job": None}
    job, _created = jobs.sync_start(trigger=SyncRun.Trigger.SCHEDULE)
    return {"job": str(job.pk)}
