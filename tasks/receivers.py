"""Receivers of the core's notifications. No rules here: they hand over to services."""

from __future__ import annotations

import logging

from tasks.dispatch import status_recompute_request

logger = logging.getLogger(__name__)


def occurrences_changed(sender, occurrence_ids=(), years=(), **kwargs) -> None:
    """After commit: nothing may escape, the write is done and must be answered as such. The
    years it touched are marked in the database, so a request lost here is caught up by the
    sweep (``tasks.tasks.status_recompute_sweep_task``)."""
    try:
        status_recompute_request(occurrence_ids=occurrence_ids, years=years)
    except Exception:
        logger.exception("tasks: could not request a recompute; the sweep will catch it up")
