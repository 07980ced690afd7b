"""Benchmark: requests during a bulk rebuild of every feed piece, on the production stack.

    .venv/bin/python -m bench.bulk_rebuild --events 50000

Issue 19: after a change that makes every feed piece stale (a new ``SITE_URL``, a change to the
VEVENT builder), no request may take more than 2 s at 50,000 events; a Celery job rebuilds the
pieces while requests serve what is current or rebuild within a bounded budget
(``feeds.pieces.INLINE_BUDGET_SECONDS``).

What runs: ``bench.harness.Stack`` (gunicorn with the project's config, PostgreSQL, the Redis
cache and broker as compose runs them) with the given number of events, pieces built. Then, for
each scenario, what a deploy with a new ``SITE_URL`` does: gunicorn (and the worker) restarted
with another site address, so that every piece is of another recipe and every cached feed is
outdated (no process keeps a memo). Client threads then poll the all-branches calendar and
every branch calendar in a loop, each request timed, until no stale piece is left (and a few
seconds more), or ``--limit`` seconds.

Scenarios: ``worker``, a real Celery worker on the interactive queue as compose runs it (what
production has); ``worker-empty-cache``, the same with the feed cache emptied too (a Redis
that restarted with the deploy: every feed cold at once); ``no-worker``, the broker up but
nobody consuming, so only the requests' own budgets catch up. The peer is the same loop
afterwards, with every piece current (steady state): the ratio of the worst request to the
steady state's shows what the rebuild costs a subscriber.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path

import psycopg

from bench.harness import PROXY_HEADERS, PYTHON, ROOT, Stack, _database_url, machine, versions

LIMIT_MS = 2000


def _stale(database: str, current: str) -> int:
    with psycopg.connect(_database_url(database), autocommit=True) as conn:
        return conn.execute(
            "SELECT count(*) FROM feeds_eventpiece WHERE recipe <> %s", [current]
        ).fetchone()[0]


def _new_site(stack: Stack, n: int) -> str:
    """Give the stack another SITE_URL (as a deploy would) and return the pieces' new recipe."""
    stack.env["SITE_URL"] = f"https://kalender-{n}.example.org"
    return subprocess.run(
        [
            PYTHON,
            "-c",
            "import django; django.setup(); from feeds.pieces import recipe; print(recipe())",
        ],
        env=stack.env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[-1]


def _restart_web(stack: Stack) -> None:
    process = next(p for p in stack.processes if p.pid == stack.gunicorn_pid)
    process.terminate()
    process.wait(timeout=30)
    stack.processes.remove(process)
    stack._start_gunicorn()


def _flush_cache(stack: Stack) -> None:
    subprocess.run(
        ["redis-cli", "-p", str(stack.cache_port), "FLUSHALL"], check=True, capture_output=True
    )


class Poller:
    """Client threads polling the feeds; every request's time and status kept."""

    def __init__(self, base: str, paths: list[str], threads: int) -> None:
        self.base, self.paths, self.threads = base, paths, threads
        self.times: list[float] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._workers: list[threading.Thread] = []

    def _run(self, offset: int) -> None:
        i = offset
        while not self._stop.is_set():
            path = self.paths[i % len(self.paths)]
            i += 1
            t = time.perf_counter()
            try:
                request = urllib.request.Request(self.base + path, headers=PROXY_HEADERS)
                with urllib.request.urlopen(request, timeout=60) as response:
                    response.read()
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError as error:
                status = 0
                with self._lock:
                    self.errors.append(f"{path}: {error}")
            elapsed = (time.perf_counter() - t) * 1000
            with self._lock:
                self.times.append(elapsed)
                if status != 200:
                    self.errors.append(f"{path}: HTTP {status}")

    def __enter__(self) -> Poller:
        for n in range(self.threads):
            thread = threading.Thread(target=self._run, args=(n,), daemon=True)
            thread.start()
            self._workers.append(thread)
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._workers:
            thread.join(timeout=120)


def _summary(times: list[float]) -> dict:
    ordered = sorted(times)
    return {
        "requests": len(ordered),
        "p50": statistics.median(ordered),
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        "max": ordered[-1],
        "over": sum(1 for t in ordered if t > LIMIT_MS),
    }


def scenario(
    stack: Stack, *, name: str, paths: list[str], threads: int, limit: float, n: int
) -> dict:
    current = _new_site(stack, n)
    worker = None
    if name.startswith("worker"):
        worker = stack._spawn(
            "celery-worker",
            [
                PYTHON,
                "-m",
                "celery",
                "--app",
                "calendar_service",
                "worker",
                "--queues",
                "interactive",
                "--concurrency",
                "1",
                "--loglevel",
                "INFO",
            ],
        )
        time.sleep(5)  # the worker connects
    stale = _stale(stack.database, current)
    if name == "worker-empty-cache":
        _flush_cache(stack)
    _restart_web(stack)
    print(f"  {name}: {stale:,} pieces made stale; polling", flush=True)
    started = time.monotonic()
    done_at = None
    with Poller(stack.web, paths, threads) as poller:
        while time.monotonic() - started < limit:
            time.sleep(1)
            left = _stale(stack.database, current)
            if left == 0 and done_at is None:
                done_at = time.monotonic() - started
                print(f"  {name}: every piece current after {done_at:.1f} s", flush=True)
            if done_at is not None and time.monotonic() - started > done_at + 5:
                break
    during = _summary(poller.times)
    during["errors"] = poller.errors[:5]
    during["error_count"] = len(poller.errors)
    during["current_after"] = done_at
    during["left"] = _stale(stack.database, current)
    if worker is not None:
        worker.terminate()
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:  # still in the job (--limit reached): stop it
            worker.kill()
            worker.wait(timeout=60)
        stack.processes.remove(worker)
    return during


def steady(stack: Stack, *, paths: list[str], threads: int, seconds: float) -> dict:
    with Poller(stack.web, paths, threads) as poller:
        time.sleep(seconds)
    result = _summary(poller.times)
    result["error_count"] = len(poller.errors)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.bulk_rebuild", description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--database", default="roskilde_bulk_bench")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--limit", type=float, default=300.0, help="seconds per scenario")
    parser.add_argument(
        "--scenario", action="append", choices=["worker", "worker-empty-cache", "no-worker"]
    )
    args = parser.parse_args(argv)
    header = f"{datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, {machine()}"
    paths = ["/feeds/calendar.ics"] + [
        f"/feeds/branch/{slug}.ics"
        for slug in ("roskilde", "jyllinge", "viby", "gundsoemagle", "gadstrup")
    ]
    rows = []
    with Stack(events=args.events, database=args.database, reuse=True) as stack:
        print(f"stack up: {stack.web}, logs in {stack.dir}", flush=True)
        # Every feed cached first, as a running service has them.
        steady(stack, paths=paths, threads=args.threads, seconds=5)
        for n, name in enumerate(args.scenario or ["worker", "worker-empty-cache", "no-worker"]):
            during = scenario(
                stack, name=name, paths=paths, threads=args.threads, limit=args.limit, n=n
            )
            if during["left"]:
                # Leave the database current for the next scenario and the steady state.
                subprocess.run(
                    [
                        PYTHON,
                        "-c",
                        "import django; django.setup(); "
                        "from feeds.tasks import pieces_rebuild_task; pieces_rebuild_task()",
                    ],
                    env=stack.env,
                    cwd=ROOT,
                    check=True,
                )
            after = steady(stack, paths=paths, threads=args.threads, seconds=10)
            rows.append((name, during, after))
            print(f"  {name}: during {during}, steady {after}", flush=True)
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(f"\n{header}; load average at the end {' '.join(load)}\n{versions()}")
    print(
        f"{args.events:,} events; {args.threads} client threads polling the all-branches calendar "
        f"and the five branch calendars in turn\n"
    )
    print(
        "| scenario | requests during | p50 | p99 | max | over 2 s | errors "
        "| every piece current after | steady state p99 | steady max | max / steady p99 |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, d, s in rows:
        current = (
            f"{d['current_after']:.0f} s" if d["current_after"] else f"not ({d['left']:,} left)"
        )
        print(
            f"| {name} | {d['requests']:,} | {d['p50']:.0f} ms | {d['p99']:.0f} ms "
            f"| {d['max']:.0f} ms | {d['over']} | {d['error_count']} | {current} "
            f"| {s['p99']:.0f} ms | {s['max']:.0f} ms | {d['max'] / s['p99']:.2f}x |"
        )
        for error in d["errors"]:
            print(f"  error: {error}")


if __name__ == "__main__":
    main()
