"""Benchmark: the dpl-cms sync of 1,000 and 5,000 instances, time and peak memory.

    .venv/bin/python -m bench.dplcms_sync                  # 1,000 then 5,000 instances
    BENCH_DPL_INSTANCES=5000 .venv/bin/python -m bench.dplcms_sync
    BENCH_DPL_INSTANCES=1000,5000,20000 BENCH_DPL_STAGE_ONLY=1 .venv/bin/python -m bench.dplcms_sync

Makes its own database (SQLite in a temporary folder, or ``bench_dplcms_<pid>`` on PostgreSQL
when DATABASE_URL points there), serves a list of instances (1,000 series of five dates over
13 months at five branches, mapped by tag rules) from a real HTTP server in a thread
(``http.server``, HTTP/1.1 like the website, so the write-back can keep its connection), and
measures, for each size, with ``tracemalloc`` (Python allocations of every thread, peak):

1. the first import (every event created through the domain's services, links written back);
2. a second, identical run (nothing to do: the idempotent path);
3. reading alone: the list streamed into the staging table and read back series by series, as
   a sync does before applying anything (the part whose memory used to grow with the list);
4. for scale, the peer: ``json.loads`` of the same list as one document, which is what reading
   it without streaming would hold at once before doing anything.

``BENCH_DPL_STAGE_ONLY=1`` measures 3 and 4 only (quick, for large lists);
``BENCH_DPL_TRACE=0`` times 1 and 2 without ``tracemalloc`` (which slows Python severalfold).

Never run as a unit test.
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
import threading
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

SIZES = [int(n) for n in os.environ.get("BENCH_DPL_INSTANCES", "1000,5000").split(",")]
STAGE_ONLY = os.environ.get("BENCH_DPL_STAGE_ONLY", "") == "1"
TRACE = os.environ.get("BENCH_DPL_TRACE", "1") != "0"
PER_SERIES = 5
BRANCHES = ["Roskilde Bibliotek", "Jyllinge Bibliotek", "Viby Bibliotek", "Gundsømagle", "Gadstrup"]


def instances(n: int, today) -> list[dict]:
    from events.clock import LOCAL_TZ

    out = []
    for i in range(n):
        series, date_no = divmod(i, PER_SERIES)
        day = today + timedelta(days=3 + (series % 300) + date_no * 7)
        start = datetime(day.year, day.month, day.day, 10 + series % 9, 0, tzinfo=LOCAL_TZ)
        out.append(
            {
                "uuid": str(uuid.UUID(int=i + 1, version=4)),
                "title": f"Arrangement {series}: læsekreds og fællesskab",
                "description": "Kom og vær med. " * 10,
                "url": f"https://www.roskildebib.dk/arrangementer/{i}",
                "created_at": "2026-11-01T10:00:00+01:00",
                "updated_at": "2026-11-02T10:00:00+01:00",
                "state": "Active",
                "all_day": False,
                "date_time": {
                    "start": start.isoformat(),
                    "end": (start + timedelta(hours=2)).isoformat(),
                },
                "branches": [BRANCHES[series % len(BRANCHES)]],
                "address": {
                    "location": BRANCHES[series % len(BRANCHES)],
                    "street": "Dronning Margrethes Vej 14",
                    "zip_code": 4000,
                    "city": "Roskilde",
                    "country": "DK",
                },
                "categories": ["Voksne"],
                "tags": ["Læsekreds"],
                "series": {"uuid": str(uuid.UUID(int=10**9 + series, version=4))},
            }
        )
    return out


def serve(body: bytes) -> tuple[ThreadingHTTPServer, str, set]:
    connections: set = set()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_PATCH(self):
            connections.add(self.client_address)
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}", connections


def measured(fn, trace: bool = True):
    """Wall time, this process's CPU time (less sensitive to a loaded machine) and the peak of
    Python allocations (tracemalloc, which itself slows Python down severalfold; None when not
    traced)."""
    if trace:
        tracemalloc.start()
    t, cpu = time.perf_counter(), time.process_time()
    result = fn()
    elapsed, cpu = time.perf_counter() - t, time.process_time() - cpu
    peak = None
    if trace:
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return result, (elapsed, cpu), peak


def stage_and_read():
    """What a sync does before applying anything: the list streamed into the staging table
    and read back series by series; the staged rows deleted after."""
    import uuid as uuidlib

    from dplcms import services
    from dplcms.client import DplClient

    token = uuidlib.uuid4()
    outcome = services.Outcome()
    staged = services.instances_stage(
        client=DplClient.from_settings(), since_date=None, outcome=outcome, token=token
    )
    groups = sum(1 for _group in services.staged_groups(token=token))
    services.staged_clean(token=token)
    return staged, groups


def mb(peak) -> str:
    return "-" if peak is None else f"{peak / 1e6:.1f} MB"


def one_size(n: int) -> list[str]:
    """Every measure for a list of ``n`` instances, in a database of its own."""
    from django.db import connection
    from django.test.utils import override_settings

    tmp = tempfile.mkdtemp(prefix="bench-dplcms-")
    test = connection.settings_dict["TEST"]
    if connection.vendor == "sqlite":
        test["NAME"] = str(Path(tmp) / "bench.sqlite3")
    else:
        test["NAME"] = f"bench_dplcms_{os.getpid()}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    lines = []
    try:
        from dplcms import services
        from dplcms.models import MappingRule, SyncRun
        from events.clock import local_today
        from events.models import Branch, Occurrence, Track

        for i, name in enumerate(BRANCHES):
            Branch.objects.create(name=name, slug=f"b{i}", dpl_cms_names=name)
        rule = MappingRule.objects.create(source="tag", name="Læsekreds")
        rule.tracks.set(Track.objects.filter(slug__in=["fordybelse", "indgang-til-faellesskab"]))
        body = json.dumps(instances(n, local_today())).encode()
        server, url, connections = serve(body)
        results = {}
        with override_settings(DPL_CMS_URL=url, DPL_CMS_USERNAME="bench", DPL_CMS_PASSWORD="bench"):
            load = os.getloadavg()[0]
            (staged, groups), stage_s, stage_peak = measured(stage_and_read)
            assert (staged, groups) == (n, n // PER_SERIES), (staged, groups)
            if not STAGE_ONLY:
                for label in ("first import", "second identical run"):
                    run = services.run_create(trigger=SyncRun.Trigger.COMMAND)
                    run, elapsed, peak = measured(
                        lambda run=run: services.run_execute(run_id=run.pk), trace=TRACE
                    )
                    assert run.state == SyncRun.State.SUCCEEDED, run.errors[:3]
                    results[label] = (elapsed, peak, run, len(connections))
                    connections.clear()
            _doc, loads_s, loads_peak = measured(lambda: json.loads(body))
        server.shutdown()
        occurrences = Occurrence.objects.count()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    loads = f"load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    lines.append(
        f"{n} instances, list {len(body) / 1e6:.2f} MB, {occurrences} occurrences; {loads}"
    )
    for label, ((elapsed, cpu), peak, run, conns) in results.items():
        lines.append(
            f"| {n} | {label} | {elapsed:.1f} s | {cpu:.1f} s | {mb(peak)} | {run.created} | "
            f"{run.unchanged} | {run.written_back} ({conns} connections) |"
        )
    (stage_wall, stage_cpu) = stage_s
    lines.append(
        f"| {n} | reading alone: staged and read back by series | {stage_wall:.2f} s | "
        f"{stage_cpu:.2f} s | {mb(stage_peak)} | | | |"
    )
    (loads_wall, loads_cpu) = loads_s
    lines.append(
        f"| {n} | peer: json.loads of the list alone | {loads_wall:.2f} s | {loads_cpu:.2f} s | "
        f"{mb(loads_peak)} | | | |"
    )
    return lines


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    started = datetime.now(UTC)
    lines = []
    for n in SIZES:
        lines += one_size(n)
    print(
        f"{started:%Y-%m-%d %H:%M}-{datetime.now(UTC):%H:%M} UTC "
        f"{platform.processor() or platform.machine()}, nproc {os.cpu_count()}, "
        f"Python {platform.python_version()}, {connection.vendor}, tracemalloc {TRACE}"
    )
    print(
        "| instances | run | wall time | CPU time | peak Python memory | new | unchanged "
        "| written back |"
    )
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
