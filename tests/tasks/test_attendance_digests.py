"""The daily attendance digest, received by a real SMTP server (aiosmtpd) and read back as a
mail client would: who gets it, what it lists, where its links lead, reminders, opt-out,
language, and what happens when the mail server is away.

The occurrences sit on fixed days of November 2026 and each run is given its day; the digest of
a day is taken as of its 07:00 run (``digest_moment``)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.test import Client

from events import services
from events.models import LOCAL_TZ, Event
from tasks.models import DigestEntry, NotificationPreference
from tasks.services.digests import attendance_digests_send, digest_moment
from tests import factories
from tests.mailserver import MailServer, _Collector

pytestmark = pytest.mark.django_db

DAY0 = date(2026, 11, 4)  # a Wednesday: the first digest after Monday's occurrences


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=LOCAL_TZ)


def held(branch, title: str, day: date, hour: int = 10, **kwargs):
    """An occurrence of a single event at ``branch`` (two hours long)."""
    event = factories.make_event(branch=branch, title=title, start=at(day, hour), **kwargs)
    return event.occurrences.get()


def send(day: date = DAY0, **kwargs):
    return attendance_digests_send(today=day, **kwargs)


def listed(received) -> set[int]:
    """The occurrence ids a mail links to (both parts must agree)."""
    text = {int(pk) for pk in re.findall(r"#o(\d+)", received.text)}
    html = {int(pk) for pk in re.findall(r'href="[^"]*#o(\d+)"', received.html)}
    assert text == html
    return text


@pytest.fixture
def people(branch, other_branch, staff_user, other_staff_user, management_user):
    colleague = factories.UserFactory(username="kollega-jyllinge", branches=[branch])
    both = factories.UserFactory(username="begge-steder", branches=[branch, other_branch])
    no_address = factories.UserFactory(username="uden-adresse", branches=[branch], email="")
    gone = factories.UserFactory(username="fratraadt", branches=[branch])
    gone.is_active = False
    gone.save()
    return {
        "jyllinge": staff_user,
        "viby": other_staff_user,
        "colleague": colleague,
        "both": both,
        "no_address": no_address,
        "gone": gone,
        "management": management_user,
    }


@pytest.fixture
def gaps(branch, other_branch, admin_user):
    """Monday 2 November 2026: one occurrence without attendance at each branch, and at
    Jyllinge the ones a digest must leave out."""
    monday = date(2026, 11, 2)
    out = {
        "jyllinge": held(branch, "Strikkecafé", monday),
        "viby": held(other_branch, "IT-hjælp i Viby", monday),
        "recorded": held(branch, "Sprogcafé med tal", monday, 13),
        "cancelled": held(branch, "Aflyst koncert", monday, 16),
        "draft": held(branch, "Kladde", monday, 18, status=Event.Status.DRAFT),
        "event_cancelled": held(branch, "Aflyst foredrag", date(2026, 11, 1)),
        # ends 3 Nov 21:00: less than 24 hours before the 4 Nov 07:00 run
        "within_grace": held(branch, "Aftenforedrag", date(2026, 11, 3), 19),
        "future": held(branch, "Kommende", date(2026, 11, 20)),
        "last_year": held(branch, "Julehygge 2025", date(2025, 11, 20)),
    }
    services.attendance_record(occurrence=out["recorded"], total=9, user=admin_user)
    services.occurrence_cancel(occurrence=out["cancelled"], reason="Sygdom", user=admin_user)
    services.event_cancel(event=out["event_cancelled"].event, reason="Aflyst")
    return out


# --- who gets it --------------------------------------------------------------------------


def test_each_branch_staff_get_their_branches_and_nobody_another_branch(smtp_server, people, gaps):
    run = send()

    by_user = {m.envelope_to[0]: m for m in smtp_server.messages}
    assert all(len(m.envelope_to) == 1 for m in smtp_server.messages)  # one mail per person
    assert set(by_user) == {
        people[k].email for k in ("jyllinge", "viby", "colleague", "both")
    }  # not the one without an address, the inactive one, nor management (no branch)
    assert listed(by_user[people["jyllinge"].email]) == {gaps["jyllinge"].pk}
    assert listed(by_user[people["colleague"].email]) == {gaps["jyllinge"].pk}
    assert listed(by_user[people["viby"].email]) == {gaps["viby"].pk}
    assert listed(by_user[people["both"].email]) == {gaps["jyllinge"].pk, gaps["viby"].pk}
    assert "IT-hjælp i Viby" not in by_user[people["jyllinge"].email].text
    assert "Strikkecafé" not in by_user[people["viby"].email].text
    assert len(run.sent) == 4
    assert not run.failed


def test_the_links_are_absolute_and_open_the_occurrence_row(smtp_server, people, gaps):
    send()

    [mail] = smtp_server.to(people["jyllinge"].email)
    urls = set(re.findall(r'href="([^"]+)"', mail.html))
    row_url = next(u for u in urls if u.endswith(f"#o{gaps['jyllinge'].pk}"))
    assert row_url in mail.text
    assert row_url.startswith(django_settings.SITE_URL + "/personale/fremmoede/jyllinge/")
    client = Client()
    client.force_login(people["jyllinge"])
    for url in urls:
        assert url.startswith(django_settings.SITE_URL)
        parts = urlsplit(url)
        response = client.get(parts.path)
        assert response.status_code == 200, url
        if parts.fragment:
            page = response.content.decode()
            row = re.search(rf'<li[^>]*id="{parts.fragment}"[^>]*>(.*?)</li>', page, re.S)
            assert row is not None, f"no row {parts.fragment} on {parts.path}"
            assert "Strikkecafé" in row[1]


def test_the_digest_lists_only_held_occurrences_past_the_grace_without_attendance(
    smtp_server, people, gaps
):
    send()

    [mail] = smtp_server.to(people["jyllinge"].email)
    assert listed(mail) == {gaps["jyllinge"].pk}
    for left_out in ("Sprogcafé", "Aflyst", "Kladde", "Aftenforedrag", "Kommende", "Julehygge"):
        assert left_out not in mail.text
        assert left_out not in mail.html
    # a day later the evening talk is past the grace and comes in the next digest
    smtp_server.clear()
    send(DAY0 + timedelta(days=1))
    [mail] = smtp_server.to(people["jyllinge"].email)
    assert listed(mail) == {gaps["within_grace"].pk}


def test_no_mail_when_nothing_is_missing(smtp_server, people, gaps, admin_user):
    for key in ("jyllinge", "viby", "within_grace"):
        services.attendance_record(occurrence=gaps[key], total=0, user=admin_user)

    run = send()
    send(DAY0 + timedelta(days=1))

    assert smtp_server.messages == []
    assert run.digests == []
    assert run.sent == []
    assert not DigestEntry.objects.exists()


def test_opt_out_is_respected(smtp_server, people, gaps):
    NotificationPreference.objects.create(user=people["jyllinge"], attendance_digest=False)

    send()

    assert smtp_server.to(people["jyllinge"].email) == []
    assert len(smtp_server.to(people["colleague"].email)) == 1


def test_a_second_run_the_same_day_sends_nothing_twice(smtp_server, people, gaps):
    first = send()
    count = len(smtp_server.messages)
    entries = DigestEntry.objects.count()

    second = send()

    assert count == 4
    assert len(smtp_server.messages) == count
    assert DigestEntry.objects.count() == entries == 5  # 4 mails, one of them with two lines
    assert first.sent
    assert second.digests == []


# --- reminders ----------------------------------------------------------------------------


def test_reminders_after_three_and_seven_days_and_not_in_between(smtp_server, people, gaps):
    """The 2 November gap is due on the 4th (day 0); the evening talk of the 3rd is due on the
    5th. Each is listed on its days 0, 3 and 7, and on no other day."""
    user = people["jyllinge"].email
    days_listed: dict[int, list[int]] = {gaps["jyllinge"].pk: [], gaps["within_grace"].pk: []}
    mails: dict[int, object] = {}
    for n in range(12):
        smtp_server.clear()
        send(DAY0 + timedelta(days=n))
        for mail in smtp_server.to(user):
            mails[n] = mail
            for pk in listed(mail):
                days_listed[pk].append(n)

    assert days_listed[gaps["jyllinge"].pk] == [0, 3, 7]
    assert days_listed[gaps["within_grace"].pk] == [1, 4, 8]
    # a gap listed earlier and not today is counted, also after its last reminder
    assert "1 forekomst mere, som du tidligere er blevet mindet om" in mails[8].text
    assert "forekomst mere" not in mails[0].text  # the only gap then is listed
    log = DigestEntry.objects.filter(user=people["jyllinge"], occurrence=gaps["jyllinge"])
    assert sorted(log.values_list("sent_on", flat=True)) == [
        DAY0,
        DAY0 + timedelta(days=3),
        DAY0 + timedelta(days=7),
    ]


def test_a_reminder_says_so_and_a_missed_morning_moves_it_to_the_next(smtp_server, people, gaps):
    send()
    smtp_server.clear()
    send(DAY0 + timedelta(days=4))  # the beat was away on day 3

    [mail] = smtp_server.to(people["jyllinge"].email)
    assert gaps["jyllinge"].pk in listed(mail)
    assert "påmindelse" in mail.text


def test_recorded_attendance_stops_the_reminders(smtp_server, people, gaps, admin_user):
    send()
    services.attendance_record(occurrence=gaps["jyllinge"], total=14, user=admin_user)
    services.attendance_record(occurrence=gaps["within_grace"], total=30, user=admin_user)
    smtp_server.clear()

    send(DAY0 + timedelta(days=3))

    for mail in smtp_server.messages:
        assert gaps["jyllinge"].pk not in listed(mail)
    assert smtp_server.to(people["colleague"].email) == []  # nothing else was due for them


# --- language and escaping ----------------------------------------------------------------


def test_danish_by_default_and_english_for_a_user_who_chose_it(smtp_server, people, gaps):
    NotificationPreference.objects.create(
        user=people["viby"], language=NotificationPreference.Language.ENGLISH
    )

    send()

    [danish] = smtp_server.to(people["jyllinge"].email)
    [english] = smtp_server.to(people["viby"].email)
    assert danish.message["Subject"] == "Fremmøde mangler for 1 forekomst"
    assert "Hver henvisning åbner" in danish.text
    assert "mandag 2. november 2026, 10:00" in danish.text
    assert danish.message["Content-Language"] == "da"
    assert english.message["Subject"] == "Attendance missing for 1 occurrence"
    assert "Each link opens its row on the attendance screen." in english.text
    assert "Monday 2. November 2026, 10:00" in english.text
    assert english.message["Content-Language"] == "en"
    assert '<html lang="en">' in english.html


def test_typed_text_is_escaped_in_the_html_and_plain_in_the_text(smtp_server, people, branch):
    title = 'Quiz <script>alert("x")</script> & "hygge"'
    occurrence = held(branch, title, date(2026, 11, 2))

    send()

    [mail] = smtp_server.to(people["jyllinge"].email)
    assert "<script>" not in mail.html
    escaped = "Quiz &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;hygge&quot;"
    assert escaped in mail.html
    assert title in mail.text
    assert listed(mail) == {occurrence.pk}


def test_the_mail_is_text_with_an_html_alternative(smtp_server, people, gaps):
    send()

    [mail] = smtp_server.to(people["jyllinge"].email)
    assert mail.message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in mail.message.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    assert django_settings.SITE_URL + "/personale/notifikationer/" in mail.text


# --- when the mail server is away ---------------------------------------------------------


class _Refusing(_Collector):
    """Accepts mail for everyone but the addresses in ``refused``."""

    def __init__(self) -> None:
        super().__init__()
        self.refused: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def refusing_server(settings):
    server = MailServer()
    server.stop()  # restart it with the refusing handler on the same port
    from aiosmtpd.controller import Controller

    handler = _Refusing()
    server._collector = handler
    server._controller = Controller(handler, hostname=server.host, port=server.port)
    server._controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = server.host, server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield server, handler
    finally:
        server.stop()


def test_a_partial_failure_marks_only_what_was_sent_and_a_retry_sends_the_rest(
    refusing_server, people, gaps
):
    from celery.exceptions import Retry

    from tasks.tasks import attendance_digests_send_task

    server, handler = refusing_server
    handler.refused.add(people["viby"].email)

    for _attempt in range(2):  # the run and a retry while the mailbox still refuses
        with pytest.raises(Retry, match=r"1 of \d attendance digests not sent"):
            attendance_digests_send_task.delay(day=DAY0.isoformat())

    assert server.to(people["viby"].email) == []
    assert len(server.to(people["jyllinge"].email)) == 1  # once, whatever the retries
    assert not DigestEntry.objects.filter(user=people["viby"]).exists()
    assert DigestEntry.objects.filter(user=people["jyllinge"]).count() == 1

    handler.refused.clear()  # the mailbox is back: the next try sends what is still due
    result = attendance_digests_send_task.delay(day=DAY0.isoformat()).get()

    assert result["sent"] == 1
    assert len(server.to(people["viby"].email)) == 1
    assert len(server.to(people["jyllinge"].email)) == 1


def test_a_mail_server_that_is_down_leaves_everything_due(settings, people, gaps, caplog):
    closed = MailServer()
    closed.stop()  # nothing listens on its port any more
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = closed.host, closed.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False

    run = send()

    assert len(run.failed) == 4
    assert run.sent == []
    assert not DigestEntry.objects.exists()
    assert "attendance digest to user" in caplog.text


def test_the_task_sends_through_the_service(smtp_server, people, gaps):
    from tasks.tasks import attendance_digests_send_task

    result = attendance_digests_send_task.delay(day=DAY0.isoformat()).get()

    assert result["sent"] == 4
    assert result["lines"] == 5
    assert result["failed"] == []
    assert len(smtp_server.messages) == 4


def test_a_given_day_is_taken_as_of_its_morning_run():
    assert digest_moment(date(2026, 3, 29)).isoformat() == "2026-03-29T07:00:00+02:00"
    assert digest_moment(date(2026, 12, 2)).isoformat() == "2026-12-02T07:00:00+01:00"


@pytest.fixture
def reseeded(transactional_db):
    """The tracks, audiences and groups a previous transactional test's flush removed."""
    from tests.tasks.util import reseed

    reseed()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_each_mail_once(reseeded, smtp_server, people, gaps):
    """The beat's run and an operator's command at the same moment: the second waits on the
    first's log lines (a unique constraint) and sends nothing the first sent."""
    import threading

    from django.db import connections

    from tests.conftest import require, uses_postgres

    require(uses_postgres(), "concurrent transactions need PostgreSQL (DATABASE_URL)")
    barrier = threading.Barrier(2)
    runs, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            runs.append(send())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert errors == []
    assert sorted(m.envelope_to[0] for m in smtp_server.messages) == sorted(
        people[k].email for k in ("jyllinge", "viby", "colleague", "both")
    )
    assert sum(len(r.sent) for r in runs) == 4
    assert DigestEntry.objects.count() == 5
