"""Benchmark: the dpl-cms sync of 5,000 instances, time and peak memory.

    .venv/bin/python -m bench.dplcms_sync                  # 5,000 instances
    BENCH_DPL_INSTANCES=20000 .venv/bin/python -m bench.dplcms_sync

Makes its own database (SQLite in a temporary folder, or ``bench_dplcms_<pid>`` on PostgreSQL
when DATABASE_URL points there), serves a list of instances (1,000 series of five dates over
13 months at five branches, mapped by tag rules) from a real HTTP server in a thread
(``http.server``), and runs the connector's sync three times, measured with ``tracemalloc``
(Python allocations, peak):

1. the first import (every event created through the domain's services, links written back);
2. a second, identical run (nothing to do: the idempotent path);
3. for scale, the peer: ``json.loads`` of the same list as one document, which is what reading
   it without streaming would hold at once before doing anything.

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
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

N_INSTANCES = int(os.environ.get("BENCH_DPL_INSTANCES", "5000"))
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


def serve(body: bytes) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_PATCH(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def measured(fn):
    """Wall time, this process's CPU time (less sensitive to a loaded machine) and the peak of
    Python allocations (tracemalloc, which itself slows Python down severalfold)."""
    tracemalloc.start()
    t, cpu = time.perf_counter(), time.process_time()
    result = fn()
    elapsed, cpu = time.perf_counter() - t, time.process_time() - cpu
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, (elapsed, cpu), peak


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import override_settings, setup_test_environment

    setup_test_environment()
    tmp = tempfile.mkdtemp(prefix="bench-dplcms-")
    test = connection.settings_dict["TEST"]
    if connection.vendor == "sqlite":
        test["NAME"] = str(Path(tmp) / "bench.sqlite3")
    else:
        test["NAME"] = f"bench_dplcms_{os.getpid()}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from dplcms import services
        from dplcms.models import MappingRule, SyncRun
        from events.clock import local_today
        from events.models import Branch, Occurrence, Track

        for i, name in enumerate(BRANCHES):
            Branch.objects.create(name=name, slug=f"b{i}", dpl_cms_names=name)
        rule = MappingRule.objects.create(source="tag", name="Læsekreds")
        rule.tracks.set(Track.objects.filter(slug__in=["fordybelse", "indgang-til-faellesskab"]))
        body = json.dumps(instances(N_INSTANCES, local_today())).encode()
        server, url = serve(body)
        results = {}
        with override_settings(DPL_CMS_URL=url, DPL_CMS_USERNAME="bench", DPL_CMS_PASSWORD="bench"):
            for label in ("first import", "second identical run"):
                run = services.run_create(trigger=SyncRun.Trigger.COMMAND)
                run, elapsed, peak = measured(lambda run=run: services.run_execute(run_id=run.pk))
                assert run.state == SyncRun.State.SUCCEEDED, run.errors[:3]
                results[label] = (elapsed, peak, run)
            _doc, loads_s, loads_peak = measured(lambda: json.loads(body))
        server.shutdown()
        occurrences = Occurrence.objects.count()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print(
        f"{datetime.now():%Y-%m-%d %H:%M} {platform.processor() or platform.machine()}, "
        f"nproc {os.cpu_count()}, Python {platform.python_version()}, {connection.vendor}"
    )
    print(f"{N_INSTANCES} instances, list {len(body) / 1e6:.2f} MB, {occurrences} occurrences")
    print("| run | wall time | CPU time | peak Python memory | new | unchanged | written back |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, ((elapsed, cpu), peak, run) in results.items():
        print(
            f"| {label} | {elapsed:.1f} s | {cpu:.1f} s | {peak / 1e6:.1f} MB | {run.created} | "
            f"{run.unchanged} | {run.written_back} |"
        )
    (loads_s, loads_cpu) = loads_s
    print(
        f"| peer: json.loads of the list alone | {loads_s:.2f} s | {loads_cpu:.2f} s | "
        f"{loads_peak / 1e6:.1f} MB | | | |"
    )


if __name__ == "__main__":
    main()
