"""Local time of the service: the one place that decides the zone, today, and the years served.

The service is for Roskilde: it shows, groups (counting rule 3) and expands recurrences in
Europe/Copenhagen, and its feeds carry that zone. The zone is not configurable; Django's
``TIME_ZONE`` is set from ``ZONE_NAME`` here (``calendar_service/settings.py``), so the admin, the
templates and the domain cannot disagree. It reads no setting, so the settings
module can import it.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

ZONE_NAME = "Europe/Copenhagen"
LOCAL_TZ = ZoneInfo(ZONE_NAME)

# The years the service takes dates and periods in. Dates outside are refused (a 400 naming the
# field) instead of overflowing later when converted between zones.
MIN_YEAR, MAX_YEAR = 2000, 2100


def local_date_of(moment: datetime) -> date:
    """The date of ``moment`` on a wall clock in Copenhagen (counting rule 3)."""
    return moment.astimezone(LOCAL_TZ).date()


def local_today(now: datetime | None = None) -> date:
    """Today in Copenhagen (of ``now``, by default of Django's clock)."""
    return local_date_of(now or timezone.now())


def year_supported(year: object) -> bool:
    """Whether ``year`` is a whole number from MIN_YEAR to MAX_YEAR."""
    return isinstance(year, int) and not isinstance(year, bool) and MIN_YEAR <= year <= MAX_YEAR


__all__ = [
    "LOCAL_TZ",
    "MAX_YEAR",
    "MIN_YEAR",
    "ZONE_NAME",
    "local_date_of",
    "local_today",
    "year_supported",
]
