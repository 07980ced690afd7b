"""The code stays lint- and type-clean: ``ruff check .`` and ``mypy`` (as ``make lint`` and
``make typecheck`` run them) must both exit 0, so CI fails when either finds something."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require

ROOT = Path(__file__).resolve().parents[1]
MYPY_TARGETS = ("calendar_service", "events", "feeds", "tasks")  # as in the Makefile
TIMEOUT = 900  # seconds; a cold mypy run with the Django plugin takes a while

pytestmark = [pytest.mark.slow, pytest.mark.timeout(TIMEOUT + 60)]


def _run(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    require(importlib.util.find_spec(module) is not None, f"{module} is not installed")
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def test_ruff_check_is_clean():
    result = _run("ruff", "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean():
    result = _run("mypy", *MYPY_TARGETS)
    assert result.returncode == 0, result.stdout + result.stderr
