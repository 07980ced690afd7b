"""Structured logs: one JSON object per line on stdout."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

from calendar_service.jsonlog import JsonFormatter
from tests.deploy import compose


def _record(message: str, *args, exc_info=None, **extra) -> logging.LogRecord:
    record = logging.LogRecord(
        "events.services", logging.WARNING, __file__, 1, message, args, exc_info
    )
    record.__dict__.update(extra)
    return record


def test_json_formatter_writes_one_parsable_line():
    line = JsonFormatter().format(_record('title "%s" with\nnewline', "Læsekreds"))

    assert "\n" not in line
    payload = json.loads(line)
    assert payload["level"] == "WARNING"
    assert payload["logger"] == "events.services"
    assert payload["message"] == 'title "Læsekreds" with\nnewline'
    assert payload["time"].endswith("+00:00")


def test_json_formatter_keeps_the_traceback_and_extra_fields_in_the_line():
    try:
        raise ValueError("boom")
    except ValueError:
        record = _record("failed", exc_info=sys.exc_info(), job_id=42, request=object())

    payload = json.loads(JsonFormatter().format(record))

    assert "ValueError: boom" in payload["exc_info"]
    assert payload["job_id"] == 42
    assert payload["request"].startswith("<object object")


def test_django_logs_json_to_stdout_with_log_json():
    code = "import django, logging; django.setup(); logging.getLogger('calendar').warning('hello')"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "calendar_service.settings",
        "DEBUG": "false",
        "SECRET_KEY": "a-test-secret-key-for-logging-0123456789-abcdefghijklmnop",
        "LOG_JSON": "true",
    }

    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=compose.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    payload = json.loads(result.stdout.strip().splitlines()[-1])
    assert payload["logger"] == "calendar"
    assert payload["message"] == "hello"
