"""``manage.py dpl_cms_sync``: one sync with the library website now, for operators."""

from django.core.management.base import BaseCommand, CommandError

from dplcms import services
from dplcms.models import SyncRun


class Command(BaseCommand):
    help = "Read the library website's (dpl-cms) events now and apply them."

    def handle(self, *args, **options):
        if not services.is_configured():
            raise CommandError("The connector is off: set DPL_CMS_URL (see README, dpl-cms).")
        run = services.run_create(trigger=SyncRun.Trigger.COMMAND)
        run = services.run_execute(run_id=run.pk)
        counts = ", ".join(f"{name} {getattr(run, name)}" for name in SyncRun.COUNTS)
        self.stdout.write(f"{run.get_state_display()}: listed {run.listed}; {counts}")
        for error in run.errors:
            self.stdout.write(f"  {error.get('uuid') or '-'}: {error['message']}")
        if run.state != SyncRun.State.SUCCEEDED:
            raise CommandError(run.message)
