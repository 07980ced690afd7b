"""The daily attendance digest: each branch's staff get one mail listing the occurrences of
their branches that are missing attendance more than a day after they ended
(``tasks.services.missing``), each line a link to that occurrence's row on the branch's
attendance screen.

Who: the active users on a branch's staff (``Branch.staff``, as ``events.roles.branch_ids``
reads it) with an e-mail address, unless they opted out (``NotificationPreference``). Nobody is
mailed about a branch they are not staff at, and nobody gets a mail when nothing is due.

When: an occurrence is listed in the first digest after it becomes due, then again after 3
and after 7 days (``REMINDER_DAYS``, counted from the day it was first listed to that user),
and not in between; after that the attendance screen and the dashboard keep showing it. What
was listed to whom on which day is logged (``DigestEntry``). The lines of a mail are logged in
the transaction that sends it: a mail that fails leaves no line (it is sent at the next try),
and a second run on the same day finds the lines and sends nothing twice.

Each mail is plain text with an HTML alternative, in the user's language (Danish unless they
chose English), with every text that staff typed escaped in the HTML.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import groupby
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from events.clock import LOCAL_TZ, local_today
from events.models import Branch, Occurrence

from ..models import DigestEntry, NotificationPreference
from .missing import overdue_occurrences

logger = logging.getLogger(__name__)

REMINDER_DAYS = (0, 3, 7)  # days after it was first listed on which an occurrence is listed
DIGEST_TIME = time(7, 0)  # the beat's run, Copenhagen time (tasks/schedule.py)


class DigestDeliveryError(Exception):
    """Some digests could not be sent (the mail server was away); they are sent at a retry."""


def digest_since(today: date) -> date:
    """The oldest local date a digest looks at: this year, and in January also December (a
    gap from the days around New Year is still chased); older gaps are the dashboard's."""
    previous_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    return min(date(today.year, 1, 1), previous_month)


def digest_moment(day: date) -> datetime:
    """The moment the beat sends the digest of ``day`` (its notion of "now" for that day)."""
    return datetime.combine(day, DIGEST_TIME, tzinfo=LOCAL_TZ)


def attendance_url(occurrence: Occurrence) -> str:
    """Absolute link to the occurrence's row on its branch's attendance screen."""
    return attendance_screen_url(occurrence.event.branch) + f"#o{occurrence.pk}"


def attendance_screen_url(branch: Branch) -> str:
    return settings.SITE_URL + reverse("pages:attendance", kwargs={"slug": branch.slug})


# --- who gets what ------------------------------------------------------------------------


@dataclass
class Line:
    occurrence: Occurrence
    reminder: int  # 0: first time listed, 1: after 3 days, 2: after 7 days

    @property
    def url(self) -> str:
        return attendance_url(self.occurrence)

    @property
    def branch(self) -> Branch:
        return self.occurrence.event.branch


@dataclass
class Digest:
    user: Any  # the user model is swappable
    language: str
    lines: list[Line]
    also_missing: int = 0  # overdue at the user's branches, listed on earlier days, not today

    def by_branch(self) -> list[dict]:
        return [
            {"branch": branch, "url": attendance_screen_url(branch), "lines": list(lines)}
            for branch, lines in groupby(self.lines, key=lambda line: line.branch)
        ]


def _due(sent: list[date], today: date) -> int | None:
    """Which listing today is for an occurrence listed on ``sent`` days to one user: 0 (the
    first), 1 or 2 (the reminders), or None (not today). A day the beat missed moves a reminder
    to the next run, never makes one more."""
    if today in sent:
        return None
    if not sent:
        return 0
    if len(sent) >= len(REMINDER_DAYS):
        return None
    return len(sent) if (today - min(sent)).days >= REMINDER_DAYS[len(sent)] else None


def _recipients(branch_ids: set[int]) -> dict[int, set[int]]:
    """user id -> the branches (of ``branch_ids``) they are staff at, for the active users with
    an address who did not opt out."""
    User = get_user_model()
    through = Branch.staff.through
    opted_out = NotificationPreference.objects.filter(attendance_digest=False).values("user_id")
    users = (
        User.objects.filter(is_active=True, branches__in=branch_ids)
        .exclude(email="")
        .exclude(pk__in=opted_out)
        .values("pk")
    )
    out: dict[int, set[int]] = defaultdict(set)
    for user_id, branch_id in through.objects.filter(
        user_id__in=users, branch_id__in=branch_ids
    ).values_list("user_id", "branch_id"):
        out[user_id].add(branch_id)
    return out


def digests_due(*, today: date, now: datetime) -> list[Digest]:
    """The digests of ``today`` (as of ``now``): one per recipient with at least one line due."""
    overdue = list(overdue_occurrences(now=now, since=digest_since(today)))
    if not overdue:
        return []
    recipients = _recipients({o.event.branch_id for o in overdue})
    sent: dict[tuple[int, int], list[date]] = defaultdict(list)
    for user_id, occurrence_id, day in DigestEntry.objects.filter(
        user_id__in=recipients, occurrence__in=overdue
    ).values_list("user_id", "occurrence_id", "sent_on"):
        sent[(user_id, occurrence_id)].append(day)
    User = get_user_model()
    users = User.objects.in_bulk(list(recipients))
    languages = dict(
        NotificationPreference.objects.filter(user_id__in=recipients).values_list(
            "user_id", "language"
        )
    )
    digests = []
    for user_id in sorted(recipients, key=lambda pk: users[pk].get_username()):
        mine = [o for o in overdue if o.event.branch_id in recipients[user_id]]
        lines = []
        for occurrence in mine:
            reminder = _due(sent[(user_id, occurrence.pk)], today)
            if reminder is not None:
                lines.append(Line(occurrence=occurrence, reminder=reminder))
        if lines:
            language = languages.get(user_id, NotificationPreference.Language.DANISH)
            digests.append(
                Digest(users[user_id], language, lines, also_missing=len(mine) - len(lines))
            )
    return digests


# --- the mail -----------------------------------------------------------------------------


def digest_message(digest: Digest, *, connection=None) -> EmailMultiAlternatives:
    """The mail of one digest, in the user's language and in Copenhagen time."""
    with translation.override(digest.language), timezone.override(LOCAL_TZ):
        n = len(digest.lines)
        subject = ngettext(
            "Attendance missing for %(n)d occurrence",
            "Attendance missing for %(n)d occurrences",
            n,
        ) % {"n": n}
        context = {
            "digest": digest,
            "user": digest.user,
            "branches": digest.by_branch(),
            "count": n,
            "also_missing": digest.also_missing,
            "preferences_url": settings.SITE_URL + reverse("pages:notification-settings"),
            "site_url": settings.SITE_URL,
            "subject": subject,
        }
        text = render_to_string("tasks/mail/attendance_digest.txt", context)
        html = render_to_string("tasks/mail/attendance_digest.html", context)
    message = EmailMultiAlternatives(
        subject=_subject_line(subject),
        body=text,
        to=[digest.user.email],
        connection=connection,
        headers={"Content-Language": digest.language, "Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    return message


def _subject_line(subject: str) -> str:
    return " ".join(subject.split())


# --- sending ------------------------------------------------------------------------------


@dataclass
class DigestRun:
    day: date
    now: datetime
    dry_run: bool = False
    digests: list[Digest] = field(default_factory=list)
    sent: list[Digest] = field(default_factory=list)
    skipped: list[Digest] = field(default_factory=list)  # another run sent them today
    failed: list[tuple[Digest, str]] = field(default_factory=list)

    def summary(self) -> dict:
        return {
            "day": self.day.isoformat(),
            "due": len(self.digests),
            "sent": len(self.sent),
            "lines": sum(len(d.lines) for d in self.sent),
            "skipped": len(self.skipped),
            "failed": [d.user.get_username() for d, _error in self.failed],
            "dry_run": self.dry_run,
        }


def _send_one(digest: Digest, *, day: date, connection) -> bool:
    """Log the digest's lines and send it in one transaction: a failed mail rolls the lines
    back. False when another run already logged them today (nothing is sent)."""
    try:
        with transaction.atomic():
            DigestEntry.objects.bulk_create(
                DigestEntry(user=digest.user, occurrence=line.occurrence, sent_on=day)
                for line in digest.lines
            )
            digest_message(digest, connection=connection).send()
    except IntegrityError:
        return False
    return True


def _close(connection) -> None:
    try:
        connection.close()
    except OSError:
        logger.info("attendance digests: the mail connection did not close cleanly")


def attendance_digests_send(
    *, today: date | None = None, now: datetime | None = None, dry_run: bool = False
) -> DigestRun:
    """Send the digests of ``today`` (default: today in Copenhagen; a given day is taken as of
    its morning run, ``digest_moment``). Mail errors are logged and reported in the result's
    ``failed``, and the others are still sent; ``dry_run`` composes and sends nothing."""
    if now is None:
        now = timezone.now() if today is None or today == local_today() else digest_moment(today)
    day = today or local_today(now)
    run = DigestRun(day=day, now=now, dry_run=dry_run, digests=digests_due(today=day, now=now))
    if dry_run or not run.digests:
        return run
    connection = get_connection()
    for digest in run.digests:
        try:
            sent = _send_one(digest, day=day, connection=connection)
        except OSError as exc:  # smtplib's errors and refused connections are OSErrors
            logger.warning(
                "attendance digest to user %s not sent: %s", digest.user.pk, exc, exc_info=True
            )
            run.failed.append((digest, str(exc)))
            _close(connection)  # the next mail opens a fresh connection
            continue
        (run.sent if sent else run.skipped).append(digest)
    _close(connection)
    logger.info("attendance digests %s", run.summary())
    return run
