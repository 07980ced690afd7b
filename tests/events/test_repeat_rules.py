"""The repeat picker's rules: choices in, a validated RRULE out; a rule in, a sentence in Danish
and English out; the next dates on the Copenhagen wall clock (events/recurrence_text.py)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from events import recurrence
from events import recurrence_text as rt
from events.models import LOCAL_TZ


def at(y, m, d, hh=10, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=LOCAL_TZ)


TUESDAY = at(2026, 3, 17)  # a Tuesday, twelve days before summer time begins


@pytest.mark.parametrize(
    ("choices", "start", "rule"),
    [
        (rt.RepeatChoices(), TUESDAY, ""),
        (rt.RepeatChoices(freq="DAILY", end="count", count=5), TUESDAY, "FREQ=DAILY;COUNT=5"),
        (
            rt.RepeatChoices(freq="DAILY", interval=3, end="never"),
            TUESDAY,
            "FREQ=DAILY;INTERVAL=3",
        ),
        (
            rt.RepeatChoices(freq="WEEKLY", weekdays=("TU",), end="count", count=8),
            TUESDAY,
            "FREQ=WEEKLY;BYDAY=TU;COUNT=8",
        ),
        (  # weekdays come out in calendar order whatever order they were ticked in
            rt.RepeatChoices(freq="WEEKLY", weekdays=("TH", "TU"), end="never"),
            TUESDAY,
            "FREQ=WEEKLY;BYDAY=TU,TH",
        ),
        (
            rt.RepeatChoices(
                freq="WEEKLY", interval=2, weekdays=("TU",), end="until", until=date(2026, 6, 30)
            ),
            TUESDAY,
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;UNTIL=20260630T215959Z",
        ),
        (
            rt.RepeatChoices(freq="MONTHLY", monthly="monthday", monthday=17, end="count", count=3),
            TUESDAY,
            "FREQ=MONTHLY;BYMONTHDAY=17;COUNT=3",
        ),
        (
            rt.RepeatChoices(
                freq="MONTHLY", monthly="weekday", setpos=3, setpos_weekday="TU", end="never"
            ),
            TUESDAY,
            "FREQ=MONTHLY;BYDAY=3TU",
        ),
        (
            rt.RepeatChoices(
                freq="MONTHLY", monthly="weekday", setpos=-1, setpos_weekday="TU", end="never"
            ),
            at(2026, 3, 31),
            "FREQ=MONTHLY;BYDAY=-1TU",
        ),
    ],
)
def test_choices_build_a_valid_rule_that_reads_back_as_the_same_choices(choices, start, rule):
    built = rt.build_rrule(choices, start=start)
    assert built == rule
    if rule:
        assert recurrence.normalise_rrule(built) == built
        assert rt.choices_from_rrule(built, start=start) == choices


def test_a_weekly_rule_without_weekdays_names_the_weekdays():
    choices = rt.RepeatChoices(freq="WEEKLY", weekdays=(), end="count", count=3)
    with pytest.raises(ValidationError) as caught:
        rt.build_rrule(choices, start=TUESDAY)
    assert list(caught.value.message_dict) == ["repeat_weekdays"]


def test_an_end_before_the_start_names_the_last_date():
    choices = rt.RepeatChoices(freq="DAILY", end="until", until=date(2026, 3, 1))
    with pytest.raises(ValidationError) as caught:
        rt.build_rrule(choices, start=TUESDAY)
    assert list(caught.value.message_dict) == ["repeat_until"]


def test_a_start_that_is_not_a_repeat_day_is_refused():
    # RFC 5545 readers would show the Tuesday start as an extra date that we never hold.
    choices = rt.RepeatChoices(freq="WEEKLY", weekdays=("WE",), end="count", count=3)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        rt.build_rrule(choices, start=TUESDAY)
    assert "not one of the repeat days" in caught.value.message_dict["repeat_freq"][0]


def test_a_rule_the_picker_cannot_show_is_kept_as_it_is():
    rule = "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=17"
    choices = rt.choices_from_rrule(rule, start=TUESDAY)
    assert choices.freq == rt.CUSTOM
    assert rt.build_rrule(choices, start=TUESDAY) == rule


@pytest.mark.parametrize(
    ("rule", "danish", "english"),
    [
        ("", "gentages ikke", "does not repeat"),
        (
            "FREQ=WEEKLY;BYDAY=TU;COUNT=8",
            "hver tirsdag kl. 10.00, 8 gange",
            "every Tuesday at 10:00, 8 times",
        ),
        ("FREQ=DAILY;COUNT=1", "hver dag kl. 10.00, 1 gang", "every day at 10:00, 1 time"),
        (
            "FREQ=DAILY;INTERVAL=2",
            "hver 2. dag kl. 10.00, uden slutdato",
            "every 2 days at 10:00, with no end date",
        ),
        (
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH",
            "tirsdag og torsdag hver 2. uge kl. 10.00, uden slutdato",
            "every 2 weeks on Tuesday and Thursday at 10:00, with no end date",
        ),
        (
            "FREQ=MONTHLY;BYMONTHDAY=17;UNTIL=20261231",
            "den 17. i hver måned kl. 10.00, til og med 31. december 2026",
            "on day 17 of every month at 10:00, until 31 December 2026",
        ),
        (
            "FREQ=MONTHLY;BYDAY=3TU;COUNT=4",
            "den tredje tirsdag i hver måned kl. 10.00, 4 gange",
            "on the third Tuesday of every month at 10:00, 4 times",
        ),
        (
            "FREQ=MONTHLY;BYDAY=-1TU",
            "den sidste tirsdag i hver måned kl. 10.00, uden slutdato",
            "on the last Tuesday of every month at 10:00, with no end date",
        ),
    ],
)
def test_a_rule_reads_as_a_sentence_in_danish_and_english(rule, danish, english):
    with translation.override("da"):
        assert rt.describe(rule, start=TUESDAY) == danish
    with translation.override("en"):
        assert rt.describe(rule, start=TUESDAY) == english


def test_an_all_day_series_has_no_time_in_its_sentence():
    with translation.override("da"):
        assert rt.describe("FREQ=DAILY;COUNT=3", start=TUESDAY, all_day=True) == (
            "hver dag, 3 gange"
        )


@pytest.mark.parametrize(
    ("start", "change"),
    [(at(2026, 3, 17), date(2026, 3, 29)), (at(2026, 10, 13), date(2026, 10, 25))],
)
def test_a_weekly_ten_oclock_stays_at_ten_across_daylight_saving(start, change):
    choices = rt.RepeatChoices(freq="WEEKLY", weekdays=("TU",), end="count", count=4)
    rule = rt.build_rrule(choices, start=start)
    dates = rt.next_dates(rule, start=start)
    assert [d.date() < change for d, _ in dates] == [True, True, False, False]
    assert {(d.hour, d.minute) for d, _ in dates} == {(10, 0)}
    offsets = [d.utcoffset() for d, _ in dates]
    assert offsets[1] != offsets[2]  # the UTC time moves, the wall clock does not
    assert all(not excluded for _, excluded in dates)


def test_next_dates_start_today_and_mark_the_excluded_ones():
    rule = "FREQ=WEEKLY;BYDAY=TU;COUNT=8"
    dates = rt.next_dates(rule, start=TUESDAY, exdates={date(2026, 4, 7)}, today=date(2026, 3, 25))
    assert [(d.date().isoformat(), x) for d, x in dates] == [
        ("2026-03-31", False),
        ("2026-04-07", True),
        ("2026-04-14", False),
        ("2026-04-21", False),
        ("2026-04-28", False),
        ("2026-05-05", False),
    ]
