"""events.clock: the one place that decides the zone, today and the supported years."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from django.conf import settings

from events import clock


def test_today_is_the_date_in_copenhagen_not_in_utc():
    # 23:30 UTC on 31 December is already 1 January in Copenhagen.
    assert clock.local_today(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == date(2027, 1, 1)
    assert clock.local_today(datetime(2026, 6, 30, 21, 59, tzinfo=UTC)) == date(2026, 6, 30)


def test_the_supported_years():
    assert clock.year_supported(2000)
    assert clock.year_supported(2100)
    assert not clock.year_supported(1999)
    assert not clock.year_supported(2101)
    assert not clock.year_supported("2026")
    assert not clock.year_supported(True)


def test_django_runs_in_the_zone_the_domain_decides():
    assert settings.TIME_ZONE == clock.ZONE_NAME == clock.LOCAL_TZ.key


def test_a_time_zone_in_the_environment_changes_nothing():
    """TIME_ZONE is no longer a setting: the service is Copenhagen-only, so an environment that
    still sets it cannot make Django disagree with the domain."""
    code = "from django.conf import settings; print(settings.TIME_ZONE)"
    env = {
        **os.environ,
        "TIME_ZONE": "America/New_York",
        "DJANGO_SETTINGS_MODULE": "calendar_service.settings",
        "DEBUG": "true",
    }
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "Europe/Copenhagen"


def test_the_feeds_publish_the_zone_the_domain_decides():
    """The feed builders stay free of the core, so they name the zone themselves (TZID); it
    must be the domain's."""
    from feeds import builders, ical

    assert ical.TZID == clock.ZONE_NAME
    assert builders.LOCAL_TZ == clock.LOCAL_TZ
