"""Thin Celery entry points: take ids and plain values, call one service, retry on database
errors. Queues: reports go to ``reports`` and the rest to ``interactive`` (routing in settings)."""

from __future__ import annotations

from datetime import date, timedelta

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import OperationalError
from django.utils import timezone

from events import services as events_services
from tasks.services.figures import local_today, status_recompute, status_years_due
from tasks.services.jobs import job_run
from tasks.services.pending import status_recompute_started, years_touched
from tasks.services.reports import status_report_generate

RETRY = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "max_retries": 5,
    "acks_late": True,
}


@shared_task(**RETRY, soft_time_limit=10 * 60, time_limit=12 * 60)
def status_recompute_task(year: int | None = None, job_id: str | None = None) -> dict:
    """Recompute one year's figures (``year``), or the years the nightly run covers."""
    years = [year] if year is not None else status_years_due()
    for y in years:
        status_recompute_started(year=y)

    def work(progress=None) -> dict:
        results = [status_recompute(year=y, progress=progress) for y in years]
        return {"years": results}

    if job_id:
        return job_run(job_id=job_id, work=work)
    return work()


def sweep_age() -> timedelta:
    """How old a year's stale mark must be before the sweep takes it up: twice the coalescing
    delay, so that a recompute requested after commit normally gets there first."""
    return timedelta(seconds=2 * int(settings.STATUS_RECOMPUTE_DELAY))


@shared_task(**RETRY, soft_time_limit=10 * 60, time_limit=12 * 60)
def status_recompute_sweep_task() -> dict:
    """Recompute every year, any year, whose figures a change marked stale longer than
    ``sweep_age()`` ago: the catch-up when the request after commit was lost (beat, every
    minute)."""
    years = years_touched(before=timezone.now() - sweep_age())
    for y in years:
        status_recompute_started(year=y)
    return {"years": [status_recompute(year=y) for y in years]}


@shared_task(**RETRY, soft_time_limit=30 * 60, time_limit=35 * 60)
def status_report_generate_task(
    as_of: str | None = None,
    scheduled: bool = False,
    job_id: str | None = None,
    user_id: int | None = None,
) -> dict:
    """Freeze a status report as of a date (ISO), by default today in Copenhagen (beat)."""
    day = date.fromisoformat(as_of) if as_of else local_today()
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None

    def work(progress=None) -> dict:
        report = status_report_generate(
            as_of=day, scheduled=scheduled, user=user, progress=progress
        )
        return {"report": report.pk, "as_of": report.as_of.isoformat()}

    if job_id:
        return job_run(job_id=job_id, work=work)
    return work()


@shared_task(**RETRY, soft_time_limit=20 * 60, time_limit=25 * 60)
def occurrences_extend_horizon_task() -> int:
    """Materialise open-ended series up to the rolling horizon (nightly)."""
    return events_services.occurrences_extend_horizon()
