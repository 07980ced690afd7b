"""What a recurrence rule may say (events/recurrence.py): every rule the service accepts is
published in its normal form and read alike by every reader; anything else is a 400 on
``rrule`` naming the reason, in Danish and English. The reproductions of issue 12 sections 3
and 4 first, then the ranges per part and per FREQ. (tests/feeds/test_rrule_readers.py checks
the readers against whatever the validator accepts.)"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from events import recurrence
from events.models import Event, Occurrence
from tests.events.api.payloads import event_payload
from tests.factories import local, make_event

pytestmark = pytest.mark.django_db

URL = "/api/v1/events/"
START = local(2027, 3, 2, 10, 0)  # a Tuesday, as in event_payload
FULL_WIDTH_3 = chr(0xFF13)  # a full-width 3
FULL_WIDTH_15 = chr(0xFF11) + chr(0xFF15)  # a full-width 15


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _refusal(rule: str, start=START) -> str:
    with pytest.raises(ValidationError) as info:
        make_event(start=start, end=start + timedelta(hours=1), rrule=rule)
    assert not Event.objects.exists()
    errors = info.value.message_dict
    assert list(errors) == ["rrule"], errors
    (message,) = errors["rrule"]
    return message


# --- issue 12, section 4 --------------------------------------------------------------------


def test_a_full_width_digit_in_count_is_refused():
    message = _refusal(f"FREQ=WEEKLY;COUNT={FULL_WIDTH_3}")
    assert message == (
        f"COUNT must be a whole number from 1 to 1000, written with the digits 0-9; "
        f"“{FULL_WIDTH_3}” is not."
    )


def test_a_full_width_month_day_is_refused():
    message = _refusal(f"FREQ=MONTHLY;BYMONTHDAY={FULL_WIDTH_15}")
    assert message.startswith("BYMONTHDAY takes numbers from 1 to 31")
    assert f"“{FULL_WIDTH_15}” is not one." in message


def test_a_huge_interval_is_refused():
    message = _refusal("FREQ=DAILY;INTERVAL=99999999999999999999")
    assert message.startswith("INTERVAL must be a whole number from 1 to 366")


def test_leading_zeros_are_dropped_from_the_published_rule(client):
    event = make_event(start=START, rrule="FREQ=WEEKLY;COUNT=0003;INTERVAL=02")
    assert event.rrule == "FREQ=WEEKLY;COUNT=3;INTERVAL=2"
    assert event.occurrences.count() == 3
    body = client.get(f"/feeds/event/{event.pk}.ics").content.decode()
    assert "RRULE:FREQ=WEEKLY;COUNT=3;INTERVAL=2\r\n" in body
    assert "0003" not in body


def test_a_53rd_monday_of_a_month_is_refused():
    message = _refusal("FREQ=MONTHLY;BYDAY=53MO")
    assert message == (
        "The number before a weekday counts in the month, from 1 to 5 or from -5 to -1 from "
        "the end; “53MO” is outside."
    )


def test_until_before_the_start_is_refused_naming_both():
    message = _refusal("FREQ=WEEKLY;UNTIL=20270301")
    assert message == (
        "UNTIL (2027-03-01 23:59) is before the start (2027-03-02 10:00): "
        "the series would never take place."
    )


def test_the_30th_of_february_is_refused():
    message = _refusal("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30")
    assert message == (
        "No month of the rule has a day 30 (BYMONTHDAY): the series would never take place."
    )


def test_a_rule_with_no_date_within_ten_years_is_refused():
    # A leap day on a Monday: 2044 after 2027, more than ten years on.
    message = _refusal("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO")
    assert message == (
        "The rule gives no date from the start to 2037-03-02: the series would never take place."
    )


def test_the_reason_is_danish_by_default_in_the_api(staff_client, branch):
    response = staff_client.post(
        URL,
        event_payload(branch, rrule="FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"),
        format="json",
        HTTP_ACCEPT_LANGUAGE="da",
    )
    assert response.status_code == 400
    assert response.json() == {
        "rrule": [
            "Ingen af reglens måneder har en dag 30 (BYMONTHDAY): serien ville aldrig finde sted."
        ]
    }


def test_the_api_publishes_the_normal_form(staff_client, branch):
    response = staff_client.post(
        URL,
        event_payload(branch, rrule="count=0004;byday=+1tu;freq=monthly"),
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["rrule"] == "FREQ=MONTHLY;COUNT=4;BYDAY=1TU"


def test_the_admin_shows_the_reason_on_the_rule(admin_client_en, branch):
    from tests.events.test_admin import _event_post

    event = make_event(branch=branch, start=START, rrule="FREQ=WEEKLY;COUNT=3")
    response = admin_client_en.post(
        f"/admin/events/event/{event.pk}/change/",
        _event_post(event, rrule="FREQ=WEEKLY;UNTIL=20270101"),
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["rrule"] == [
        "UNTIL (2027-01-01 23:59) is before the start (2027-03-02 10:00): "
        "the series would never take place."
    ]
    event.refresh_from_db()
    assert event.rrule == "FREQ=WEEKLY;COUNT=3"


@pytest.fixture
def admin_client_en(admin_user):
    """An administrator: only administrators edit the raw rule (staff use the repeat picker,
    whose errors tests/events/test_repeat_form.py checks)."""
    from tests.events.test_admin import _login

    return _login(admin_user)


# --- issue 12, section 3: these answered 500 ------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "reason"),
    [
        ("FREQ=MONTHLY;BYDAY=999MO", "“999MO” is outside"),
        ("FREQ=DAILY;UNTIL=99991231T235959Z", "UNTIL must lie before the year 2100."),
    ],
)
def test_rules_that_answered_500_are_a_400_on_rrule(staff_client, branch, rule, reason):
    response = staff_client.post(
        URL, event_payload(branch, rrule=rule), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["rrule"]
    assert reason in body["rrule"][0]
    assert not Occurrence.objects.exists()


# --- ranges per part and per FREQ -----------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "start"),
    [
        ("FREQ=DAILY;COUNT=1000", START),
        ("FREQ=DAILY;INTERVAL=366;COUNT=3", START),
        ("FREQ=MONTHLY;BYDAY=-1FR;COUNT=3", START),
        ("FREQ=MONTHLY;BYDAY=5SU;COUNT=3", START),
        ("FREQ=MONTHLY;BYMONTHDAY=13;BYDAY=FR;COUNT=2", START),
        ("FREQ=MONTHLY;BYMONTHDAY=-1", START),
        ("FREQ=YEARLY;BYMONTH=3,9;BYDAY=1TU", START),
        ("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=4", START),
        ("FREQ=YEARLY;BYMONTH=5;BYDAY=-1MO", START),
        ("FREQ=YEARLY;BYYEARDAY=1,-1", START),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,SU;WKST=SU", START),
        ("FREQ=WEEKLY;UNTIL=20370301T225959Z", START),
    ],
)
def test_rules_inside_the_ranges_are_accepted(rule, start):
    event = make_event(start=start, end=start + timedelta(hours=1), rrule=rule)
    assert event.rrule == rule
    assert event.occurrences.exists()


def test_a_rule_whose_first_date_is_years_away_is_accepted():
    event = make_event(start=START, rrule="FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29")
    first = next(recurrence.expand(start=START, rule=event.rrule, until=local(2040, 1, 1)))
    assert first == local(2028, 2, 29, 10, 0)


@pytest.mark.parametrize(
    ("rule", "reason"),
    [
        ("FREQ=WEEKLY;COUNT=1001", "COUNT must be a whole number from 1 to 1000"),
        ("FREQ=WEEKLY;COUNT=00003", "COUNT must be a whole number from 1 to 1000"),
        ("FREQ=WEEKLY;INTERVAL=367", "INTERVAL must be a whole number from 1 to 366"),
        ("FREQ=WEEKLY;INTERVAL=-1", "INTERVAL must be a whole number from 1 to 366"),
        ("FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY takes numbers from 1 to 31"),
        ("FREQ=MONTHLY;BYMONTHDAY=32", "BYMONTHDAY takes numbers from 1 to 31"),
        ("FREQ=MONTHLY;BYMONTHDAY=015", "at most 2 of the digits 0-9"),
        ("FREQ=MONTHLY;BYMONTHDAY=1,,2", "“” is not one"),
        ("FREQ=WEEKLY;BYMONTHDAY=1", "BYMONTHDAY cannot be used with FREQ=WEEKLY"),
        ("FREQ=DAILY;BYMONTHDAY=-1", "BYMONTHDAY cannot be used with FREQ=DAILY"),
        ("FREQ=YEARLY;BYMONTHDAY=1", "A yearly rule with BYMONTHDAY needs BYMONTH too"),
        ("FREQ=YEARLY;BYMONTH=1,6;BYMONTHDAY=-1", "negative BYMONTHDAY) is only allowed"),
        ("FREQ=MONTHLY;BYMONTHDAY=-1;BYDAY=MO;COUNT=1", "negative BYMONTHDAY) is only"),
        ("FREQ=MONTHLY;BYMONTH=2,7;COUNT=4", "BYMONTH cannot be used with FREQ=MONTHLY"),
        ("FREQ=MONTHLY;BYMONTHDAY=22;BYDAY=-1MO", "BYMONTHDAY and BYDAY together"),
        ("FREQ=MONTHLY;INTERVAL=12;BYMONTHDAY=13;BYDAY=FR", "BYMONTHDAY and BYDAY together"),
        ("FREQ=YEARLY;BYMONTH=13", "BYMONTH takes numbers from 1 to 12"),
        ("FREQ=YEARLY;BYMONTH=-2", "BYMONTH takes numbers from 1 to 12"),
        ("FREQ=YEARLY;BYYEARDAY=367", "BYYEARDAY takes numbers from 1 to 366"),
        ("FREQ=MONTHLY;BYYEARDAY=100", "BYYEARDAY cannot be used with FREQ=MONTHLY"),
        ("FREQ=YEARLY;BYYEARDAY=60;BYMONTH=3", "BYYEARDAY cannot be combined with BYMONTH"),
        ("FREQ=YEARLY;BYWEEKNO=20", "BYWEEKNO is not supported"),
        ("FREQ=WEEKLY;BYDAY=1MO", "only allowed with FREQ=MONTHLY, or with FREQ=YEARLY and"),
        ("FREQ=YEARLY;BYDAY=20MO", "only allowed with FREQ=MONTHLY, or with FREQ=YEARLY and"),
        ("FREQ=MONTHLY;BYDAY=6MO", "“6MO” is outside"),
        ("FREQ=MONTHLY;BYDAY=0MO", "“0MO” is outside"),
        ("FREQ=MONTHLY;BYDAY=MO,1TU", "BYDAY cannot mix weekdays with and without a number"),
        ("FREQ=WEEKLY;BYDAY=MON", "BYDAY takes weekdays"),
        ("FREQ=WEEKLY;BYDAY=+MO", "BYDAY takes weekdays"),
        ("FREQ=MONTHLY;BYSETPOS=1", "BYSETPOS picks from the weekdays of BYDAY"),
        ("FREQ=WEEKLY;BYDAY=MO,TU;BYSETPOS=1", "BYSETPOS cannot be used with FREQ=WEEKLY"),
        ("FREQ=MONTHLY;BYDAY=TU;BYSETPOS=-5", "BYSETPOS counts from the end of the month"),
        ("FREQ=WEEKLY;WKST=XX", "WKST must be a weekday"),
        ("FREQ=WEEKLY;UNTIL=20370303", "UNTIL may be at most 10 years after the start"),
        ("FREQ=WEEKLY;UNTIL=２０２７０４０１", "is not a date (YYYYMMDD)"),  # noqa: RUF001
        ("FREQ=YEARLY;COUNT=12", "With COUNT=12 the series would run past 2037-03-02"),
    ],
)
def test_rules_outside_the_ranges_are_refused_naming_the_reason(rule, reason):
    assert reason in _refusal(rule)


def test_a_series_may_not_reach_2100():
    start = local(2095, 3, 1, 10, 0)
    assert "would run past 2099-12-31" in _refusal("FREQ=YEARLY;COUNT=6", start=start)
    assert _refusal("FREQ=WEEKLY;UNTIL=21000105", start=start) == (
        "UNTIL must lie before the year 2100."
    )


def test_normalise_without_a_start_checks_the_text_only():
    assert recurrence.normalise_rrule("FREQ=WEEKLY;UNTIL=20000101") == (
        "FREQ=WEEKLY;UNTIL=20000101T225959Z"
    )
    with pytest.raises(recurrence.RecurrenceError):
        recurrence.normalise_rrule(f"FREQ=WEEKLY;COUNT={FULL_WIDTH_3}")
