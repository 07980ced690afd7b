"""Generate a frozen status report as of a date, with a progress display.

python manage.py status_report --date 2026-06-01     # the year to 31 May
python manage.py status_report --date 2026-12-01     # to 30 November, next year's plan attached
"""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from tasks.services.reports import status_report_generate

from .recompute_status import progress_bar


class Command(BaseCommand):
    help = (
        "Generate a status report for a KIU meeting "
        "(figures of the year up to the day before --date)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", required=True, help="As-of date, YYYY-MM-DD.")
        parser.add_argument(
            "--scheduled",
            action="store_true",
            help="Make it that day's scheduled report (made once; run again, it is returned).",
        )

    def handle(self, *args, **options):
        try:
            as_of = date.fromisoformat(options["date"])
        except ValueError as exc:
            raise CommandError(f"--date: not a date (YYYY-MM-DD): {options['date']}") from exc

        def show(percent: int, message: str) -> None:
            self.stdout.write("\r" + progress_bar(percent, message).ljust(78), ending="")
            self.stdout.flush()

        report = status_report_generate(as_of=as_of, scheduled=options["scheduled"], progress=show)
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                f"Report {report.pk}: {report.title} ({report.period_start} to {report.period_end})"
            )
        )
