"""``manage.py send_attendance_digests``: the operators' way to send the digests by hand."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tasks.models import DigestEntry
from tests.tasks.test_attendance_digests import DAY0, gaps, people  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("send_attendance_digests", *args, stdout=out)
    return out.getvalue()


def test_dry_run_shows_who_gets_what_and_sends_nothing(smtp_server, people, gaps):  # noqa: F811
    out = run("--dry-run", "--date", DAY0.isoformat())

    assert "Digests of 2026-11-04 as of 2026-11-04 07:00 CET" in out
    assert "staff-jyllinge <staff-jyllinge@example.org> (da): 1 line(s)" in out
    assert "begge-steder <begge-steder@example.org> (da): 2 line(s)" in out
    assert f"#o{gaps['jyllinge'].pk}" in out
    assert "Dry run: 4 not sent." in out
    assert smtp_server.messages == []
    assert not DigestEntry.objects.exists()


def test_it_sends_once_for_the_given_day(smtp_server, people, gaps):  # noqa: F811
    out = run("--date", DAY0.isoformat())
    again = run("--date", DAY0.isoformat())

    assert "Sent 4 of 4." in out
    assert len(smtp_server.messages) == 4
    assert "nothing sent" in again
    assert set(DigestEntry.objects.values_list("sent_on", flat=True)) == {DAY0}


def test_nothing_missing_sends_nothing(smtp_server, db):
    out = run()

    assert "nothing sent" in out
    assert smtp_server.messages == []


@pytest.mark.parametrize("bad", ["4/11/2026", "2026-02-30", "1900-01-01"])
def test_a_bad_date_is_refused(bad, db):
    with pytest.raises(CommandError, match="--date"):
        run("--date", bad)


def test_a_mail_server_that_is_down_fails_the_command(settings, people, gaps):  # noqa: F811
    from tests.mailserver import MailServer

    closed = MailServer()
    closed.stop()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = closed.host, closed.port

    with pytest.raises(CommandError, match="4 not sent"):
        run("--date", DAY0.isoformat())
    assert not DigestEntry.objects.exists()
