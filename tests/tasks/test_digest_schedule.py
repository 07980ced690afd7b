"""The attendance digest's beat entry: every morning at 07:00 in Copenhagen, winter and summer,
as beat computes it from CELERY_TIMEZONE (beat keeps its clock in UTC)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from celery.schedules import crontab
from django.conf import settings

from calendar_service.celery import app
from tasks.services.digests import DIGEST_TIME

ENTRY = "attendance-digests-daily"


def next_run(after_utc: datetime) -> datetime:
    """The next run after ``after_utc`` as beat computes it: in the app's time zone."""
    schedule = app.conf.beat_schedule[ENTRY]["schedule"]
    schedule.app = app
    last, delta, _now = schedule.remaining_delta(after_utc)
    return (last + delta).astimezone(UTC)


def test_the_entry_runs_the_digest_task_daily_at_seven_and_expires():
    entry = app.conf.beat_schedule[ENTRY]

    assert entry["task"] == "tasks.tasks.attendance_digests_send_task"
    assert entry["task"] in app.tasks
    assert entry["schedule"] == crontab(hour=7, minute=0)
    assert 0 < entry["options"]["expires"] <= 12 * 3600
    assert (DIGEST_TIME.hour, DIGEST_TIME.minute) == (7, 0)  # the service's notion of the run
    assert settings.CELERY_TIMEZONE == "Europe/Copenhagen"
    assert str(app.timezone) == "Europe/Copenhagen"


@pytest.mark.parametrize(
    ("after_utc", "expected_utc"),
    [
        # winter (CET, UTC+1): 07:00 is 06:00 UTC
        (datetime(2026, 12, 2, 6, 0, tzinfo=UTC), datetime(2026, 12, 3, 6, 0, tzinfo=UTC)),
        (datetime(2026, 12, 2, 5, 30, tzinfo=UTC), datetime(2026, 12, 2, 6, 0, tzinfo=UTC)),
        # summer (CEST, UTC+2): 07:00 is 05:00 UTC
        (datetime(2026, 6, 15, 4, 30, tzinfo=UTC), datetime(2026, 6, 15, 5, 0, tzinfo=UTC)),
        # across the spring change (29 March 2026): Saturday's run at 06:00 UTC, Sunday's at 05:00
        (datetime(2026, 3, 28, 6, 0, tzinfo=UTC), datetime(2026, 3, 29, 5, 0, tzinfo=UTC)),
        # across the autumn change (25 October 2026): Saturday's at 05:00 UTC, Sunday's at 06:00
        (datetime(2026, 10, 24, 5, 0, tzinfo=UTC), datetime(2026, 10, 25, 6, 0, tzinfo=UTC)),
    ],
)
def test_the_next_run_is_seven_in_the_morning_in_copenhagen(after_utc, expected_utc):
    run = next_run(after_utc)

    assert run == expected_utc
    assert run.astimezone(app.timezone).strftime("%H:%M") == "07:00"
