"""Every recurrence rule the service accepts is read alike by every reader.

Hypothesis writes rule texts the way people and programs do (any order and case, leading zeros,
a plus sign, full-width digits, numbers out of range, parts that do not fit the FREQ, UNTIL
before the start or far after it). Whatever ``event_create`` accepts is published through the
real feed path (the event's VEVENT piece in a calendar, as /feeds/event/<pk>.ics serves it), and
icalendar + recurring-ical-events and Mozilla's ical.js must expand it to exactly the
occurrences the service materialised, up to its horizon. Whatever it refuses is refused on the
``rrule`` field alone, and nothing is saved.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from events import recurrence, selectors
from events.models import LOCAL_TZ, Event
from feeds import builders
from feeds.pieces import piece_for_event
from tests.factories import BranchFactory, make_event
from tests.feeds.conftest import api_instances, icaljs_instances, python_instances

pytestmark = [pytest.mark.django_db, pytest.mark.node, pytest.mark.slow]

FULL_WIDTH = str.maketrans("0123456789", "".join(chr(0xFF10 + n) for n in range(10)))


@st.composite
def numbers(draw, values):
    """A number as text: mostly plain, sometimes with leading zeros, a plus sign or in
    full-width digits."""
    value = draw(values)
    text = str(value)
    style = draw(st.sampled_from(["plain"] * 12 + ["zeros", "plus", "full-width"]))
    if style == "zeros":
        text = text.replace(str(abs(value)), "0" + str(abs(value)))
    elif style == "plus" and value > 0:
        text = "+" + text
    elif style == "full-width":
        text = text.translate(FULL_WIDTH)
    return text


def mostly(usual, odd):
    """``usual`` five times in six, else ``odd``."""
    return st.integers(0, 5).flatmap(lambda i: odd if i == 0 else usual)


def _some(values, *, max_size: int = 3):
    return st.lists(numbers(values), min_size=1, max_size=max_size).map(",".join)


SIGNED = st.integers(1, 31) | st.integers(-31, -1)
NONZERO = [n for n in range(-5, 6) if n]
WEEKDAY = st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"])


@st.composite
def weekdays(draw, ordinals: bool):
    """BYDAY: plain weekdays, or (where ``ordinals``, mostly) weekdays with numbers."""
    numbered = draw(st.integers(0, 9)) < (5 if ordinals else 1)
    days = []
    for day in draw(st.lists(WEEKDAY, min_size=1, max_size=3)):
        if numbered or draw(st.integers(0, 19)) == 0:
            ordinal = draw(mostly(st.sampled_from(NONZERO), st.sampled_from([53, -53, 6, 999])))
            day = f"{ordinal}{day}"
        days.append(day)
    return ",".join(days)


@st.composite
def until_texts(draw, start: datetime):
    if draw(st.integers(0, 30)) == 0:
        return "99991231T235959Z"
    days = draw(mostly(st.integers(-10, 800), st.sampled_from([3650, 3660, 4000])))
    moment = start + timedelta(days=days, hours=draw(st.integers(-3, 3)))
    style = draw(st.sampled_from(["date", "utc", "local"]))
    if style == "date":
        return f"{moment.astimezone(LOCAL_TZ):%Y%m%d}"
    if style == "utc":
        return f"{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    return f"{moment.astimezone(LOCAL_TZ):%Y%m%dT%H%M%S}"


@st.composite
def series(draw):
    """(start, all_day, rule text)."""
    today = timezone.localdate()
    day = today + timedelta(days=draw(st.integers(-200, 300)))
    all_day = draw(st.integers(0, 4)) == 0
    wall = time(0, 0) if all_day else time(draw(st.integers(8, 21)), draw(st.sampled_from([0, 30])))
    start = datetime.combine(day, wall, tzinfo=LOCAL_TZ)
    freq = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]))
    parts = [f"FREQ={freq}"]
    maybe = st.integers(0, 9)
    if draw(maybe) < 4:
        interval = mostly(st.integers(1, 4), st.sampled_from([0, 366, 367, 10**20]))
        parts.append("INTERVAL=" + draw(numbers(interval)))
    end = draw(st.sampled_from(["COUNT", "COUNT", "UNTIL", "UNTIL", None]))
    if end == "COUNT":
        parts.append(
            "COUNT=" + draw(numbers(mostly(st.integers(1, 40), st.sampled_from([0, 1000]))))
        )
    elif end == "UNTIL":
        parts.append("UNTIL=" + draw(until_texts(start)))
    # Mostly the parts RFC 5545 and the readers allow with this FREQ, now and then any.
    odd = draw(maybe) == 0
    by_month = draw(maybe) < (3 if freq != "MONTHLY" else 1)
    if by_month:
        parts.append("BYMONTH=" + draw(_some(st.integers(1, 12), max_size=4)))
    month_days = draw(maybe) < 4 and (freq == "MONTHLY" or (freq == "YEARLY" and by_month) or odd)
    if month_days:
        parts.append("BYMONTHDAY=" + draw(_some(mostly(SIGNED, st.sampled_from([0, 32, 1000])))))
    by_day = draw(maybe) < 5
    if by_day:
        ordinals = freq == "MONTHLY" or (freq == "YEARLY" and by_month)
        parts.append("BYDAY=" + draw(weekdays(ordinals and draw(maybe) < 5)))
    if (freq == "YEARLY" or odd) and draw(maybe) < 2:
        parts.append("BYYEARDAY=" + draw(_some(st.integers(1, 366) | st.integers(-366, -1))))
    if (freq == "YEARLY" or odd) and draw(maybe) < 1:
        parts.append("BYWEEKNO=" + draw(_some(st.integers(1, 53) | st.integers(-53, -1))))
    if draw(maybe) < 3 and ((freq == "MONTHLY" and by_day and not month_days) or odd):
        positions = mostly(st.sampled_from([1, 2, 3, 4, -1, -2, -3]), st.sampled_from([-4, 9]))
        parts.append("BYSETPOS=" + draw(_some(positions)))
    if draw(maybe) < 2:
        parts.append("WKST=" + draw(WEEKDAY))
    # FREQ mostly first (as most programs write it), the other parts in any order.
    parts = [parts[0], *draw(st.permutations(parts[1:]))]
    if draw(maybe) == 0:
        parts = draw(st.permutations(parts))
    text = ";".join(parts)
    return start, all_day, text.lower() if draw(maybe) == 0 else text


def _calendar(event) -> bytes:
    head = builders.CalendarHead(
        name=event.title,
        description=event.title,
        refresh_minutes=60,
        first_year=event.start.astimezone(LOCAL_TZ).year - 1,
        last_year=(timezone.now() + timedelta(days=800)).year,
    )
    return builders.calendar_bytes(head, [piece_for_event(event)])


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=series())
def test_every_accepted_rule_expands_alike_in_every_reader(case):
    start, all_day, text = case
    note(f"start={start.isoformat()} all_day={all_day} rule={text}")
    # The service materialises up to its horizon; compare from the start of the start's day.
    window_start = datetime.combine(start.date(), time(0), tzinfo=LOCAL_TZ)
    window_end = timezone.now() + timedelta(days=396 - 1)
    with transaction.atomic():
        branch = BranchFactory()
        refused = None
        try:
            created = make_event(
                branch=branch,
                start=start,
                end=start + (timedelta(days=1) if all_day else timedelta(hours=2)),
                all_day=all_day,
                rrule=text,
            )
        except ValidationError as exc:
            refused = exc
        if refused is not None:
            event("refused")
            assert list(refused.message_dict) == ["rrule"], refused.message_dict
            assert not Event.objects.filter(branch=branch).exists()
            return
        event("accepted")
        stored = created.rrule
        note(f"stored={stored}")
        assert stored == recurrence.normalise_rrule(text)
        assert stored.isascii()
        body = _calendar(created)
        assert f"RRULE:{stored}".encode() in body.replace(b"\r\n ", b"") or all_day
        expected = api_instances(
            selectors.Selection(branches=(branch.slug,)), window_start, window_end
        )
        ten_years = start + timedelta(days=3660)
        assert next(recurrence.expand(start=start, rule=stored, until=ten_years), None), (
            "an accepted rule has a date"
        )
        assert python_instances(body, window_start, window_end) == expected
        assert icaljs_instances(body, window_start, window_end) == expected
        transaction.set_rollback(True)


def test_the_strategy_reaches_both_answers():
    """A guard on the strategy itself: the property above must see accepted and refused rules
    (hypothesis' statistics show the share; this keeps it from drifting to one side)."""
    seen = {"accepted": 0, "refused": 0}
    start = datetime.combine(date(2027, 3, 2), time(19), tzinfo=LOCAL_TZ)

    @settings(max_examples=300, deadline=None, database=None)
    @given(case=series())
    def probe(case):
        try:
            recurrence.normalise_rrule(case[2], start=start)
            seen["accepted"] += 1
        except recurrence.RecurrenceError:
            seen["refused"] += 1

    probe()
    assert seen["accepted"] > 60
    assert seen["refused"] > 30
