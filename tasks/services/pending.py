"""What is still to be done to the stored status figures.

Two records, for two purposes:

* The durable one: ``events.TouchedYear`` rows, written by every write of the core in its own
  transaction, one per local year whose counted occurrences it changed. A year with rows is
  *stale*. ``status_recompute`` reads the rows of its year as it starts and deletes exactly
  those when it has replaced the figures, so a change committed while it runs keeps the year
  marked. The sweep (``tasks.tasks.status_recompute_sweep_task``, every minute) recomputes
  every year whose rows are older than the coalescing delay allows: the catch-up when the
  request after commit was lost (Redis or a worker away).
* The coalescing one, in the cache: a year with a recompute already scheduled
  (``status_recompute_mark``), requested in ``tasks.dispatch`` after a write commits and
  cleared by the job as it starts (``tasks.tasks``), so a change made while it runs schedules
  the next one. Losing it (Redis away) costs nothing but a wait for the sweep.
"""

from __future__ import annotations

from datetime import datetime

from django.core.cache import cache

from events.models import TouchedYear

_DELETE_BATCH = 1000


def _pending_key(year: int) -> str:
    return f"tasks:status-recompute-pending:{year}"


def status_recompute_mark(*, year: int, timeout: int) -> bool:
    """Mark ``year`` pending; False when it already was (a recompute is scheduled), or when the
    cache cannot say (the sweep then catches the year up)."""
    return bool(cache.add(_pending_key(year), True, timeout=timeout or 1))


def status_recompute_unmark(*, year: int) -> None:
    """Forget the mark of a request that could not be sent, so the next one tries again."""
    cache.delete(_pending_key(year))


def status_recompute_started(*, year: int) -> None:
    cache.delete(_pending_key(year))


def touched_ids(*, year: int) -> list[int]:
    """The marks of ``year`` committed so far (read by a recompute as it starts)."""
    return list(TouchedYear.objects.filter(year=year).values_list("pk", flat=True))


def touched_marks(*, year: int) -> list[tuple[int, int | None]]:
    """The marks of ``year`` committed so far, with the event each names (or None)."""
    return list(TouchedYear.objects.filter(year=year).values_list("pk", "event_id"))


def touched_consume(*, ids: list[int]) -> None:
    """Delete the marks a recompute has seen, and only those."""
    for i in range(0, len(ids), _DELETE_BATCH):
        TouchedYear.objects.filter(pk__in=ids[i : i + _DELETE_BATCH]).delete()


def years_touched(*, before: datetime | None = None) -> list[int]:
    """Years with stale figures: every marked year, or those marked before ``before``."""
    marks = TouchedYear.objects.all()
    if before is not None:
        marks = marks.filter(created_at__lt=before)
    return sorted(set(marks.values_list("year", flat=True).distinct()))


def year_is_stale(*, year: int) -> bool:
    return TouchedYear.objects.filter(year=year).exists()
