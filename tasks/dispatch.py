"""Sending work to the Celery workers: the coalesced recompute requested after a write commits,
and the recompute and report jobs that management start. The workers run ``tasks.tasks``,
which call the services; nothing here computes anything, and no service imports this module."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import date
from functools import partial

from django.conf import settings
from django.db import transaction

from events.models import Occurrence

from .models import Job
from .services.figures import period_get
from .services.jobs import job_create
from .services.pending import status_recompute_mark, status_recompute_unmark
from .tasks import job_send, status_recompute_task

logger = logging.getLogger(__name__)


def _send(send: Callable[[], object], what: str) -> bool:
    """Hand a message to the broker; False (logged) when it cannot be sent. Runs after commit,
    where an exception would turn a saved write into an error answer: what the message asked
    for is recorded in the database and caught up by the beat sweeps."""
    try:
        send()
    except Exception:
        logger.exception("dispatch: could not send %s; the sweep will catch it up", what)
        return False
    return True


def status_recompute_request(
    *, occurrence_ids: Iterable[int] = (), years: Iterable[int] = ()
) -> list[int]:
    """Schedule a recompute of the years these occurrences count in (their local date, and the
    year of their original slot in case one moved across New Year, as
    ``Occurrence.counted_years``), and of ``years`` (those of occurrences deleted since).

    Coalesced: the first request for a year schedules one job ``STATUS_RECOMPUTE_DELAY`` seconds
    ahead and marks the year pending in the cache; requests while it is pending add nothing, so
    200 head counts in a row cause one recompute. The job clears the mark when it starts, so a
    change made while it runs schedules the next one. Returns the years newly scheduled.

    A best effort: the writes marked their years durably (``events.TouchedYear``); a year this
    cannot schedule (Redis away) is recomputed by the sweep (``tasks.tasks``)."""
    ids = list(occurrence_ids)
    due: set[int] = set(years)
    if ids:
        for occurrence in Occurrence.objects.filter(pk__in=ids).only(
            "local_date", "original_start"
        ):
            due |= occurrence.counted_years
    delay = int(getattr(settings, "STATUS_RECOMPUTE_DELAY", 1))
    scheduled = []
    for year in sorted(due):
        if not status_recompute_mark(year=year, timeout=delay):
            continue
        if _send(
            partial(status_recompute_task.apply_async, kwargs={"year": year}, countdown=delay),
            f"the recompute of {year}",
        ):
            scheduled.append(year)
        else:
            status_recompute_unmark(year=year)
    return scheduled


def job_send_after_commit(job: Job) -> None:
    """Send the job once its row is committed. A broker that is away then must not turn the
    committed request into an error: the job waits, and the sweep sends it (``jobs_sweep``)."""

    transaction.on_commit(partial(_send, partial(job_send, job=job), f"job {job.pk}"))


def status_recompute_start(*, year: int, user=None) -> Job:
    """Start a recompute of ``year`` in the background; answers the job to poll."""
    period_get(year=year)  # validates the year
    job = job_create(kind=Job.Kind.RECOMPUTE, params={"year": year}, user=user)
    job_send_after_commit(job)
    return job


def status_report_start(
    *,
    as_of: date,
    user=None,
    overall_comment: str = "",
    track_comments: dict[str, str] | None = None,
) -> Job:
    """Generate a report for ``as_of`` in the background, with management's comments frozen
    into it; answers the job to poll."""
    params: dict = {"as_of": as_of.isoformat()}
    if overall_comment:
        params["overall_comment"] = overall_comment
    if track_comments:
        params["track_comments"] = {k: v for k, v in track_comments.items() if v}
    job = job_create(kind=Job.Kind.REPORT, params=params, user=user)
    job_send_after_commit(job)
    return job
