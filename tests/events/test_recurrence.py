"""Recurrence: weekly and monthly rules, COUNT and UNTIL, excluded dates, on the Copenhagen wall
clock across both daylight-saving changes of 2026."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from dateutil import rrule as du_rrule
from hypothesis import given, settings
from hypothesis import strategies as st

from events import recurrence
from events.models import LOCAL_TZ
from tests.factories import local, make_event

SPRING = date(2026, 3, 29)  # 02:00 CET -> 03:00 CEST
AUTUMN = date(2026, 10, 25)  # 03:00 CEST -> 02:00 CET


def _local_starts(event) -> list[datetime]:
    return [o.start.astimezone(LOCAL_TZ) for o in event.occurrences.order_by("start")]


@pytest.mark.django_db
def test_weekly_at_19_stays_at_19_across_the_spring_change():
    event = make_event(start=local(2026, 3, 17, 19, 0), rrule="FREQ=WEEKLY;COUNT=4")
    starts = _local_starts(event)

    assert [s.date() for s in starts] == [
        date(2026, 3, 17),
        date(2026, 3, 24),
        date(2026, 3, 31),
        date(2026, 4, 7),
    ]
    assert {s.time() for s in starts} == {time(19, 0)}
    assert [s.utcoffset() for s in starts] == [timedelta(hours=1)] * 2 + [timedelta(hours=2)] * 2
    # In UTC the series shifts by an hour: that is what a fixed wall clock means.
    assert [s.astimezone(UTC).hour for s in starts] == [18, 18, 17, 17]


@pytest.mark.django_db
def test_weekly_at_19_stays_at_19_across_the_autumn_change():
    event = make_event(start=local(2026, 10, 13, 19, 0), rrule="FREQ=WEEKLY;UNTIL=20261104")
    starts = _local_starts(event)

    assert [s.date() for s in starts] == [
        date(2026, 10, 13),
        date(2026, 10, 20),
        date(2026, 10, 27),
        date(2026, 11, 3),
    ]
    assert {s.time() for s in starts} == {time(19, 0)}
    assert [s.utcoffset() for s in starts] == [timedelta(hours=2)] * 2 + [timedelta(hours=1)] * 2
    assert all(o.end - o.start == timedelta(hours=2) for o in event.occurrences.all())


@pytest.mark.django_db
def test_daily_on_the_change_days_keeps_the_local_time():
    event = make_event(start=local(2026, 3, 28, 10, 30), rrule="FREQ=DAILY;COUNT=3")
    assert [s.time() for s in _local_starts(event)] == [time(10, 30)] * 3
    event = make_event(
        title="Efterår", start=local(2026, 10, 24, 10, 30), rrule="FREQ=DAILY;COUNT=3"
    )
    assert [(s.date(), s.time()) for s in _local_starts(event)] == [
        (date(2026, 10, 24), time(10, 30)),
        (AUTUMN, time(10, 30)),
        (date(2026, 10, 26), time(10, 30)),
    ]


@pytest.mark.django_db
def test_monthly_by_weekday_with_count():
    event = make_event(start=local(2026, 1, 6, 19, 0), rrule="FREQ=MONTHLY;BYDAY=1TU;COUNT=12")
    starts = _local_starts(event)

    assert len(starts) == 12
    assert all(s.weekday() == 1 and s.day <= 7 for s in starts)
    assert {s.time() for s in starts} == {time(19, 0)}
    assert starts[-1].date() == date(2026, 12, 1)


@pytest.mark.django_db
def test_monthly_by_month_day_with_until():
    event = make_event(
        start=local(2026, 2, 15, 14, 0), rrule="FREQ=MONTHLY;BYMONTHDAY=15;UNTIL=20260715"
    )
    assert [s.date() for s in _local_starts(event)] == [date(2026, m, 15) for m in range(2, 8)]


@pytest.mark.django_db
def test_until_as_utc_time_includes_the_last_local_occurrence():
    # 19:00 CEST on 2026-10-20 is 17:00 UTC: UNTIL at that instant includes it.
    event = make_event(start=local(2026, 10, 6, 19, 0), rrule="FREQ=WEEKLY;UNTIL=20261020T170000Z")
    assert [s.date() for s in _local_starts(event)] == [
        date(2026, 10, 6),
        date(2026, 10, 13),
        date(2026, 10, 20),
    ]


@pytest.mark.django_db
def test_count_counts_excluded_dates_as_rfc_5545_says():
    event = make_event(
        start=local(2026, 9, 1, 19, 0),
        rrule="FREQ=WEEKLY;COUNT=4",
        exdates=["2026-09-08", "2026-09-22"],
    )
    assert [s.date() for s in _local_starts(event)] == [date(2026, 9, 1), date(2026, 9, 15)]
    assert event.exdates == ["2026-09-08", "2026-09-22"]


@pytest.mark.django_db
def test_excluded_date_across_the_autumn_change():
    event = make_event(
        start=local(2026, 10, 20, 19, 0), rrule="FREQ=WEEKLY;COUNT=3", exdates=["2026-10-27"]
    )
    assert [(s.date(), s.time()) for s in _local_starts(event)] == [
        (date(2026, 10, 20), time(19, 0)),
        (date(2026, 11, 3), time(19, 0)),
    ]


@pytest.mark.django_db
def test_unbounded_rule_is_expanded_only_to_the_horizon(settings):
    settings.OCCURRENCE_HORIZON_DAYS = 60
    from django.utils import timezone

    start = timezone.now().astimezone(LOCAL_TZ).replace(microsecond=0) + timedelta(days=1)
    event = make_event(start=start, rrule="FREQ=WEEKLY")
    starts = _local_starts(event)

    assert 8 <= len(starts) <= 9
    assert starts[-1] <= timezone.now() + timedelta(days=60)


@pytest.mark.django_db
def test_a_single_event_beyond_the_horizon_still_gets_its_occurrence(settings):
    settings.OCCURRENCE_HORIZON_DAYS = 30
    from django.utils import timezone

    start = (timezone.now() + timedelta(days=400)).replace(microsecond=0)
    event = make_event(start=start)
    assert [o.start for o in event.occurrences.all()] == [start]


def test_normalise_puts_until_in_utc_and_drops_the_prefix():
    assert (
        recurrence.normalise_rrule("RRULE:freq=weekly;until=20261231")
        == "FREQ=WEEKLY;UNTIL=20261231T225959Z"
    )
    assert (
        recurrence.normalise_rrule("FREQ=WEEKLY;UNTIL=20260701T190000")
        == "FREQ=WEEKLY;UNTIL=20260701T170000Z"
    )
    assert recurrence.normalise_rrule("  ") == ""


def test_a_start_in_the_spring_gap_takes_the_offset_before_it():
    moment = recurrence.to_aware(datetime(2026, 3, 29, 2, 30))
    assert moment.astimezone(LOCAL_TZ).time() == time(3, 30)


# Hypothesis: the expansion equals dateutil's on naive local wall-clock times, made aware.

FREQS = st.sampled_from(["DAILY", "WEEKLY", "MONTHLY"])
DAYS = st.lists(
    st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"]), min_size=1, max_size=3, unique=True
)


@settings(max_examples=150, deadline=None)
@given(
    freq=FREQS,
    byday=st.one_of(st.none(), DAYS),
    interval=st.integers(1, 3),
    count=st.integers(1, 40),
    day=st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)),
    hour=st.integers(6, 22),
    minute=st.sampled_from([0, 15, 30, 45]),
)
def test_expansion_matches_dateutil_on_the_local_wall_clock(
    freq, byday, interval, count, day, hour, minute
):
    rule = f"FREQ={freq};INTERVAL={interval};COUNT={count}"
    if byday and freq != "DAILY":
        rule += f";BYDAY={','.join(byday)}"
    naive_start = datetime.combine(day, time(hour, minute))
    start = naive_start.replace(tzinfo=LOCAL_TZ)
    far = start + timedelta(days=3 * 366)

    ours = list(recurrence.expand(start=start, rule=recurrence.normalise_rrule(rule), until=far))
    expected = [
        recurrence.to_aware(n)
        for n in du_rrule.rrulestr(rule, dtstart=naive_start)
        if n <= far.replace(tzinfo=None)
    ]

    assert ours == expected
    assert all(o.astimezone(LOCAL_TZ).time() == time(hour, minute) for o in ours)
