"""``manage.py dpl_cms_sync``: one sync with the library website now, for operators. It is the
same job as "sync now" and the schedule (``dplcms.jobs``), run in this process: the same lease,
so it never runs beside another sync, and its progress shows on the job's page."""

import contextlib

from django.core.management.base import BaseCommand, CommandError

from dplcms import jobs, services
from dplcms.models import SyncRun


class Command(BaseCommand):
    help = "Read the library website's (dpl-cms) events now and apply them."

    def handle(self, *args, **options):
        if not services.is_configured():
            raise CommandError("The connector is off: set DPL_CMS_URL (see README, dpl-cms).")
        job, created = jobs.sync_job_create(trigger=SyncRun.Trigger.COMMAND)
        if not created:
            raise CommandError(
                f"A sync is already {job.state} (job {job.pk}); no second one was started."
            )
        self.stdout.write(f"Job {job.pk}")
        with contextlib.suppress(jobs.SyncFailed):
            jobs.sync_job_run(job_id=job.pk)
        run = SyncRun.objects.get(job=job)
        counts = ", ".join(f"{name} {getattr(run, name)}" for name in SyncRun.COUNTS)
        self.stdout.write(f"{run.get_state_display()}: listed {run.listed}; {counts}")
        for error in run.errors:
            self.stdout.write(f"  {error.get('uuid') or '-'}: {error['message']}")
        if run.state != SyncRun.State.SUCCEEDED:
            raise CommandError(run.message)
