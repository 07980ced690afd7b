"""Settings of the Celery workers that tests/tasks/test_jobs_worker_lost.py starts and kills:
production's, with a heartbeat every second so a test need not wait for the real lease."""

from calendar_service.settings import *  # noqa: F403

JOB_HEARTBEAT_SECONDS = 1
