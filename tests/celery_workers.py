"""Real Celery workers for the tests of the real paths: started as separate processes on a queue
of their own (so parallel runs never collide), against the test database, on the shared Redis or
on a Redis a test starts on a spare port (``redis_server``) when it may lose messages there.
Used by the status figures' worker test, the lost-worker tests of the jobs, and the dpl-cms
"sync now" test. Never mocked: the workers run the project's own Celery app."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from django.db import connection

from calendar_service.celery import app
from tests.conftest import require

ROOT = Path(__file__).resolve().parents[1]


def database_url() -> str:
    """The test database, for a process of its own (a worker, a second connection)."""
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait(
    predicate: Callable,
    *,
    timeout: float,
    what: str,
    log: Path | None = None,
    logs: Iterable[Path] = (),
    step: float = 0.2,
):
    """``predicate()``'s first true value within ``timeout`` seconds, or the test fails with
    the tails of the logs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    paths = [p for p in ([log] if log else []) + list(logs) if Path(p).exists()]
    tails = "\n".join(f"--- {p} ---\n{Path(p).read_text()[-3000:]}" for p in paths)
    pytest.fail(f"timed out after {timeout} s waiting for {what}\n{tails}")


@pytest.fixture
def redis_server(tmp_path):
    """A Redis of this test's own on a spare loopback port, never the shared one."""
    binary = shutil.which("redis-server")
    require(binary is not None, "redis-server (to start a Redis this test may lose workers on)")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(port=port)

    def up() -> bool:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False

    try:
        wait(up, timeout=20, what="the test's Redis")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
        process.terminate()
        process.wait(10)


def reset_producers() -> None:
    """Make this process's Celery app send by its current configuration (broker, routes)."""
    app._pool = None
    app.amqp._producer_pool = None
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)


@contextmanager
def celery_workers(
    *,
    logs: Path,
    broker: str,
    settings_module: str,
    prefix: str,
    pool: str = "prefork",
    env: dict[str, str] | None = None,
) -> Iterator[Callable[[str], dict]]:
    """Yields ``start(name)``, which starts a worker (``pool`` "prefork" with one pool process,
    or "solo") on a queue of its own on ``broker`` and returns ``{"process", "log", "queue"}``
    once it is ready. This process sends every task there meanwhile. At the end every worker is
    stopped (warm shutdown, then its whole process group killed), the queue deleted and the
    app's configuration put back."""
    queue = f"{prefix}-{uuid.uuid4().hex[:12]}"
    started: list[subprocess.Popen] = []
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "DEBUG": "true",
        "SECRET_KEY": "real-worker-test",
        "DATABASE_URL": database_url(),
        "REDIS_URL": broker,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        **(env or {}),
    }
    pool_arguments = ("--pool=solo",) if pool == "solo" else ("--pool=prefork", "--concurrency=1")

    def start(name: str) -> dict:
        log = logs / f"worker-{name}.log"
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "calendar_service", "worker"),
                *("-Q", queue, "-n", f"{name}-{queue}@%h", *pool_arguments),
                *("--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO"),
            ],
            cwd=ROOT,
            env=environment,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, killed as one at the end
        )
        started.append(process)
        wait(
            lambda: "ready." in log.read_text() or process.poll() is not None,
            timeout=60,
            what=f"worker {name} to start",
            log=log,
        )
        assert process.poll() is None, log.read_text()
        return {"process": process, "log": log, "queue": queue}

    saved = {key: app.conf[key] for key in ("task_always_eager", "task_routes", "broker_url")}
    app.conf.task_always_eager = False
    app.conf.task_routes = {"*": {"queue": queue}}
    app.conf.broker_url = broker
    reset_producers()
    try:
        yield start
    finally:
        for process in started:
            if process.poll() is None:
                # A warm shutdown first: the tasks it holds (a countdown's) go back to its queue
                # instead of lingering unacknowledged in a shared Redis.
                process.send_signal(signal.SIGTERM)
                with suppress(subprocess.TimeoutExpired):
                    process.wait(10)
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # and whatever of its group is left
            process.wait(10)
        with app.connection_for_write() as conn:
            conn.default_channel.client.delete(queue)
        for key, value in saved.items():
            app.conf[key] = value
        reset_producers()
