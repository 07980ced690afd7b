"""event_create: every rule of an event, each with the message a user sees."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from events import selectors, services
from events.models import Event
from tests.factories import BranchFactory, RoomFactory, StopFactory, local, make_event, track

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _errors(**kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as info:
        make_event(**kwargs)
    assert not Event.objects.exists()
    return info.value.message_dict


def test_event_create_makes_a_published_event_with_its_occurrence():
    event = make_event(title="  Læsekreds  ", tracks=[track("fordybelse"), track("hygge")])

    assert event.title == "Læsekreds"
    assert set(event.tracks.values_list("slug", flat=True)) == {"fordybelse", "hygge"}
    assert event.sequence == 0
    assert event.uid.endswith("@bibliotekerne.roskilde.dk")
    assert [o.start for o in event.occurrences.all()] == [local(2026, 9, 1, 19, 0)]


def test_event_create_keeps_a_given_uid():
    event = make_event(uid="demo-x@bibliotekerne.roskilde.dk")
    assert Event.objects.get(uid="demo-x@bibliotekerne.roskilde.dk") == event


def test_at_least_one_track():
    assert _errors(tracks=[])["tracks"] == ["Choose at least one track."]


def test_a_title_is_required():
    assert _errors(title="   ")["title"] == ["A title is required."]


@pytest.mark.parametrize("minutes", [0, -30])
def test_end_after_start(minutes):
    start = local(2026, 9, 1, 19, 0)
    errors = _errors(start=start, end=start + timedelta(minutes=minutes))
    assert errors["end"] == ["The end must be after the start."]


def test_times_must_carry_a_time_zone():
    from datetime import datetime

    errors = _errors(start=datetime(2026, 9, 1, 19, 0), end=datetime(2026, 9, 1, 21, 0))
    assert errors["start"] == ["The time must carry a time zone."]


def test_a_bookmobile_event_needs_a_stop(bookmobile):
    assert _errors(branch=bookmobile, stop=None)["stop"] == [
        "A bookmobile event needs one of its stops."
    ]


def test_a_bookmobile_event_needs_a_stop_of_that_bookmobile(bookmobile):
    other_bus = BranchFactory(name="Anden bus", slug="anden-bus", kind="bookmobile")
    stop = StopFactory(branch=other_bus, name="Herslev", slug="herslev")
    assert _errors(branch=bookmobile, stop=stop)["stop"] == [
        "“Herslev” is not a stop of Bogbussen."
    ]


def test_a_bookmobile_event_at_one_of_its_stops_is_fine(bookmobile):
    stop = StopFactory(branch=bookmobile, name="Svogerslev", slug="svogerslev")
    event = make_event(branch=bookmobile, stop=stop)
    assert event.stop == stop


def test_a_library_event_has_no_stop(branch, bookmobile):
    stop = StopFactory(branch=bookmobile)
    assert _errors(branch=branch, stop=stop)["stop"] == ["Only bookmobile events have a stop."]


def test_the_room_belongs_to_the_branch(branch, other_branch):
    room = RoomFactory(branch=other_branch, name="Salen")
    assert _errors(branch=branch, room=room)["room"] == [
        "“Salen” is not a room of Jyllinge Bibliotek."
    ]


def test_unknown_status():
    assert _errors(status="postponed")["status"] == ["Unknown status “postponed”."]


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            "FREQ=FORTNIGHTLY",
            "FREQ must be one of DAILY, WEEKLY, MONTHLY, YEARLY; an event does "
            "not repeat more often than daily.",
        ),
        (
            "FREQ=HOURLY;COUNT=5",
            "FREQ must be one of DAILY, WEEKLY, MONTHLY, YEARLY; an event "
            "does not repeat more often than daily.",
        ),
        (
            "FREQ=MINUTELY",
            "FREQ must be one of DAILY, WEEKLY, MONTHLY, YEARLY; an event does "
            "not repeat more often than daily.",
        ),
        ("BYDAY=TU", "FREQ is required, e.g. FREQ=WEEKLY."),
        ("FREQ=WEEKLY;COUNT=3;UNTIL=20261231", "COUNT and UNTIL cannot both be given."),
        (
            "FREQ=WEEKLY;COUNT=0",
            "COUNT must be a whole number from 1 to 1000, written with the digits 0-9; “0” is not.",
        ),
        (
            "FREQ=WEEKLY;COUNT=1001",
            "COUNT must be a whole number from 1 to 1000, written with the digits 0-9; "
            "“1001” is not.",
        ),
        (
            "FREQ=WEEKLY;INTERVAL=0",
            "INTERVAL must be a whole number from 1 to 366, written with the digits 0-9; "
            "“0” is not.",
        ),
        ("FREQ=WEEKLY;BYHOUR=10", "BYHOUR is not supported: the time of day comes from the start."),
        (
            "FREQ=WEEKLY;UNTIL=tomorrow",
            "UNTIL “TOMORROW” is not a date (YYYYMMDD) or a time (YYYYMMDDTHHMMSSZ).",
        ),
        ("FREQ=WEEKLY;COLOUR=RED", "“COLOUR” is not an RRULE part."),
        ("FREQ=WEEKLY;FREQ=DAILY", "“FREQ” is given twice."),
        ("FREQ=WEEKLY;BYDAY", "“BYDAY” is not of the form NAME=VALUE."),
        ("FREQ=WEEKLY\nCOUNT=2", "A rule is one line of text."),
    ],
)
def test_the_rule_is_valid_rrule_text(rule, message):
    assert _errors(rrule=rule)["rrule"] == [message]


def test_a_bad_byday_value_is_reported():
    (message,) = _errors(rrule="FREQ=WEEKLY;BYDAY=XX")["rrule"]
    assert message.startswith("BYDAY takes weekdays (MO, TU, WE, TH, FR, SA, SU)")
    assert message.endswith("“XX” is not one.")


def test_excluded_dates_must_fall_on_the_rule():
    errors = _errors(
        start=local(2026, 9, 1, 19, 0),
        rrule="FREQ=WEEKLY;COUNT=4",
        exdates=["2026-09-08", "2026-09-09", "2026-08-25"],
    )
    assert errors["exdates"] == ["These dates are not dates of the series: 2026-08-25, 2026-09-09."]


def test_a_single_event_cannot_exclude_dates():
    assert _errors(exdates=["2026-09-01"])["exdates"] == [
        "Only a recurring event can exclude dates."
    ]


def test_excluded_dates_must_be_dates():
    errors = _errors(rrule="FREQ=WEEKLY;COUNT=4", exdates=["next tuesday"])
    assert errors["exdates"] == ["Excluded dates must be dates (YYYY-MM-DD)."]


def test_an_excluded_date_beyond_count_is_not_on_the_rule():
    errors = _errors(
        start=local(2026, 9, 1, 19, 0), rrule="FREQ=WEEKLY;COUNT=2", exdates=["2026-09-15"]
    )
    assert errors["exdates"] == ["These dates are not dates of the series: 2026-09-15."]


def test_several_rules_broken_at_once_are_all_reported(bookmobile):
    start = local(2026, 9, 1, 19, 0)
    errors = _errors(
        branch=bookmobile, stop=None, tracks=[], start=start, end=start, rrule="FREQ=X"
    )
    assert set(errors) == {"stop", "tracks", "end", "rrule"}


def test_a_draft_is_never_public(branch, staff_user, other_staff_user, management_user):
    draft = make_event(branch=branch, status=Event.Status.DRAFT)
    published = make_event(branch=branch, title="Strikkecafé")

    assert not draft.is_public
    assert list(Event.objects.public()) == [published]
    assert list(selectors.event_list(user=None)) == [published]
    assert list(selectors.event_list(user=other_staff_user)) == [published]
    assert set(selectors.event_list(user=staff_user)) == {draft, published}
    assert set(selectors.event_list(user=management_user)) == {draft, published}
    assert not selectors.occurrence_list(user=None).filter(event=draft).exists()
    with pytest.raises(Event.DoesNotExist):
        selectors.event_get(user=None, pk=draft.pk)


def test_a_capacity_above_100000_is_refused_as_a_typo():
    assert _errors(capacity=100_001)["capacity"] == ["The capacity can be at most 100000."]
    assert make_event(capacity=100_000).capacity == 100_000


def test_a_change_to_a_capacity_above_100000_is_refused():
    event = make_event(capacity=40)
    with pytest.raises(ValidationError) as info:
        services.event_update(event=event, capacity=100_001)
    assert info.value.message_dict["capacity"] == ["The capacity can be at most 100000."]
    event.refresh_from_db()
    assert event.capacity == 40


def test_an_event_can_be_created_already_cancelled_with_its_reason(branch):
    """Called off before it was entered: created published, then cancelled, as a cancellation
    by hand would leave it (SEQUENCE raised, every occurrence cancelled with the event)."""
    event = make_event(
        branch=branch,
        status=Event.Status.CANCELLED,
        cancel_reason="  Forfatteren er syg ",
        rrule="FREQ=WEEKLY;COUNT=2",
    )
    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED
    assert event.cancel_reason == "Forfatteren er syg"
    assert event.sequence == 1
    assert [o.is_cancelled for o in event.occurrences.all()] == [True, True]
