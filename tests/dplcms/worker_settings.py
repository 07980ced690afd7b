"""Settings of the Celery workers tests/dplcms/test_sync_real_worker.py starts and kills:
production's (the connector configured from the environment the test gives them), with a
heartbeat every second and no backoff between HTTP retries, so the test need not wait."""

from calendar_service.settings import *  # noqa: F403

JOB_HEARTBEAT_SECONDS = 1
DPL_CMS_RETRY_BACKOFF = 0
