"""The image recipe: what the Dockerfile must keep, since CI cannot build it."""

from __future__ import annotations

import gettext
import json
import re

from django.core.management import call_command

from tests.deploy import compose

DOCKERFILE = (compose.ROOT / "Dockerfile").read_text()


def _instructions(keyword: str) -> list[str]:
    return re.findall(rf"^{keyword} (.+)$", DOCKERFILE, re.M)


def test_image_is_python_311_slim_and_runs_as_an_unprivileged_user():
    assert _instructions("FROM") == ["python:3.11-slim"]
    users = _instructions("USER")
    assert users
    assert users[-1].split(":")[0] not in ("root", "0")
    assert DOCKERFILE.index("USER ") < DOCKERFILE.index("CMD ")


def test_image_builds_translations_and_static_files_without_a_real_secret():
    assert "manage.py compile_translations" in DOCKERFILE
    assert "manage.py collectstatic --noinput" in DOCKERFILE
    assert not re.search(r"^ENV .*SECRET_KEY", DOCKERFILE, re.M)


def test_image_default_command_is_the_web_service():
    cmd = re.search(r"^CMD (\[.*\])$", DOCKERFILE, re.M).group(1)
    web = compose.load({"SECRET_KEY": "x", "POSTGRES_PASSWORD": "x"})["services"]["web"]

    assert json.loads(cmd) == compose.command(web)


def test_secrets_and_local_state_stay_out_of_the_build_context():
    ignored = (compose.ROOT / ".dockerignore").read_text().split()

    assert {".env", ".venv", "var", ".git"} <= set(ignored)


def test_compile_translations_writes_mo_files_gettext_reads(tmp_path, settings):
    catalogue = tmp_path / "events" / "locale" / "en" / "LC_MESSAGES"
    catalogue.mkdir(parents=True)
    (catalogue / "django.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Læsekreds"\nmsgstr "Reading circle"\n',
        encoding="utf-8",
    )
    skipped = tmp_path / ".venv" / "locale" / "en" / "LC_MESSAGES"
    skipped.mkdir(parents=True)
    (skipped / "django.po").write_text('msgid ""\nmsgstr ""\n')
    settings.BASE_DIR = tmp_path

    call_command("compile_translations")

    with (catalogue / "django.mo").open("rb") as mo:
        assert gettext.GNUTranslations(mo).gettext("Læsekreds") == "Reading circle"
    assert not (skipped / "django.mo").exists()
