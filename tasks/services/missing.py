"""Missing attendance that is overdue: held occurrences (counting rule 1) without a head count
(rule 5) whose end is more than ``GRACE`` ago, the time staff have to record it before anyone is
told. The attendance digests list them (``tasks.services.digests``); the dashboard shows each
branch's missing-attendance rate and its trend by ISO week from them.

*Missing-attendance rate* = held occurrences past the grace without attendance / held
occurrences past the grace, per branch, for the occurrences whose local date (rule 3) is in the
period. It is read now: a week's rate falls when someone records a head count for it later.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from events.models import Branch, Occurrence, held_q

GRACE = timedelta(hours=24)  # staff have a day to record a head count before it is overdue
TREND_WEEKS = 10


def past_grace_q(*, now: datetime) -> Q:
    """Held (rule 1; never a draft or a cancelled one) and ended at least ``GRACE`` before
    ``now``."""
    return held_q(now=now - GRACE)


def overdue_occurrences(
    *, now: datetime, since: date, branch_ids: set[int] | None = None
) -> QuerySet[Occurrence]:
    """Occurrences from local date ``since`` on, held past the grace, without attendance; by
    branch, then start."""
    qs = Occurrence.objects.filter(
        past_grace_q(now=now), local_date__gte=since, attendance__isnull=True
    )
    if branch_ids is not None:
        qs = qs.filter(event__branch__in=branch_ids)
    return qs.select_related("event", "event__branch", "event__stop", "room").order_by(
        "event__branch__order", "event__branch__name", "start", "pk"
    )


@dataclass(frozen=True)
class Rate:
    held: int = 0
    missing: int = 0

    @property
    def rate(self) -> float | None:
        return round(self.missing / self.held, 4) if self.held else None

    @property
    def percent(self) -> int | None:
        rate = self.rate
        return None if rate is None else round(rate * 100)


def _counts(*, first: date, last: date, now: datetime) -> QuerySet:
    return (
        Occurrence.objects.filter(
            past_grace_q(now=now), local_date__gte=first, local_date__lte=last
        )
        .values("event__branch", "local_date")
        .annotate(held=Count("pk"), missing=Count("pk", filter=Q(attendance__isnull=True)))
        .order_by()
    )


def missing_rates(
    *, first: date, last: date, now: datetime | None = None
) -> dict[int | None, Rate]:
    """Per branch id (and ``None``: all branches), the missing-attendance rate of the
    occurrences from ``first`` to ``last`` (local dates), as of ``now``."""
    now = now or timezone.now()
    held: dict[int | None, int] = defaultdict(int)
    missing: dict[int | None, int] = defaultdict(int)
    for row in _counts(first=first, last=last, now=now):
        for key in (row["event__branch"], None):
            held[key] += row["held"]
            missing[key] += row["missing"]
    return {key: Rate(held=held[key], missing=missing[key]) for key in held}


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def missing_rate_trend(
    *, last_day: date, weeks: int = TREND_WEEKS, now: datetime | None = None
) -> dict[str, Any]:
    """The missing-attendance rate per branch and ISO week, for the ``weeks`` weeks ending with
    the week of ``last_day``, as of ``now``.

    ``{"weeks": [{"monday", "year", "week"}], "rows": [{"branch", "total": Rate,
    "weeks": [Rate]}], "total": {"total": Rate, "weeks": [Rate]}}``; a branch with nothing held
    in those weeks has no row."""
    now = now or timezone.now()
    first_monday = _monday(last_day) - timedelta(weeks=weeks - 1)
    mondays = [first_monday + timedelta(weeks=n) for n in range(weeks)]
    index = {monday: n for n, monday in enumerate(mondays)}
    held: dict[int | None, list[int]] = defaultdict(lambda: [0] * weeks)
    missing: dict[int | None, list[int]] = defaultdict(lambda: [0] * weeks)
    rows = _counts(first=first_monday, last=mondays[-1] + timedelta(days=6), now=now)
    for row in rows:
        n = index[_monday(row["local_date"])]
        for key in (row["event__branch"], None):
            held[key][n] += row["held"]
            missing[key][n] += row["missing"]

    def line(key: int | None) -> dict[str, Any]:
        cells = [Rate(h, m) for h, m in zip(held[key], missing[key], strict=True)]
        return {"total": Rate(sum(held[key]), sum(missing[key])), "weeks": cells}

    branches = [b for b in Branch.objects.order_by("order", "name") if b.pk in held]
    return {
        "weeks": [
            {"monday": m, "year": m.isocalendar().year, "week": m.isocalendar().week}
            for m in mondays
        ],
        "rows": [{"branch": b, **line(b.pk)} for b in branches],
        "total": line(None),
    }
