"""Benchmark: reads for people and programs as production serves them.

    BENCH_PORTS=9800-9899 .venv/bin/python -m bench.api --events 1000 --events 50000

For each data size, through ``bench.harness`` (gunicorn with the project's config, PostgreSQL,
the Redis cache, real HTTP, wrk at concurrency 16 and 64, three repetitions, side by side with
a bare Django view answering the same bytes in the same server, and with nginx serving them):

* ``/api/v1/events/`` and ``/api/v1/occurrences/``, the first page of 50 (target: within 5x the
  bare view; each object's representation is kept in the cache, ``events.api.representations``);
* an event page and a branch page (target: within 5x);
* the front page ``/`` (target: within 10x; under 100 KB is tested in tests/pages/test_find.py).

The pages are answered to anonymous visitors from a copy kept by the feeds' generation
(``pages/cache.py``); ``--only page`` times the three pages alone.

The data is ``bench.feeds:seed`` (five branches, events around today). Databases are named
``roskilde_apiperf_bench_<events>`` (``--database-prefix``) and kept with ``--reuse``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from datetime import datetime

from bench import harness
from bench.harness import PROXY_HEADERS, Case, Stack, fetch, machine, measure, render, versions


def patient_wrk(timeout: str) -> None:
    """Make the harness's wrk wait ``timeout`` for an answer (wrk's default, 2 s, counts a slow
    answer under a loaded machine as an error): a wrapper script in front of the same wrk."""
    folder = tempfile.mkdtemp(prefix="bench-api-")
    wrapper = os.path.join(folder, "wrk")
    with open(wrapper, "w") as f:
        f.write(f'#!/bin/sh\nexec {harness.WRK} --timeout {timeout} "$@"\n')
    os.chmod(wrapper, 0o755)
    harness.WRK = wrapper


def cases(stack: Stack) -> list[Case]:
    """The cases, with an event and a branch the data holds."""
    status, _headers, body = fetch(f"{stack.web}/api/v1/events/", PROXY_HEADERS)
    assert status == 200, status
    first = json.loads(body)["results"][0]
    return [
        Case("/api/v1/events/ (page of 50)", "/api/v1/events/"),
        Case("/api/v1/occurrences/ (page of 50)", "/api/v1/occurrences/"),
        Case("event page", f"/arrangementer/{first['id']}/"),
        Case("branch page", f"/biblioteker/{first['branch']['slug']}/"),
        Case("front page /", "/"),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.api", description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, action="append")
    parser.add_argument("--database-prefix", default="roskilde_apiperf_bench")
    parser.add_argument("--reuse", action="store_true", help="keep databases of the same size")
    parser.add_argument("--concurrency", type=int, action="append")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--json", help="also write the raw figures to this file")
    parser.add_argument("--wrk-timeout", default="30s", help="wrk's --timeout (default 30s)")
    parser.add_argument(
        "--only",
        action="append",
        help="time only the cases whose label contains this (--only api, --only page); repeatable",
    )
    args = parser.parse_args(argv)
    patient_wrk(args.wrk_timeout)
    raw = {}
    for events in args.events or [1000, 50000]:
        started = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
        with Stack(
            events=events, database=f"{args.database_prefix}_{events}", reuse=args.reuse
        ) as stack:
            print(f"stack up: {stack.web} (gunicorn), {stack.nginx} (nginx)", flush=True)
            chosen = [
                case
                for case in cases(stack)
                if not args.only or any(word in case.label for word in args.only)
            ]
            results = measure(
                stack,
                chosen,
                concurrencies=tuple(args.concurrency or (16, 64)),
                reps=args.reps,
                duration=args.duration,
            )
        print(
            f"\n{started}, {machine()}\n{versions()}\n{events:,} events, {args.reps} "
            f"repetitions of {args.duration:g} s per side, wrk -t2\n",
            flush=True,
        )
        print(render(results), flush=True)
        raw[events] = [r.__dict__ for r in results]
    if args.json:
        with open(args.json, "w") as f:
            json.dump(raw, f, indent=1, default=str)


if __name__ == "__main__":
    main()
