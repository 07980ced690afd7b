"""The code stays lint- and type-clean and keeps its layers: ``ruff check .``, ``mypy`` (as
``make lint`` and ``make typecheck`` run them) and ``lint-imports`` (the import-linter contracts in
pyproject.toml) must all exit 0, so CI fails when any of them finds something."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import require

ROOT = Path(__file__).resolve().parents[1]
# as in Makefile
MYPY_TARGETS = (
    "calendar_service",
    "events",
    "feeds",
    "tasks",
    "proposals",
    "pages",
    "demo",
    "dplcms",
)
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


def test_ruff_format_is_clean():
    """The code is formatted as ``ruff format`` writes it (line length 100, pyproject.toml)."""
    result = _run("ruff", "format", "--check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean():
    result = _run("mypy", *MYPY_TARGETS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_app_is_type_checked_and_layered():
    """A new app is added to mypy's targets (here and in the Makefile) and to the layers."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    apps = {
        name.rstrip("*") for name in config["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    makefile = (ROOT / "Makefile").read_text().splitlines()
    typecheck = next(line for line in makefile if ".venv/bin/mypy" in line).split()[1:]
    assert set(MYPY_TARGETS) == apps
    assert tuple(typecheck) == MYPY_TARGETS
    assert set(config["tool"]["importlinter"]["root_packages"]) == apps


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


# --- CI counts a run only when tests ran and none skipped -----------------------------------

CI_CHECK = ROOT / ".ci" / "check_results.py"
SAMPLE_TESTS = {
    "passes": "def test_passes():\n    assert True\n",
    "skips": "import pytest\n\n\ndef test_skips():\n    pytest.skip('broken feature')\n",
    "none": "def helper():\n    pass\n",
}


def _pytest_then_check(tmp_path: Path, kind: str) -> tuple[int, int, str]:
    """pytest's exit code through ``dev.py test`` (as .ci/run calls it), then the CI check's."""
    (tmp_path / f"test_{kind}.py").write_text(SAMPLE_TESTS[kind])
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    junit = tmp_path / "junit.xml"
    setup_skipped = "dev.ensure_venv = dev.compile_translations = dev.ensure_js_packages = " + (
        "lambda *a, **k: None"
    )
    pytest_run = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys, dev; {setup_skipped}; dev.test(sys.argv[1:])",
            "-p",
            "no:django",
            "-p",
            "no:cacheprovider",
            f"--rootdir={tmp_path}",
            f"-c={tmp_path / 'pytest.ini'}",
            f"--junitxml={junit}",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    check = subprocess.run(
        [sys.executable, str(CI_CHECK), str(junit)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return pytest_run.returncode, check.returncode, check.stdout + check.stderr


def test_ci_counts_a_run_where_tests_passed(tmp_path):
    assert _pytest_then_check(tmp_path, "passes")[:2] == (0, 0)


def test_ci_fails_a_run_where_a_test_skipped_itself(tmp_path):
    pytest_code, check_code, output = _pytest_then_check(tmp_path, "skips")
    assert pytest_code == 0  # pytest itself calls this a success
    assert check_code == 1
    assert "skipped: test_skips::test_skips: broken feature" in output


def test_ci_fails_a_run_where_no_test_ran(tmp_path):
    pytest_code, check_code, output = _pytest_then_check(tmp_path, "none")
    assert pytest_code == 5  # dev.py passes pytest's "no tests ran" through
    assert check_code == 1
    assert "no tests ran" in output


FAKE_PYTHON = """#!/bin/sh
# Stands in for python3.11: "dev.py test" writes the results of a run, the check is real.
if [ "$1" = dev.py ]; then
  for arg in "$@"; do case "$arg" in --junitxml=*) junit="${arg#--junitxml=}";; esac; done
  cat > "$junit" <<XML
<testsuites><testsuite tests="$CASES">$TESTCASES</testsuite></testsuites>
XML
  exit "$PYTEST_EXIT"
fi
exec "$REAL_PYTHON" "$@"
"""


@pytest.mark.parametrize(
    ("pytest_exit", "testcases", "expected"),
    [
        (0, '<testcase classname="t" name="ok"/>', 0),
        (0, '<testcase classname="t" name="s"><skipped message="broken"/></testcase>', 1),
        (0, "", 1),  # a run in which no test ran is never a success
        (5, "", 5),  # pytest's own "no tests ran" is the result as it is
        (1, '<testcase classname="t" name="f"><failure message="x"/></testcase>', 1),
    ],
)
def test_ci_run_keeps_pytest_exit_code_and_fails_skips(tmp_path, pytest_exit, testcases, expected):
    """The last lines of .ci/run (after the services and tools are set up), with a stand-in
    for the README's test command: the script's own result is the one CI sees."""
    script = (ROOT / ".ci" / "run").read_text()
    tail = script[script.index("# The README's test command") :]
    (tmp_path / "bin").mkdir()
    fake = tmp_path / "bin" / "python3.11"
    fake.write_text(FAKE_PYTHON)
    fake.chmod(0o755)
    (tmp_path / ".ci").mkdir()
    (tmp_path / ".ci" / "check_results.py").write_text(CI_CHECK.read_text())
    result = subprocess.run(
        ["bash", "-c", 'set -euo pipefail\nlog() { echo "ci: $*"; }\n' + tail],
        cwd=tmp_path,
        env={
            "PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin",
            "REAL_PYTHON": sys.executable,
            "PYTEST_EXIT": str(pytest_exit),
            "CASES": str(testcases.count("<testcase")),
            "TESTCASES": testcases,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == expected, result.stdout + result.stderr
