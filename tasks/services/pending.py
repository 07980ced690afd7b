"""Marks that coalesce recompute requests: a year with a recompute already scheduled.

Requested in ``tasks.dispatch`` after a write commits; cleared by the job as it starts
(``tasks.tasks``), so a change made while it runs schedules the next one.
"""

from __future__ import annotations

from django.core.cache import cache


def _pending_key(year: int) -> str:
    return f"tasks:status-recompute-pending:{year}"


def status_recompute_mark(*, year: int, timeout: int) -> bool:
    """Mark ``year`` pending; False when it already was (a recompute is scheduled)."""
    return bool(cache.add(_pending_key(year), True, timeout=timeout or 1))


def status_recompute_started(*, year: int) -> None:
    cache.delete(_pending_key(year))
