"""Serializer fields shared by the API: local time in and out, bounded dates."""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from events.clock import LOCAL_TZ, MAX_YEAR, MIN_YEAR


class LocalDateTimeField(serializers.DateTimeField):
    """A datetime read as Europe/Copenhagen when it has no offset, and written in
    Europe/Copenhagen with its offset (``2026-09-01T19:00:00+02:00``)."""

    default_error_messages = {
        "make_aware": _(
            "This local time does not exist or occurs twice in Copenhagen (a daylight saving "
            "change); give the time with an offset."
        ),
        "range": _("Give a date between the years {min} and {max}."),
    }

    def __init__(self, **kwargs):
        super().__init__(default_timezone=LOCAL_TZ, **kwargs)

    def enforce_timezone(self, value: datetime) -> datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            # DRF's own check lets a time inside the spring gap through; check both ways.
            aware = value.replace(tzinfo=LOCAL_TZ)
            back = aware.astimezone(UTC).astimezone(LOCAL_TZ).replace(tzinfo=None)
            if back != value or aware.replace(fold=1).utcoffset() != aware.utcoffset():
                self.fail("make_aware", timezone=LOCAL_TZ)
            return aware
        return super().enforce_timezone(value)

    def to_internal_value(self, value) -> datetime:
        # Refuse far-off years before parsing: converting them between zones can overflow.
        year = value[:4] if isinstance(value, str) else ""
        if year.isdigit() and not MIN_YEAR <= int(year) <= MAX_YEAR:
            self.fail("range", min=MIN_YEAR, max=MAX_YEAR)
        parsed = super().to_internal_value(value)
        if not MIN_YEAR <= parsed.year <= MAX_YEAR:
            self.fail("range", min=MIN_YEAR, max=MAX_YEAR)
        return parsed


class BoundedDateField(serializers.DateField):
    default_error_messages = {
        "range": _("Give a date between the years {min} and {max}."),
    }

    def to_internal_value(self, value) -> date:
        parsed = super().to_internal_value(value)
        if not MIN_YEAR <= parsed.year <= MAX_YEAR:
            self.fail("range", min=MIN_YEAR, max=MAX_YEAR)
        return parsed
