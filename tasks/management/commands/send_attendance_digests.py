"""Send the attendance digests by hand, as the beat does each morning.

python manage.py send_attendance_digests                    # today's, now
python manage.py send_attendance_digests --dry-run          # who would get what; nothing sent
python manage.py send_attendance_digests --date 2026-12-01  # that day's, as of its morning run

What was sent is logged, so running it after the beat (or twice) sends nothing twice.
"""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from events.clock import LOCAL_TZ, year_supported
from tasks.services.digests import DIGEST_TIME, attendance_digests_send


def _day(raw: str) -> date:
    try:
        day = date.fromisoformat(raw)
    except ValueError as exc:
        raise CommandError(f"--date must be a date (YYYY-MM-DD), not “{raw}”.") from exc
    if not year_supported(day.year):
        raise CommandError(f"--date {raw}: the year is outside the years the service serves.")
    return day


class Command(BaseCommand):
    help = (
        "Mail each branch's staff the occurrences that are missing attendance more than a day "
        "after they ended (the daily digest; reminders after 3 and 7 days)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            help=(
                "Send the digest of this day (YYYY-MM-DD), as the "
                f"{DIGEST_TIME:%H:%M} run that morning would. Default: today, as of now."
            ),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Show who would get which occurrences; send and log nothing.",
        )

    def handle(self, *args, **options):
        day = _day(options["date"]) if options["date"] else None
        run = attendance_digests_send(today=day, dry_run=options["dry_run"])
        when = run.now.astimezone(LOCAL_TZ)
        self.stdout.write(f"Digests of {run.day} as of {when:%Y-%m-%d %H:%M %Z}:")
        if not run.digests:
            self.stdout.write(
                "No digest is due (nothing missing past the 24-hour grace, or already listed "
                "on the days reminders are due): nothing sent."
            )
        for digest in run.digests:
            self.stdout.write(
                f"  {digest.user.get_username()} <{digest.user.email}> ({digest.language}): "
                f"{len(digest.lines)} line(s)"
            )
            if options["verbosity"] > 1 or run.dry_run:
                for line in digest.lines:
                    start = timezone.localtime(line.occurrence.start, LOCAL_TZ)
                    mark = f" reminder {line.reminder}" if line.reminder else ""
                    self.stdout.write(
                        f"    {start:%Y-%m-%d %H:%M} {line.occurrence.event.title}{mark} {line.url}"
                    )
        if run.dry_run:
            self.stdout.write(self.style.WARNING(f"Dry run: {len(run.digests)} not sent."))
            return
        for digest in run.skipped:
            self.stdout.write(f"  {digest.user.get_username()}: already sent today by another run")
        self.stdout.write(self.style.SUCCESS(f"Sent {len(run.sent)} of {len(run.digests)}."))
        if run.failed:
            names = ", ".join(d.user.get_username() for d, _e in run.failed)
            raise CommandError(
                f"{len(run.failed)} not sent ({names}): {run.failed[0][1]}. They stay due; run "
                "the command again when the mail server answers."
            )
