"""The code stays lint- and type-clean and keeps its layers: ``ruff check .``, ``mypy`` (as
``make lint`` and ``make typecheck`` run them) and ``lint-imports`` (the import-linter contracts in
pyproject.toml) must all exit 0, so CI fails when any of them finds something."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require

ROOT = Path(__file__).resolve().parents[1]
MYPY_TARGETS = ("calendar_service", "events", "feeds", "tasks", "pages", "demo")  # as in Makefile
TIMEOUT = 900  # seconds; a cold mypy run with the Django plugin takes a while

pytestmark = [pytest.mark.slow, pytest.mark.timeout(TIMEOUT + 60)]


def _run(module: str, *args: str, code: str | None = None) -> subprocess.CompletedProcess[str]:
    require(importlib.util.find_spec(module) is not None, f"{module} is not installed")
    return subprocess.run(
        [sys.executable, *(("-c", code) if code else ("-m", module)), *args],
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


def test_import_contracts_hold():
    """The layers declared in pyproject.toml ([tool.importlinter]): no import loop in an app, the
    domain core imports no interface, interfaces do not import each other's internals. Imports
    inside functions count too."""
    result = _run(
        "importlinter",
        "--no-cache",
        code="import sys; from importlinter.cli import lint_imports_command as c; sys.exit(c())",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout, result.stdout
