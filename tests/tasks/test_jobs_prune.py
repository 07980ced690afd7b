"""Finished jobs are kept JOB_KEEP_DAYS days, then the minute's sweep deletes them; waiting and
running jobs are never deleted, whatever their age. (The library website's sync alone starts a
job every 15 minutes: about 35,000 rows a year without this.)"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from tasks import tasks
from tasks.models import Job
from tasks.services import jobs
from tasks.services.jobs import job_create

pytestmark = pytest.mark.django_db

KEEP = settings.JOB_KEEP_DAYS


def _job(state: str, *, finished_days_ago: float | None, created_days_ago: float) -> Job:
    now = timezone.now()
    job = job_create(kind=Job.Kind.RECOMPUTE, params={"year": 2026})
    Job.objects.filter(pk=job.pk).update(
        state=state,
        created_at=now - timedelta(days=created_days_ago),
        finished_at=None if finished_days_ago is None else now - timedelta(days=finished_days_ago),
    )
    return job


def test_the_sweep_deletes_only_jobs_finished_longer_ago_than_kept(monkeypatch):
    old_done = _job(Job.State.SUCCEEDED, finished_days_ago=KEEP + 1, created_days_ago=KEEP + 1)
    old_failed = _job(Job.State.FAILED, finished_days_ago=KEEP + 2, created_days_ago=KEEP + 2)
    recent = _job(Job.State.SUCCEEDED, finished_days_ago=KEEP - 1, created_days_ago=KEEP - 1)
    # Old but not finished: a waiting job is the sweep's to send, never to delete.
    waiting = _job(Job.State.PENDING, finished_days_ago=None, created_days_ago=KEEP + 5)
    cutoffs = []
    monkeypatch.setattr(jobs, "JOB_PRUNERS", [lambda cutoff: cutoffs.append(cutoff) or 3])

    result = tasks.jobs_sweep_task()

    assert result["pruned"] == 2 + 3  # the two old jobs and what the other app pruned
    left = set(Job.objects.values_list("pk", flat=True))
    assert old_done.pk not in left
    assert old_failed.pk not in left
    assert {recent.pk, waiting.pk} <= left
    assert len(cutoffs) == 1
    assert abs((timezone.now() - cutoffs[0]) - timedelta(days=KEEP)) < timedelta(minutes=1)
