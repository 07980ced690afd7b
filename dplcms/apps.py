from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DplCmsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dplcms"
    verbose_name = _("Library website (dpl-cms)")

    def ready(self) -> None:
        # A sync is one of tasks' jobs: tell tasks how to send it (first time and the sweep's).
        from tasks.models import Job
        from tasks.services.jobs import JOB_PRUNERS, JOB_SENDERS

        from .services import runs_prune
        from .tasks import job_send

        JOB_SENDERS[Job.Kind.DPL_SYNC] = job_send
        if runs_prune not in JOB_PRUNERS:
            JOB_PRUNERS.append(runs_prune)  # old runs go with old jobs (JOB_KEEP_DAYS)
