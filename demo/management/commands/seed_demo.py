"""Load the demo: Roskilde's branches, Bogbussen's stops, partners, a user per role and a year of
events around today. Idempotent (a second run creates nothing) and deterministic for a day."""

from __future__ import annotations

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from demo import events as demo
from events.clock import local_today


class Command(BaseCommand):
    help = (
        "Load demo branches, stops, rooms, partners, users and a year of events around today "
        "(deterministic for a day; running it again creates nothing new)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today", help="Lay the demo out around this date (YYYY-MM-DD) instead of today."
        )

    def handle(self, *args, **options):
        today = None
        if options["today"]:
            try:
                today = date.fromisoformat(options["today"])
            except ValueError as exc:
                raise CommandError(f"--today must be a date (YYYY-MM-DD): {exc}") from exc
        began = time.monotonic()
        report = demo.seed(today=today)
        for line in report.lines:
            self.stdout.write(line)
        # The action plans and status figures belong to tasks/, which builds on the events.
        from demo import plans as tasks_demo

        for line in tasks_demo.seed_plans(today=today or local_today()):
            self.stdout.write(line)
        # The archive: last June's and this December's KIU reports, frozen.
        from demo import reports as reports_demo

        for line in reports_demo.seed_reports(today=today or local_today()):
            self.stdout.write(line)
        # Citizens' proposals in each state (proposals/), counted on the dashboard.
        from demo import proposals as proposals_demo

        for line in proposals_demo.seed_proposals(today=today or local_today()):
            self.stdout.write(line)
        # The library website connector (dplcms/), off: branches' website names, mapping rules,
        # a few imported events, one waiting in "Mangler spor", and the last run.
        from demo import dplcms as dplcms_demo

        for line in dplcms_demo.seed_dplcms(today=today or local_today()):
            self.stdout.write(line)
        created = ", ".join(f"{what}: {n}" for what, n in report.created.items()) or "nothing"
        self.stdout.write(self.style.SUCCESS(f"Created: {created}."))
        if report.existing:
            existing = ", ".join(f"{what}: {n}" for what, n in report.existing.items())
            self.stdout.write(f"Already there (left as they were): {existing}.")
        self.stdout.write(f"Done in {time.monotonic() - began:.1f} s.")
        self.stdout.write("Demo logins (http://127.0.0.1:8000/admin/):")
        for username, role, scope in demo.LOGINS:
            self.stdout.write(
                f"  {role:28} {username} / {demo.DEMO_PASSWORDS[username]}  ({scope})"
            )
