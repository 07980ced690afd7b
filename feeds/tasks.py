"""The feeds' Celery job: rebuild every stale piece off the request path (issue 19).

A read that finds more stale pieces than it may rebuild within its budget
(``feeds.pieces.INLINE_BUDGET_SECONDS``) asks for this job (``pieces_rebuild_soon``); beat also
runs it every ten minutes, so a new ``SITE_URL`` or builder version is rebuilt after a deploy
even before anyone polls. When it wrote pieces it raises the feeds' generation, so every feed
is built afresh from them on its next poll.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from .cache import generation_bump
from .pieces import pieces_rebuild_stale

logger = logging.getLogger(__name__)

QUEUED_KEY = "feeds:pieces-rebuild-queued"
QUEUED_SECONDS = 10 * 60


@shared_task(acks_late=True)
def pieces_rebuild_task() -> int:
    try:
        written = pieces_rebuild_stale()
        if written:
            with transaction.atomic():
                generation_bump()
    finally:
        cache.delete(QUEUED_KEY)
    logger.info("feeds: rebuilt %s stale pieces", written)
    return written


def pieces_rebuild_soon() -> None:
    """Ask a worker to rebuild the stale pieces, once however many requests ask (a mark in the
    cache for ten minutes). Never in-process: with Celery eager (development, no worker) the
    requests' budgets catch up instead, a bounded amount each."""
    if settings.CELERY_TASK_ALWAYS_EAGER or not cache.add(QUEUED_KEY, 1, QUEUED_SECONDS):
        return
    try:
        pieces_rebuild_task.delay()
    except Exception:
        # The mark stays: the next ten minutes' requests do not each wait on an absent broker;
        # beat's run, or the requests' budgets, catch up.
        logger.warning("feeds: could not ask for the pieces' rebuild (broker away?)")
