#!/usr/bin/env python3
"""The two commands of the README, for a fresh machine with only Python 3.11.

    python3.11 dev.py serve    # .venv, install, translations, migrate, demo data, 127.0.0.1:8000
    python3.11 dev.py test     # .venv with test tools, translations, the whole test suite

Both create ``.venv`` inside the repository and install the dependencies declared in
``pyproject.toml`` into it, so a missing dependency fails here and not on a user's machine.
Extra arguments after ``test`` go to pytest (``python3.11 dev.py test tests/feeds -x``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PY = VENV / "bin" / "python"
JS_DIR = ROOT / "tests" / "js"


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def run(*args: str | os.PathLike, env: dict[str, str] | None = None) -> None:
    result = subprocess.run([str(a) for a in args], cwd=ROOT, env=env)
    if result.returncode != 0:
        sys.exit(result.returncode)


def requirements(with_tests: bool) -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = list(project["dependencies"])
    if with_tests:
        deps += project["optional-dependencies"]["test"]
    return deps


def ensure_venv(*, with_tests: bool) -> None:
    if sys.version_info[:2] != (3, 11):
        sys.exit(
            f"Python 3.11 is required (this is {sys.version.split()[0]}): run python3.11 dev.py ..."
        )
    if not PY.exists():
        say("creating .venv")
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    deps = requirements(with_tests)
    stamp = VENV / (".installed-test" if with_tests else ".installed")
    digest = hashlib.sha256("\n".join(deps).encode()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    say("installing dependencies from pyproject.toml into .venv")
    run(PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *deps)
    stamp.write_text(digest)


def django_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "calendar_service.settings")
    env.update(extra)
    return env


def compile_translations() -> None:
    """Compile locale/*/LC_MESSAGES/*.po to .mo with polib (no GNU gettext needed)."""
    run(
        PY,
        "-c",
        (
            "import pathlib, polib\n"
            "for po in pathlib.Path('.').glob('**/locale/*/LC_MESSAGES/*.po'):\n"
            "    if '.venv' in po.parts or 'node_modules' in po.parts: continue\n"
            "    mo = po.with_suffix('.mo')\n"
            "    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:\n"
            "        polib.pofile(str(po)).save_as_mofile(str(mo))\n"
        ),
    )


def ensure_js_packages() -> None:
    """Install the Node readers (ical.js) the feed tests use, when npm is on this machine."""
    if not (JS_DIR / "package.json").exists() or shutil.which("npm") is None:
        return
    lock = JS_DIR / "package-lock.json"
    marker = JS_DIR / "node_modules" / ".installed"
    source = lock if lock.exists() else JS_DIR / "package.json"
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    if marker.exists() and marker.read_text() == digest:
        return
    say("installing Node packages for the feed tests (tests/js)")
    command = "ci" if lock.exists() else "install"
    run("npm", command, "--no-audit", "--no-fund", "--silent", "--prefix", str(JS_DIR))
    marker.write_text(digest)


def serve(args: list[str]) -> None:
    ensure_venv(with_tests=False)
    compile_translations()
    env = django_env(DEBUG=os.environ.get("DEBUG", "true"))
    say("migrating the database")
    run(PY, "manage.py", "migrate", "--noinput", env=env)
    say("loading the demo data")
    run(PY, "manage.py", "seed_demo", env=env)
    say("serving on http://127.0.0.1:8000 (Ctrl-C stops)")
    os.chdir(ROOT)
    os.execve(str(PY), [str(PY), "manage.py", "runserver", "127.0.0.1:8000", *args], env)


def test(args: list[str]) -> None:
    ensure_venv(with_tests=True)
    compile_translations()
    ensure_js_packages()
    env = django_env(DJANGO_SETTINGS_MODULE="tests.settings")
    say(
        "running the test suite"
        + (f" on {env['DATABASE_URL'].split(':')[0]}" if env.get("DATABASE_URL") else " on SQLite")
    )
    os.chdir(ROOT)
    os.execve(str(PY), [str(PY), "-m", "pytest", *args], env)


def main() -> None:
    commands = {"serve": serve, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
