"""The Celery app. The beat schedule lives next to it, in ``tasks/schedule.py``."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "calendar_service.settings")

app = Celery("calendar_service")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

from tasks.schedule import BEAT_SCHEDULE  # noqa: E402 - plain data, no Django models

app.conf.beat_schedule = BEAT_SCHEDULE
