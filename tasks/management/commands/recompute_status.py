"""Recompute the status figures of one or more years, with a progress display.

python manage.py recompute_status --year 2026
python manage.py recompute_status --year 2025 --year 2026
python manage.py recompute_status --year 2026 --background   # through Celery, polling the job
"""

from __future__ import annotations

import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tasks.dispatch import status_recompute_start
from tasks.models import Job
from tasks.services.figures import period_get, status_recompute, status_years_due
from tasks.services.jobs import job_get


def progress_bar(percent: int, message: str, width: int = 30) -> str:
    filled = int(width * max(0, min(percent, 100)) / 100)
    return f"[{'#' * filled}{'.' * (width - filled)}] {percent:3d}% {message}"


class Command(BaseCommand):
    help = "Recompute the status figures of a year (months, quarters, halves, the year)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--year",
            type=int,
            action="append",
            help="Year to recompute (repeatable). Default: the years the nightly run covers.",
        )
        parser.add_argument(
            "--background", action="store_true", help="Run as a Celery job and poll it."
        )

    def handle(self, *args, **options):
        years = options["year"] or status_years_due()
        for year in years:
            try:
                period_get(year=year)
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from exc
            if options["background"]:
                self._background(year)
            else:
                self._here(year)

    def _show(self, percent: int, message: str) -> None:
        self.stdout.write("\r" + progress_bar(percent, message).ljust(78), ending="")
        self.stdout.flush()

    def _here(self, year: int) -> None:
        result = status_recompute(year=year, progress=self._show)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"{year}: {result['figures']} figures"))

    def _background(self, year: int) -> None:
        job = status_recompute_start(year=year)
        while True:
            job = job_get(job_id=job.pk)
            self._show(job.progress, job.message or job.get_state_display())
            if job.state in (Job.State.SUCCEEDED, Job.State.FAILED):
                break
            time.sleep(0.5)
        self.stdout.write("")
        if job.state == Job.State.FAILED:
            raise CommandError(f"{year}: {job.message}")
        self.stdout.write(self.style.SUCCESS(f"{year}: done (job {job.pk})"))
