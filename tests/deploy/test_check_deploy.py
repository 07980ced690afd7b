"""Production settings: ``check --deploy`` is silent with the compose environment, and start-up
fails with a clear message when a secret is missing."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

from tests.deploy import compose

PRODUCTION = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "POSTGRES_PASSWORD": "not-used-check-does-not-connect",
    "ALLOWED_HOSTS": "kalender.bibliotekerne.roskilde.dk",
    "CSRF_TRUSTED_ORIGINS": "https://kalender.bibliotekerne.roskilde.dk",
    "SITE_URL": "https://kalender.bibliotekerne.roskilde.dk",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    # Only the given variables (and a PATH): nothing from the test run, e.g. its
    # DJANGO_SETTINGS_MODULE=tests.settings, reaches the production settings.
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=compose.ROOT,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _web_environment(**overrides: str) -> dict[str, str]:
    web = compose.load(PRODUCTION)["services"]["web"]
    return {**compose.environment(web), **overrides}


def test_check_deploy_reports_nothing_with_the_compose_environment():
    env = _web_environment()
    assert env["DEBUG"] == "false"

    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_startup_fails_clearly_without_secret_key():
    result = _manage("check", env=_web_environment(SECRET_KEY=""))

    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr


def test_startup_fails_clearly_with_a_development_secret_key():
    env = _web_environment(SECRET_KEY="django-insecure-copied-from-a-laptop-0123456789abcdef")

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "SECRET_KEY is a development key" in result.stderr


def test_development_still_runs_without_any_secret():
    result = _manage("check", env={"DEBUG": "true", "SECRET_KEY": ""})

    assert result.returncode == 0, result.stderr
