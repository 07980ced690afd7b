"""GUNICORN_TIMEOUT is real: gunicorn, started with the project's config, kills a worker stuck in
a request for longer than the timeout, starts another, and keeps answering.

With the threaded worker the config used before (threads=2, gthread), the worker's main loop
kept telling the arbiter it was alive while its request thread slept, so the stuck request ran
to its end and nothing was restarted: this test then fails on its deadline.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(port: int, path: str, timeout: float) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def _wait_until_up(port: int, server: subprocess.Popen, log: Path) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text()
        try:
            status, body = _get(port, "/pid", timeout=2)
        except OSError:
            time.sleep(0.1)
            continue
        assert status == 200
        return body
    raise AssertionError("gunicorn did not answer:\n" + log.read_text())


@pytest.fixture
def server(tmp_path):
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
        "GUNICORN_TIMEOUT": str(TIMEOUT),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_CMD_ARGS": f"--bind 127.0.0.1:{port}",
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                "calendar_service/gunicorn.conf.py",
                "tests.deploy.sleepy_wsgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield port, process, log
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)


def test_a_stuck_request_is_killed_after_the_timeout_and_the_server_keeps_answering(server):
    port, process, log = server
    first_worker = int(_wait_until_up(port, process, log))

    began = time.monotonic()
    try:
        # Twenty times the timeout: only the arbiter's kill ends it early. The aborted worker
        # answers 500 on its way out (or the connection drops).
        status, _body = _get(port, f"/sleep?seconds={20 * TIMEOUT}", timeout=10 * TIMEOUT)
    except (http.client.HTTPException, ConnectionError):
        status = None
    elapsed = time.monotonic() - began

    assert elapsed < 5 * TIMEOUT, f"the stuck request ran {elapsed:.1f} s"
    assert status in (500, None)
    status, body = _get(port, "/pid", timeout=10)
    assert status == 200
    assert int(body) != first_worker
    with pytest.raises(ProcessLookupError):
        os.kill(first_worker, 0)  # killed and reaped by the arbiter
    assert process.poll() is None
    assert "WORKER TIMEOUT" in log.read_text()
