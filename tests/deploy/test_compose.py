"""docker-compose.yml: valid for docker-compose, one Django environment, ordered start-up."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.conftest import require
from tests.deploy import compose

SECRETS = {
    "SECRET_KEY": "a-test-secret-key-for-config-validation-0123456789",
    "POSTGRES_PASSWORD": "pw",
}


def _docker_compose(tmp_path, variables: dict[str, str]) -> subprocess.CompletedProcess:
    require(shutil.which("docker-compose") is not None, "docker-compose (Debian package) missing")
    empty_env_file = tmp_path / "empty.env"  # a developer's .env must not decide the result
    empty_env_file.write_text("")
    return subprocess.run(
        [
            "docker-compose",
            "--file",
            str(compose.COMPOSE_FILE),
            "--env-file",
            str(empty_env_file),
            "config",
            "--quiet",
        ],
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", **variables},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_compose_file_validates_with_docker_compose(tmp_path):
    result = _docker_compose(tmp_path, SECRETS)

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("secret", ["SECRET_KEY", "POSTGRES_PASSWORD"])
def test_compose_refuses_to_start_without_a_secret(tmp_path, secret):
    variables = {name: value for name, value in SECRETS.items() if name != secret}

    result = _docker_compose(tmp_path, variables)

    assert result.returncode != 0
    assert f"{secret} is not set" in result.stderr


def test_compose_interpolation_helper_agrees_on_missing_secrets():
    with pytest.raises(compose.MissingVariable, match="SECRET_KEY is not set"):
        compose.load({"POSTGRES_PASSWORD": "pw"})


def test_stack_has_the_services_of_the_issue():
    services = compose.load(SECRETS)["services"]

    assert {"db", "redis", *compose.DJANGO_SERVICES} <= set(services)
    assert services["db"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in services["db"]["volumes"])
    assert compose.command(services["web"])[0] == "gunicorn"
    assert compose.command(services["migrate"])[-2:] == ["migrate", "--noinput"]
    assert services["migrate"]["restart"] == "no"
    assert "beat" in compose.command(services["beat"])


def test_django_services_share_one_environment():
    loaded = compose.load(SECRETS)
    shared = {key: str(value) for key, value in loaded["x-django-env"].items()}

    for name in compose.DJANGO_SERVICES:
        env = compose.environment(loaded["services"][name])
        assert {key: env[key] for key in shared} == shared, name
    assert shared["DEBUG"] == "false"
    assert shared["DATABASE_URL"] == "postgres://calendar:pw@db:5432/calendar"
    assert shared["REDIS_URL"].startswith("redis://redis:6379/")


def test_services_wait_for_healthy_dependencies_and_migrations():
    services = compose.load(SECRETS)["services"]

    for name in ("db", "redis", "web"):
        assert services[name]["healthcheck"]["test"], name
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])
    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    for name in ("web", "worker", "worker-reports", "beat"):
        assert services[name]["depends_on"] == {
            "db": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
            "redis-cache": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }, name


def test_workers_consume_both_queues_between_them():
    services = compose.load(SECRETS)["services"]
    queues = set()
    for name in ("worker", "worker-reports"):
        cmd = compose.command(services[name])
        queues |= set(cmd[cmd.index("--queues") + 1].split(","))

    assert queues == {"interactive", "reports"}


def _env_example() -> dict[str, str]:
    """Variables of .env.example, including documented ones that are commented out."""
    text = (compose.ROOT / ".env.example").read_text()
    return {
        match["name"]: match["value"]
        for match in re.finditer(r"^#? ?(?P<name>[A-Z][A-Z0-9_]*)=(?P<value>.*)$", text, re.M)
    }


def test_every_setting_and_compose_variable_is_in_env_example():
    from calendar_service.settings import env

    documented = _env_example()
    used_by_compose = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", compose.COMPOSE_FILE.read_text()))

    assert set(env.scheme) - set(documented) == set()
    assert used_by_compose - set(documented) == set()


def test_compose_defaults_equal_env_example_values():
    documented = _env_example()
    defaults = dict(
        re.findall(r"\$\{([A-Z][A-Z0-9_]*):-([^}]*)\}", compose.COMPOSE_FILE.read_text())
    )

    assert {name: documented[name] for name in defaults} == defaults


def test_compose_passes_every_runtime_setting_to_the_containers():
    from calendar_service.settings import env

    shared = set(compose.load_raw()["x-django-env"])
    # Set inside the image (paths) or for debugging only.
    image_internal = {
        "STATIC_ROOT",
        "MEDIA_ROOT",
        "CELERY_BEAT_SCHEDULE_FILENAME",
        "CELERY_TASK_ALWAYS_EAGER",
    }

    assert set(env.scheme) - image_internal - shared == set()


def test_the_cache_has_its_own_redis_that_evicts_and_the_broker_one_that_never_does():
    """Issue 19: with one Redis under noeviction the cache could fill it and starve the Celery
    queues; under allkeys-lru queued jobs could be evicted. Two instances, two policies."""
    loaded = compose.load(SECRETS)
    services, shared = loaded["services"], loaded["x-django-env"]
    broker, cache = compose.command(services["redis"]), compose.command(services["redis-cache"])

    assert shared["REDIS_URL"] == "redis://redis:6379/0"
    assert shared["REDIS_CACHE_URL"] == "redis://redis-cache:6379/0"
    assert broker[broker.index("--maxmemory-policy") + 1] == "noeviction"
    assert cache[cache.index("--maxmemory-policy") + 1] == "allkeys-lru"
    assert cache[cache.index("--maxmemory") + 1] == "256mb"
    assert services["redis-cache"]["healthcheck"]["test"]
