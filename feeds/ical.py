"""RFC 5545 content lines: text escaping, folding and the VTIMEZONE. Pure functions, no
database, no settings.

Written by hand rather than with the icalendar library because the feeds are assembled from
thousands of pre-serialized pieces and must be fast; the tests read everything back with three
independent parsers (icalendar, recurring-ical-events and Mozilla's ical.js).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Timezone

TZID = "Europe/Copenhagen"
CRLF = "\r\n"

# After line breaks are normalised to LF, every other control character except TAB is
# removed: RFC 5545 TEXT cannot carry them and XML 1.0 (RSS, Atom) cannot either.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
_PARAM_UNSAFE = re.compile('["\x00-\x08\x0a-\x1f\x7f]')


def clean_text(value: str) -> str:
    """User text as the feeds publish it: CRLF and CR become LF, control characters other than
    TAB and LF are dropped. (U+2028 and friends stay: no reader splits lines on them.)"""
    if not value:
        return ""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", value)


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newline escaped."""
    return (
        clean_text(value)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\n", "\\n")
    )


def quote_param(value: str) -> str:
    """A parameter value as a quoted-string (RFC 5545 3.1): DQUOTE and controls cannot appear
    inside one, so they are dropped."""
    return '"' + _PARAM_UNSAFE.sub("", clean_text(value)) + '"'


def fold(line: str) -> str:
    """One content line folded at 75 octets without splitting a UTF-8 character, with CRLF."""
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return line + CRLF
    chunks = []
    start, limit, size = 0, 75, len(raw)
    while start < size:
        end = min(start + limit, size)
        # Back off while the next byte continues a character (10xxxxxx).
        while end < size and (raw[end] & 0xC0) == 0x80:
            end -= 1
        chunks.append(raw[start:end])
        start, limit = end, 74  # continuation lines start with one space
    return (b"\r\n ".join(chunks) + b"\r\n").decode("utf-8")


def prop(name: str, value: str) -> str:
    """``NAME:value`` (value already in its iCalendar form), folded."""
    return fold(f"{name}:{value}")


def text_prop(name: str, value: str) -> str:
    return fold(f"{name}:{escape_text(value)}")


def utc_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def local_stamp(moment: datetime, tz) -> str:
    return moment.astimezone(tz).strftime("%Y%m%dT%H%M%S")


def date_stamp(day: date) -> str:
    return day.strftime("%Y%m%d")


def duration_minutes(minutes: int) -> str:
    return f"PT{int(minutes)}M"


def _transitions(
    tz: ZoneInfo, year: int
) -> list[tuple[datetime, timedelta | None, timedelta | None]]:
    """The UTC instants in ``year`` at which ``tz`` changes its offset, with offsets before and
    after, read from the time zone database (hour by hour around each change of day)."""
    found = []
    day = datetime(year, 1, 1, tzinfo=UTC)
    before = day.astimezone(tz).utcoffset()
    while day.year == year:
        nxt = day + timedelta(days=1)
        after = nxt.astimezone(tz).utcoffset()
        if after != before:
            moment = day
            while moment.astimezone(tz).utcoffset() == before:
                moment += timedelta(minutes=15)
            found.append((moment, before, after))
            before = after
        day = nxt
    return found


def _last_sunday(year: int, month: int) -> date:
    last = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - 6) % 7)


def _offset(delta: timedelta) -> str:
    minutes = int(delta.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


def _follows_eu_rule(tz: ZoneInfo, first_year: int, last_year: int) -> bool:
    """Whether every change in the years is the EU rule: to +0200 on the last Sunday of March
    and back to +0100 on the last Sunday of October, both at 01:00 UTC."""
    one, two = timedelta(hours=1), timedelta(hours=2)
    for year in range(first_year, last_year + 1):
        expected = [
            (datetime.combine(_last_sunday(year, 3), time(1), tzinfo=UTC), one, two),
            (datetime.combine(_last_sunday(year, 10), time(1), tzinfo=UTC), two, one),
        ]
        if _transitions(tz, year) != expected:
            return False
    return True


@lru_cache(maxsize=32)
def vtimezone(first_year: int, last_year: int) -> str:
    """The VTIMEZONE of Europe/Copenhagen covering 1 January of ``first_year`` to 31 December
    of ``last_year`` (and on), as folded CRLF text, from the time zone database.

    When the database has the EU rule for every one of those years (it has, from 1996), the
    zone is written with yearly RRULEs, as most calendar programs write it: compact, valid for
    every later date, and read correctly by every reader tested (Mozilla's ical.js misreads the
    RDATE lists that ``icalendar.Timezone.from_tzid`` writes, putting summer events an hour
    off). Otherwise the explicit transitions from ``from_tzid`` are used.
    """
    tz = ZoneInfo(TZID)
    if _follows_eu_rule(tz, first_year - 1, last_year):
        daylight = _last_sunday(first_year, 3)
        standard = _last_sunday(first_year - 1, 10)
        lines = [
            "BEGIN:VTIMEZONE",
            f"TZID:{TZID}",
            f"X-LIC-LOCATION:{TZID}",
            "BEGIN:STANDARD",
            f"DTSTART:{date_stamp(standard)}T030000",
            "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
            "TZNAME:CET",
            f"TZOFFSETFROM:{_offset(timedelta(hours=2))}",
            f"TZOFFSETTO:{_offset(timedelta(hours=1))}",
            "END:STANDARD",
            "BEGIN:DAYLIGHT",
            f"DTSTART:{date_stamp(daylight)}T020000",
            "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
            "TZNAME:CEST",
            f"TZOFFSETFROM:{_offset(timedelta(hours=1))}",
            f"TZOFFSETTO:{_offset(timedelta(hours=2))}",
            "END:DAYLIGHT",
            "END:VTIMEZONE",
        ]
        return CRLF.join(lines) + CRLF
    component = Timezone.from_tzid(
        TZID, first_date=date(first_year, 1, 1), last_date=date(last_year, 12, 31)
    )
    text = component.to_ical().decode("utf-8")
    text = text.replace("\r\n", "\n").replace("\n", CRLF)
    return text if text.endswith(CRLF) else text + CRLF


def exclusive_end_date(start_day: date, end: datetime, tz) -> date:
    """DTEND of an all-day event: the day after its last local day, at least one day on."""
    last = (end - timedelta(seconds=1)).astimezone(tz).date()
    return max(last + timedelta(days=1), start_day + timedelta(days=1))
