"""Benchmark: recomputing a year's status figures, side by side with its two peers.

    .venv/bin/python -m bench.status                      # 10k, 100k, 1M attendance records
    .venv/bin/python -m bench.status --sizes 10000,100000 --repeat 5

On PostgreSQL (``BENCH_POSTGRES_URL``, default ``postgres://postgres@127.0.0.1:5432/postgres``)
the script creates its own database ``roskilde_bench``, migrates it, fills it with SQL
(INSERT ... SELECT generate_series: 100 branches, five years, 52 weekly occurrences per event of
which 50 have a head count, one is held without one and one is cancelled; 1-3 tracks per event),
and for one year measures, in the same run:

* ``status_recompute``: the project's job (all periods and scopes, replaced in one transaction),
  interleaved with its peers so that all see the same cache state and machine load;
* the peer: one hand-written SQL GROUP BY of the same per-branch-per-track sums of that year
  (the limit: the job must stay within 1.5x of it); for reference the GROUP BY per month and
  under the job's settings for its heavy statement (``_tune``, ``_probe_head_counts``);
* the loop peer: a careful one-pass Python loop (``careful_loop``) computing the same figures
  from plain cursor tuples; its figures are compared with the stored ones. (The old "20x a
  loop" target is retired: it measured a wasteful loop, not the job);
* the update after a head count (``status_update``): ``--head-counts`` head counts recorded one
  at a time, each followed by the update, with its wall time and its database time (the sum of
  its statements' times); then a full recompute must store the same figures;
* with ``--worker``: head count through the API to the figure read back, with a real Celery
  worker (a separate process) and a redis-server of its own on ``--redis-port``: p50 and p95.

``BENCH_DB`` names the database (default ``roskilde_bench``).
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

BENCH_DB = os.environ.get("BENCH_DB", "roskilde_bench")
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


def setup_django(redis_url: str = "") -> None:
    os.environ["DATABASE_URL"] = with_db(admin_url(), BENCH_DB)
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("REDIS_CACHE_URL", None)
    if redis_url:  # the cache and the broker, for the real worker (--worker)
        os.environ["REDIS_URL"] = os.environ["REDIS_CACHE_URL"] = redis_url
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
            "tasks_statusfigure, tasks_statusyear, tasks_status_basis, tasks_status_basis_track, "
            "events_touchedyear RESTART IDENTITY CASCADE"
        )
        c.execute("SELECT count(*) FROM events_branch")
        if c.fetchone()[0] == 0:
            c.execute(
                """
                INSERT INTO events_branch (slug, name, kind, area, address, postal_code, city,
                                           email, phone, url, description, "order", dpl_cms_names)
                SELECT 'branch-' || b, 'Bibliotek ' || b, 'library', '', '', '4000', 'Roskilde', '',
                       '', '', '', b, ''
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
                                      sequence, created_at, updated_at, kind, venue,
                                      barometer_type, initiated_by, image, image_alt,
                                      image_thumbnail, rdates)
            SELECT 'bench-' || i || '@bench', %s + i %% 100, '', 'Arrangement ' || i, '',
                   i %% 4 = 0,
                   CASE WHEN i %% 97 = 0 THEN 'cancelled' ELSE 'published' END, '',
                   s, s + interval '2 hours', false, 'FREQ=WEEKLY;COUNT=52', '[]', '', 0,
                   now(), now(), 'arrangement', 'library', '', '', '', '', '', '[]'
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
SELECT o.event_id, e.branch_id, e.co_created, e.status, o.status, o."end", o.local_date,
       a.total, a.children, a.youth, a.adults, a.seniors
FROM events_occurrence o
JOIN events_event e ON e.id = o.event_id
LEFT JOIN events_attendance a ON a.occurrence_id = o.id
WHERE o.local_date BETWEEN %(first)s AND %(last)s AND e.status <> 'draft'
"""
TRACKS_SQL = "SELECT event_id, track_id FROM events_event_tracks"
_PERIODS = {
    m: (("month", m), ("quarter", (m - 1) // 3 + 1), ("half", 1 if m <= 6 else 2), ("year", 1))
    for m in range(1, 13)
}
_SUMS = (
    "held",
    "cancelled",
    "with_attendance",
    "attendance",
    "children",
    "youth",
    "adults",
    "seniors",
    "co_created_held",
    "missing_attendance",
)


def careful_loop(year: int, now: datetime) -> dict[tuple, dict[str, int]]:
    """The peer: the same figures as ``status_recompute`` by a careful one-pass loop in Python.

    One SELECT of the year's occurrences with their event and head count (no track join, so
    each occurrence is read once), plain tuples from a cursor; each occurrence's state is
    decided once and its sums are added to its event's month (a few tens of thousands of
    cells); the months are then spread over the periods and scopes, with the tracks of each
    event, as the job does. Nothing is done per occurrence and track."""
    from django.db import connection

    with connection.cursor() as c:
        c.execute(TRACKS_SQL)
        tracks: dict[int, list[int]] = defaultdict(list)
        for event_id, track_id in c.fetchall():
            tracks[event_id].append(track_id)
        c.execute(LOOP_SQL, {"first": date(year, 1, 1), "last": date(year, 12, 31)})
        rows = c.fetchall()
    cells, branch_of = _event_months(rows, now)
    return _spread(cells, branch_of, tracks)


def _event_months(rows, now: datetime):
    """The loop's one pass: each occurrence's state decided once, its sums added to its event's
    month: [held, cancelled, with, att, children, youth, adults, seniors, any]."""
    cells: dict[tuple[int, int], list[int]] = {}
    branch_of: dict[int, tuple[int, bool]] = {}
    for ev, branch, co, ev_status, status, end, local_date, total, ch, yo, ad, se in rows:
        key = (ev, local_date.month)
        cell = cells.get(key)
        if cell is None:
            cell = cells[key] = [0] * 9
            branch_of[ev] = (branch, co)
        cell[8] += 1
        if status == "cancelled" or ev_status == "cancelled":
            cell[1] += 1
        elif end <= now:
            cell[0] += 1
            if total is not None:
                cell[2] += 1
                cell[3] += total
                cell[4] += ch or 0
                cell[5] += yo or 0
                cell[6] += ad or 0
                cell[7] += se or 0
    return cells, branch_of


def _spread(cells, branch_of, tracks) -> dict[tuple, dict[str, int]]:
    """The events' months spread over the periods and scopes (with each event's tracks)."""
    figures: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(_SUMS, 0))
    held_events: dict[tuple, set] = defaultdict(set)
    for (ev, month), cell in cells.items():
        branch, co = branch_of[ev]
        held, cancelled, with_att, att, ch, yo, ad, se, _n = cell
        add = (
            held,
            cancelled,
            with_att,
            att,
            ch,
            yo,
            ad,
            se,
            held if co else 0,
            held - with_att,
        )
        scopes = [(branch, None), (None, None)]
        for t in tracks.get(ev, ()):
            scopes += [(branch, t), (None, t)]
        for kind, index in _PERIODS[month]:
            for scope in scopes:
                key = (kind, index, *scope)
                f = figures[key]
                for name, value in zip(_SUMS, add, strict=True):
                    f[name] += value
                if held:
                    held_events[key].add(ev)
    for key, f in figures.items():
        f["events_held"] = len(held_events.get(key, ()))
    return figures


def head_counts_timed(year: int, now: datetime, count: int) -> list[tuple[float, float]]:
    """Record ``count`` head counts, one at a time through the service (as the API does), each
    followed by the update of the figures (``status_update``); answers (wall, database) seconds
    of each update, the database time summed over its statements."""
    from django.db import connection

    from events import services as events_services
    from events.models import Occurrence
    from tasks.services.figures import status_update

    occurrences = list(
        Occurrence.objects.filter(
            local_date__year=year, end__lte=now, status="scheduled", attendance__isnull=True
        )
        .exclude(event__status="cancelled")
        .order_by("pk")[:count]
    )
    spent: list[float] = []

    def clock(execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent.append(time.perf_counter() - began)

    out = []
    for i, occurrence in enumerate(occurrences):
        events_services.attendance_record(occurrence=occurrence, total=5 + i, now=now, notify=False)
        spent.clear()
        with connection.execute_wrapper(clock):
            began = time.perf_counter()
            result = status_update(year=year, now=now)
            wall = time.perf_counter() - began
        assert result.get("events") == 1, result
        out.append((wall, sum(spent)))
    return out


def visible_within(year: int, count: int, redis_port: int) -> list[float]:
    """Seconds from a head count recorded through the API (in-process client, real views) to
    its figure read back, with a real Celery worker (a separate process) on a Redis of our
    own, as production runs it."""
    from django.contrib.auth import get_user_model
    from django.db.models import Sum
    from django.utils import timezone
    from rest_framework.test import APIClient

    from events.models import Occurrence
    from tasks.models import StatusFigure

    now = timezone.now()
    admin = get_user_model().objects.create_superuser("bench-admin", "", "x")
    api = APIClient(HTTP_HOST="localhost")
    api.force_authenticate(admin)
    occurrences = list(
        Occurrence.objects.filter(
            local_date__year=year, end__lte=now, status="scheduled", attendance__isnull=True
        )
        .exclude(event__status="cancelled")
        .order_by("-pk")[:count]
    )

    def grand_total() -> int:
        row = StatusFigure.objects.filter(
            year=year, period_kind="year", branch=None, track=None
        ).aggregate(a=Sum("attendance"))
        return row["a"] or 0

    out = []
    for i, occurrence in enumerate(occurrences):
        expected = grand_total() + 3 + i
        began = time.monotonic()
        response = api.put(
            f"/api/v1/occurrences/{occurrence.pk}/attendance/", {"total": 3 + i}, format="json"
        )
        assert response.status_code == 200, response.content
        while grand_total() != expected:
            if time.monotonic() - began > 60:
                raise RuntimeError("the worker did not bring the head count within 60 s")
            time.sleep(0.05)
        out.append(time.monotonic() - began)
    return out


def _records() -> str:
    from events.models import Attendance

    return f"{Attendance.objects.count():,}"


def start_redis(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    return process


def start_worker(redis_url: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "REDIS_CACHE_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "calendar_service",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "WARNING",
        ],
        env=env,
    )
    time.sleep(6)
    return process


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
    parser.add_argument(
        "--head-counts", type=int, default=20, help="head counts for the update measurements"
    )
    parser.add_argument(
        "--worker",
        action="store_true",
        help="also measure head count to figure with a real worker (starts redis-server)",
    )
    parser.add_argument("--redis-port", type=int, default=9851, help="for --worker")
    parser.add_argument(
        "--worker-only",
        action="store_true",
        help="only the real-worker measurement, on the database a --keep run left",
    )
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]

    if args.worker_only:
        args.worker, args.keep, sizes = True, True, []
    else:
        recreate_database()
    redis_url = f"redis://127.0.0.1:{args.redis_port}/0" if args.worker else ""
    redis = start_redis(args.redis_port) if args.worker else None
    try:
        setup_django(redis_url)
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
        sql_rows, loop_rows, update_rows = [], [], []
        for size in sizes:
            counts = generate(size)
            from django.db import connection

            with connection.cursor() as c:
                c.execute(
                    "SELECT count(*) FROM events_occurrence WHERE local_date BETWEEN %s AND %s",
                    [date(args.year, 1, 1), date(args.year, 12, 31)],
                )
                in_year = c.fetchone()[0]
            loop_result: dict = {}
            runs = {
                "job": lambda: status_recompute(year=args.year, now=now),
                "peer": lambda: peer_sql(args.year, now),
                "loop": lambda r=loop_result: r.update(figures=careful_loop(args.year, now)),
                "peer_month": lambda: peer_sql(args.year, now, PEER_MONTH_SQL),
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
            spread = {k: f"{min(v) * 1000:,.0f}-{max(v) * 1000:,.0f}" for k, v in times.items()}
            mine = t["job"]
            records = f"{counts['events_attendance']:,}"
            sql_rows.append(
                f"| {records} | {in_year:,} | {mine * 1000:,.0f} ms ({spread['job']}) "
                f"| {t['peer'] * 1000:,.0f} ms ({spread['peer']}) | {mine / t['peer']:.2f}x "
                f"| {t['peer_month'] * 1000:,.0f} ms "
                f"| {t['peer_job_settings'] * 1000:,.0f} ms "
                f"| {mine / t['peer_job_settings']:.2f}x |"
            )
            print(sql_rows[-1], flush=True)
            same = matches_stored(loop_result["figures"], stored(args.year))
            loop_rows.append(
                f"| {records} | {t['loop'] * 1000:,.0f} ms ({spread['loop']}) "
                f"| {t['loop'] / mine:.1f}x | {'yes' if same else 'NO'} |"
            )
            print(loop_rows[-1], flush=True)
            if not same:
                print(
                    "  mismatch: the careful loop differs from the stored figures", file=sys.stderr
                )
            updates = head_counts_timed(args.year, now, args.head_counts)
            walls = sorted(w for w, _db in updates)
            dbs = sorted(db for _w, db in updates)
            expected = stored(args.year)
            status_recompute(year=args.year, now=now)
            equal = stored(args.year) == expected
            update_rows.append(
                f"| {records} | {len(updates)} | {dbs[len(dbs) // 2] * 1000:.1f} ms "
                f"| {dbs[-1] * 1000:.1f} ms | {walls[len(walls) // 2] * 1000:.1f} ms "
                f"| {walls[-1] * 1000:.1f} ms | {'yes' if equal else 'NO'} |"
            )
            print(update_rows[-1], flush=True)
        print(
            "\n| attendance records (all years) | occurrences in the year "
            "| status_recompute (spread) | SQL GROUP BY branch, track (peer, spread) "
            "| recompute / peer | same GROUP BY per month "
            "| peer with the job's session and join settings | recompute / that |"
        )
        print("|" + "---:|" * 8)
        print("\n".join(sql_rows))
        print(
            "\n| attendance records | careful one-pass Python loop (peer, spread) "
            "| loop / recompute | its figures equal the job's |"
        )
        print("|" + "---:|" * 4)
        print("\n".join(loop_rows))
        print(
            "\n| attendance records | head counts | update, database time, median | max "
            "| update, wall, median | max | figures equal a full recompute after |"
        )
        print("|" + "---:|" * 7)
        print("\n".join(update_rows))
        if args.worker:
            from calendar_service.celery import app

            app.control.purge()  # what the update measurements above sent: done already
            worker = None
            try:
                worker = start_worker(redis_url)
                status_recompute(year=args.year)  # held as of now, as the worker's runs are
                from django.contrib.auth import get_user_model

                get_user_model().objects.filter(username="bench-admin").delete()
                seen = sorted(visible_within(args.year, args.head_counts, args.redis_port))
                p95 = seen[max(0, -(-len(seen) * 95 // 100) - 1)]
                print(
                    f"\nHead count through the API to its figure, real worker, "
                    f"{_records()} attendance records, {len(seen)} head counts: "
                    f"p50 {seen[len(seen) // 2]:.2f} s, p95 {p95:.2f} s, max {seen[-1]:.2f} s"
                )
            finally:
                if worker is not None:
                    worker.terminate()
                    worker.wait(timeout=30)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database()
        if redis is not None:
            redis.terminate()
            redis.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
