"""The compose stack without containers: the migrate, web, worker, worker-reports and beat
commands of docker-compose.yml run as plain processes of this virtualenv, with the compose
environment, against the local PostgreSQL and Redis.

Only the hosts and names change: ``db`` and ``redis`` become the local servers, the database is
one this test creates and drops, Redis is an empty database number this test claims and
flushes, and web listens on a free port. Image-internal paths (static files, the beat schedule)
go to a temporary folder. Every process is stopped by the test.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shelve
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from events.clock import ZONE_NAME
from tests.conftest import require
from tests.deploy import compose

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

VENV_BIN = Path(sys.executable).parent
STARTUP_SECONDS = 90
JOB_SECONDS = 120
# Nightly beat entry this test makes due at once (its last run two days ago).
DUE_TASK = "tasks.tasks.occurrences_extend_horizon_task"
# The status API's on-demand recompute: answers with a job to poll (tasks/api).
RECOMPUTE_PATH = "/api/v1/status/recompute/"


# --- local servers ------------------------------------------------------------------------------


def _server_urls() -> tuple[str, str]:
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    require(database_url.startswith(("postgres://", "postgresql://")), "PostgreSQL (DATABASE_URL)")
    require(redis_url.startswith("redis://"), "Redis (REDIS_URL)")
    return database_url, redis_url


def _with(url: str, *, netloc: str | None = None, path: str | None = None) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=netloc or parts.netloc, path=path or parts.path))


@pytest.fixture
def smoke_database():
    """A PostgreSQL database of this test's own on the local server, dropped afterwards."""
    import psycopg

    server_url, _ = _server_urls()
    name = f"roskilde_smoke_{os.getpid()}_{secrets.token_hex(3)}"
    admin_url = _with(server_url, path="/postgres")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with(server_url, path=f"/{name}")
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def smoke_redis():
    """An empty Redis database number, claimed for this test and flushed afterwards, so its
    worker never takes jobs of another developer's worker (and the reverse)."""
    import redis

    _, server_url = _server_urls()
    probe = redis.Redis.from_url(server_url)
    count = int(probe.config_get("databases").get("databases", 16))
    probe.close()
    for number in range(count - 1, 0, -1):
        url = _with(server_url, path=f"/{number}")
        client = redis.Redis.from_url(url)
        if client.dbsize() == 0 and client.set(
            "roskilde:smoke-claim", os.getpid(), nx=True, ex=900
        ):
            try:
                yield url
            finally:
                client.flushdb()
                client.close()
            return
        client.close()
    pytest.fail("no empty Redis database number to run the stack in")


# --- processes ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def tail(self, lines: int = 40) -> str:
        return f"--- {self.name} ---\n" + "\n".join(self.output().splitlines()[-lines:])

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM (graceful: gunicorn and Celery finish what they run), then SIGKILL the
        process group this test started if it does not end in time."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(10)
        return self.popen.returncode


class Stack:
    """The compose services' commands and environments, started as local processes."""

    def __init__(self, tmp_path: Path, database_url: str, redis_url: str) -> None:
        self.tmp_path = tmp_path
        self.port = _free_port()
        self.processes: list[Process] = []
        variables = {
            "SECRET_KEY": secrets.token_urlsafe(50),
            "POSTGRES_PASSWORD": "replaced-by-the-local-server-url",
            # Two shared cores: one process each.
            "WEB_CONCURRENCY": "1",
            "WORKER_CONCURRENCY": "1",
            "REPORTS_WORKER_CONCURRENCY": "1",
        }
        self.services = compose.load(variables)["services"]
        self.database_url = database_url
        self.redis_url = redis_url

    def command(self, service: str) -> list[str]:
        cmd = compose.command(self.services[service])
        assert (VENV_BIN / cmd[0]).exists(), f"{cmd[0]} is not in {VENV_BIN}"
        return cmd

    def environment(self, service: str) -> dict[str, str]:
        env = compose.environment(self.services[service])
        assert urlsplit(env["DATABASE_URL"]).hostname == "db"
        assert urlsplit(env["REDIS_URL"]).hostname == "redis"
        assert urlsplit(env["REDIS_CACHE_URL"]).hostname == "redis-cache"
        env["DATABASE_URL"] = self.database_url
        env["REDIS_URL"] = self.redis_url
        env["REDIS_CACHE_URL"] = self.redis_url  # one local Redis plays both services here
        return {
            # What the image provides: its PATH with the dependencies, its WORKDIR on the path.
            "PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.tmp_path),
            "LANG": "C.UTF-8",
            "PYTHONPATH": str(compose.ROOT),
            "PYTHONUNBUFFERED": "1",
            # Paths inside the image, here in the test's folder.
            "STATIC_ROOT": str(self.tmp_path / "static"),
            "CELERY_BEAT_SCHEDULE_FILENAME": str(self.tmp_path / "celerybeat-schedule"),
            "GUNICORN_CMD_ARGS": f"--bind 127.0.0.1:{self.port}",
            **env,
        }

    def run(
        self, service: str, *args: str, extra_env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess:
        """Like ``docker compose run --rm [-e ...] SERVICE [ARGS]``."""
        return subprocess.run(
            list(args) or self.command(service),
            cwd=compose.ROOT,
            env={**self.environment(service), **(extra_env or {})},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def start(self, service: str) -> Process:
        log = self.tmp_path / f"{service}.log"
        with log.open("wb") as out:
            popen = subprocess.Popen(
                self.command(service),
                cwd=compose.ROOT,
                env=self.environment(service),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        process = Process(service, popen, log)
        self.processes.append(process)
        return process

    def logs(self) -> str:
        return "\n".join(process.tail() for process in self.processes)

    def stop_all(self) -> dict[str, int]:
        return {process.name: process.stop() for process in reversed(self.processes)}


@pytest.fixture
def stack(tmp_path, smoke_database, smoke_redis):
    stack = Stack(tmp_path, smoke_database, smoke_redis)
    try:
        yield stack
    finally:
        stack.stop_all()


# --- HTTP -------------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _http(stack: Stack, path: str, *, method="GET", data=None, https=True, token=None) -> Reply:
    headers = {"Accept": "application/json"}
    if https:  # as the TLS proxy in front of web says
        headers["X-Forwarded-Proto"] = "https"
    if token:
        headers["Authorization"] = f"Token {token}"
    body = None
    if data is not None:
        body = json.dumps(data).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(
        f"http://127.0.0.1:{stack.port}{path}", data=body, headers=headers, method=method
    )
    try:
        with _opener.open(request, timeout=30) as response:
            return Reply(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, dict(error.headers), error.read())


def _wait_until_ready(stack: Stack, web: Process) -> Reply:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert web.popen.poll() is None, "web exited\n" + stack.logs()
        with contextlib.suppress(OSError):
            reply = _http(stack, "/readyz", https=False)
            if reply.status == 200:
                return reply
        time.sleep(0.5)
    pytest.fail("web did not answer /readyz in time\n" + stack.logs())


# --- the job and beat -----------------------------------------------------------------------------


def _api_token(stack: Stack) -> str:
    """An administrator and an API token, as the README tells an operator to create them."""
    created = stack.run(
        "web", "python", "manage.py", "createsuperuser", "--noinput",
        "--username", "smoke-admin", "--email", "smoke-admin@example.org",
        extra_env={"DJANGO_SUPERUSER_PASSWORD": secrets.token_urlsafe(16)},
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    token = stack.run("web", "python", "manage.py", "drf_create_token", "smoke-admin")
    assert token.returncode == 0, token.stderr
    return re.search(r"Generated token (\w+)", token.stdout).group(1)


def _seed_beat_schedule(stack: Stack) -> str:
    """Write beat's schedule state as if the nightly horizon job last ran two days ago, so beat
    finds it due at once. Returns the entry's name."""
    from celery import __version__ as celery_version
    from celery.beat import ScheduleEntry

    from calendar_service.celery import app

    name, entry = next(
        (name, entry) for name, entry in app.conf.beat_schedule.items() if entry["task"] == DUE_TASK
    )
    due = ScheduleEntry(
        name=name,
        task=entry["task"],
        schedule=entry["schedule"],
        args=entry.get("args", ()),
        kwargs=entry.get("kwargs", {}),
        options=entry.get("options", {}),
        last_run_at=datetime.now(UTC) - timedelta(days=2),
        app=app,
    )
    path = stack.environment("beat")["CELERY_BEAT_SCHEDULE_FILENAME"]
    with shelve.open(path) as store:
        store["entries"] = {name: due}
        store["__version__"] = celery_version
        store["tz"] = ZONE_NAME  # the service's zone, not configurable (events/clock.py)
        store["utc_enabled"] = True
    return name


def _log_messages(process: Process) -> list[str]:
    """Messages of the JSON log lines (the services log JSON under compose)."""
    messages = []
    for line in process.output().splitlines():
        with contextlib.suppress(ValueError):
            messages.append(json.loads(line)["message"])
    return messages


def _wait_for(predicate, what: str, stack: Stack, seconds: float = JOB_SECONDS):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.5)
    pytest.fail(f"{what} did not happen in {seconds}s\n" + stack.logs())


# --- the test ----------------------------------------------------------------------------------


def test_stack_runs_from_the_compose_commands(stack):
    migrate = stack.run("migrate")
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    assert "Applying" in migrate.stdout
    # The image build step: compiled translations and collected static files.
    for step in (["compile_translations"], ["collectstatic", "--noinput"]):
        built = stack.run("web", "python", "manage.py", *step)
        assert built.returncode == 0, built.stderr
    token = _api_token(stack)
    due_entry = _seed_beat_schedule(stack)

    web = stack.start("web")
    worker = stack.start("worker")
    reports_worker = stack.start("worker-reports")
    beat = stack.start("beat")

    # web: ready, production settings in force, static files from WhiteNoise.
    ready = _wait_until_ready(stack, web)
    assert ready.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}
    assert _http(stack, "/", https=False).status == 301  # plain HTTP goes to HTTPS
    login = _http(stack, "/admin/login/")
    assert login.status == 200
    assert "nonce-" in login.headers["Content-Security-Policy"]
    stylesheet = re.search(rb'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', login.body)
    assert stylesheet, "admin CSS is not served under its hashed name"
    css = _http(stack, stylesheet.group(1).decode())
    assert css.status == 200
    assert "immutable" in css.headers["Cache-Control"]

    # A job sent through the API is run by the worker.
    year = datetime.now(UTC).year
    started = _http(stack, RECOMPUTE_PATH, method="POST", data={"year": year}, token=token)
    assert started.status in (201, 202), started.body[:500]
    job_url = started.json()["url"]

    def job_finished():
        job = _http(stack, job_url, token=token).json()
        return job if job["state"] in ("succeeded", "failed") else None

    job = _wait_for(job_finished, "the recompute job", stack)
    assert job["state"] == "succeeded", job
    assert any(
        re.match(r"Task tasks\.tasks\.status_recompute_task\[.*\] succeeded", message)
        for message in _log_messages(worker)
    ), worker.tail()

    # beat starts, sends the due nightly job, and the interactive worker runs it.
    _wait_for(
        lambda: any(f"Sending due task {due_entry} ({DUE_TASK})" in m for m in _log_messages(beat)),
        "beat sending the due nightly job",
        stack,
    )
    _wait_for(
        lambda: any(
            re.match(rf"Task {re.escape(DUE_TASK)}\[.*\] succeeded", m)
            for m in _log_messages(worker)
        ),
        "the worker running beat's job",
        stack,
    )
    assert reports_worker.popen.poll() is None, reports_worker.tail()

    # Every process stops on SIGTERM, as on `docker compose down`.
    codes = stack.stop_all()
    assert codes == {"beat": 0, "worker-reports": 0, "worker": 0, "web": 0}, stack.logs()
