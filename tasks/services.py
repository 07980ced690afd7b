"""Status figures, action plans and status reports: the aggregation and its read functions.

How each measure is counted (DESIGN.md, counting rules):

1. *held*: the occurrence has ended and neither it nor its event is cancelled
   (``events.models.held_q``). Draft events are never counted: they were never announced.
2. An occurrence with k tracks counts once in each of its k track figures, and once in its
   branch's all-tracks total and in the grand total.
3. An occurrence belongs to the period of its local start date in Europe/Copenhagen
   (``Occurrence.local_date``).
4. *cancelled*: the occurrence or its whole event is cancelled (``events.models.cancelled_q``),
   whether or not its time has come; never held, never in attendance.
5. *missing attendance*: held without a head count; it still counts as held.
6. *co-created share* = held occurrences of co-created events / held occurrences.
7. *share of target* = actual / target; empty (None) where the plan sets no target.

Further: *events held* counts distinct events with at least one held occurrence in the period;
*average attendance* is attendance / held occurrences with a head count (so a missing count is
a gap, not a zero); the age groups add up what was recorded with a breakdown. Targets are the
year's; the share of target of a month or quarter is its contribution to the year's target.

The aggregation runs in the database (``_figures_into``), in two statements: the year's
occurrences, read from an index alone and without their events, each look up its head counts in
the attendance index and are grouped per event, month and the occurrence's part of its state
(the ORM gives those parts: ``events.models.occurrence_held_q`` and friends); then those rows,
joined with their events (the event's part of the state, its branch and co-created flag), are
spread over the periods and scopes; a few thousand rows result. ``status_recompute`` replaces a
year's stored figures with them inside one transaction, holding a lock on the year's
``StatusYear`` row.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.db.models.functions import Cast, ExtractMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import (
    LOCAL_TZ,
    Attendance,
    Branch,
    Event,
    Occurrence,
    Track,
    event_cancelled_q,
    event_counted_q,
    held_q,
    occurrence_cancelled_q,
    occurrence_held_q,
)

from .models import (
    ActionPlan,
    FigureValues,
    Initiative,
    Job,
    PeriodKind,
    StatusFigure,
    StatusReport,
    StatusYear,
    Target,
)

logger = logging.getLogger(__name__)

Progress = Callable[[int, str], None]  # (percent, message)
MEASURES = FigureValues.MEASURES
STORED_KINDS = (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.HALF, PeriodKind.YEAR)
PERIOD_COUNT = {PeriodKind.MONTH: 12, PeriodKind.QUARTER: 4, PeriodKind.HALF: 2, PeriodKind.YEAR: 1}


def _say(progress: Progress | None, percent: int, message: str) -> None:
    if progress is not None:
        progress(percent, message)


def local_today(now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(LOCAL_TZ).date()


# --- periods ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A period of one year: ``kind`` and ``index`` (month 1-12, quarter 1-4, half 1-2, year 1,
    ytd 1) and its first and last local dates."""

    year: int
    kind: str
    index: int
    first: date
    last: date

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return f"{self.year}-{self.index:02d}"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.year} Q{self.index}"
        if self.kind == PeriodKind.HALF:
            return f"{self.year} H{self.index}"
        if self.kind == PeriodKind.YTD:
            return f"{self.first.isoformat()} to {self.last.isoformat()}"
        return str(self.year)

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "kind": self.kind,
            "index": self.index,
            "first": self.first.isoformat(),
            "last": self.last.isoformat(),
            "label": self.label,
        }


def _month_last(year: int, month: int) -> date:
    return (date(year + (month == 12), month % 12 + 1, 1)) - timedelta(days=1)


def period_get(
    *, year: int, kind: str = PeriodKind.YEAR, index: int | None = None, on: date | None = None
) -> Period:
    """Resolve a period; raises ValidationError naming ``year``, ``period``, ``index`` or ``date``.
    Year to date runs from 1 January to ``on`` inclusive (default: today, or 31 December of a
    past year)."""
    errors: dict[str, list[str]] = {}
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValidationError({"year": [_("Give a year between 2000 and 2100.")]})
    if kind not in PeriodKind.values:
        raise ValidationError(
            {
                "period": [
                    _("Unknown period “%(period)s”; use one of: %(choices)s.")
                    % {"period": kind, "choices": ", ".join(PeriodKind.values)}
                ]
            }
        )
    if kind == PeriodKind.YTD:
        if on is None:
            today = local_today()
            on = today if today.year == year else date(year, 12, 31)
        if on.year != year:
            errors["date"] = [_("The date must lie in %(year)d.") % {"year": year}]
            raise ValidationError(errors)
        return Period(year, kind, 1, date(year, 1, 1), on)
    count = PERIOD_COUNT[PeriodKind(kind)]
    if index is None:
        if count != 1:
            raise ValidationError(
                {
                    "index": [
                        _("Say which %(period)s (1 to %(count)d).")
                        % {"period": kind, "count": count}
                    ]
                }
            )
        index = 1
    if not 1 <= index <= count:
        raise ValidationError(
            {"index": [_("Give a number from 1 to %(count)d.") % {"count": count}]}
        )
    months_per = 12 // count
    first_month = (index - 1) * months_per + 1
    last_month = first_month + months_per - 1
    return Period(year, kind, index, date(year, first_month, 1), _month_last(year, last_month))


def _year_period_map() -> list[tuple[int, str, int]]:
    """Each month to every stored period it belongs to: (month, kind, index)."""
    rows = []
    for m in range(1, 13):
        rows += [
            (m, PeriodKind.MONTH.value, m),
            (m, PeriodKind.QUARTER.value, (m - 1) // 3 + 1),
            (m, PeriodKind.HALF.value, 1 if m <= 6 else 2),
            (m, PeriodKind.YEAR.value, 1),
        ]
    return rows


# --- the aggregation ----------------------------------------------------------------------------


HELD, CANCELLED, NEITHER = 1, 2, 0


def _year_occurrences(*, first: date, last: date, now: datetime) -> QuerySet:
    """Occurrences of [first, last] with what the figures need of each, and nothing of its
    event, so that reading them joins no other table: the event, the local month (rule 3) and
    the occurrence's own part of its state: held if its event counts (rule 1), cancelled
    (rule 4), or neither (not yet ended). ``_events`` gives the event's part, and
    ``_figures_sql`` decides the state from the two; ``_event_months_sql`` adds the head counts
    and groups the occurrences per event, month and that part."""
    state = Case(
        When(occurrence_held_q(now=now), then=Value(HELD)),
        When(occurrence_cancelled_q(), then=Value(CANCELLED)),
        default=Value(NEITHER),
        output_field=IntegerField(),
    )
    return (
        Occurrence.objects.filter(local_date__gte=first, local_date__lte=last)
        .values(
            occ=F("pk"),
            ev=F("event_id"),
            bucket=Cast(ExtractMonth("local_date"), IntegerField()),
            ostate=state,
        )
        .order_by()
    )


def _events() -> QuerySet:
    """The events that count (a draft never does: it was never announced) with their branch,
    co-created flag and their part of each occurrence's state: whether its occurrences can be
    held (``counted``, rule 1) and whether it is cancelled as a whole (``cancelled``, rule 4)."""

    def flag(q) -> Case:
        return Case(When(q, then=Value(1)), default=Value(0), output_field=IntegerField())

    return (
        Event.objects.exclude(status=Event.Status.DRAFT)
        .values(
            "branch_id",
            "co_created",
            ev=F("pk"),
            counted=flag(event_counted_q()),
            cancelled=flag(event_cancelled_q()),
        )
        .order_by()
    )


# Attendance columns summed per event, month and state, and their names there.
_COUNTS = {"total": "n_att", **{g: f"n_{g}" for g in Attendance.AGE_GROUPS}}


def _int(column: str) -> str:
    """A value as INTEGER: SUM of an integer accumulates in bigint, SUM of a bigint (what COUNT
    gives) in PostgreSQL's much slower numeric."""
    return f"CAST({column} AS INTEGER)"


# Sums per month of the per-event rows, keeping what counts for each measure: held rows for
# everything but cancellations (a whole event cancelled after a count keeps the count out).
_MONTH_SUMS = {
    "held": f"CASE WHEN em.state = {HELD} THEN em.n ELSE 0 END",
    "cancelled": f"CASE WHEN em.state = {CANCELLED} THEN em.n ELSE 0 END",
    "with_attendance": f"CASE WHEN em.state = {HELD} THEN em.n_with ELSE 0 END",
    "attendance": f"CASE WHEN em.state = {HELD} THEN COALESCE(em.n_att, 0) ELSE 0 END",
    "children": f"CASE WHEN em.state = {HELD} THEN COALESCE(em.n_children, 0) ELSE 0 END",
    "youth": f"CASE WHEN em.state = {HELD} THEN COALESCE(em.n_youth, 0) ELSE 0 END",
    "adults": f"CASE WHEN em.state = {HELD} THEN COALESCE(em.n_adults, 0) ELSE 0 END",
    "seniors": f"CASE WHEN em.state = {HELD} THEN COALESCE(em.n_seniors, 0) ELSE 0 END",
    "co_created_held": f"CASE WHEN em.state = {HELD} AND em.co THEN em.n ELSE 0 END",
}
_ADDITIVE = tuple(_MONTH_SUMS)


def _event_months_sql(*, first: date, last: date, now: datetime) -> tuple[str, list[Any]]:
    """One SELECT of one row per event, month and occurrence's part of the state (``ostate``),
    with its occurrences (``n``), those with a head count (``n_with``) and the head counts' sums.

    The head counts are joined plainly; ``_figures_into`` runs the statement with hash and merge
    joins off (``_probe_head_counts``), so that each occurrence's head counts are one probe of
    ``attendance_counts_idx`` (index only), shared between parallel workers."""
    inner, params = _year_occurrences(first=first, last=last, now=now).query.sql_with_params()
    qn = connection.ops.quote_name
    count_sums = ", ".join(f"SUM(a.{qn(c)}) AS {alias}" for c, alias in _COUNTS.items())
    join = f"LEFT JOIN {qn(Attendance._meta.db_table)} a ON a.{qn('occurrence_id')} = o.occ"
    sql = f"""SELECT o.ev AS ev, o.bucket AS bucket, o.ostate AS ostate, COUNT(*) AS n,
       COUNT(a.{qn("occurrence_id")}) AS n_with, {count_sums}
FROM ({inner}) o {join}
GROUP BY o.ev, o.bucket, o.ostate"""
    return sql, list(params)


def _figures_sql(
    *, period_map: Sequence[tuple[int, str, int]], em_table: str
) -> tuple[str, list[Any]]:
    """One SELECT of (kind, idx, branch, track, *MEASURES) for every period and scope.

    ``em`` has one row per event, month and state: the table ``em_table`` (occurrences with
    their head counts grouped per event, month and the occurrence's part of the state,
    ``_event_months_sql``) joined with the events that count (``_events``, which leaves drafts
    out), which give the branch, the co-created flag and the event's part of the state. From it:

    * the additive measures are summed per month for cells (joining the event's tracks: rule 2,
      once per track) and for branches (not joining them: once per occurrence), first plainly
      per month, state and co-created flag (``cs``, ``bs``; a few thousand rows) so that what
      counts for each measure (``_MONTH_SUMS``) is picked from those few rows, then over the
      months of each period (``period_map`` maps a month to the periods it counts in); track
      totals and the grand total add up branches, which is right since an event has one branch;
    * distinct events held need the event: each event's held months become a bit mask, events
      are counted per mask, and an event counts in a period when its mask meets the period's
      (grouped with HAVING rather than WHERE: without statistics on a fresh temporary table the
      planner guessed a few dozen held rows and sorted them).

    Every step works on rows far fewer than the occurrences, and hashes instead of sorting."""
    qn = connection.ops.quote_name
    through = qn(Event.tracks.through._meta.db_table)
    events, params = _events().query.sql_with_params()
    em_counts = ", ".join(f"m.{c} AS {c}" for c in ("n", "n_with", *_COUNTS.values()))
    month_rows = ", ".join(f"({m}, '{k}', {i})" for m, k, i in period_map)
    masks: dict[tuple[str, int], int] = {}
    for m, k, i in period_map:
        masks[(k, i)] = masks.get((k, i), 0) | (1 << (m - 1))
    mask_rows = ", ".join(f"('{k}', {i}, {mask})" for (k, i), mask in masks.items())
    month_sums = ", ".join(f"SUM({_int(expr)}) AS {c}" for c, expr in _MONTH_SUMS.items())
    raw_sums = ", ".join(
        f"SUM({_int('em.' + c)}) AS {c}" for c in ("n", "n_with", *_COUNTS.values())
    )
    period_sums = ", ".join(f"SUM({_int('x.' + c)}) AS {c}" for c in _ADDITIVE)

    def scope(source: str, events: str, keys: tuple[str, ...]) -> str:
        """Sums of ``source`` per period and ``keys``, with the distinct events of ``events``."""
        cols = "".join(f", x.{k}" for k in keys)
        ecols = "".join(f", e.{k}" for k in keys)
        on = " AND ".join(f"s.{k} = v.{k}" for k in ("kind", "idx", *keys))
        out = []
        for name in ("branch", "track"):
            out.append(f"s.{name}" if name in keys else "NULL")
        measures = ", ".join(
            {
                "events_held": "COALESCE(v.events_held, 0)",
                "missing_attendance": "s.held - s.with_attendance",
            }.get(m, f"s.{m}")
            + f" AS {m}"
            for m in MEASURES
        )
        return f"""SELECT s.kind AS kind, s.idx AS idx, {out[0]} AS branch, {out[1]} AS track,
       {measures}
FROM (SELECT pm.kind AS kind, pm.idx AS idx{cols}, {period_sums}
      FROM {source} x INNER JOIN pm ON pm.bucket = x.bucket
      GROUP BY pm.kind, pm.idx{cols}) s
LEFT JOIN (SELECT pk.kind AS kind, pk.idx AS idx{ecols}, SUM({_int("e.n")}) AS events_held
           FROM {events} e INNER JOIN pk ON (e.mask & pk.mask) <> 0
           GROUP BY pk.kind, pk.idx{ecols}) v ON {on}"""

    sql = f"""
WITH em AS (
    SELECT m.ev AS ev, e.branch_id AS branch, e.co_created AS co, m.bucket AS bucket,
           CASE WHEN m.ostate = {HELD} AND e.counted = 1 THEN {HELD}
                WHEN m.ostate = {CANCELLED} OR e.cancelled = 1 THEN {CANCELLED}
                ELSE {NEITHER} END AS state, {em_counts}
    FROM {em_table} m INNER JOIN ({events}) e ON e.ev = m.ev
),
pm (bucket, kind, idx) AS (VALUES {month_rows}),
pk (kind, idx, mask) AS (VALUES {mask_rows}),
cs AS (
    SELECT em.branch AS branch, et.track_id AS track, em.bucket AS bucket, em.state AS state,
           em.co AS co, {raw_sums}
    FROM em INNER JOIN {through} et ON et.event_id = em.ev
    GROUP BY em.branch, et.track_id, em.bucket, em.state, em.co
),
cm AS (
    SELECT em.branch AS branch, em.track AS track, em.bucket AS bucket, {month_sums}
    FROM cs em GROUP BY em.branch, em.track, em.bucket
),
bs AS (
    SELECT em.branch AS branch, em.bucket AS bucket, em.state AS state, em.co AS co, {raw_sums}
    FROM em GROUP BY em.branch, em.bucket, em.state, em.co
),
bm AS (
    SELECT em.branch AS branch, em.bucket AS bucket, {month_sums}
    FROM bs em GROUP BY em.branch, em.bucket
),
ev AS (
    SELECT em.ev AS ev, em.branch AS branch,
           SUM(CASE WHEN em.state = {HELD} THEN 1 << (em.bucket - 1) ELSE 0 END) AS mask
    FROM em GROUP BY em.ev, em.branch
    HAVING SUM(CASE WHEN em.state = {HELD} THEN 1 ELSE 0 END) > 0
),
evt AS (
    SELECT ev.branch AS branch, et.track_id AS track, ev.mask AS mask, COUNT(*) AS n
    FROM ev INNER JOIN {through} et ON et.event_id = ev.ev
    GROUP BY ev.branch, et.track_id, ev.mask
),
evb AS (
    SELECT ev.branch AS branch, ev.mask AS mask, COUNT(*) AS n
    FROM ev GROUP BY ev.branch, ev.mask
)
{scope("cm", "evt", ("branch", "track"))}
UNION ALL
{scope("cm", "evt", ("track",))}
UNION ALL
{scope("bm", "evb", ("branch",))}
UNION ALL
{scope("bm", "evb", ())}
"""
    return sql, list(params)


def _tune(cursor) -> None:
    """For this transaction only, on PostgreSQL: no JIT compilation (the aggregation has a few
    hundred expressions; compiling them costs more, 0.4-0.6 s measured, than running them), and
    enough memory to group a year's occurrences per event and month by hashing, in memory: the
    default 4 MB makes PostgreSQL sort them, spilling to disk (0.2 s more CPU at 1,000,000).

    It also lowers the cost the planner gives parallel workers: it estimates as many groups per
    event and month as occurrences, so by default passing the joined rows from workers to the
    grouping looks dearer than joining in one process, which is slower."""
    if connection.vendor == "postgresql":
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute("SET LOCAL parallel_setup_cost = 100")
        cursor.execute("SET LOCAL parallel_tuple_cost = 0.01")


def _probe_head_counts(cursor, on: bool) -> None:
    """On PostgreSQL, turn hash and merge joins off (``on``) or back to their defaults, for the
    statement that joins a year's occurrences with their head counts.

    Left to itself the planner hashes every attendance record of all years (PostgreSQL 15 can
    only hash the inner side of a parallel LEFT JOIN), or sorts both sides; a year's occurrences
    each probing ``attendance_counts_idx`` (index only, in parallel workers; the events through
    their primary key, memoized) is cheaper and costs the year, not the table. Measured at
    1,000,000 attendance records on 2 cores: 0.26-0.28 s against 0.39-0.46 s hashed."""
    if connection.vendor == "postgresql":
        value = "off" if on else "DEFAULT"
        cursor.execute(f"SET LOCAL enable_hashjoin TO {value}")
        cursor.execute(f"SET LOCAL enable_mergejoin TO {value}")


_FIGURE_COLUMNS = ("period_kind", "period_index", "branch_id", "track_id", *MEASURES)
_SCRATCH = "tasks_status_figures_new"
_SCRATCH_EM = "tasks_status_event_months"


def _figures_into(
    cursor,
    *,
    table: str,
    first: date,
    last: date,
    now: datetime,
    period_map: Sequence[tuple[int, str, int]],
) -> None:
    """Compute the figures of [first, last] into the temporary table ``table``: columns kind,
    idx, branch, track and the measures (``_figures_sql``). Inside a transaction.

    Two steps, each a CREATE TABLE AS, which PostgreSQL runs with parallel workers (it does not
    for an INSERT ... SELECT): the occurrences joined with their head counts and grouped per
    event, month and state (``_SCRATCH_EM``, tens of thousands of rows for a year), then the
    periods and scopes from those. The rows never travel to Python."""
    em, em_params = _event_months_sql(first=first, last=last, now=now)
    sql, params = _figures_sql(period_map=period_map, em_table=_SCRATCH_EM)
    _tune(cursor)
    cursor.execute(f"DROP TABLE IF EXISTS {_SCRATCH_EM}")
    cursor.execute(f"DROP TABLE IF EXISTS {table}")
    _probe_head_counts(cursor, True)
    cursor.execute(f"CREATE TEMPORARY TABLE {_SCRATCH_EM} AS {em}", em_params)
    _probe_head_counts(cursor, False)
    cursor.execute(f"CREATE TEMPORARY TABLE {table} AS {sql}", params)
    cursor.execute(f"DROP TABLE {_SCRATCH_EM}")


def figures_compute(
    *,
    first: date,
    last: date,
    now: datetime | None = None,
    period_map: Sequence[tuple[int, str, int]],
) -> list[dict[str, Any]]:
    """Compute figures from the source rows without storing them (year to date, reports).
    Rows: ``period_kind``, ``period_index``, ``branch_id``, ``track_id`` and the measures."""
    with transaction.atomic(), connection.cursor() as cursor:
        _figures_into(
            cursor,
            table=_SCRATCH,
            first=first,
            last=last,
            now=now or timezone.now(),
            period_map=period_map,
        )
        cursor.execute(f"SELECT kind, idx, branch, track, {', '.join(MEASURES)} FROM {_SCRATCH}")
        rows = cursor.fetchall()
        cursor.execute(f"DROP TABLE {_SCRATCH}")
    keys = ("period_kind", "period_index", "branch_id", "track_id", *MEASURES)
    return [
        {
            k: (int(v) if v is not None and k not in ("period_kind",) else v)
            for k, v in zip(keys, row, strict=True)
        }
        for row in rows
    ]


def _figures_replace(
    *, year: int, now: datetime, computed_at: datetime, progress: Progress | None = None
) -> int:
    """Compute the year's figures into a temporary table (``_figures_into``), then replace the
    stored ones from it."""
    qn = connection.ops.quote_name
    columns = ", ".join(qn(c) for c in ("year", *_FIGURE_COLUMNS, "computed_at"))
    with connection.cursor() as cursor:
        _figures_into(
            cursor,
            table=_SCRATCH,
            first=date(year, 1, 1),
            last=date(year, 12, 31),
            now=now,
            period_map=_year_period_map(),
        )
        StatusFigure.objects.filter(year=year).delete()
        _say(progress, 50, _("Writing the new figures"))
        cursor.execute(
            f"INSERT INTO {qn(StatusFigure._meta.db_table)} ({columns}) "
            f"SELECT %s, kind, idx, branch, track, {', '.join(MEASURES)}, %s FROM {_SCRATCH}",
            [year, computed_at],
        )
        count = cursor.rowcount
        cursor.execute(f"DROP TABLE {_SCRATCH}")
    return count


def status_recompute(
    *, year: int, now: datetime | None = None, progress: Progress | None = None
) -> dict[str, Any]:
    """Recompute and replace the stored figures of ``year`` (months, quarters, halves, year).

    Idempotent: the figures are computed from the source rows and replace the year's old ones
    in one transaction, so a second run, or a run retried after failing half-way, leaves the
    same figures. Two runs at once queue on a lock of the year's ``StatusYear`` row."""
    now = now or timezone.now()
    _say(progress, 5, _("Waiting for the lock of %(year)d") % {"year": year})
    StatusYear.objects.get_or_create(year=year)
    with transaction.atomic():
        marker = StatusYear.objects.select_for_update().get(year=year)
        _say(progress, 20, _("Replacing the figures of %(year)d") % {"year": year})
        # Computed under the lock, so a slower run can never write older figures last.
        computed_at = timezone.now()
        count = _figures_replace(year=year, now=now, computed_at=computed_at, progress=progress)
        _say(progress, 90, _("Saving"))
        marker.computed_at = computed_at
        marker.computed_now = now
        marker.runs = F("runs") + 1
        marker.save(update_fields=["computed_at", "computed_now", "runs"])
    _say(
        progress, 100, _("%(count)d figures of %(year)d computed") % {"count": count, "year": year}
    )
    return {"year": year, "figures": count, "held_as_of": now.isoformat()}


def status_years_due(*, now: datetime | None = None) -> list[int]:
    """What the nightly recompute covers: this year, and last year during January (late
    head counts of December)."""
    today = local_today(now)
    return [today.year - 1, today.year] if today.month == 1 else [today.year]


# --- coalesced recompute after writes ---------------------------------------------------------


def _pending_key(year: int) -> str:
    return f"tasks:status-recompute-pending:{year}"


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
    from .tasks import status_recompute_task

    ids = list(occurrence_ids)
    due: set[int] = set(years)
    if ids:
        for local, original in Occurrence.objects.filter(pk__in=ids).values_list(
            "local_date", "original_start"
        ):
            due.add(local.year)
            due.add(original.astimezone(LOCAL_TZ).year)
    delay = int(getattr(settings, "STATUS_RECOMPUTE_DELAY", 30))
    scheduled = []
    for year in sorted(due):
        if cache.add(_pending_key(year), True, timeout=delay or 1):
            status_recompute_task.apply_async(kwargs={"year": year}, countdown=delay)
            scheduled.append(year)
    return scheduled


def status_recompute_started(*, year: int) -> None:
    cache.delete(_pending_key(year))


# --- jobs -----------------------------------------------------------------------------------------


def _progress_key(job_id: Any) -> str:
    return f"tasks:job-progress:{job_id}"


def job_create(*, kind: str, params: dict[str, Any], user=None) -> Job:
    return Job.objects.create(
        kind=kind,
        params=params,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )


def job_progress(*, job_id: Any, percent: int, message: str) -> None:
    """Record progress where a poller sees it at once: the cache always, and the job row when
    not inside a transaction (a recompute's own transaction would hide it until commit)."""
    cache.set(_progress_key(job_id), {"progress": percent, "message": message}, timeout=3600)
    if not connection.in_atomic_block:
        Job.objects.filter(pk=job_id).update(progress=percent, message=message[:500])


def job_get(*, job_id: Any) -> Job:
    """A job with its latest progress (from the cache while it runs)."""
    job = Job.objects.get(pk=job_id)
    if job.state in (Job.State.PENDING, Job.State.RUNNING):
        live = cache.get(_progress_key(job.pk))
        if live:
            job.progress, job.message = live["progress"], live["message"]
    return job


def job_run(*, job_id: Any, work: Callable[[Progress], dict[str, Any]]) -> dict[str, Any]:
    """Run ``work`` for a job, keeping its state: running, then succeeded with the result, or
    failed with the error (re-raised, so the task may retry; a retry sets it running again)."""
    Job.objects.filter(pk=job_id).update(state=Job.State.RUNNING, started_at=timezone.now())

    def progress(percent: int, message: str) -> None:
        job_progress(job_id=job_id, percent=percent, message=message)

    try:
        result = work(progress)
    except Exception as exc:
        Job.objects.filter(pk=job_id).update(
            state=Job.State.FAILED, finished_at=timezone.now(), message=str(exc)[:500]
        )
        cache.delete(_progress_key(job_id))
        raise
    Job.objects.filter(pk=job_id).update(
        state=Job.State.SUCCEEDED,
        finished_at=timezone.now(),
        progress=100,
        result=result,
        message=_("Done"),
    )
    cache.delete(_progress_key(job_id))
    return result


def status_recompute_start(*, year: int, user=None) -> Job:
    """Start a recompute of ``year`` in the background; answers the job to poll."""
    from .tasks import status_recompute_task

    period_get(year=year)  # validates the year
    job = job_create(kind=Job.Kind.RECOMPUTE, params={"year": year}, user=user)
    transaction.on_commit(
        lambda: status_recompute_task.apply_async(kwargs={"year": year, "job_id": str(job.pk)})
    )
    return job


def status_report_start(*, as_of: date, user=None) -> Job:
    """Generate a report for ``as_of`` in the background; answers the job to poll."""
    from .tasks import status_report_generate_task

    job = job_create(kind=Job.Kind.REPORT, params={"as_of": as_of.isoformat()}, user=user)
    user_id = user.pk if getattr(user, "is_authenticated", False) else None
    transaction.on_commit(
        lambda: status_report_generate_task.apply_async(
            kwargs={"as_of": as_of.isoformat(), "job_id": str(job.pk), "user_id": user_id}
        )
    )
    return job


# --- action plans -------------------------------------------------------------------------------


def action_plan_get(*, year: int) -> ActionPlan | None:
    return (
        ActionPlan.objects.filter(year=year)
        .prefetch_related(
            "targets__branch", "targets__track", "initiatives__track", "initiatives__branch"
        )
        .first()
    )


@transaction.atomic
def action_plan_copy(*, source: ActionPlan, year: int | None = None) -> ActionPlan:
    """Start the plan of ``year`` (default: the year after) as a draft copy of ``source``:
    its targets and initiatives. Refuses if that year already has a plan."""
    year = year or source.year + 1
    if ActionPlan.objects.filter(year=year).exists():
        raise ValidationError(
            {"year": [_("There is already an action plan for %(year)d.") % {"year": year}]}
        )
    title = source.title.replace(str(source.year), str(year)) if source.title else ""
    plan = ActionPlan.objects.create(
        year=year,
        status=ActionPlan.Status.DRAFT,
        title=title,
        notes=source.notes,
        copied_from=source,
    )
    Target.objects.bulk_create(
        [
            Target(
                plan=plan,
                branch_id=t.branch_id,
                track_id=t.track_id,
                held=t.held,
                attendance=t.attendance,
                co_created=t.co_created,
            )
            for t in source.targets.all()
        ]
    )
    Initiative.objects.bulk_create(
        [
            Initiative(
                plan=plan, track_id=i.track_id, branch_id=i.branch_id, text=i.text, order=i.order
            )
            for i in source.initiatives.all()
        ]
    )
    return plan


def _plan_rows_validate(targets, initiatives) -> None:
    errors: dict[str, list[str]] = {}
    seen: set[tuple] = set()
    for t in targets or ():
        key = (t.get("branch"), t.get("track"))
        if key in seen:
            errors.setdefault("targets", []).append(
                _("Two targets for the same branch and track (%(branch)s / %(track)s).")
                % {"branch": key[0] or _("all branches"), "track": key[1] or _("all tracks")}
            )
        seen.add(key)
    for i in initiatives or ():
        if not (i.get("text") or "").strip():
            errors.setdefault("initiatives", []).append(_("An initiative needs a text."))
        if i.get("track") is None:
            errors.setdefault("initiatives", []).append(_("An initiative belongs to a track."))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def action_plan_save(
    *,
    plan: ActionPlan | None = None,
    targets: Sequence[dict[str, Any]] | None = None,
    initiatives: Sequence[dict[str, Any]] | None = None,
    **fields: Any,
) -> ActionPlan:
    """Create or change a plan. ``fields``: year, status, title, notes, adopted_on. ``targets``
    (dicts of branch, track, held, attendance, co_created; branch/track objects or None) and
    ``initiatives`` (track, branch, text, order), when given, replace the plan's lists."""
    allowed = {"year", "status", "title", "notes", "adopted_on"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(
            {name: [_("This field cannot be changed.")] for name in sorted(unknown)}
        )
    _plan_rows_validate(targets, initiatives)
    plan = plan or ActionPlan()
    for name, value in fields.items():
        setattr(plan, name, value)
    if plan.status == ActionPlan.Status.ADOPTED and plan.adopted_on is None:
        plan.adopted_on = local_today()
    if ActionPlan.objects.filter(year=plan.year).exclude(pk=plan.pk).exists():
        raise ValidationError(
            {"year": [_("There is already an action plan for %(year)d.") % {"year": plan.year}]}
        )
    plan.updated_at = timezone.now()
    plan.full_clean(exclude=["copied_from"], validate_unique=False)
    plan.save()
    if targets is not None:
        plan.targets.all().delete()
        Target.objects.bulk_create(
            [
                Target(
                    plan=plan,
                    branch=t.get("branch"),
                    track=t.get("track"),
                    held=t.get("held"),
                    attendance=t.get("attendance"),
                    co_created=t.get("co_created"),
                )
                for t in targets
            ]
        )
    if initiatives is not None:
        plan.initiatives.all().delete()
        Initiative.objects.bulk_create(
            [
                Initiative(
                    plan=plan,
                    track=i["track"],
                    branch=i.get("branch"),
                    text=i["text"].strip(),
                    order=i.get("order") or n,
                )
                for n, i in enumerate(initiatives)
            ]
        )
    return plan


def action_plan_snapshot(plan: ActionPlan | None) -> dict[str, Any] | None:
    """A plan as plain data (frozen into reports, served by the API)."""
    if plan is None:
        return None
    return {
        "year": plan.year,
        "status": plan.status,
        "title": str(plan),
        "notes": plan.notes,
        "adopted_on": plan.adopted_on.isoformat() if plan.adopted_on else None,
        "targets": [
            {
                "branch": t.branch.slug if t.branch else None,
                "branch_name": t.branch.name if t.branch else None,
                "track": t.track.slug if t.track else None,
                "track_name": t.track.name if t.track else None,
                "held": t.held,
                "attendance": t.attendance,
                "co_created": t.co_created,
            }
            for t in plan.targets.select_related("branch", "track")
        ],
        "initiatives": [
            {
                "track": i.track.slug,
                "track_name": i.track.name,
                "branch": i.branch.slug if i.branch else None,
                "branch_name": i.branch.name if i.branch else None,
                "text": i.text,
            }
            for i in plan.initiatives.select_related("track", "branch")
        ],
    }


# --- reading figures (API, dashboard, reports) ------------------------------------------------


def _share(actual: int, target: int | None) -> float | None:
    if not target:
        return None
    return round(actual / target, 4)


def _decorate(rows: Iterable[dict[str, Any]], *, year: int) -> list[dict[str, Any]]:
    """Names, targets and the derived measures for raw figure rows, plus a zero row for every
    scope the plan sets a target for but nothing was counted in (its share is then 0)."""
    branches = {b.pk: b for b in Branch.objects.all()}
    tracks = {t.pk: t for t in Track.objects.all()}
    plan = ActionPlan.objects.filter(year=year).first()
    targets = {(t.branch_id, t.track_id): t for t in plan.targets.all()} if plan else {}
    out = []
    for row in rows:
        b, t = branches.get(row["branch_id"]), tracks.get(row["track_id"])
        target = targets.get((row["branch_id"], row["track_id"]))
        held, with_att = row["held"], row["with_attendance"]
        out.append(
            {
                **row,
                "branch": b.slug if b else None,
                "branch_name": b.name if b else None,
                "track": t.slug if t else None,
                "track_name": t.name if t else None,
                "average_attendance": round(row["attendance"] / with_att, 2) if with_att else None,
                "co_created_share": round(row["co_created_held"] / held, 4) if held else None,
                "target_held": target.held if target else None,
                "target_attendance": target.attendance if target else None,
                "target_co_created": target.co_created if target else None,
                "share_of_target_held": _share(held, target.held if target else None),
                "share_of_target_attendance": _share(
                    row["attendance"], target.attendance if target else None
                ),
                "share_of_target_co_created": _share(
                    row["co_created_held"], target.co_created if target else None
                ),
            }
        )
    return out


def _scope_filter(row: dict[str, Any], *, branch_id, track_id, scope: str | None) -> bool:
    if scope == "cell" and (row["branch_id"] is None or row["track_id"] is None):
        return False
    if scope == "branch" and (row["branch_id"] is None or row["track_id"] is not None):
        return False
    if scope == "track" and (row["branch_id"] is not None or row["track_id"] is None):
        return False
    if scope == "total" and (row["branch_id"] is not None or row["track_id"] is not None):
        return False
    if branch_id is not None and row["branch_id"] != branch_id:
        return False
    return not (track_id is not None and row["track_id"] != track_id)


SCOPES = ("cell", "branch", "track", "total")


def _raw_figures(period: Period, *, now: datetime | None = None) -> list[dict[str, Any]]:
    if period.kind == PeriodKind.YTD:
        months = [(m, PeriodKind.YTD.value, 1) for m in range(1, period.last.month + 1)]
        return figures_compute(first=period.first, last=period.last, now=now, period_map=months)
    qs = StatusFigure.objects.filter(
        year=period.year, period_kind=period.kind, period_index=period.index
    )
    return list(qs.values("period_kind", "period_index", "branch_id", "track_id", *MEASURES))


def _zero_row(period: Period, branch_id, track_id) -> dict[str, Any]:
    return {
        "period_kind": period.kind,
        "period_index": period.index,
        "branch_id": branch_id,
        "track_id": track_id,
        **dict.fromkeys(MEASURES, 0),
    }


def status_figures(
    *,
    period: Period,
    branch: Branch | None = None,
    track: Track | None = None,
    scope: str | None = None,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Figures of one period, with names, targets, shares, averages and co-created share.

    Stored figures for months, quarters, halves and years (as of the last recompute); year to
    date is computed on the spot. ``branch``/``track`` keep rows of that branch/track (including
    its total); ``scope`` keeps one of ``cell``, ``branch`` (all-tracks totals), ``track``
    (all-branches totals) or ``total``. Sorted: grand total, track totals, then branch by branch."""
    branch_id = branch.pk if branch else None
    track_id = track.pk if track else None
    rows = status_figures_from_rows(_raw_figures(period, now=now), period=period)
    return [
        r for r in rows if _scope_filter(r, branch_id=branch_id, track_id=track_id, scope=scope)
    ]


def status_figures_as_of(*, year: int) -> datetime | None:
    """When the stored figures of ``year`` were computed (None: never)."""
    return StatusYear.objects.filter(year=year).values_list("computed_at", flat=True).first()


def track_coverage(
    *, period: Period, now: datetime | None = None, figures: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """For each branch, which of the tracks it has held at least once in the period.
    ``[{"branch", "branch_name", "tracks": {slug: held}, "covered", "of", "complete"}]``."""
    rows = figures if figures is not None else _raw_figures(period, now=now)
    held = {
        (r["branch_id"], r["track_id"]): r["held"]
        for r in rows
        if r["branch_id"] is not None and r["track_id"] is not None
    }
    tracks = list(Track.objects.order_by("order", "slug"))
    out = []
    for b in Branch.objects.order_by("order", "name"):
        per_track = {t.slug: held.get((b.pk, t.pk), 0) for t in tracks}
        covered = sum(1 for v in per_track.values() if v > 0)
        out.append(
            {
                "branch": b.slug,
                "branch_name": b.name,
                "tracks": per_track,
                "covered": covered,
                "of": len(tracks),
                "complete": covered == len(tracks),
            }
        )
    return out


def monthly_attendance_by_track(*, year: int, branch: Branch | None = None) -> list[dict[str, Any]]:
    """Per track, the 12 months' attendance and held occurrences of ``year`` (stored figures),
    across all branches or at one branch.
    ``[{"track", "track_name", "attendance": [12], "held": [12]}]``."""
    qs = StatusFigure.objects.filter(year=year, period_kind=PeriodKind.MONTH, track__isnull=False)
    qs = qs.filter(branch=branch) if branch else qs.filter(branch__isnull=True)
    values = {
        (f["track_id"], f["period_index"]): f
        for f in qs.values("track_id", "period_index", "attendance", "held")
    }
    out = []
    for t in Track.objects.order_by("order", "slug"):
        out.append(
            {
                "track": t.slug,
                "track_name": t.name,
                "attendance": [
                    values[(t.pk, m)]["attendance"] if (t.pk, m) in values else 0
                    for m in range(1, 13)
                ],
                "held": [
                    values[(t.pk, m)]["held"] if (t.pk, m) in values else 0 for m in range(1, 13)
                ],
            }
        )
    return out


def missing_attendance_list(
    *, period: Period, branch: Branch | None = None, now: datetime | None = None
) -> QuerySet[Occurrence]:
    """Held occurrences of the period without a head count (rule 5), oldest first."""
    qs = (
        Occurrence.objects.filter(
            held_q(now=now), local_date__gte=period.first, local_date__lte=period.last
        )
        .exclude(event__status=Event.Status.DRAFT)
        .exclude(pk__in=Attendance.objects.values("occurrence_id"))
        .select_related("event", "event__branch")
        .order_by("start", "pk")
    )
    return qs.filter(event__branch=branch) if branch else qs


def status_report_list() -> QuerySet[StatusReport]:
    return StatusReport.objects.order_by("-as_of", "-generated_at")


# --- status reports -------------------------------------------------------------------------


def _report_kind(as_of: date) -> str:
    if (as_of.month, as_of.day) == (6, 1):
        return StatusReport.Kind.JUNE
    if (as_of.month, as_of.day) == (12, 1):
        return StatusReport.Kind.DECEMBER
    return StatusReport.Kind.ON_DEMAND


def status_report_generate(
    *,
    as_of: date,
    scheduled: bool = False,
    user=None,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> StatusReport:
    """Freeze a status report: the figures of the year up to the day before ``as_of``
    (1 June: the year to 31 May; 1 December: to 30 November, with next year's plan attached).

    A scheduled report is made once per day: run again (a retry), it returns the one it made.
    Reports on demand are always new."""
    now = now or timezone.now()
    if scheduled:
        existing = StatusReport.objects.filter(as_of=as_of, scheduled=True).first()
        if existing is not None:
            return existing
    last = as_of - timedelta(days=1)
    period = Period(last.year, PeriodKind.YTD, 1, date(last.year, 1, 1), last)
    _say(progress, 10, _("Counting %(label)s") % {"label": period.label})
    months = [(m, PeriodKind.YTD.value, 1) for m in range(1, last.month + 1)]
    months += [(m, PeriodKind.MONTH.value, m) for m in range(1, last.month + 1)]
    raw = figures_compute(first=period.first, last=period.last, now=now, period_map=months)
    ytd = [r for r in raw if r["period_kind"] == PeriodKind.YTD]
    monthly = [r for r in raw if r["period_kind"] == PeriodKind.MONTH and r["branch_id"] is None]
    _say(progress, 60, _("Adding the action plan"))
    figures = status_figures_from_rows(ytd, period=period)
    kind = _report_kind(as_of)
    next_plan = None
    if as_of.month == 12:
        next_plan = action_plan_snapshot(action_plan_get(year=last.year + 1))
    data = {
        "period": period.as_dict(),
        "held_as_of": now.isoformat(),
        "plan": action_plan_snapshot(action_plan_get(year=period.year)),
        "next_plan": next_plan,
        "figures": figures,
        "monthly": _decorate(monthly, year=period.year),
        "coverage": track_coverage(period=period, figures=ytd),
        "tracks": [
            {"slug": t.slug, "name": t.name} for t in Track.objects.order_by("order", "slug")
        ],
    }
    if kind == StatusReport.Kind.JUNE:
        title = _("Status for the KIU meeting in June %(year)d") % {"year": as_of.year}
    elif kind == StatusReport.Kind.DECEMBER:
        title = _("Status for the KIU meeting in December %(year)d") % {"year": as_of.year}
    else:
        title = _("Status %(first)s to %(last)s") % {
            "first": period.first.isoformat(),
            "last": last.isoformat(),
        }
    _say(progress, 90, _("Saving the report"))
    try:
        with transaction.atomic():
            report = StatusReport.objects.create(
                as_of=as_of,
                year=period.year,
                period_start=period.first,
                period_end=last,
                kind=kind,
                scheduled=scheduled,
                title=title,
                data=data,
                generated_by=user if getattr(user, "is_authenticated", False) else None,
            )
    except IntegrityError:
        if not scheduled:
            raise
        return StatusReport.objects.get(as_of=as_of, scheduled=True)
    _say(progress, 100, _("Report ready"))
    return report


def status_figures_from_rows(rows: list[dict[str, Any]], *, period: Period) -> list[dict[str, Any]]:
    """Decorate computed rows like ``status_figures`` does (targets, shares), sorted."""
    seen = {(r["branch_id"], r["track_id"]) for r in rows}
    rows = list(rows)
    plan = ActionPlan.objects.filter(year=period.year).first()
    if plan:
        for key in plan.targets.values_list("branch_id", "track_id"):
            if key not in seen:
                rows.append(_zero_row(period, *key))
    out = _decorate(rows, year=period.year)
    border = {b.pk: (b.order, b.name) for b in Branch.objects.all()}
    torder = {t.pk: t.order for t in Track.objects.all()}
    out.sort(
        key=lambda r: (
            r["branch_id"] is not None,
            border.get(r["branch_id"], (0, "")),
            r["track_id"] is not None,
            torder.get(r["track_id"], 0),
        )
    )
    return out
