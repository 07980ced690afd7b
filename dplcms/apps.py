from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DplCmsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dplcms"
    verbose_name = _("Library website (dpl-cms)")

    def ready(self) -> None:
        # A sync is one of tasks' jobs: tell tasks how to send it (first time and the sweep's).
        from tasks.models import Job
        from tasks.services.jobs import JOB_SENDERS

        from .tasks import job_send

        JOB_SENDERS[Job.Kind.DPL_SYNC] = job_send
