"""Thin Celery entry points: take ids and plain values, call one service, retry on database
errors. Queues: reports go to ``reports`` and the rest to ``interactive``; routing and time limits
are in settings (``CELERY_TASK_ROUTES``, ``CELERY_TASK_ANNOTATIONS``), beside the redelivery
timeout they decide."""

from __future__ import annotations

from datetime import date, timedelta

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import OperationalError
from django.utils import timezone

from events import services as events_services
from events.clock import local_today
from tasks.models import Job
from tasks.services.digests import DigestDeliveryError, attendance_digests_send
from tasks.services.figures import status_recompute, status_update, status_years_due
from tasks.services.jobs import JOB_SENDERS, job_run, job_sent, jobs_prune, jobs_sweep
from tasks.services.pending import status_recompute_started, years_touched
from tasks.services.reports import status_report_generate

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
def status_recompute_task(self, year: int | None = None, job_id: str | None = None) -> dict:
    """Bring one year's figures up to date after changes (``year``, requested after commit:
    an update for the events changed, ``status_update``); recompute it as a whole when a job
    asks (``job_id``); or recompute the years the nightly run covers (no ``year``)."""
    years = [year] if year is not None else status_years_due()
    for y in years:
        status_recompute_started(year=y)
    if year is not None and not job_id:
        return {"years": [status_update(year=year)]}

    def work(progress=None) -> dict:
        results = [status_recompute(year=y, progress=progress) for y in years]
        return {"years": results}

    if job_id:
        return job_run(job_id=job_id, work=work, will_retry=_will_retry(self))
    return work()


def sweep_age() -> timedelta:
    """How old a year's stale mark must be before the sweep takes it up
    (``STATUS_SWEEP_AGE``), so that the update requested after commit normally gets there
    first."""
    return timedelta(seconds=int(settings.STATUS_SWEEP_AGE))


@shared_task(**RETRY)
def status_recompute_sweep_task() -> dict:
    """Recompute every year, any year, whose figures a change marked stale longer than
    ``sweep_age()`` ago: the catch-up when the request after commit was lost (beat, every
    minute)."""
    years = years_touched(before=timezone.now() - sweep_age())
    for y in years:
        status_recompute_started(year=y)
    return {"years": [status_update(year=y) for y in years]}


@shared_task(**RETRY, bind=True)
def status_report_generate_task(
    self,
    as_of: str | None = None,
    scheduled: bool = False,
    job_id: str | None = None,
    user_id: int | None = None,
    overall_comment: str = "",
    track_comments: dict | None = None,
) -> dict:
    """Freeze a status report as of a date (ISO), by default today in Copenhagen (beat)."""
    day = date.fromisoformat(as_of) if as_of else local_today()
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None

    def work(progress=None) -> dict:
        report = status_report_generate(
            as_of=day,
            scheduled=scheduled,
            user=user,
            progress=progress,
            overall_comment=overall_comment or "",
            track_comments=track_comments or {},
        )
        return {"report": report.pk, "as_of": report.as_of.isoformat()}

    if job_id:
        return job_run(job_id=job_id, work=work, will_retry=_will_retry(self))
    return work()


@shared_task(**RETRY)
def occurrences_extend_horizon_task() -> int:
    """Materialise open-ended series up to the rolling horizon (nightly)."""
    return events_services.occurrences_extend_horizon()


def job_send(*, job: Job) -> None:
    """Send a job's message to its task (a first time, or again from the sweep), and record it.
    Raises when the broker is away; the job then waits for the sweep to send it."""
    kwargs: dict = {"job_id": str(job.pk)}
    if job.kind in JOB_SENDERS:
        JOB_SENDERS[job.kind](job)
    elif job.kind == Job.Kind.RECOMPUTE:
        task, kwargs["year"] = status_recompute_task, job.params["year"]
        task.apply_async(kwargs=kwargs)
    else:
        task, kwargs["as_of"] = status_report_generate_task, job.params["as_of"]
        kwargs["user_id"] = job.created_by_id
        for key in ("overall_comment", "track_comments"):
            if key in job.params:
                kwargs[key] = job.params[key]
        task.apply_async(kwargs=kwargs)
    job_sent(job_id=job.pk)


@shared_task(**RETRY)
def jobs_sweep_task() -> dict:
    """Every minute (beat): start again the jobs whose worker died, and send those whose message
    never reached the broker (``tasks.services.jobs.jobs_sweep``); delete the jobs finished
    more than ``JOB_KEEP_DAYS`` ago (``jobs_prune``)."""
    resend = jobs_sweep()
    for job in resend:
        job_send(job=job)
    pruned = jobs_prune()
    return {"sent": [str(job.pk) for job in resend], "pruned": pruned}


@shared_task(
    autoretry_for=(OperationalError, DigestDeliveryError),
    retry_backoff=60,  # 1, 2, 4, ... minutes (with jitter), at most 30: about two hours in all
    retry_backoff_max=30 * 60,  # below the broker's redelivery timeout (settings)
    max_retries=8,
    acks_late=True,
)
def attendance_digests_send_task(day: str | None = None) -> dict:
    """Mail each branch's staff the occurrences missing attendance (beat, each morning). When
    some mails fail (the mail server is away) it raises after sending the rest, and Celery runs
    it again later: what was sent is logged, so a retry sends only what is still due."""
    run = attendance_digests_send(today=date.fromisoformat(day) if day else None)
    if run.failed:
        raise DigestDeliveryError(
            f"{len(run.failed)} of {len(run.digests)} attendance digests not sent: "
            + "; ".join(sorted({error for _digest, error in run.failed}))
        )
    return run.summary()
