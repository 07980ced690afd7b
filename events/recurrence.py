"""Recurrence rules: validation, normalisation and expansion in Copenhagen local time.

A rule expands on the wall clock: a weekly event at 19:00 stays at 19:00 local across the
daylight-saving changes. Pure functions, no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta

from dateutil import rrule as du_rrule
from django.utils.translation import gettext as _

from .models import LOCAL_TZ

ALLOWED_FREQS = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
_KNOWN_PARTS = {
    "FREQ",
    "UNTIL",
    "COUNT",
    "INTERVAL",
    "BYSECOND",
    "BYMINUTE",
    "BYHOUR",
    "BYDAY",
    "BYMONTHDAY",
    "BYYEARDAY",
    "BYWEEKNO",
    "BYMONTH",
    "BYSETPOS",
    "WKST",
}
MAX_COUNT = 1000


class RecurrenceError(ValueError):
    """A rule that is not valid RFC 5545 RRULE text, or not one we can publish."""


def _parts(text: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for chunk in text.split(";"):
        if not chunk:
            continue
        key, sep, value = chunk.partition("=")
        key = key.strip().upper()
        if not sep or not value.strip():
            raise RecurrenceError(_("“%(part)s” is not of the form NAME=VALUE.") % {"part": chunk})
        if key not in _KNOWN_PARTS:
            raise RecurrenceError(_("“%(name)s” is not an RRULE part.") % {"name": key})
        if key in parts:
            raise RecurrenceError(_("“%(name)s” is given twice.") % {"name": key})
        parts[key] = value.strip().upper()
    return parts


def _parse_until(value: str) -> datetime:
    """UNTIL as an aware datetime (a DATE value means the end of that local day)."""
    try:
        if len(value) == 8:
            day = datetime.strptime(value, "%Y%m%d").date()  # noqa: DTZ007 - a date only
            return datetime.combine(day, datetime.max.time(), tzinfo=LOCAL_TZ).replace(
                microsecond=0
            )
        if value.endswith("Z"):
            return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        return datetime.strptime(value, "%Y%m%dT%H%M%S").replace(tzinfo=LOCAL_TZ)
    except ValueError as exc:
        raise RecurrenceError(
            _("UNTIL “%(value)s” is not a date (YYYYMMDD) or a time (YYYYMMDDTHHMMSSZ).")
            % {"value": value}
        ) from exc


def normalise_rrule(text: str) -> str:  # noqa: C901 - one flat guard per RRULE part
    """Validate RRULE text and return it in canonical form (UNTIL in UTC, as RFC 5545 wants
    when DTSTART has a TZID). Raises RecurrenceError with a readable reason."""
    text = (text or "").strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if not text:
        return ""
    if "\n" in text or "\r" in text:
        raise RecurrenceError(_("A rule is one line of text."))
    parts = _parts(text)
    freq = parts.get("FREQ")
    if not freq:
        raise RecurrenceError(_("FREQ is required, e.g. FREQ=WEEKLY."))
    if freq not in ALLOWED_FREQS:
        raise RecurrenceError(
            _("FREQ must be one of %(allowed)s; an event does not repeat more often than daily.")
            % {"allowed": ", ".join(ALLOWED_FREQS)}
        )
    if "COUNT" in parts and "UNTIL" in parts:
        raise RecurrenceError(_("COUNT and UNTIL cannot both be given."))
    for name in ("BYSECOND", "BYMINUTE", "BYHOUR"):
        if name in parts:
            raise RecurrenceError(
                _("%(name)s is not supported: the time of day comes from the start.")
                % {"name": name}
            )
    if "COUNT" in parts and (
        not parts["COUNT"].isdigit() or not 1 <= int(parts["COUNT"]) <= MAX_COUNT
    ):
            raise RecurrenceError(
                _("COUNT must be a whole number from 1 to %(max)d.") % {"max": MAX_COUNT}
            )
    if "INTERVAL" in parts and (not parts["INTERVAL"].isdigit() or int(parts["INTERVAL"]) < 1):
        raise RecurrenceError(_("INTERVAL must be a whole number of at least 1."))
    if "UNTIL" in parts:
        parts["UNTIL"] = _parse_until(parts["UNTIL"]).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    canonical = ";".join(f"{k}={v}" for k, v in parts.items())
    # Let dateutil check the values of the BY* parts.
    try:
        _build(canonical, datetime(2026, 1, 1, 12, 0))  # noqa: DTZ001 - wall-clock time
    except (ValueError, TypeError, KeyError) as exc:
        raise RecurrenceError(
            _("The rule is not valid RRULE text: %(error)s") % {"error": exc}
        ) from exc
    # Order: FREQ first, the rest as given.
    return canonical


def _build(rule: str, dtstart_naive: datetime) -> du_rrule.rrule:
    parts = _parts(rule)
    until = parts.pop("UNTIL", None)
    text = ";".join(f"{k}={v}" for k, v in parts.items())
    built = du_rrule.rrulestr(text, dtstart=dtstart_naive)
    if until:
        until_local = _parse_until(until).astimezone(LOCAL_TZ).replace(tzinfo=None)
        built = built.replace(until=until_local)
    return built


def to_aware(naive_local: datetime) -> datetime:
    """A Copenhagen wall-clock time as an aware datetime. A time inside the spring gap takes
    the offset before the gap (RFC 5545 3.3.5), so 02:30 on 29 March becomes 03:30 CEST."""
    aware = naive_local.replace(tzinfo=LOCAL_TZ)
    return aware.astimezone(UTC).astimezone(LOCAL_TZ)


def is_bounded(rule: str) -> bool:
    parts = _parts(rule)
    return "COUNT" in parts or "UNTIL" in parts


def expand(
    *, start: datetime, rule: str, until: datetime, exdates: Iterable[date] = ()
) -> Iterator[datetime]:
    """Starts (aware) of a series from ``start`` up to ``until``, on the local wall clock.
    A single event (empty rule) yields its start. Excluded local dates are skipped."""
    excluded = set(exdates)
    if not rule:
        if start <= until and start.astimezone(LOCAL_TZ).date() not in excluded:
            yield start
        return
    local_start = start.astimezone(LOCAL_TZ).replace(tzinfo=None)
    until_local = until.astimezone(LOCAL_TZ).replace(tzinfo=None)
    for naive in _build(rule, local_start).xafter(local_start - timedelta(seconds=1), inc=True):
        if naive > until_local:
            break
        if naive.date() in excluded:
            continue
        yield to_aware(naive)


def rule_dates(*, start: datetime, rule: str, until: datetime) -> set[date]:
    """The local dates the rule falls on up to ``until`` (exclusions ignored)."""
    return {
        moment.astimezone(LOCAL_TZ).date() for moment in expand(start=start, rule=rule, until=until)
    }
