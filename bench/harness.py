"""The production benchmark harness: gunicorn, PostgreSQL, Redis, real HTTP, wrk.

    .venv/bin/python -m bench.harness --events 1000                    # the default cases
    .venv/bin/python -m bench.harness --events 1000 --case feed=/feeds/calendar.ics \\
        --case feed-304=/feeds/calendar.ics@304 --case healthz=/healthz@solo

What runs, as production runs it (Dockerfile, docker-compose.yml):

- gunicorn with ``calendar_service/gunicorn.conf.py`` (only ``--bind`` is overridden, to a
  spare port), ``WEB_CONCURRENCY`` as compose sets it (3), ``LOG_JSON=true``, DEBUG off, every
  middleware; ``DJANGO_SETTINGS_MODULE=bench.settings``, which is the production settings plus
  the bare view of ``bench.urls``;
- PostgreSQL: a database of its own (``--database``, created and migrated; with ``--reuse`` kept
  when it already holds the same number of events), filled by a bench data generator
  (``--seed``, default ``bench.feeds:seed``), pieces built as after-commit would;
- Redis: two redis-server processes of its own, as compose runs them: the cache (allkeys-lru
  with a maxmemory) and the broker (noeviction);
- nginx serving the same bytes from files, as the physical limit of the machine;
- wrk at each concurrency (default 16 and 64), each side for ``--duration`` seconds, the sides
  interleaved within each of ``--reps`` repetitions (default 3), after a warm-up.

For each case the harness first fetches the target once (status checked), writes its body, and
times three sides: the target URL, the bare Django view answering the same bytes (same server,
same worker processes, same middleware) and nginx answering the same file. A ``@304`` case sends
If-None-Match with each side's own ETag (each side must answer 304). ``@solo`` times the target
alone (e.g. ``/healthz`` latency). Results: requests per second and latency percentiles per
side, and per repetition the ratio target time / bare time (= bare req/s / target req/s at the
same concurrency); the report gives medians and the spread (min-max) of the repetitions. It
also gives the server's CPU time per request on each side (gunicorn's or nginx's processes,
from /proc): on a shared, loaded machine wall-clock throughput mostly measures the other
processes, while CPU per request is the work each side does.

Other benchmarks use it as a library::

    from bench.harness import Case, Stack, measure, render

    with Stack(events=1000) as stack:
        results = measure(stack, [Case("feed", "/feeds/calendar.ics")])
    print(render(results))

Ports come from ``BENCH_PORTS`` (default 9700-9799); everything started is stopped on exit.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
WRK = shutil.which("wrk") or "/usr/bin/wrk"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
# Production sits behind a TLS proxy that says so: without this header the site redirects.
PROXY_HEADERS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1"}


@dataclass(frozen=True)
class Case:
    """What to time: ``path`` on the server; ``mode`` is "200" (compare with the same bytes),
    "304" (conditional, compare with a bare 304) or "solo" (the target alone)."""

    label: str
    path: str
    mode: str = "200"
    headers: dict = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> Case:
        label, _sep, rest = text.partition("=")
        target, _at, mode = rest.partition("@")
        return cls(label, target, mode or "200")


DEFAULT_CASES = [
    Case("calendar.ics, all branches", "/feeds/calendar.ics"),
    Case("calendar.ics, conditional (304)", "/feeds/calendar.ics", "304"),
    Case("one branch and track", "/feeds/branch/gadstrup.ics?track=hygge"),
    Case("/healthz", "/healthz", "solo"),
]


# --- processes ------------------------------------------------------------------------------


def free_ports(count: int) -> list[int]:
    low, high = (int(p) for p in os.environ.get("BENCH_PORTS", "9700-9799").split("-"))
    found = []
    for port in range(low, high + 1):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        found.append(port)
        if len(found) == count:
            return found
    raise RuntimeError(f"no {count} free ports in {low}-{high}")


def wait_for_port(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port} after {timeout} s")


def _database_url(name: str) -> str:
    base = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    return base.rsplit("/", 1)[0] + "/" + name


class Stack:
    """The production stack on spare ports, for the lifetime of a ``with`` block."""

    def __init__(
        self,
        *,
        events: int = 1000,
        database: str = "roskilde_feedperf_bench",
        seed: str = "bench.feeds:seed",
        reuse: bool = False,
        workers: int = 3,
        extra_env: dict | None = None,
    ) -> None:
        self.events, self.database, self.seed, self.reuse = events, database, seed, reuse
        self.workers = workers
        self.extra_env = extra_env or {}
        self.dir = Path(tempfile.mkdtemp(prefix="bench-harness-"))
        self.dir.chmod(0o755)
        self.bodies = self.dir / "bodies"
        self.bodies.mkdir()
        self.bodies.chmod(0o755)
        self.processes: list[subprocess.Popen] = []
        self.gunicorn_pid = self.nginx_pid = 0
        ports = free_ports(4)
        self.web_port, self.nginx_port, self.cache_port, self.broker_port = ports
        self.env = self._environment()

    @property
    def web(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def nginx(self) -> str:
        return f"http://127.0.0.1:{self.nginx_port}"

    def _environment(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN"))}
        env.update(
            DJANGO_SETTINGS_MODULE="bench.settings",
            PYTHONPATH=str(ROOT),
            DEBUG="false",
            SECRET_KEY="bench-harness-not-a-secret-" + "x" * 40,
            ALLOWED_HOSTS="127.0.0.1,localhost",
            SITE_URL="https://kalender.example.org",
            DATABASE_URL=_database_url(self.database),
            REDIS_URL=f"redis://127.0.0.1:{self.broker_port}/0",
            REDIS_CACHE_URL=f"redis://127.0.0.1:{self.cache_port}/0",
            CELERY_BROKER_URL=f"redis://127.0.0.1:{self.broker_port}/0",
            WEB_CONCURRENCY=str(self.workers),
            GUNICORN_TIMEOUT="30",
            LOG_JSON="true",
            LOG_LEVEL="INFO",
            # Collected once per worktree (var/ is not in git): it takes a minute or two.
            STATIC_ROOT=str(ROOT / "var" / "bench-static"),
            BENCH_BODIES_DIR=str(self.bodies),
            # Only the address differs from production (and gunicorn's control socket, which
            # would otherwise be shared by every gunicorn on the machine).
            GUNICORN_CMD_ARGS=(
                f"--bind 127.0.0.1:{self.web_port} --control-socket {self.dir}/gunicorn.ctl"
            ),
        )
        env.update(self.extra_env)
        return env

    # -- lifetime --

    def __enter__(self) -> Stack:
        try:
            self._start_redis()
            self._prepare_database()
            self._start_gunicorn()
            self._start_nginx()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in reversed(self.processes):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()

    def _spawn(self, name: str, command: list[str], **kwargs) -> subprocess.Popen:
        log = open(self.dir / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=self.env, cwd=ROOT, **kwargs
        )
        self.processes.append(process)
        return process

    def _start_redis(self) -> None:
        common = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        cache = ["--maxmemory", "512mb", "--maxmemory-policy", "allkeys-lru"]
        self._spawn(
            "redis-cache",
            [REDIS_SERVER, "--port", str(self.cache_port), *common, *cache],
        )
        self._spawn(
            "redis-broker",
            [
                REDIS_SERVER,
                "--port",
                str(self.broker_port),
                *common,
                "--maxmemory-policy",
                "noeviction",
            ],
        )
        wait_for_port(self.cache_port)
        wait_for_port(self.broker_port)

    def manage(self, *args: str, timeout: float = 3600) -> None:
        subprocess.run(
            [PYTHON, "manage.py", *args], env=self.env, cwd=ROOT, check=True, timeout=timeout
        )

    def _prepare_database(self) -> None:
        import psycopg

        admin = _database_url("postgres")
        with psycopg.connect(admin, autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [self.database]
            ).fetchone()
            if exists and not self.reuse:
                conn.execute(f'DROP DATABASE "{self.database}" WITH (FORCE)')
                exists = None
            if not exists:
                conn.execute(f'CREATE DATABASE "{self.database}"')
        self.manage("migrate", "--noinput", "-v", "0")
        if not (ROOT / "var" / "bench-static" / "staticfiles.json").exists() or not self.reuse:
            self.manage("collectstatic", "--noinput", "-v", "0")
        self.manage("compile_translations")
        # Seed in a child process with the production settings (one code path for both).
        subprocess.run(
            [
                PYTHON,
                "-m",
                "bench.harness",
                "--seed-only",
                "--events",
                str(self.events),
                "--seed",
                self.seed,
            ],
            env=self.env,
            cwd=ROOT,
            check=True,
        )

    def _start_gunicorn(self) -> None:
        self.gunicorn_pid = self._spawn(
            "gunicorn",
            [
                PYTHON,
                "-m",
                "gunicorn",
                "--config",
                "calendar_service/gunicorn.conf.py",
                "calendar_service.wsgi:application",
            ],
        ).pid
        wait_for_port(self.web_port)
        # Workers are forked after the port opens: wait until one answers.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                fetch(self.web + "/healthz")
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn does not answer; see {self.dir / 'gunicorn.log'}")

    def _start_nginx(self) -> None:
        user = "user root;" if os.geteuid() == 0 else ""
        conf = self.dir / "nginx.conf"
        conf.write_text(
            f"""{user}
worker_processes 2;
daemon off;
pid {self.dir}/nginx.pid;
error_log {self.dir}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path {self.dir}/nginx-body;
    proxy_temp_path {self.dir}/nginx-proxy;
    fastcgi_temp_path {self.dir}/nginx-fastcgi;
    uwsgi_temp_path {self.dir}/nginx-uwsgi;
    scgi_temp_path {self.dir}/nginx-scgi;
    server {{
        listen 127.0.0.1:{self.nginx_port};
        root {self.bodies};
        default_type application/octet-stream;
        location / {{ }}
    }}
}}
"""
        )
        self.nginx_pid = self._spawn("nginx", [NGINX, "-p", str(self.dir), "-c", str(conf)]).pid
        wait_for_port(self.nginx_port)

    # -- bodies --

    def body_for(self, case: Case, name: str) -> tuple[str, str, str]:
        """Fetch the target once, check its status, and write its body where the bare view and
        nginx serve it. Returns the bare view's URL, nginx's URL, and the target's ETag."""
        status, headers, body = fetch(self.web + case.path, case.headers)
        if status != 200:
            raise RuntimeError(f"{case.path} answered {status}, not 200")
        (self.bodies / name).write_bytes(body)
        etag = headers.get("ETag", '"bare"')
        (self.bodies / f"{name}.etag").write_text(etag)
        (self.bodies / f"{name}.type").write_text(headers.get("Content-Type", "text/plain"))
        return f"{self.web}/__bench__/bare/{name}", f"{self.nginx}/{name}", etag


def fetch(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers={**PROXY_HEADERS, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


# --- wrk ------------------------------------------------------------------------------------

_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def _seconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


@dataclass
class Run:
    rps: float
    p50: float
    p99: float
    requests: int
    bad: int  # non-2xx/3xx answers and socket errors
    cpu: float = 0.0  # CPU seconds the server (gunicorn or nginx, all processes) used meanwhile

    @property
    def cpu_per_request(self) -> float:
        return self.cpu / self.requests if self.requests else 0.0


_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds used) of a process, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK


def tree_cpu(root: int) -> float:
    """CPU seconds used by a process and its children (gunicorn's or nginx's workers): on a
    shared machine a noise-proof measure of the work per request, which waiting for a CPU does
    not inflate as it inflates wall-clock time."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            found = _stat(int(entry.name))
            if found and (found[0] == root or int(entry.name) == root):
                total += found[1]
    return total


def wrk(url: str, *, connections: int, duration: float, headers: dict | None = None) -> Run:
    command = [
        WRK,
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        "--latency",
    ]
    for name, value in {**PROXY_HEADERS, **(headers or {})}.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=duration + 60
    ).stdout
    percentiles = dict(re.findall(r"^\s*(50|99)(?:\.0+)?%\s+(\S+)", output, re.MULTILINE))
    if "50" not in percentiles or "99" not in percentiles:
        raise RuntimeError(f"wrk printed no latency distribution for {url}:\n{output}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    bad = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    errors = re.search(r"Socket errors: (.*)", output)
    if errors:
        bad += sum(int(n) for n in re.findall(r"\d+", errors.group(1)))
    return Run(rps, _seconds(percentiles["50"]), _seconds(percentiles["99"]), requests, bad)


# --- measuring ------------------------------------------------------------------------------


@dataclass
class Result:
    case: Case
    connections: int
    sides: dict[str, list[Run]]  # "target", "bare", "nginx" -> one Run per repetition

    def ratios(self, peer: str) -> list[float]:
        return [b.rps / t.rps for t, b in zip(self.sides["target"], self.sides[peer], strict=True)]

    def cpu_ratios(self, peer: str) -> list[float]:
        pairs = zip(self.sides["target"], self.sides[peer], strict=True)
        return [t.cpu_per_request / b.cpu_per_request for t, b in pairs if b.cpu_per_request]


def _sides(stack: Stack, case: Case, index: int) -> dict[str, tuple[str, dict]]:
    target = (stack.web + case.path, dict(case.headers))
    if case.mode == "solo":
        return {"target": target}
    name = f"case{index}"
    bare_url, nginx_url, etag = stack.body_for(case, name)
    sides = {"target": target, "bare": (bare_url, {}), "nginx": (nginx_url, {})}
    if case.mode == "304":
        sides = {
            side: (url, {**headers, "If-None-Match": _etag_of(url, headers, side, etag)})
            for side, (url, headers) in sides.items()
        }
        for side, (url, headers) in sides.items():
            status = fetch(url, headers)[0]
            if status != 304:
                raise RuntimeError(f"{side} {url} answered {status} to If-None-Match, not 304")
    return sides


def _etag_of(url: str, headers: dict, side: str, target_etag: str) -> str:
    if side == "target":
        return target_etag
    return fetch(url, headers)[1].get("ETag", "")


def measure(
    stack: Stack,
    cases: list[Case],
    *,
    concurrencies: tuple[int, ...] = (16, 64),
    reps: int = 3,
    duration: float = 5.0,
    warmup: float = 1.0,
) -> list[Result]:
    """Time every case at every concurrency, the sides interleaved in each repetition."""
    results = []
    for index, case in enumerate(cases):
        sides = _sides(stack, case, index)
        for url, headers in sides.values():
            wrk(url, connections=16, duration=warmup, headers=headers)
        for connections in concurrencies:
            runs: dict[str, list[Run]] = {side: [] for side in sides}
            for rep in range(reps):
                order = list(sides) if rep % 2 == 0 else list(reversed(sides))
                for side in order:
                    url, headers = sides[side]
                    server = stack.nginx_pid if side == "nginx" else stack.gunicorn_pid
                    before = tree_cpu(server)
                    run = wrk(url, connections=connections, duration=duration, headers=headers)
                    run.cpu = tree_cpu(server) - before
                    if run.bad or not run.requests:
                        raise RuntimeError(f"{side} {url}: {run.bad} bad answers of {run.requests}")
                    runs[side].append(run)
                print(
                    f"  {case.label} c{connections} rep {rep + 1}: "
                    + ", ".join(f"{s} {runs[s][-1].rps:.0f} req/s" for s in sides),
                    flush=True,
                )
            results.append(Result(case, connections, runs))
    return results


# --- report ---------------------------------------------------------------------------------


def _spread(values: list[float], fmt: str) -> str:
    median = statistics.median(values)
    return f"{fmt.format(median)} ({fmt.format(min(values))}-{fmt.format(max(values))})"


def _ms(values: list[float]) -> str:
    return _spread([v * 1000 for v in values], "{:.1f}") + " ms"


def _us(values: list[float]) -> str:
    return _spread([v * 1e6 for v in values], "{:.0f}") + " us"


def render(results: list[Result]) -> str:
    """A Markdown table: median (min-max) of the repetitions for every figure."""
    lines = [
        "| what | c | target req/s | bare view req/s | nginx req/s | target / bare view "
        "| target / nginx | target p50 | target p99 | bare view p99 "
        "| server CPU per request: target | bare view | target / bare view |",
        "| --- |" + " ---: |" * 12,
    ]
    for r in results:
        target = r.sides["target"]
        cells = [f"{r.case.label} (`{r.case.path}`)", str(r.connections)]
        cells.append(_spread([x.rps for x in target], "{:.0f}"))
        for peer in ("bare", "nginx"):
            peer_runs = r.sides.get(peer)
            cells.append(_spread([x.rps for x in peer_runs], "{:.0f}") if peer_runs else "")
        for peer in ("bare", "nginx"):
            cells.append(_spread(r.ratios(peer), "{:.2f}x") if peer in r.sides else "")
        cells.append(_ms([x.p50 for x in target]))
        cells.append(_ms([x.p99 for x in target]))
        bare = r.sides.get("bare")
        cells.append(_ms([x.p99 for x in bare]) if bare else "")
        cells.append(_us([x.cpu_per_request for x in target]))
        cells.append(_us([x.cpu_per_request for x in bare]) if bare else "")
        cells.append(_spread(r.cpu_ratios("bare"), "{:.2f}x") if bare else "")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def as_json(results: list[Result]) -> list[dict]:
    return [
        {
            "case": r.case.label,
            "path": r.case.path,
            "mode": r.case.mode,
            "connections": r.connections,
            "sides": {s: [vars(run) for run in runs] for s, runs in r.sides.items()},
        }
        for r in results
    ]


def machine() -> str:
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    cpu = next(
        (ln.split(":", 1)[1].strip() for ln in lscpu.splitlines() if ln.startswith("Model name")),
        platform.processor() or "unknown CPU",
    )
    load = os.getloadavg()[0]
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, load average {load:.1f} at the start"
    )


def versions() -> str:
    def out(command: list[str]) -> str:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        return (done.stdout + done.stderr).strip().splitlines()[0]

    import gunicorn

    return (
        f"gunicorn {gunicorn.__version__}, {out([NGINX, '-v'])}, "
        f"{out([REDIS_SERVER, '--version']).split(' sha')[0]}, {out(['psql', '--version'])}"
    )


# --- seeding (run in a child process with the server's settings) -----------------------------


def seed_only(events: int, seed: str) -> None:
    import django

    django.setup()
    from events.models import Event
    from feeds.pieces import pieces_refresh

    if Event.objects.count() == events:
        print(f"database already holds {events} events; kept", flush=True)
        return
    if Event.objects.exists():
        raise SystemExit("the database holds other data; run without --reuse")
    module, _sep, function = seed.partition(":")
    t = time.perf_counter()
    ids = getattr(importlib.import_module(module), function)(events)
    pieces_refresh(event_ids=ids)  # what events_changed does after each commit
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # what autovacuum does soon after a bulk load
    print(f"seeded {events} events in {time.perf_counter() - t:.1f} s", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.harness", description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--database", default="roskilde_feedperf_bench")
    parser.add_argument("--seed", default="bench.feeds:seed", help="module:function(n) -> ids")
    parser.add_argument("--reuse", action="store_true", help="keep a database of the same size")
    parser.add_argument("--case", action="append", help="label=/path[@304|@solo]")
    parser.add_argument("--concurrency", type=int, action="append")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--json", help="also write the raw figures to this file")
    parser.add_argument("--seed-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.seed_only:
        seed_only(args.events, args.seed)
        return
    cases = [Case.parse(c) for c in args.case] if args.case else DEFAULT_CASES
    started = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    header = f"{started}, {machine()}"
    with Stack(events=args.events, database=args.database, seed=args.seed, reuse=args.reuse) as s:
        print(f"stack up: {s.web} (gunicorn), {s.nginx} (nginx), logs in {s.dir}", flush=True)
        results = measure(
            s,
            cases,
            concurrencies=tuple(args.concurrency or (16, 64)),
            reps=args.reps,
            duration=args.duration,
        )
    print(
        f"\n{header}\n{versions()}\n{args.events:,} events, {args.reps} repetitions of "
        f"{args.duration:g} s per side, wrk -t2\n"
    )
    print(render(results))
    if args.json:
        Path(args.json).write_text(json.dumps(as_json(results), indent=1))


if __name__ == "__main__":
    main()
