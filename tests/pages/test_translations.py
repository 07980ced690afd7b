"""Danish by default, English by the language switch; every msgid has a Danish translation."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.urls import reverse

PO = Path(__file__).resolve().parents[2] / "locale" / "da" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|\{[a-z]+\}")


def test_every_msgid_is_translated_into_danish_with_the_same_placeholders():
    po = polib.pofile(str(PO))
    assert len(po) > 100
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []

    def names(text: str) -> set[str]:
        return set(PLACEHOLDER.findall(text))

    for entry in po.translated_entries():
        if entry.msgid_plural:
            # the singular may say "one" in words; the plural keeps the count
            allowed = names(entry.msgid) | names(entry.msgid_plural)
            assert names(entry.msgstr_plural[0]) <= allowed, entry.msgid
            assert names(entry.msgstr_plural[1]) == names(entry.msgid_plural), entry.msgid
        else:
            assert names(entry.msgstr) == names(entry.msgid), entry.msgid


@pytest.mark.django_db
def test_pages_are_danish_by_default(client):
    html = client.get(reverse("pages:calendar"), HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert '<html lang="da">' in html
    assert "Det sker på bibliotekerne" in html
    assert 'name="language" value="en"' in html


@pytest.mark.django_db
def test_language_switch_gives_english_and_keeps_the_page(client):
    response = client.post(
        reverse("set_language"),
        {"language": "en", "next": "/?track=hygge"},
        HTTP_ACCEPT_LANGUAGE="da",
    )
    assert response.status_code == 302
    assert response["Location"] == "/?track=hygge"
    html = client.get("/?track=hygge", HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert '<html lang="en">' in html
    assert "What's on at the libraries" in html
    assert "Cosiness" in html  # the track's English name


@pytest.mark.django_db
def test_admin_shows_model_names_in_danish(client, admin_user):
    client.force_login(admin_user)
    html = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert "Arrangementer" in html
    assert "Biblioteker" in html


SOURCES = (
    "calendar_service",
    "events",
    "feeds",
    "tasks",
    "proposals",
    "pages",
    "demo",
    "dplcms",
    "manage.py",
    "locale",
)


def test_the_catalogue_has_a_danish_translation_of_every_string_the_code_marks(tmp_path):
    """Collect the messages again from a copy of the code (GNU gettext's xgettext, through
    ``makemessages``): a string marked for translation that the catalogue lacks comes back
    untranslated, and one whose English changed comes back fuzzy."""
    import os
    import shutil
    import subprocess
    import sys

    from tests.conftest import require

    require(shutil.which("xgettext") is not None, "GNU gettext (xgettext) is not installed")
    root = PO.parents[3]
    for name in SOURCES:
        source = root / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "calendar_service.settings",
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "da", "--no-obsolete"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    collected = polib.pofile(str(tmp_path / "locale" / "da" / "LC_MESSAGES" / "django.po"))
    assert len(collected) >= len(polib.pofile(str(PO))) * 0.9
    assert [e.msgid for e in collected.untranslated_entries()] == []
    assert [e.msgid for e in collected.fuzzy_entries()] == []
