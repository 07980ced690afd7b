"""Benchmark: recomputing a year's status figures, side by side with its two peers.

    .venv/bin/python -m bench.status                      # 10k, 100k, 1M attendance records
    .venv/bin/python -m bench.status --sizes 10000,100000 --repeat 5

On PostgreSQL (``BENCH_POSTGRES_URL``, default ``postgres://postgres@127.0.0.1:5432/postgres``)
the script creates its own database ``roskilde_bench``, migrates it, fills it with SQL
(INSERT ... SELECT generate_series: 100 branches, five years, 52 weekly occurrences per event of
which 50 have a head count, one is held without one and one is cancelled; 1-3 tracks per event),
and for one year measures, in the same run:

* ``status_recompute``: the project's job (all periods and scopes, replaced in one transaction);
* the peer: one hand-written SQL GROUP BY of the same per-branch-per-track sums of that year;
* the other peer: a plain Python loop over that year's rows computing the same figures as the
  job, written as a Django developer would, iterating the rows through the ORM
  (``values_list``); its result is compared with the stored figures, so the benchmark also
  checks correctness;
* for reference: the same loop over raw cursor tuples (no ORM) and over model instances, the
  GROUP BY per month, the GROUP BY with the job's work_mem (64 MB), and the GROUP BY under all
  the job's settings for its heavy statement (``_tune``: work_mem, no JIT, cheaper parallel
  workers; ``_probe_head_counts``: no hash or merge joins, so that each occurrence probes the
  head-count index).

The database is dropped at the end (``--keep`` keeps it). Never run as a unit test.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from datetime import date, datetime
from urllib.parse import urlsplit, urlunsplit

BENCH_DB = "roskilde_bench"
EVENTS_PER_SIZE_UNIT = 50  # head counts per event


def admin_url() -> str:
    return os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(admin_url(), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")


def drop_database() -> None:
    import psycopg

    with psycopg.connect(admin_url(), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


def setup_django() -> None:
    os.environ["DATABASE_URL"] = with_db(admin_url(), BENCH_DB)
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ["DJANGO_SETTINGS_MODULE"] = "calendar_service.settings"
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # no query log
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def generate(attendance_records: int) -> dict[str, int]:
    """Fill the database with about ``attendance_records`` head counts over 2020-2024."""
    from django.db import connection

    events = max(attendance_records // EVENTS_PER_SIZE_UNIT, 10)
    with connection.cursor() as c:
        c.execute(
            "TRUNCATE events_attendance, events_occurrence, events_event_tracks, events_event, "
            "tasks_statusfigure, tasks_statusyear RESTART IDENTITY CASCADE"
        )
        c.execute("SELECT count(*) FROM events_branch")
        if c.fetchone()[0] == 0:
            c.execute(
                """
                INSERT INTO events_branch (slug, name, kind, area, address, postal_code, city,
                                           email, phone, url, description, "order")
                SELECT 'branch-' || b, 'Bibliotek ' || b, 'library', '', '', '4000', 'Roskilde', '',
                       '', '', '', b
                FROM generate_series(1, 100) AS b
                """
            )
        c.execute(
            "SELECT array_agg(id ORDER BY id), (SELECT min(id) FROM events_branch) "
            "FROM events_track"
        )
        track_ids, first_branch = c.fetchone()
        # Event i: year 2020 + i % 5, branch i % 100, weekly from early January, 52 times;
        # start hours vary to 23:30 so some fall near local midnight; 1 in 4 co-created;
        # 1 in 97 cancelled as a whole.
        c.execute(
            """
            INSERT INTO events_event (uid, branch_id, place, title, description, co_created, status,
                                      cancel_reason, start, "end", all_day, rrule, exdates, url,
                                      sequence, created_at, updated_at)
            SELECT 'bench-' || i || '@bench', %s + i %% 100, '', 'Arrangement ' || i, '',
                   i %% 4 = 0,
                   CASE WHEN i %% 97 = 0 THEN 'cancelled' ELSE 'published' END, '',
                   s, s + interval '2 hours', false, 'FREQ=WEEKLY;COUNT=52', '[]', '', 0,
                   now(), now()
            FROM (
                SELECT i, (make_timestamptz(2020 + i %% 5, 1, 1 + i %% 7, 8 + i %% 12, 0, 0,
                                            'Europe/Copenhagen')
                           + CASE WHEN i %% 13 = 0 THEN interval '15 hours 30 minutes'
                                  ELSE interval '0' END) AS s
                FROM generate_series(0, %s - 1) AS i
            ) AS g
            """,
            [first_branch, events],
        )
        c.execute(
            """
            INSERT INTO events_event_tracks (event_id, track_id)
            SELECT e.id, (%s::bigint[])[1 + (e.id / 100 + k * 3) %% 7]
            FROM events_event e CROSS JOIN generate_series(0, 2) AS k
            WHERE k <= e.id %% 3
            """,
            [track_ids],
        )
        c.execute(
            """
            INSERT INTO events_occurrence (event_id, original_start, start, "end", local_date,
                                           status, cancel_reason, moved, detached, updated_at)
            SELECT e.id, s, s, s + interval '2 hours', (s AT TIME ZONE 'Europe/Copenhagen')::date,
                   CASE WHEN w = 51 THEN 'cancelled' ELSE 'scheduled' END, '', false, false, now()
            FROM events_event e CROSS JOIN generate_series(0, 51) AS w
            CROSS JOIN LATERAL (SELECT e.start + w * interval '1 week' AS s) AS t
            """
        )
        c.execute(
            """
            INSERT INTO events_attendance (occurrence_id, total, children, youth, adults, seniors,
                                           note, recorded_at)
            SELECT o.id, t, CASE WHEN o.id %% 2 = 0 THEN t / 4 END,
                   CASE WHEN o.id %% 2 = 0 THEN t / 4 END,
                   CASE WHEN o.id %% 2 = 0 THEN t / 4 END,
                   CASE WHEN o.id %% 2 = 0 THEN t - 3 * (t / 4) END, '', now()
            FROM events_occurrence o JOIN events_event e ON e.id = o.event_id
            CROSS JOIN LATERAL (SELECT 1 + o.id %% 40 AS t) AS v
            WHERE o.status = 'scheduled' AND o.start < e.start + interval '50 weeks'
            """,
            [],
        )
        # What autovacuum does after a bulk load: statistics, and the visibility map that lets
        # index-only scans skip the table.
        c.execute("VACUUM ANALYZE")
        counts = {}
        for table in (
            "events_event",
            "events_occurrence",
            "events_attendance",
            "events_event_tracks",
        ):
            c.execute(f"SELECT count(*) FROM {table}")
            counts[table] = c.fetchone()[0]
    return counts


_HELD = """o.status = 'scheduled' AND e.status <> 'cancelled' AND o."end" <= %(now)s"""
_PEER = """
SELECT e.branch_id, et.track_id{month_col},
       count(*) FILTER (WHERE {held}) AS held,
       count(*) FILTER (WHERE o.status = 'cancelled' OR e.status = 'cancelled') AS cancelled,
       sum(a.total) FILTER (WHERE {held}) AS attendance,
       count(*) FILTER (WHERE {held} AND a.id IS NULL) AS missing
FROM events_occurrence o
JOIN events_event e ON e.id = o.event_id
JOIN events_event_tracks et ON et.event_id = e.id
LEFT JOIN events_attendance a ON a.occurrence_id = o.id
WHERE o.local_date BETWEEN %(first)s AND %(last)s AND e.status <> 'draft'
GROUP BY e.branch_id, et.track_id{month_group}
"""
# The peer: the year's per-branch-per-track sums in one GROUP BY.
PEER_SQL = _PEER.format(month_col="", month_group="", held=_HELD)
# The same per month (the finest grain the job stores), for reference.
PEER_MONTH_SQL = _PEER.format(
    month_col=", EXTRACT(MONTH FROM o.local_date) AS month",
    month_group=", EXTRACT(MONTH FROM o.local_date)",
    held=_HELD,
)


def peer_sql(
    year: int, now: datetime, sql: str = PEER_SQL, work_mem: str = "", job_settings: bool = False
) -> int:
    """Run a peer statement in a transaction of its own; ``job_settings`` first sets what the
    job sets for its statement that joins the occurrences with their head counts."""
    from django.db import connection, transaction

    from tasks.services.figures import _probe_head_counts, _tune

    with transaction.atomic(), connection.cursor() as c:
        if work_mem:
            c.execute(f"SET LOCAL work_mem = '{work_mem}'")
        if job_settings:
            _tune(c)
            _probe_head_counts(c, True)
        c.execute(sql, {"now": now, "first": date(year, 1, 1), "last": date(year, 12, 31)})
        return len(c.fetchall())


LOOP_SQL = """
SELECT o.id, o.event_id, e.branch_id, e.co_created, e.status, o.status, o."end", o.local_date,
       a.id, a.total, a.children, a.youth, a.adults, a.seniors, et.track_id
FROM events_occurrence o
JOIN events_event e ON e.id = o.event_id
JOIN events_event_tracks et ON et.event_id = e.id
LEFT JOIN events_attendance a ON a.occurrence_id = o.id
WHERE o.local_date BETWEEN %(first)s AND %(last)s AND e.status <> 'draft'
"""


def orm_rows(year: int):
    """The year's occurrence-track rows through the ORM, as a Django developer would fetch them
    for a loop (no ``order_by()``: the model's default ordering stays, as it would)."""
    from events.models import Event, Occurrence

    return (
        Occurrence.objects.filter(local_date__range=(date(year, 1, 1), date(year, 12, 31)))
        .exclude(event__status=Event.Status.DRAFT)
        .values_list(
            "pk",
            "event_id",
            "event__branch_id",
            "event__co_created",
            "event__status",
            "status",
            "end",
            "local_date",
            "attendance__pk",
            "attendance__total",
            "attendance__children",
            "attendance__youth",
            "attendance__adults",
            "attendance__seniors",
            "event__tracks",
        )
    )


def orm_instance_rows(year: int):
    """The same rows from model instances, the loop a Django developer might write first:
    occurrences with their event and attendance (``select_related``) and the event's tracks
    (``prefetch_related``), in chunks so memory stays bounded."""
    from django.core.exceptions import ObjectDoesNotExist

    from events.models import Event, Occurrence

    occurrences = (
        Occurrence.objects.filter(local_date__range=(date(year, 1, 1), date(year, 12, 31)))
        .exclude(event__status=Event.Status.DRAFT)
        .select_related("event", "attendance")
        .prefetch_related("event__tracks")
    )
    for occ in occurrences.iterator(chunk_size=2000):
        try:
            att = occ.attendance
        except ObjectDoesNotExist:
            att = None
        for track in occ.event.tracks.all():
            yield (
                occ.pk,
                occ.event_id,
                occ.event.branch_id,
                occ.event.co_created,
                occ.event.status,
                occ.status,
                occ.end,
                occ.local_date,
                att and att.pk,
                att and att.total,
                att and att.children,
                att and att.youth,
                att and att.adults,
                att and att.seniors,
                track.pk,
            )


def cursor_rows(year: int):
    """The same rows as plain tuples from one SELECT on a database cursor (no ORM)."""
    from django.db import connection

    with connection.cursor() as c:
        c.execute(LOOP_SQL, {"first": date(year, 1, 1), "last": date(year, 12, 31)})
        return c.fetchall()


def python_loop(year: int, now: datetime, rows=orm_rows) -> dict[tuple, dict[str, int]]:
    """The same figures as ``status_recompute``, by a plain loop over the rows in Python."""
    figures: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    events: dict[tuple, set] = defaultdict(set)
    seen_in_scope: set[tuple] = set()
    for (
        oid,
        event_id,
        branch,
        co,
        event_status,
        occ_status,
        end,
        local_date,
        att_id,
        total,
        children,
        youth,
        adults,
        seniors,
        track,
    ) in rows(year):
        m = local_date.month
        periods = (
            ("month", m),
            ("quarter", (m - 1) // 3 + 1),
            ("half", 1 if m <= 6 else 2),
            ("year", 1),
        )
        held = occ_status == "scheduled" and event_status != "cancelled" and end <= now
        cancelled = occ_status == "cancelled" or event_status == "cancelled"
        for kind, index in periods:
            for scope in ((branch, track), (None, track), (branch, None), (None, None)):
                key = (kind, index, *scope)
                if scope[1] is None:  # all-tracks scopes: each occurrence once
                    marker = (key, oid)
                    if marker in seen_in_scope:
                        continue
                    seen_in_scope.add(marker)
                f = figures[key]
                f["cancelled"] += cancelled
                if held:
                    f["held"] += 1
                    events[key].add(event_id)
                    f["co_created_held"] += bool(co)
                    if att_id is None:
                        f["missing_attendance"] += 1
                    else:
                        f["with_attendance"] += 1
                        f["attendance"] += total
                        f["children"] += children or 0
                        f["youth"] += youth or 0
                        f["adults"] += adults or 0
                        f["seniors"] += seniors or 0
                else:
                    f["held"] += 0
    for key, f in figures.items():
        f["events_held"] = len(events[key])
    return figures


def matches_stored(figures: dict[tuple, dict[str, int]], expected: dict) -> bool:
    got = {k: {m: v.get(m, 0) for m in expected.get(k, {})} for k, v in figures.items()}
    return got == expected


def stored(year: int) -> dict[tuple, dict[str, int]]:
    from tasks.models import StatusFigure

    out = {}
    for row in StatusFigure.objects.filter(year=year).values(
        "period_kind", "period_index", "branch_id", "track_id", *StatusFigure.MEASURES
    ):
        key = (
            row.pop("period_kind"),
            row.pop("period_index"),
            row.pop("branch_id"),
            row.pop("track_id"),
        )
        out[key] = row
    return out


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    from django.db import connection

    with connection.cursor() as c:
        c.execute("SHOW server_version")
        pg = c.fetchone()[0]
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            mem = f"{int(f.readline().split()[1]) // 1024 // 1024} GiB RAM, "
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, {mem}PostgreSQL {pg}, Python {platform.python_version()}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="10000,100000,1000000", help="attendance records, comma-separated"
    )
    parser.add_argument(
        "--year", type=int, default=2022, help="the year recomputed (data covers 2020-2024)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--keep", action="store_true", help="keep the roskilde_bench database")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]

    recreate_database()
    try:
        setup_django()
        from django.utils import timezone

        from tasks.services.figures import status_recompute

        now = timezone.now()
        print(f"# Status figures benchmark, {now.astimezone().date().isoformat()}")
        print(f"Machine: {machine()}")
        try:
            commit = subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
            ).stdout.strip()
        except OSError:
            commit = "?"
        print(f"Commit: {commit}; year recomputed: {args.year}; median of {args.repeat} runs\n")
        sql_rows, loop_rows = [], []
        for size in sizes:
            counts = generate(size)
            from django.db import connection

            with connection.cursor() as c:
                c.execute(
                    "SELECT count(*) FROM events_occurrence WHERE local_date BETWEEN %s AND %s",
                    [date(args.year, 1, 1), date(args.year, 12, 31)],
                )
                in_year = c.fetchone()[0]
            runs = {
                "job": lambda: status_recompute(year=args.year, now=now),
                "peer": lambda: peer_sql(args.year, now),
                "peer_month": lambda: peer_sql(args.year, now, PEER_MONTH_SQL),
                "peer_work_mem": lambda: peer_sql(args.year, now, work_mem="64MB"),
                "peer_job_settings": lambda: peer_sql(args.year, now, job_settings=True),
            }
            for run in runs.values():  # warm up caches and plans
                run()
            # Interleaved, so all see the same cache state and machine load.
            times: dict[str, list[float]] = {k: [] for k in runs}
            for _ in range(args.repeat):
                for k, run in runs.items():
                    t, _r = timed(run, 1)
                    times[k].append(t)
            t = {k: statistics.median(v) for k, v in times.items()}
            mine = t["job"]
            records = f"{counts['events_attendance']:,}"
            sql_rows.append(
                f"| {records} | {in_year:,} | {mine * 1000:,.0f} ms | {t['peer'] * 1000:,.0f} ms "
                f"| {mine / t['peer']:.2f}x | {t['peer_month'] * 1000:,.0f} ms "
                f"| {t['peer_work_mem'] * 1000:,.0f} ms | {t['peer_job_settings'] * 1000:,.0f} ms "
                f"| {mine / t['peer_job_settings']:.2f}x |"
            )
            print(sql_rows[-1], flush=True)
            expected = stored(args.year)
            # The loops take seconds at 1,000,000: the peer and the cursor loop are timed up to
            # three times there (median), the model-instance loop (about a minute) once.
            loop_repeat = min(args.repeat, 3) if size >= 1_000_000 else args.repeat
            instance_repeat = 1 if size >= 1_000_000 else args.repeat
            loop, orm_figures = timed(lambda: python_loop(args.year, now), loop_repeat)
            raw, raw_figures = timed(
                lambda: python_loop(args.year, now, rows=cursor_rows), loop_repeat
            )
            inst, inst_figures = timed(
                lambda: python_loop(args.year, now, rows=orm_instance_rows), instance_repeat
            )
            ok = {"ORM": matches_stored(orm_figures, expected)}
            ok["cursor"] = matches_stored(raw_figures, expected)
            ok["model-instance"] = matches_stored(inst_figures, expected)
            loop_rows.append(
                f"| {records} | {loop * 1000:,.0f} ms | {loop / mine:.1f}x "
                f"| {raw * 1000:,.0f} ms | {raw / mine:.1f}x "
                f"| {inst * 1000:,.0f} ms | {inst / mine:.1f}x "
                f"| {', '.join(k for k, v in ok.items() if v) or 'none'} |"
            )
            print(loop_rows[-1], flush=True)
            for name, good in ok.items():
                if not good:
                    print(
                        f"  mismatch: the {name} loop differs from the stored figures",
                        file=sys.stderr,
                    )
        print(
            "\n| attendance records (all years) | occurrences in the year | status_recompute "
            "| SQL GROUP BY branch, track (peer) | recompute / peer | same GROUP BY per month "
            "| peer with work_mem 64MB | peer with the job's session and join settings "
            "| recompute / that |"
        )
        print("|" + "---:|" * 9)
        print("\n".join(sql_rows))
        print(
            "\n| attendance records | Python loop over ORM rows, values_list (peer) "
            "| loop / recompute | Python loop over cursor tuples (reference) | that / recompute "
            "| Python loop over model instances (reference) | that / recompute "
            "| loops whose figures equal the job's |"
        )
        print("|" + "---:|" * 8)
        print("\n".join(loop_rows))
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database()
    return 0


if __name__ == "__main__":
    sys.exit(main())
