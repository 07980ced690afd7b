"""Recurrence rules: validation, normalisation and expansion in Copenhagen local time.

A rule expands on the wall clock: a weekly event at 19:00 stays at 19:00 local across the
daylight-saving changes. Pure functions, no database.

What a rule may say is RFC 5545 (section 3.3.10), narrowed to what every reader of the feeds
expands alike (tested against icalendar + recurring-ical-events and Thunderbird's ical.js, and
dateutil, which materialises the occurrences), because a rule one reader refuses makes it drop
the whole calendar, and one it reads differently shows other dates than the service lists:

- FREQ is DAILY, WEEKLY, MONTHLY or YEARLY. BYHOUR, BYMINUTE and BYSECOND are refused: the time
  of day comes from the start.
- Numbers are written with the ASCII digits 0-9 (no full-width or other Unicode digits), with a
  sign only where RFC 5545 allows one, and with no more digits than RFC 5545's grammar allows for
  the part (two for BYMONTHDAY, BYMONTH and a BYDAY ordinal, three for BYYEARDAY and BYSETPOS;
  four for COUNT and INTERVAL, whose bounds have at most four). Leading zeros within that width
  are accepted, and dropped in the stored and published text (``COUNT=0003`` is kept as
  ``COUNT=3``; ical.js refuses ``05MO``), as is a ``+`` sign. Repeated list values are dropped.
- Values lie in RFC 5545's ranges: BYMONTHDAY ±1..31, BYYEARDAY ±1..366, BYMONTH 1..12, a BYDAY
  ordinal ±1..5, WKST a weekday. Per FREQ, as RFC 5545 says and where readers disagree:
  - BYMONTHDAY with MONTHLY, or YEARLY with BYMONTH (without BYMONTH, dateutil takes every
    month and ical.js the start's month); not with DAILY (ical.js misreads or hangs) or WEEKLY;
    a negative one (from the month's end) only with MONTHLY and without BYDAY (ical.js
    misreads the one and refuses the other); with BYDAY only plain weekdays and no INTERVAL
    (ical.js gives up on a combination that has no date within four years);
  - a BYDAY ordinal with MONTHLY, or YEARLY with BYMONTH (ordinals counted in the year are
    misread by ical.js from 10 on); never mixed with plain weekdays in one BYDAY (dateutil then
    requires both, RFC 5545 either);
  - BYMONTH not with MONTHLY (ical.js loses months after the turn of the year); YEARLY with
    BYMONTH says the same;
  - BYYEARDAY with YEARLY, without BYMONTH or BYMONTHDAY (ical.js fails on those);
  - BYSETPOS with MONTHLY and BYDAY weekdays (no ordinals, no BYMONTHDAY), from 1 to 31 or -1 to
    -3 (ical.js misreads it with other FREQs and parts, and a negative one that picks a month's
    first day);
  - BYWEEKNO is refused (ical.js misreads it).
- COUNT is 1..MAX_COUNT and INTERVAL 1..MAX_INTERVAL. A series that ends (COUNT or UNTIL) ends
  within MAX_YEARS years of its start and before the year LAST_YEAR + 1. An open-ended series is
  allowed: it is materialised up to the rolling horizon.
- The rule gives at least one date from the start on (within MAX_YEARS years); otherwise the
  reason is named: UNTIL before the start, a month that has no such day (30 February), or no
  date at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from itertools import islice

from dateutil import rrule as du_rrule
from dateutil.relativedelta import relativedelta
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
MAX_INTERVAL = 366
MAX_YEARS = 10
LAST_YEAR = 2099
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# Days in each month at most (February in a leap year).
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_UNSIGNED = re.compile(r"(?P<figures>[0-9]+)", re.ASCII)
_SIGNED = re.compile(r"(?P<sign>[+-]?)(?P<figures>[0-9]+)", re.ASCII)
_BYDAY = re.compile(r"([+-]?)([0-9]*)([A-Z]{2})", re.ASCII)
_UNTIL = re.compile(r"[0-9]{8}(T[0-9]{6}Z?)?", re.ASCII)


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
        if not _UNTIL.fullmatch(value):
            raise ValueError(value)
        if len(value) == 8:
            day = datetime.strptime(value, "%Y%m%d").date()  # noqa: DTZ007 - a date only
            return datetime.combine(day, datetime.max.time(), tzinfo=LOCAL_TZ).replace(
                microsecond=0
            )
        if value.endswith("Z"):
            return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        return datetime.strptime(value, "%Y%m%dT%H%M%S").replace(tzinfo=LOCAL_TZ)
    except (ValueError, OverflowError) as exc:
        raise RecurrenceError(
            _("UNTIL “%(value)s” is not a date (YYYYMMDD) or a time (YYYYMMDDTHHMMSSZ).")
            % {"value": value}
        ) from exc


def _local_naive(moment: datetime) -> datetime:
    return moment.astimezone(LOCAL_TZ).replace(tzinfo=None)


def _whole_number(name: str, value: str, high: int) -> int:
    """COUNT or INTERVAL: 1..high, ASCII digits, at most as many digits as ``high`` has."""
    if (
        not re.fullmatch(r"[0-9]+", value, re.ASCII)
        or len(value) > len(str(high))
        or not 1 <= int(value) <= high
    ):
        raise RecurrenceError(
            _(
                "%(name)s must be a whole number from 1 to %(max)d, written with the digits "
                "0-9; “%(value)s” is not."
            )
            % {"name": name, "max": high, "value": value}
        )
    return int(value)


def _number_list(name: str, value: str, *, high: int, digits: int, signed: bool) -> list[int]:
    """A BY part's numbers: 1..high (and -high..-1 where a sign is allowed), repeats dropped."""
    numbers: list[int] = []
    for item in value.split(","):
        match = (_SIGNED if signed else _UNSIGNED).fullmatch(item)
        figures = match["figures"] if match else ""
        if not match or len(figures) > digits or not 1 <= int(figures) <= high:
            if signed:
                message = _(
                    "%(name)s takes numbers from 1 to %(max)d, or from -%(max)d to -1 to count "
                    "from the end, written with at most %(digits)d of the digits 0-9; "
                    "“%(value)s” is not one."
                )
            else:
                message = _(
                    "%(name)s takes numbers from 1 to %(max)d, written with at most %(digits)d "
                    "of the digits 0-9; “%(value)s” is not one."
                )
            raise RecurrenceError(
                message % {"name": name, "max": high, "digits": digits, "value": item}
            )
        number = -int(figures) if signed and match["sign"] == "-" else int(figures)
        if number not in numbers:
            numbers.append(number)
    return numbers


def _weekday(value: str) -> str:
    if value not in WEEKDAYS:
        raise RecurrenceError(
            _("WKST must be a weekday (%(days)s); “%(value)s” is not.")
            % {"days": ", ".join(WEEKDAYS), "value": value}
        )
    return value


def _byday(value: str, *, freq: str, parts: dict[str, str]) -> list[str]:
    """BYDAY weekdays, with an ordinal only where every reader gives it the same meaning."""
    ordinals = freq == "MONTHLY" or (freq == "YEARLY" and "BYMONTH" in parts)
    days: list[str] = []
    for item in value.split(","):
        match = _BYDAY.fullmatch(item)
        if not match or match.group(3) not in WEEKDAYS or (match.group(1) and not match.group(2)):
            raise RecurrenceError(
                _(
                    "BYDAY takes weekdays (%(days)s), in a monthly or yearly rule with a number "
                    "before them such as 1TU or -1FR; “%(value)s” is not one."
                )
                % {"days": ", ".join(WEEKDAYS), "value": item}
            )
        sign, figures, day = match.groups()
        if figures:
            if not ordinals:
                raise RecurrenceError(
                    _(
                        "A number before a weekday (“%(value)s”) is only allowed with "
                        "FREQ=MONTHLY, or with FREQ=YEARLY and BYMONTH."
                    )
                    % {"value": item}
                )
            if len(figures) > 2 or not 1 <= int(figures) <= 5:
                raise RecurrenceError(
                    _(
                        "The number before a weekday counts in the month, from 1 to 5 or from "
                        "-5 to -1 from the end; “%(value)s” is outside."
                    )
                    % {"value": item}
                )
            day = f"{'-' if sign == '-' else ''}{int(figures)}{day}"
        if day not in days:
            days.append(day)
    if len({day[-2:] != day for day in days}) > 1:
        raise RecurrenceError(
            _("BYDAY cannot mix weekdays with and without a number (“%(value)s”).")
            % {"value": value}
        )
    return days


def _only_with(name: str, freq: str, allowed: tuple[str, ...]) -> None:
    if freq not in allowed:
        raise RecurrenceError(
            _("%(name)s cannot be used with FREQ=%(freq)s (only with %(allowed)s).")
            % {"name": name, "freq": freq, "allowed": ", ".join(allowed)}
        )


def _joined(values: Iterable[object]) -> str:
    return ",".join(str(v) for v in values)


def _part_until(value: str, freq: str, parts: dict[str, str]) -> str:
    until = _parse_until(value)
    if not 1900 <= until.year <= LAST_YEAR or until.astimezone(LOCAL_TZ).year > LAST_YEAR:
        raise RecurrenceError(
            _("UNTIL must lie before the year %(year)d.") % {"year": LAST_YEAR + 1}
        )
    return until.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _part_bymonth(value: str, freq: str, parts: dict[str, str]) -> str:
    if freq == "MONTHLY":
        raise RecurrenceError(
            _(
                "BYMONTH cannot be used with FREQ=MONTHLY (calendar programs read it "
                "differently); say FREQ=YEARLY, e.g. FREQ=YEARLY;BYMONTH=3,9;BYDAY=1TU."
            )
        )
    return _joined(_number_list("BYMONTH", value, high=12, digits=2, signed=False))


def _part_bymonthday(value: str, freq: str, parts: dict[str, str]) -> str:
    _only_with("BYMONTHDAY", freq, ("MONTHLY", "YEARLY"))
    if freq == "YEARLY" and "BYMONTH" not in parts:
        raise RecurrenceError(
            _("A yearly rule with BYMONTHDAY needs BYMONTH too, e.g. BYMONTH=5;BYMONTHDAY=1.")
        )
    return _joined(_number_list("BYMONTHDAY", value, high=31, digits=2, signed=True))


def _part_byyearday(value: str, freq: str, parts: dict[str, str]) -> str:
    _only_with("BYYEARDAY", freq, ("YEARLY",))
    if "BYMONTH" in parts or "BYMONTHDAY" in parts:
        raise RecurrenceError(_("BYYEARDAY cannot be combined with BYMONTH or BYMONTHDAY."))
    return _joined(_number_list("BYYEARDAY", value, high=366, digits=3, signed=True))


def _part_byweekno(value: str, freq: str, parts: dict[str, str]) -> str:
    raise RecurrenceError(_("BYWEEKNO is not supported: calendar programs read it differently."))


def _part_bysetpos(value: str, freq: str, parts: dict[str, str]) -> str:
    _only_with("BYSETPOS", freq, ("MONTHLY",))
    if "BYDAY" not in parts or "BYMONTHDAY" in parts or re.search(r"[0-9]", parts["BYDAY"]):
        raise RecurrenceError(
            _(
                "BYSETPOS picks from the weekdays of BYDAY (without numbers before them), "
                "e.g. BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1 for a month's last weekday."
            )
        )
    positions = _number_list("BYSETPOS", value, high=31, digits=2, signed=True)
    if min(positions) < -3:
        raise RecurrenceError(_("BYSETPOS counts from the end of the month at most to -3."))
    return _joined(positions)


# Each part of a rule after FREQ: its check, which answers the part's canonical value or raises
# RecurrenceError naming the reason. (BYSECOND, BYMINUTE and BYHOUR are refused before.)
_PART_CHECKS: dict[str, Callable[[str, str, dict[str, str]], str]] = {
    "COUNT": lambda value, freq, parts: str(_whole_number("COUNT", value, MAX_COUNT)),
    "INTERVAL": lambda value, freq, parts: str(_whole_number("INTERVAL", value, MAX_INTERVAL)),
    "UNTIL": _part_until,
    "BYMONTH": _part_bymonth,
    "BYMONTHDAY": _part_bymonthday,
    "BYYEARDAY": _part_byyearday,
    "BYWEEKNO": _part_byweekno,
    "BYSETPOS": _part_bysetpos,
    "BYDAY": lambda value, freq, parts: _joined(_byday(value, freq=freq, parts=parts)),
    "WKST": lambda value, freq, parts: _weekday(value),
}


def _rule_head(text: str) -> tuple[dict[str, str], str]:
    """The rule's parts and its FREQ, with the checks that concern the rule as a whole."""
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
    return parts, freq


def _combinations_check(out: dict[str, str], freq: str) -> None:
    """Combinations of parts that readers give different meanings."""
    if "-" in out.get("BYMONTHDAY", "") and (freq != "MONTHLY" or "BYDAY" in out):
        raise RecurrenceError(
            _(
                "A day counted from the end of the month (a negative BYMONTHDAY) is only "
                "allowed with FREQ=MONTHLY, and not together with BYDAY."
            )
        )
    if (
        "BYMONTHDAY" in out
        and "BYDAY" in out
        and (re.search(r"[0-9]", out["BYDAY"]) or out.get("INTERVAL", "1") != "1")
    ):
        raise RecurrenceError(
            _(
                "BYMONTHDAY and BYDAY together (such as Friday the 13th) take weekdays without "
                "numbers before them, and no INTERVAL."
            )
        )


def normalise_rrule(text: str, *, start: datetime | None = None) -> str:
    """Validate RRULE text and return it in canonical form: FREQ first, numbers without leading
    zeros or a plus sign, repeats dropped, UNTIL in UTC (as RFC 5545 wants when DTSTART has a
    TZID). With ``start`` (aware), also check the dates the rule gives from it (see the module's
    docstring). Raises RecurrenceError with a readable reason."""
    text = (text or "").strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if not text:
        return ""
    parts, freq = _rule_head(text)
    out: dict[str, str] = {"FREQ": freq}
    for name, value in parts.items():
        if name != "FREQ":
            out[name] = _PART_CHECKS[name](value, freq, parts)
    _combinations_check(out, freq)
    canonical = ";".join(f"{k}={v}" for k, v in out.items())
    try:  # every part is checked above; dateutil is asked too, in case it refuses more
        _build(canonical, datetime(2026, 1, 1, 12, 0), until=datetime(2027, 1, 1))  # noqa: DTZ001
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise RecurrenceError(
            _("The rule is not valid RRULE text: %(error)s") % {"error": exc}
        ) from exc
    if start is not None:
        _check_dates(out, canonical, start)
    return canonical


def _check_dates(parts: dict[str, str], rule: str, start: datetime) -> None:
    """The rule gives at least one date from ``start`` on, and a series that ends does so
    within MAX_YEARS years of its start and before LAST_YEAR ends."""
    local_start = _local_naive(start)
    if local_start.year > LAST_YEAR - MAX_YEARS:
        limit = datetime(LAST_YEAR, 12, 31, 23, 59, 59)  # noqa: DTZ001 - wall-clock time
    else:
        limit = local_start + relativedelta(years=MAX_YEARS)
    if local_start > limit:
        raise RecurrenceError(
            _("A series must take place before the year %(year)d.") % {"year": LAST_YEAR + 1}
        )
    never = _("the series would never take place.")
    if "UNTIL" in parts:
        until = _local_naive(_parse_until(parts["UNTIL"]))
        if until < local_start:
            raise RecurrenceError(
                _("UNTIL (%(until)s) is before the start (%(start)s): %(never)s")
                % {
                    "until": f"{until:%Y-%m-%d %H:%M}",
                    "start": f"{local_start:%Y-%m-%d %H:%M}",
                    "never": never,
                }
            )
        if until > limit:
            raise RecurrenceError(
                _(
                    "UNTIL may be at most %(years)d years after the start and before the year "
                    "%(year)d, so %(limit)s at the latest."
                )
                % {"years": MAX_YEARS, "year": LAST_YEAR + 1, "limit": f"{limit:%Y-%m-%d}"}
            )
    if "BYMONTHDAY" in parts:
        months = [int(m) for m in parts.get("BYMONTH", "").split(",") if m] or range(1, 13)
        days = [int(d) for d in parts["BYMONTHDAY"].split(",")]
        if not any(abs(d) <= _MONTH_DAYS[m - 1] for m in months for d in days):
            raise RecurrenceError(
                _("No month of the rule has a day %(days)s (BYMONTHDAY): %(never)s")
                % {"days": parts["BYMONTHDAY"], "never": never}
            )
    dates = _build(rule, local_start, until=limit, count=False)
    if next(iter(dates), None) is None:
        raise RecurrenceError(
            _("The rule gives no date from the start to %(limit)s: %(never)s")
            % {"limit": f"{limit:%Y-%m-%d}", "never": never}
        )
    if "COUNT" in parts:
        count = int(parts["COUNT"])
        if len(list(islice(dates, count))) < count:
            raise RecurrenceError(
                _(
                    "With COUNT=%(count)d the series would run past %(limit)s: a series ends "
                    "at most %(years)d years after its start and before the year %(year)d."
                )
                % {
                    "count": count,
                    "limit": f"{limit:%Y-%m-%d}",
                    "years": MAX_YEARS,
                    "year": LAST_YEAR + 1,
                }
            )


def _build(
    rule: str, dtstart_naive: datetime, *, until: datetime | None = None, count: bool = True
) -> du_rrule.rrule:
    """The rule as a dateutil rrule on naive local times. ``until`` (naive local) caps a rule
    without COUNT, so that a sparse rule never makes dateutil search to the year 9999;
    ``count=False`` drops COUNT (then ``until`` always caps)."""
    parts = _parts(rule)
    rule_until = parts.pop("UNTIL", None)
    if not count:
        parts.pop("COUNT", None)
    text = ";".join(f"{k}={v}" for k, v in parts.items())
    built = du_rrule.rrulestr(text, dtstart=dtstart_naive)
    ends = [] if "COUNT" in parts else [until] if until else []
    if rule_until:
        ends.append(_local_naive(_parse_until(rule_until)))
    if ends:
        built = built.replace(until=min(ends))
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
    *,
    start: datetime,
    rule: str,
    until: datetime,
    exdates: Iterable[date] = (),
    rdates: Iterable[str] = (),
) -> Iterator[datetime]:
    """Starts (aware) of a series from ``start`` up to ``until``, on the local wall clock.
    A single event (empty rule) yields its start, and then its explicit dates (``rdates``,
    local wall-clock times as stored on the event) in order. Excluded local dates are skipped."""
    excluded = set(exdates)
    if not rule:
        for moment in [start, *sorted(explicit_starts(rdates))]:
            if moment > until:
                break
            if moment.astimezone(LOCAL_TZ).date() not in excluded:
                yield moment
        return
    local_start = _local_naive(start)
    until_local = _local_naive(until)
    built = _build(rule, local_start, until=until_local)
    for naive in built.xafter(local_start - timedelta(seconds=1), inc=True):
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


def explicit_starts(rdates: Iterable[str]) -> list[datetime]:
    """An event's explicit dates (local wall-clock ISO texts) as aware starts."""
    return [to_aware(datetime.fromisoformat(text)) for text in rdates]


def rdate_text(moment: datetime) -> str:
    """How an explicit date is stored: the local wall-clock time, to the second."""
    return moment.astimezone(LOCAL_TZ).replace(tzinfo=None).isoformat(timespec="seconds")
