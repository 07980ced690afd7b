"""A sync with the library website as one of the project's jobs (``tasks.Job``, kind
``dpl_sync``): the same lease, heartbeat, take-over and progress as the recompute and report
jobs, the same job page (``/ledelse/job/<id>/``) and API (``/api/v1/status/jobs/<id>/``).

"Sync now", the schedule (beat) and ``manage.py dpl_cms_sync`` all start a sync here:

- At most one sync job waits or runs at a time, across every worker: the database holds that
  (``job_one_active_per_exclusive_kind``). Starting one while another waits or runs answers
  that one, and starts nothing.
- The job's row is its lease (``tasks.services.jobs``): a worker that dies mid-run stops
  beating, and after ``JOB_LEASE_SECONDS`` the sweep gives the job to another worker, which
  runs the sync again from the start. Each series is applied in a transaction of its own and
  a sync is idempotent, so what the lost attempt committed is consistent and counts as
  unchanged the second time; the run says it was taken over.
- The job produces one ``SyncRun`` (``SyncRun.job``), which keeps the counts and each error in
  words for the status page; the job's result names it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks.dispatch import job_send_after_commit
from tasks.models import Job
from tasks.services.jobs import job_create, job_run

from . import services
from .client import DplClient
from .models import SyncRun

log = logging.getLogger(__name__)

KIND = Job.Kind.DPL_SYNC


class SyncFailed(Exception):
    """The sync ran but could not read or apply the website's list (its run says why)."""


def active_job() -> Job | None:
    """The sync job that waits or runs now, if any (at most one: the database holds that)."""
    return Job.objects.filter(kind=KIND, state__in=Job.ACTIVE).first()


def sync_job_create(*, trigger: str, user=None) -> tuple[Job, bool]:
    """The sync job to follow: a new one (True), or the one already waiting or running
    (False), never a second one."""
    for _attempt in range(2):
        found = active_job()
        if found is not None:
            return found, False
        try:
            with transaction.atomic():
                job = job_create(kind=KIND, params={"trigger": trigger}, user=user)
        except IntegrityError:  # another request made one between our look and our insert
            continue
        return job, True
    found = active_job()
    if found is None:  # it finished between the two looks: a rare race, say so plainly
        raise SyncFailed(_("A sync had just finished; start it again."))
    return found, False


def sync_start(*, trigger: str = SyncRun.Trigger.MANUAL, user=None) -> tuple[Job, bool]:
    """ "Sync now" and the schedule: the job, sent to a worker once committed when it is new."""
    job, created = sync_job_create(trigger=trigger, user=user)
    if created:
        job_send_after_commit(job)
    return job, created


def _run_for(job: Job) -> SyncRun:
    """The job's SyncRun: made on its first attempt; on a later one (its worker was lost) the
    same run, waiting again, so that it is run from the start and says it was taken over."""
    trigger = job.params.get("trigger") or SyncRun.Trigger.MANUAL
    run = SyncRun.objects.filter(job=job).first()
    if run is None:
        return SyncRun.objects.create(job=job, trigger=trigger, created_by=job.created_by)
    SyncRun.objects.filter(pk=run.pk).update(
        state=SyncRun.State.PENDING, started_at=None, progress=0
    )
    return run


def _close_lost_runs(job: Job) -> None:
    """Runs still marked running whose job no longer runs (its worker died and the job was
    taken over or given up): failed, saying so, so they block nothing and mislead no one."""
    lost = (
        SyncRun.objects.filter(state__in=(SyncRun.State.PENDING, SyncRun.State.RUNNING))
        .exclude(job=job)
        .exclude(job__isnull=True)
        .exclude(job__state__in=Job.ACTIVE)
    )
    lost.update(
        state=SyncRun.State.FAILED,
        finished_at=timezone.now(),
        message=_("The worker running it stopped before it finished."),
    )


def sync_job_run(
    *,
    job_id: Any,
    will_retry: Callable[[BaseException], bool] = lambda exc: False,
    client: DplClient | None = None,
) -> dict[str, Any]:
    """Run a sync job (a worker's task, or the command in its own process): claims the job's
    lease, runs the sync with the job's progress, and answers the job's result (its run and
    counts). Raises SyncFailed, after recording it on the job and the run, when the sync fails
    (a refused login, the website away): the job's message then says why in words."""

    def work(progress) -> dict[str, Any]:
        job = Job.objects.get(pk=job_id)
        _close_lost_runs(job)
        run = _run_for(job)
        taken_over = job.attempts > 1
        run = services.run_execute(run_id=run.pk, client=client, progress=progress)
        if taken_over:
            run.errors = [
                {
                    "uuid": "",
                    "level": "notice",
                    "message": _(
                        "The worker running this sync stopped; another took it over (attempt "
                        "%(attempt)d) and ran it again from the start. What the first attempt "
                        "had applied counts as unchanged."
                    )
                    % {"attempt": job.attempts},
                },
                *run.errors,
            ]
            run.save(update_fields=["errors"])
        result = {
            "run": run.pk,
            "state": run.state,
            "listed": run.listed,
            **{name: getattr(run, name) for name in SyncRun.COUNTS},
        }
        if run.state != SyncRun.State.SUCCEEDED:
            raise SyncFailed(run.message or _("The sync failed."))
        return result

    return job_run(job_id=job_id, work=work, will_retry=will_retry)


def sync_due(*, now=None) -> bool:
    """Whether the schedule should start a sync: configured, none waiting or running, and none
    started in the last ``DPL_CMS_SYNC_MINUTES``."""
    return active_job() is None and services.run_due(now=now)


def stuck_job(*, now=None) -> Job | None:
    """A sync job still waiting ``DPL_CMS_SYNC_MINUTES`` after it was sent (its message was
    lost, e.g. Redis restarted without its data): to be sent again. A second message for the
    same job is harmless (only one worker can claim it)."""
    now = now or timezone.now()
    job = active_job()
    if job is None or job.state != Job.State.PENDING or job.sent_at is None:
        return None
    if job.sent_at > now - timedelta(minutes=settings.DPL_CMS_SYNC_MINUTES):
        return None
    return job
