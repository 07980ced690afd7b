"""Status figures: the periods, the aggregation that stores a year's figures, and its triggers.

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
spread over the periods and scopes; a few thousand rows result. ``status_recompute`` brings a
year's stored figures, and the per-event basis the updates start from (``StatusBasis``), to
them inside one transaction, holding a lock on the year's ``StatusYear`` row; it changes only
the stored rows that differ (``_basis_renew``), so a run that finds little changed writes
little.

The derived measures (averages, shares) are added when the figures are read
(``tasks.services.read``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Cast, ExtractMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from events.clock import MAX_YEAR, MIN_YEAR, local_today, year_supported
from events.models import (
    Attendance,
    Event,
    Occurrence,
    event_cancelled_q,
    event_counted_q,
    occurrence_cancelled_q,
    occurrence_held_q,
)

from ..models import (
    FigureValues,
    PeriodKind,
    StatusBasis,
    StatusBasisTrack,
    StatusFigure,
    StatusYear,
)
from .pending import touched_consume, touched_ids, touched_marks, years_touched

Progress = Callable[[int, str], None]  # (percent, message)
MEASURES = FigureValues.MEASURES
STORED_KINDS = (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.HALF, PeriodKind.YEAR)
PERIOD_COUNT = {PeriodKind.MONTH: 12, PeriodKind.QUARTER: 4, PeriodKind.HALF: 2, PeriodKind.YEAR: 1}


def _say(progress: Progress | None, percent: int, message: str) -> None:
    if progress is not None:
        progress(percent, message)


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
    if not year_supported(year):
        raise ValidationError(
            {
                "year": [
                    _("Give a year between %(min)d and %(max)d.")
                    % {"min": MIN_YEAR, "max": MAX_YEAR}
                ]
            }
        )
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


def _year_occurrences(
    *, first: date, last: date, now: datetime, events: Sequence[int] | None = None
) -> QuerySet:
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
    occurrences = Occurrence.objects.filter(local_date__gte=first, local_date__lte=last)
    if events is not None:
        occurrences = occurrences.filter(event_id__in=events)
    return occurrences.values(
        occ=F("pk"),
        ev=F("event_id"),
        bucket=Cast(ExtractMonth("local_date"), IntegerField()),
        ostate=state,
    ).order_by()


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
    # Not a measure: every occurrence, whatever its state (``StatusFigure.occurrences``).
    "occurrences": "em.n",
}
_ADDITIVE = tuple(_MONTH_SUMS)


def _event_months_sql(
    *, first: date, last: date, now: datetime, events: Sequence[int] | None = None
) -> tuple[str, list[Any]]:
    """One SELECT of one row per event, month and occurrence's part of the state (``ostate``),
    with its occurrences (``n``), those with a head count (``n_with``) and the head counts' sums.

    The head counts are joined plainly; ``_figures_into`` runs the statement with hash and merge
    joins off (``_probe_head_counts``), so that each occurrence's head counts are one probe of
    ``attendance_counts_idx`` (index only), shared between parallel workers."""
    inner, params = _year_occurrences(
        first=first, last=last, now=now, events=events
    ).query.sql_with_params()
    qn = connection.ops.quote_name
    count_sums = ", ".join(f"SUM(a.{qn(c)}) AS {alias}" for c, alias in _COUNTS.items())
    join = f"LEFT JOIN {qn(Attendance._meta.db_table)} a ON a.{qn('occurrence_id')} = o.occ"
    sql = f"""SELECT o.ev AS ev, o.bucket AS bucket, o.ostate AS ostate, COUNT(*) AS n,
       COUNT(a.{qn("occurrence_id")}) AS n_with, {count_sums}
FROM ({inner}) o {join}
GROUP BY o.ev, o.bucket, o.ostate"""
    return sql, list(params)


def _em_joined_sql(source: str) -> tuple[str, list[Any]]:
    """One row per event, month and state (``_BASIS_COLUMNS``): ``source`` (a table, or a
    SELECT in parentheses, of occurrences with their head counts grouped per event, month and
    the occurrence's part of the state, ``_event_months_sql``) joined with the events that count
    (``_events``, which leaves drafts out), which give the branch, the co-created flag and the
    event's part of the state. The parameters are those of ``_events`` (after ``source``'s)."""
    events, params = _events().query.sql_with_params()
    em_counts = ", ".join(f"m.{c} AS {c}" for c in ("n", "n_with", *_COUNTS.values()))
    sql = f"""SELECT m.ev AS ev, m.ostate AS part, e.branch_id AS branch, e.co_created AS co,
           m.bucket AS bucket,
           CASE WHEN m.ostate = {HELD} AND e.counted = 1 THEN {HELD}
                WHEN m.ostate = {CANCELLED} OR e.cancelled = 1 THEN {CANCELLED}
                ELSE {NEITHER} END AS state, {em_counts}
    FROM {source} m INNER JOIN ({events}) e ON e.ev = m.ev"""
    return sql, list(params)


def _figures_sql(
    *, period_map: Sequence[tuple[int, str, int]], em_sql: str, tracks_sql: str
) -> str:
    """One SELECT of (kind, idx, branch, track, *MEASURES, occurrences) for every period and
    scope.

    ``em`` (``em_sql``, a SELECT without parameters) has one row per event, month and state
    (``_BASIS_COLUMNS``, as ``_em_joined_sql`` gives them and ``StatusBasis`` keeps them), and
    ``tracks_sql`` (event_id, track_id) the tracks of those events. From them:

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
    through = f"({tracks_sql})"
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
       {measures}, s.occurrences AS occurrences
FROM (SELECT pm.kind AS kind, pm.idx AS idx{cols}, {period_sums}
      FROM {source} x INNER JOIN pm ON pm.bucket = x.bucket
      GROUP BY pm.kind, pm.idx{cols}) s
LEFT JOIN (SELECT pk.kind AS kind, pk.idx AS idx{ecols}, SUM({_int("e.n")}) AS events_held
           FROM {events} e INNER JOIN pk ON (e.mask & pk.mask) <> 0
           GROUP BY pk.kind, pk.idx{ecols}) v ON {on}"""

    sql = f"""
WITH em AS (
    {em_sql}
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
    return sql


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
    each probing ``attendance_counts_idx`` (index only, in parallel workers) is cheaper and
    costs the year, not the table. Measured at
    1,000,000 attendance records on 2 cores (``bench.status``): 0.18-0.19 s against 0.35-0.37 s
    hashed."""
    if connection.vendor == "postgresql":
        value = "off" if on else "DEFAULT"
        cursor.execute(f"SET LOCAL enable_hashjoin TO {value}")
        cursor.execute(f"SET LOCAL enable_mergejoin TO {value}")


def _hash_aggregates(cursor, on: bool) -> None:
    """On PostgreSQL, turn sorts and merge joins off (``on``) or back to their defaults, for
    the statement that spreads a year's basis over the periods and scopes (``_figures_sql``).

    It reads temporary tables without statistics through CTEs, so the planner cannot tell
    that its groups are a few thousand: it sorted the 100,000 rows of the basis joined with
    the tracks to group them and merge-joined them, where hashing is cheaper."""
    if connection.vendor == "postgresql":
        value = "off" if on else "DEFAULT"
        cursor.execute(f"SET LOCAL enable_sort TO {value}")
        cursor.execute(f"SET LOCAL enable_mergejoin TO {value}")


_FIGURE_COLUMNS = ("period_kind", "period_index", "branch_id", "track_id", *MEASURES)
_SCRATCH = "tasks_status_figures_new"
_SCRATCH_EM = "tasks_status_event_months"
_BASIS = StatusBasis._meta.db_table
_BASIS_TRACKS = StatusBasisTrack._meta.db_table
_BASIS_COLUMNS = ("ev", "part", "branch", "co", "bucket", "state", "n", "n_with", *_COUNTS.values())
_TRACKS_SQL = "SELECT event_id, track_id FROM {through}"


def _em_scratch(cursor, *, first: date, last: date, now: datetime, events=None) -> None:
    """The occurrences of [first, last] (of ``events`` only, if given) with their head counts,
    grouped per event, month and the occurrence's part of the state, into the temporary table
    ``_SCRATCH_EM`` (``_event_months_sql``). A CREATE TABLE AS, which PostgreSQL runs with
    parallel workers (it does not for an INSERT ... SELECT)."""
    em, em_params = _event_months_sql(first=first, last=last, now=now, events=events)
    cursor.execute(f"DROP TABLE IF EXISTS {_SCRATCH_EM}")
    _probe_head_counts(cursor, True)
    cursor.execute(f"CREATE TEMPORARY TABLE {_SCRATCH_EM} AS {em}", em_params)
    _probe_head_counts(cursor, False)


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
    idx, branch, track, the measures and occurrences (``_figures_sql``), without keeping a
    basis (year to date, reports). Inside a transaction.

    Two steps: the occurrences joined with their head counts and grouped per event, month and
    state (``_em_scratch``, tens of thousands of rows for a year), then the periods and scopes
    from those. The rows never travel to Python."""
    _tune(cursor)
    _em_scratch(cursor, first=first, last=last, now=now)
    em_sql, em_params = _em_joined_sql(_SCRATCH_EM)
    through = connection.ops.quote_name(Event.tracks.through._meta.db_table)
    sql = _figures_sql(
        period_map=period_map, em_sql=em_sql, tracks_sql=_TRACKS_SQL.format(through=through)
    )
    cursor.execute(f"DROP TABLE IF EXISTS {table}")
    cursor.execute(f"CREATE TEMPORARY TABLE {table} AS {sql}", em_params)
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


# --- the basis: what each event contributed -----------------------------------------------------


def _only(year: int, events: Sequence[int] | None) -> str:
    """A WHERE clause of the basis rows of ``year`` (and ``events``). Integers only: inlined."""
    where = f"year = {int(year)}"
    if events is not None:
        where += f" AND ev IN ({', '.join(str(int(e)) for e in events)})"
    return where


def _basis_sql(year: int, events: Sequence[int] | None) -> tuple[str, str]:
    """``em_sql`` and ``tracks_sql`` for ``_figures_sql`` from the kept basis."""
    where = _only(year, events)
    return (
        f"SELECT {', '.join(_BASIS_COLUMNS)} FROM {_BASIS} WHERE {where}",
        f"SELECT ev AS event_id, track AS track_id FROM {_BASIS_TRACKS} WHERE {where}",
    )


# A basis row's key in its year: the occurrences' own part of their state (``part``) keeps
# apart rows that the event's part makes one state (a cancelled event's held and cancelled
# occurrences are all cancelled), without grouping them again.
_BASIS_KEY = ("ev", "bucket", "part")
_BASIS_NEW = "tasks_status_basis_new"
_BASIS_NEW_TRACKS = "tasks_status_basis_track_new"


def _basis_write(
    cursor, *, year: int, events: Sequence[int], source: tuple[str, list[Any]]
) -> None:
    """Replace the basis of ``events`` in ``year`` with ``source`` (a parenthesised SELECT,
    ``_event_months_sql``, and its parameters) joined with the events as they are now, and
    those events' tracks: a few rows, deleted and inserted."""
    qn = connection.ops.quote_name
    where = _only(year, events)
    through = qn(Event.tracks.through._meta.db_table)
    columns = ", ".join(_BASIS_COLUMNS)
    rows, params = _em_joined_sql(source[0])
    cursor.execute(f"DELETE FROM {_BASIS} WHERE {where}")
    cursor.execute(f"DELETE FROM {_BASIS_TRACKS} WHERE {where}")
    cursor.execute(
        f"INSERT INTO {_BASIS} (year, {columns}) SELECT {int(year)}, {columns} FROM ({rows}) j",
        [*source[1], *params],
    )
    cursor.execute(
        f"INSERT INTO {_BASIS_TRACKS} (year, ev, track) "
        f"SELECT {int(year)}, et.{qn('event_id')}, et.{qn('track_id')} FROM {through} et "
        f"WHERE et.{qn('event_id')} IN (SELECT DISTINCT ev FROM {_BASIS} WHERE {where})"
    )


def _basis_renew(cursor, *, year: int) -> None:
    """Bring the whole basis of ``year`` to the grouped occurrences in ``_SCRATCH_EM``, joined
    with the events as they are now, into the temporary table ``_BASIS_NEW`` (which the
    figures are then computed from), changing only the kept rows that differ from it.

    A recompute mostly finds the basis as the last one left it (the nightly run: a day's ended
    occurrences; a retry: nothing), so deleting and inserting a year's rows (52,000 at
    1,000,000 head counts) would write them, their index entries and their log again for
    nothing, and leave as many dead rows behind, which every later read of the year wades
    through until a vacuum (measured: the insert alone took longer than the aggregation)."""
    qn = connection.ops.quote_name
    through = qn(Event.tracks.through._meta.db_table)
    ev_, tr_ = qn("event_id"), qn("track_id")
    columns = ", ".join(_BASIS_COLUMNS)
    rows, params = _em_joined_sql(_SCRATCH_EM)
    cursor.execute(f"DROP TABLE IF EXISTS {_BASIS_NEW}")
    cursor.execute(f"CREATE TEMPORARY TABLE {_BASIS_NEW} AS {rows}", params)
    # PostgreSQL's CREATE TABLE AS says how many rows it made; SQLite's -1 (not known): then
    # the insert below always runs.
    made = cursor.rowcount
    cursor.execute(f"SELECT COUNT(*) FROM {_BASIS} WHERE year = {int(year)}")
    kept = cursor.fetchone()[0]

    def same(column: str) -> str:  # NULL (no head count with that breakdown) equals NULL
        a, b = f"n.{column}", f"{_BASIS}.{column}"
        if column in _COUNTS.values():
            return f"COALESCE({a}, -1) = COALESCE({b}, -1)"
        return f"{a} = {b}"

    cursor.execute(
        f"DELETE FROM {_BASIS} WHERE year = {int(year)} AND NOT EXISTS "
        f"(SELECT 1 FROM {_BASIS_NEW} n WHERE {' AND '.join(same(c) for c in _BASIS_COLUMNS)})"
    )
    kept -= cursor.rowcount
    # What is left of the year's rows equals new rows, one each (a key is unique in both), so
    # when as many are left as there are new rows, none is missing.
    if made < 0 or kept < made:
        key = " AND ".join(f"b.{k} = n.{k}" for k in _BASIS_KEY)
        cursor.execute(
            f"INSERT INTO {_BASIS} (year, {columns}) SELECT {int(year)}, {columns} "
            f"FROM {_BASIS_NEW} n WHERE NOT EXISTS "
            f"(SELECT 1 FROM {_BASIS} b WHERE b.year = {int(year)} AND {key})"
        )
    cursor.execute(f"DROP TABLE IF EXISTS {_BASIS_NEW_TRACKS}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {_BASIS_NEW_TRACKS} AS "
        f"SELECT et.{ev_} AS ev, et.{tr_} AS track FROM {through} et "
        f"WHERE et.{ev_} IN (SELECT n.ev FROM {_BASIS_NEW} n)"
    )
    cursor.execute(
        f"DELETE FROM {_BASIS_TRACKS} WHERE year = {int(year)} AND NOT EXISTS "
        f"(SELECT 1 FROM {_BASIS_NEW_TRACKS} n "
        f"WHERE n.ev = {_BASIS_TRACKS}.ev AND n.track = {_BASIS_TRACKS}.track)"
    )
    cursor.execute(
        f"INSERT INTO {_BASIS_TRACKS} (year, ev, track) "
        f"SELECT {int(year)}, n.ev, n.track FROM {_BASIS_NEW_TRACKS} n WHERE NOT EXISTS "
        f"(SELECT 1 FROM {_BASIS_TRACKS} b WHERE b.year = {int(year)} "
        f"AND b.ev = n.ev AND b.track = n.track)"
    )


def _figures_replace(
    *, year: int, now: datetime, computed_at: datetime, progress: Progress | None = None
) -> int:
    """Compute the year's basis (``_basis_renew``) and its figures from it, then bring the
    stored figures to them. Answers the number of figures."""
    qn = connection.ops.quote_name
    columns = ", ".join(qn(c) for c in ("year", *_FIGURE_COLUMNS, "occurrences", "computed_at"))
    with connection.cursor() as cursor:
        _tune(cursor)
        _em_scratch(cursor, first=date(year, 1, 1), last=date(year, 12, 31), now=now)
        _basis_renew(cursor, year=year)
        cursor.execute(f"DROP TABLE {_SCRATCH_EM}")
        em_sql = f"SELECT {', '.join(_BASIS_COLUMNS)} FROM {_BASIS_NEW}"
        tracks_sql = f"SELECT ev AS event_id, track AS track_id FROM {_BASIS_NEW_TRACKS}"
        sql = _figures_sql(period_map=_year_period_map(), em_sql=em_sql, tracks_sql=tracks_sql)
        cursor.execute(f"DROP TABLE IF EXISTS {_SCRATCH}")
        _hash_aggregates(cursor, True)
        cursor.execute(f"CREATE TEMPORARY TABLE {_SCRATCH} AS {sql}")
        _hash_aggregates(cursor, False)
        _say(progress, 50, _("Writing the new figures"))
        # As with the basis, only the stored rows that differ are replaced: a row's
        # ``computed_at`` says when it was last written (an update does the same), the year's
        # (``StatusYear``) when the figures were last computed.
        table = qn(StatusFigure._meta.db_table)
        key = ("period_kind", "period_index", "branch_id", "track_id")
        new = dict(zip(key, ("kind", "idx", "branch", "track"), strict=True))

        def same(column: str, other: str) -> str:
            a, b = f"n.{new.get(column, column)}", f"{other}.{qn(column)}"
            if column in ("branch_id", "track_id"):  # NULL: all branches, all tracks
                return f"COALESCE({a}, 0) = COALESCE({b}, 0)"
            return f"{a} = {b}"

        values = (*_FIGURE_COLUMNS, "occurrences")
        cursor.execute(
            f"DELETE FROM {table} WHERE year = %s AND NOT EXISTS (SELECT 1 FROM {_SCRATCH} n "
            f"WHERE {' AND '.join(same(c, table) for c in values)})",
            [year],
        )
        cursor.execute(
            f"INSERT INTO {table} ({columns}) "
            f"SELECT %s, n.kind, n.idx, n.branch, n.track, "
            f"{', '.join(f'n.{m}' for m in MEASURES)}, n.occurrences, %s FROM {_SCRATCH} n "
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} f WHERE f.year = %s "
            f"AND {' AND '.join(same(c, 'f') for c in key)})",
            [year, computed_at, year],
        )
        cursor.execute(f"SELECT COUNT(*) FROM {_SCRATCH}")
        count = cursor.fetchone()[0]
        cursor.execute(f"DROP TABLE {_SCRATCH}")
        cursor.execute(f"DROP TABLE {_BASIS_NEW}")
        cursor.execute(f"DROP TABLE {_BASIS_NEW_TRACKS}")
    return count


def status_recompute(
    *, year: int, now: datetime | None = None, progress: Progress | None = None
) -> dict[str, Any]:
    """Recompute and replace the stored figures of ``year`` (months, quarters, halves, year),
    and the basis they were computed from (``StatusBasis``).

    Idempotent: the figures are computed from the source rows and replace the year's old ones
    in one transaction, so a second run, or a run retried after failing half-way, leaves the
    same figures. Two runs at once queue on a lock of the year's ``StatusYear`` row."""
    now = now or timezone.now()
    _say(progress, 5, _("Waiting for the lock of %(year)d") % {"year": year})
    StatusYear.objects.get_or_create(year=year)
    with transaction.atomic():
        marker = StatusYear.objects.select_for_update().get(year=year)
        # The changes committed by now are the ones these figures include: their marks are
        # deleted with them, and the marks of changes committed later stay (pending.py).
        seen = touched_ids(year=year)
        _say(progress, 20, _("Replacing the figures of %(year)d") % {"year": year})
        # Computed under the lock, so a slower run can never write older figures last.
        computed_at = timezone.now()
        count = _figures_replace(year=year, now=now, computed_at=computed_at, progress=progress)
        _say(progress, 90, _("Saving"))
        marker.computed_at = computed_at
        marker.computed_now = now
        marker.runs = F("runs") + 1
        marker.basis = True
        marker.save(update_fields=["computed_at", "computed_now", "runs", "basis"])
        touched_consume(ids=seen)
    _say(
        progress, 100, _("%(count)d figures of %(year)d computed") % {"count": count, "year": year}
    )
    return {"year": year, "figures": count, "held_as_of": now.isoformat()}


# --- an update for the few events a change touched ----------------------------------------------

Key = tuple[str, int, int | None, int | None]
_VALUES = (*MEASURES, "occurrences")


def _contribution(cursor, *, year: int, events: Sequence[int]) -> dict[Key, tuple[int, ...]]:
    """The share of ``events`` in the year's figures, by their kept basis: (kind, index,
    branch, track) to the measures and occurrences (``_VALUES``)."""
    em_sql, tracks_sql = _basis_sql(year, events)
    cursor.execute(
        _figures_sql(period_map=_year_period_map(), em_sql=em_sql, tracks_sql=tracks_sql)
    )
    return {
        (kind, int(idx), branch, track): tuple(int(v or 0) for v in values)
        for kind, idx, branch, track, *values in cursor.fetchall()
    }


def _figures_apply(
    *,
    year: int,
    old: dict[Key, tuple[int, ...]],
    new: dict[Key, tuple[int, ...]],
    computed_at: datetime,
) -> int:
    """Take the ``old`` share out of the stored figures and put the ``new`` one in: rows are
    changed, made, or deleted when no occurrence is left in them (as a full recompute would not
    make them). Answers the number of rows written."""
    zero = (0,) * len(_VALUES)
    delta: dict[Key, tuple[int, ...]] = {}
    for key in old.keys() | new.keys():
        d = tuple(a - b for a, b in zip(new.get(key, zero), old.get(key, zero), strict=True))
        if any(d):
            delta[key] = d
    if not delta:
        return 0
    stored = StatusFigure.objects.filter(
        year=year,
        period_kind__in={k[0] for k in delta},
        period_index__in={k[1] for k in delta},
    )
    branches, tracks = {k[2] for k in delta} - {None}, {k[3] for k in delta} - {None}
    stored = stored.filter(Q(branch__isnull=True) | Q(branch_id__in=branches))
    stored = stored.filter(Q(track__isnull=True) | Q(track_id__in=tracks))
    rows = {
        (kind, idx, branch, track): (pk, tuple(values))
        for kind, idx, branch, track, pk, *values in stored.values_list(
            "period_kind", "period_index", "branch_id", "track_id", "pk", *_VALUES
        )
    }
    changed: list[tuple] = []
    made: list[StatusFigure] = []
    gone: list[int] = []
    for key, d in delta.items():
        pk, before = rows.get(key, (None, zero))
        after = tuple(a + b for a, b in zip(before, d, strict=True))
        if after[-1] <= 0:  # no occurrence left: a full recompute makes no row
            if pk is not None:
                gone.append(pk)
        elif pk is None:
            made.append(
                StatusFigure(
                    year=year,
                    period_kind=key[0],
                    period_index=key[1],
                    branch_id=key[2],
                    track_id=key[3],
                    computed_at=computed_at,
                    **dict(zip(_VALUES, after, strict=True)),
                )
            )
        else:
            changed.append((*after, computed_at, pk))
    if gone:
        StatusFigure.objects.filter(pk__in=gone).delete()
    if changed:
        qn = connection.ops.quote_name
        sets = ", ".join(f"{qn(c)} = %s" for c in (*_VALUES, "computed_at"))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {qn(StatusFigure._meta.db_table)} SET {sets} WHERE id = %s", changed
            )
    if made:
        StatusFigure.objects.bulk_create(made)
    return len(changed) + len(made) + len(gone)


def _events_ended(*, year: int, since: datetime, now: datetime) -> set[int]:
    """Events of ``year`` with an occurrence that ended in (since, now]: it became held by the
    clock alone, with no change to mark it."""
    return set(
        Occurrence.objects.filter(
            end__gt=since,
            end__lte=now,
            local_date__gte=date(year, 1, 1),
            local_date__lte=date(year, 12, 31),
        )
        .order_by()
        .values_list("event_id", flat=True)
        .distinct()
    )


def _update(
    *, marker: StatusYear, events: set[int], now: datetime, limit: int
) -> dict[str, Any] | None:
    """Bring the figures of ``marker``'s year up to ``now`` for ``events`` and the events whose
    occurrences ended since they were last brought up to date; None (nothing done) when the
    year has no basis or too many events changed for an update to pay."""
    year = marker.year
    if not marker.basis or marker.computed_now is None or now < marker.computed_now:
        return None
    todo = sorted(events | _events_ended(year=year, since=marker.computed_now, now=now))
    if len(todo) > limit:
        return None
    computed_at = timezone.now()
    written = 0
    if todo:
        with connection.cursor() as cursor:
            old = _contribution(cursor, year=year, events=todo)
            em, em_params = _event_months_sql(
                first=date(year, 1, 1), last=date(year, 12, 31), now=now, events=todo
            )
            _basis_write(cursor, year=year, events=todo, source=(f"({em})", em_params))
            new = _contribution(cursor, year=year, events=todo)
        written = _figures_apply(year=year, old=old, new=new, computed_at=computed_at)
    marker.computed_at = computed_at
    marker.computed_now = now
    marker.updates = F("updates") + 1
    marker.save(update_fields=["computed_at", "computed_now", "updates"])
    return {"year": year, "events": len(todo), "figures": written, "held_as_of": now.isoformat()}


def status_update(
    *, year: int, now: datetime | None = None, limit: int | None = None
) -> dict[str, Any]:
    """Bring the stored figures of ``year`` up to date after changes: for the events the
    changes' marks name (``events.TouchedYear``) when every mark names one and the year keeps
    a basis, at a cost in proportion to those events' occurrences in the year, not the year's;
    otherwise (a mark without an event, no basis yet, more than ``limit`` events, by default
    ``STATUS_UPDATE_MAX_EVENTS``) by a full recompute. The figures equal a full recompute's
    as of ``now`` either way (the equality tests prove it).

    Idempotent like the recompute: the events' new share is computed from the source rows and
    their old share is the kept basis, replaced in the same transaction under the year's lock;
    a second run finds the two equal and changes nothing."""
    now = now or timezone.now()
    limit = int(getattr(settings, "STATUS_UPDATE_MAX_EVENTS", 500) if limit is None else limit)
    StatusYear.objects.get_or_create(year=year)
    with transaction.atomic():
        marker = StatusYear.objects.select_for_update().get(year=year)
        marks = touched_marks(year=year)
        events = {event for _, event in marks}
        result = None
        if None not in events:
            result = _update(marker=marker, events=events, now=now, limit=limit)  # type: ignore[arg-type]
        if result is not None:
            touched_consume(ids=[pk for pk, _ in marks])
            return result
    return status_recompute(year=year, now=now)


def status_years_due(*, now: datetime | None = None) -> list[int]:
    """What the nightly recompute covers: this year, last year during January (late head
    counts of December), and every year a change has marked stale and no recompute has
    caught up with yet (``tasks.services.pending``)."""
    today = local_today(now)
    due = {today.year - 1, today.year} if today.month == 1 else {today.year}
    return sorted(due | set(years_touched()))
