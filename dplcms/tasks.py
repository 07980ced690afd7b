"""Celery entry points of the dpl-cms connector: thin, taking ids, calling one service."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError, transaction

from . import services
from .models import SyncRun

RETRY = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "max_retries": 5,
    "acks_late": True,
}


@shared_task(**RETRY)
def dpl_cms_sync_task(run_id: int) -> dict:
    """Run one sync (its row says who started it); HTTP retries happen inside the client."""
    run = services.run_execute(run_id=run_id)
    return {"run": run.pk, "state": run.state}


@shared_task(**RETRY)
def dpl_cms_sync_due_task() -> dict:
    """Every minute (beat): start a sync when the connector is configured and
    DPL_CMS_SYNC_MINUTES have passed since the last one; otherwise nothing."""
    if not services.run_due():
        return {"run": None}
    run = services.run_create(trigger=SyncRun.Trigger.SCHEDULE)
    run = services.run_execute(run_id=run.pk)
    return {"run": run.pk, "state": run.state}


def sync_start(*, user=None) -> SyncRun:
    """ "Sync now": a run row to follow, sent to a worker once committed."""
    run = services.run_create(trigger=SyncRun.Trigger.MANUAL, user=user)
    transaction.on_commit(lambda: dpl_cms_sync_task.delay(run.pk))
    return run
