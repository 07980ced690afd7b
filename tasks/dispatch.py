"""Sending work to the Celery workers: the coalesced recompute requested after a write commits,
and the recompute and report jobs that management start. The workers run ``tasks.tasks``,
which call the services; nothing here computes anything, and no service imports this module."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerUnavailable

from events.models import Occurrence

from .models import Job
from .services.figures import period_get
from .services.jobs import job_create
from .services.pending import status_recompute_mark
from .tasks import job_send, status_recompute_task

log = logging.getLogger(__name__)


def status_recompute_request(
    *, occurrence_ids: Iterable[int] = (), years: Iterable[int] = ()
) -> list[int]:
    """Schedule a recompute of the years these occurrences count in (their local date, and the
    year of their original slot in case one moved across New Year, as
    ``Occurrence.counted_years``), and of ``years`` (those of occurrences deleted since).

    Coalesced: the first request for a year schedules one job ``STATUS_RECOMPUTE_DELAY`` seconds
    ahead and marks the year pending in the cache; requests while it is pending add nothing, so
    200 head counts in a row cause one recompute. The job clears the mark when it starts, so a
    change made while it runs schedules the next one. Returns the years newly scheduled."""
    ids = list(occurrence_ids)
    due: set[int] = set(years)
    if ids:
        for occurrence in Occurrence.objects.filter(pk__in=ids).only(
            "local_date", "original_start"
        ):
            due |= occurrence.counted_years
    delay = int(getattr(settings, "STATUS_RECOMPUTE_DELAY", 30))
    scheduled = []
    for year in sorted(due):
        if status_recompute_mark(year=year, timeout=delay):
            status_recompute_task.apply_async(kwargs={"year": year}, countdown=delay)
            scheduled.append(year)
    return scheduled


def _job_send_after_commit(job: Job) -> None:
    """Send the job once its row is committed. A broker that is away then must not turn the
    committed request into an error: the job waits, and the sweep sends it (``jobs_sweep``)."""

    def send() -> None:
        try:
            job_send(job=job)
        except (BrokerUnavailable, OSError):
            log.warning("job %s not sent; the sweep sends it", job.pk, exc_info=True)

    transaction.on_commit(send)


def status_recompute_start(*, year: int, user=None) -> Job:
    """Start a recompute of ``year`` in the background; answers the job to poll."""
    period_get(year=year)  # validates the year
    job = job_create(kind=Job.Kind.RECOMPUTE, params={"year": year}, user=user)
    _job_send_after_commit(job)
    return job


def status_report_start(*, as_of: date, user=None) -> Job:
    """Generate a report for ``as_of`` in the background; answers the job to poll."""
    job = job_create(kind=Job.Kind.REPORT, params={"as_of": as_of.isoformat()}, user=user)
    _job_send_after_commit(job)
    return job
