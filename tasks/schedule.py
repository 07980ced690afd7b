"""The Celery beat schedule, in code. Times are Europe/Copenhagen (``CELERY_TIMEZONE``).

Each entry expires, so a beat that was down does not fire a pile of stale runs when it returns.
"""

from celery.schedules import crontab

MINUTE = 60
HOUR = 60 * MINUTE

BEAT_SCHEDULE = {
    "occurrences-extend-horizon-nightly": {
        "task": "tasks.tasks.occurrences_extend_horizon_task",
        "schedule": crontab(hour=2, minute=15),
        "options": {"expires": 3 * HOUR},
    },
    "status-recompute-nightly": {
        "task": "tasks.tasks.status_recompute_task",
        "schedule": crontab(hour=3, minute=15),
        "options": {"expires": 3 * HOUR},
    },
    # The catch-up of figures whose recompute request was lost (Redis or a worker away): each
    # minute, every year marked stale for longer than STATUS_SWEEP_AGE (settings.py).
    "status-recompute-sweep": {
        "task": "tasks.tasks.status_recompute_sweep_task",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Feed pieces made stale in bulk (a new SITE_URL or builder version after a deploy, a
    # renamed branch) are rebuilt off the request path (feeds/tasks.py).
    "feeds-pieces-rebuild": {
        "task": "feeds.tasks.pieces_rebuild_task",
        "schedule": 10 * MINUTE,
        "options": {"expires": 9 * MINUTE},
    },
    "status-report-june": {
        "task": "tasks.tasks.status_report_generate_task",
        "schedule": crontab(hour=6, minute=0, day_of_month=1, month_of_year=6),
        "kwargs": {"scheduled": True},
        "options": {"expires": 12 * HOUR},
    },
    "status-report-december": {
        "task": "tasks.tasks.status_report_generate_task",
        "schedule": crontab(hour=6, minute=0, day_of_month=1, month_of_year=12),
        "kwargs": {"scheduled": True},
        "options": {"expires": 12 * HOUR},
    },
    # Each branch's staff get the occurrences missing attendance (tasks.services.digests; its
    # DIGEST_TIME says the same time). Expires at noon: a morning mail is no use in the evening.
    "attendance-digests-daily": {
        "task": "tasks.tasks.attendance_digests_send_task",
        "schedule": crontab(hour=7, minute=0),
        "options": {"expires": 5 * HOUR},
    },
    # Jobs whose worker died, or whose message never reached Redis, run again (JOB_LEASE_SECONDS).
    "jobs-sweep": {
        "task": "tasks.tasks.jobs_sweep_task",
        "schedule": MINUTE,
        "options": {"expires": MINUTE - 10},
    },
    # Citizens' proposals: erase contact details PROPOSAL_RETENTION_DAYS after the decision, and
    # send the receipts and outcome mails that a lost message or an absent SMTP server left.
    "proposals-erase-daily": {
        "task": "proposals.tasks.proposals_erase_task",
        "schedule": crontab(hour=4, minute=30),
        "options": {"expires": 6 * HOUR},
    },
    "proposals-mail-sweep": {
        "task": "proposals.tasks.proposals_mail_sweep_task",
        "schedule": 5 * MINUTE,
        "options": {"expires": 5 * MINUTE - 10},
    },
}
