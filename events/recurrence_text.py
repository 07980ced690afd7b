"""The repeat picker's side of recurrence: choices in, RRULE out; RRULE in, choices and a
sentence out ("hver tirsdag kl. 10.00, 8 gange"), and the next dates of a series.

Staff pick repeats as in the calendars they know (none, daily, weekly on weekdays, every N weeks,
monthly on a date or on the Nth or last weekday; ends after N times, on a date, or never) and
never write RRULE syntax: ``build_rrule`` writes it, ``recurrence.normalise_rrule`` validates it.
Pure functions (no database, no clock unless given), translated with Django i18n.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from . import recurrence
from .models import LOCAL_TZ

NONE, DAILY, WEEKLY, MONTHLY, CUSTOM = "", "DAILY", "WEEKLY", "MONTHLY", "CUSTOM"
BY_MONTHDAY, BY_WEEKDAY = "monthday", "weekday"
END_COUNT, END_UNTIL, END_NEVER = "count", "until", "never"
DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # index = date.weekday()
SETPOS = (1, 2, 3, 4, -1)  # first .. fourth, last
MAX_INTERVAL = 99
PREVIEW_SIZE = 12


@dataclass(frozen=True)
class RepeatChoices:
    """What the picker posts. ``freq`` CUSTOM keeps ``rule`` (one the picker cannot show,
    written by an administrator) as it is."""

    freq: str = NONE
    interval: int = 1
    weekdays: tuple[str, ...] = ()
    monthly: str = BY_MONTHDAY
    monthday: int | None = None
    setpos: int | None = None
    setpos_weekday: str | None = None
    end: str = END_NEVER
    count: int | None = None
    until: date | None = None
    rule: str = field(default="", compare=False)

    def __post_init__(self):
        # Only what the repeat uses, weekdays in calendar order: equal repeats compare equal.
        keep = {
            "weekdays": tuple(d for d in DAY_CODES if d in self.weekdays)
            if self.freq == WEEKLY
            else (),
            "monthday": self.monthday if self._monthly(BY_MONTHDAY) else None,
            "setpos": self.setpos if self._monthly(BY_WEEKDAY) else None,
            "setpos_weekday": self.setpos_weekday if self._monthly(BY_WEEKDAY) else None,
            "monthly": self.monthly if self.freq == MONTHLY else BY_MONTHDAY,
            "count": self.count if self.end == END_COUNT else None,
            "until": self.until if self.end == END_UNTIL else None,
        }
        if self.freq in (NONE, CUSTOM):
            keep.update(interval=1, end=END_NEVER, count=None, until=None)
        for name, value in keep.items():
            object.__setattr__(self, name, value)

    def _monthly(self, kind: str) -> bool:
        return self.freq == MONTHLY and self.monthly == kind


def _local(start: datetime) -> datetime:
    return start.astimezone(LOCAL_TZ)


def defaults_for(start: datetime) -> dict:
    """Picker values that fit a start: its weekday, its day of the month, its week of the month."""
    day = _local(start).date()
    nth = (day.day - 1) // 7 + 1
    return {
        "weekdays": (DAY_CODES[day.weekday()],),
        "monthday": day.day,
        "setpos": -1 if nth == 5 else nth,
        "setpos_weekday": DAY_CODES[day.weekday()],
    }


def _parts_of(choices: RepeatChoices, local_start: datetime) -> list[str]:
    """The RRULE parts for the choices; ValidationError keyed by picker field."""
    errors: dict[str, list[str]] = {}
    parts = [f"FREQ={choices.freq}"]
    if choices.interval != 1:
        parts.append(f"INTERVAL={choices.interval}")
    if choices.freq == WEEKLY:
        days = [d for d in DAY_CODES if d in choices.weekdays]
        if not days:
            errors["repeat_weekdays"] = [_("Choose at least one weekday.")]
        parts.append("BYDAY=" + ",".join(days))
    elif choices.freq == MONTHLY and choices.monthly == BY_WEEKDAY:
        parts.append(f"BYDAY={choices.setpos}{choices.setpos_weekday}")
    elif choices.freq == MONTHLY:
        parts.append(f"BYMONTHDAY={choices.monthday}")
    if choices.end == END_COUNT:
        parts.append(f"COUNT={choices.count}")
    elif choices.end == END_UNTIL and choices.until is not None:
        if choices.until < local_start.date():
            errors["repeat_until"] = [_("The last date cannot be before the first.")]
        parts.append(f"UNTIL={choices.until:%Y%m%d}")
    if errors:
        raise ValidationError(errors)
    return parts


def _check_first(rule: str, start: datetime) -> None:
    """The series has a date, and its first date is the start's."""
    first = next(_starts(rule, start, limit=1), None)
    if first is None:
        raise ValidationError({"repeat_until": [_("The series has no date before it ends.")]})
    local_start = _local(start)
    if _local(first).date() != local_start.date():
        # RFC 5545 counts the start as the first occurrence whether or not it fits the rule;
        # our occurrences come from the rule alone. They agree only when the start fits.
        raise ValidationError(
            {
                "repeat_freq": [
                    _(
                        "The start (%(start)s) is not one of the repeat days; the first repeat "
                        "falls on %(first)s. Move the start or change the repeat."
                    )
                    % {"start": _day(local_start.date()), "first": _day(_local(first).date())}
                ]
            }
        )


def build_rrule(choices: RepeatChoices, *, start: datetime) -> str:
    """The validated, normalised RRULE for the picker's choices ("" for no repeat).
    Raises ValidationError keyed by the picker's field names (``repeat_<name>``)."""
    if choices.freq == NONE:
        return ""
    if choices.freq == CUSTOM:
        return recurrence.normalise_rrule(choices.rule) if choices.rule else ""
    parts = _parts_of(choices, _local(start))
    try:
        rule = recurrence.normalise_rrule(";".join(parts))
    except recurrence.RecurrenceError as exc:
        raise ValidationError({"repeat_freq": [str(exc)]}) from exc
    _check_first(rule, start)
    return rule


def _shape(freq: str, parts: dict[str, str], base: dict, kwargs: dict) -> RepeatChoices | None:
    """Choices for a rule's BY* parts, or None when the picker has no such shape."""
    if freq == DAILY and not parts:
        return RepeatChoices(**kwargs)
    if freq == WEEKLY and set(parts) <= {"BYDAY"}:
        days = tuple(parts.get("BYDAY", base["weekdays"][0]).split(","))
        if all(d in DAY_CODES for d in days):
            return RepeatChoices(weekdays=days, **kwargs)
        return None
    if freq != MONTHLY:
        return None
    if not parts:
        return RepeatChoices(monthly=BY_MONTHDAY, monthday=base["monthday"], **kwargs)
    if set(parts) == {"BYMONTHDAY"} and 1 <= int(parts["BYMONTHDAY"]) <= 31:
        return RepeatChoices(monthly=BY_MONTHDAY, monthday=int(parts["BYMONTHDAY"]), **kwargs)
    if set(parts) == {"BYDAY"}:
        pos, day = parts["BYDAY"][:-2], parts["BYDAY"][-2:]
        if day in DAY_CODES and pos.lstrip("+-").isdigit() and int(pos) in SETPOS:
            return RepeatChoices(monthly=BY_WEEKDAY, setpos=int(pos), setpos_weekday=day, **kwargs)
    return None


def choices_from_rrule(rule: str, *, start: datetime) -> RepeatChoices:
    """The picker's choices for a stored rule; CUSTOM when the picker cannot show it."""
    if not rule:
        return RepeatChoices()
    custom = RepeatChoices(freq=CUSTOM, rule=rule)
    try:
        parts = recurrence._parts(rule)
        freq = parts.pop("FREQ", "")
        kwargs: dict = {"freq": freq, "rule": rule, "interval": int(parts.pop("INTERVAL", "1"))}
        if "COUNT" in parts:
            kwargs.update(end=END_COUNT, count=int(parts.pop("COUNT")))
        elif "UNTIL" in parts:
            until = recurrence._parse_until(parts.pop("UNTIL"))
            kwargs.update(end=END_UNTIL, until=until.astimezone(LOCAL_TZ).date())
        parts.pop("WKST", None)
        return _shape(freq, parts, defaults_for(start), kwargs) or custom
    except (ValueError, recurrence.RecurrenceError):
        return custom


# --- sentences ------------------------------------------------------------------------------


def _weekday(code: str) -> str:
    """The weekday's name from Django's catalogue ("tirsdag", "Tuesday")."""
    return str(WEEKDAYS[DAY_CODES.index(code)])


def _join(items: list[str]) -> str:
    if len(items) < 2:
        return "".join(items)
    return _("%(items)s and %(last)s") % {"items": ", ".join(items[:-1]), "last": items[-1]}


def _day(day: date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def _time(moment: datetime) -> str:
    local = _local(moment)
    return pgettext("time of day", "%(hour)02d:%(minute)02d") % {
        "hour": local.hour,
        "minute": local.minute,
    }


def _ordinal(pos: int) -> str:
    return {
        1: pgettext("weekday of the month", "first"),
        2: pgettext("weekday of the month", "second"),
        3: pgettext("weekday of the month", "third"),
        4: pgettext("weekday of the month", "fourth"),
        -1: pgettext("weekday of the month", "last"),
    }[pos]


def _pattern(choices: RepeatChoices) -> str:
    n = choices.interval
    if choices.freq == DAILY:
        if n == 1:
            return _("every day")
        return _("every %(n)d days") % {"n": n}
    if choices.freq == WEEKLY:
        days = _join([_weekday(d) for d in DAY_CODES if d in choices.weekdays])
        if n == 1:
            return _("every %(days)s") % {"days": days}
        return _("every %(n)d weeks on %(days)s") % {"n": n, "days": days}
    if choices.monthly == BY_WEEKDAY:
        values = {
            "nth": _ordinal(choices.setpos or 1),
            "day": _weekday(choices.setpos_weekday or "MO"),
            "n": n,
        }
        if n == 1:
            return _("on the %(nth)s %(day)s of every month") % values
        return _("on the %(nth)s %(day)s of every %(n)d months") % values
    if n == 1:
        return _("on day %(day)d of every month") % {"day": choices.monthday}
    return _("on day %(day)d of every %(n)d months") % {"day": choices.monthday, "n": n}


def describe(rule: str, *, start: datetime, all_day: bool = False) -> str:
    """The rule as a sentence in the active language, e.g. "every Tuesday at 10:00, 8 times"
    (Danish: "hver tirsdag kl. 10.00, 8 gange")."""
    choices = choices_from_rrule(rule, start=start)
    if choices.freq == NONE:
        return _("does not repeat")
    if choices.freq == CUSTOM:
        return _("repeats by the rule %(rule)s") % {"rule": rule}
    text = _pattern(choices)
    if not all_day:
        text = _("%(pattern)s at %(time)s") % {"pattern": text, "time": _time(start)}
    if choices.end == END_COUNT and choices.count:
        return ngettext("%(text)s, %(n)d time", "%(text)s, %(n)d times", choices.count) % {
            "text": text,
            "n": choices.count,
        }
    if choices.end == END_UNTIL and choices.until:
        return _("%(text)s, until %(day)s") % {"text": text, "day": _day(choices.until)}
    return _("%(text)s, with no end date") % {"text": text}


# --- the next dates -------------------------------------------------------------------------


def _starts(rule: str, start: datetime, *, limit: int, after: date | None = None):
    """Up to ``limit`` starts of the rule (aware, local wall clock kept), from ``after``."""
    until = start + timedelta(days=366 * 30)
    shown = 0
    for moment in recurrence.expand(start=start, rule=rule, until=until):
        if after and _local(moment).date() < after:
            continue
        yield moment
        shown += 1
        if shown >= limit:
            return


def next_dates(
    rule: str,
    *,
    start: datetime,
    exdates: set[date] | frozenset[date] = frozenset(),
    today: date | None = None,
    limit: int = PREVIEW_SIZE,
) -> list[tuple[datetime, bool]]:
    """The next ``limit`` starts of a series from ``today`` (or its start, if later), each with
    whether it is excluded: excluded dates are listed so that they can be included again."""
    if not rule:
        return [(_local(start), _local(start).date() in exdates)]
    return [
        (_local(moment), _local(moment).date() in exdates)
        for moment in _starts(rule, start, limit=limit, after=today)
    ]
