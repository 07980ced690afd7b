"""The Celery app. The beat schedule lives next to it, in ``tasks/schedule.py``."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "calendar_service.settings")

app = Celery("calendar_service")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

from tasks.schedule import BEAT_SCHEDULE  # noqa: E402 - plain data, no Django models

app.conf.beat_schedule = {
    **BEAT_SCHEDULE,
    # The dpl-cms connector: each minute the task checks whether it is configured and whether
    # DPL_CMS_SYNC_MINUTES have passed since the last run (dplcms.tasks); off, it does nothing.
    "dpl-cms-sync": {
        "task": "dplcms.tasks.dpl_cms_sync_due_task",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
}
