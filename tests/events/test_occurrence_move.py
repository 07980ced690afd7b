"""occurrence_move: one occurrence to another time or room."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from events import services
from tests.factories import RoomFactory, local, make_event

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def series(branch):
    room = RoomFactory(branch=branch, name="Mødelokalet")
    return make_event(
        branch=branch, room=room, start=local(2026, 9, 1, 19, 0), rrule="FREQ=WEEKLY;COUNT=3"
    )


def test_move_one_occurrence_keeps_its_duration_and_the_series(series):
    occ = series.occurrences.order_by("start")[1]
    moved = services.occurrence_move(occurrence=occ, start=local(2026, 9, 10, 17, 0))

    assert moved.moved
    assert moved.start == local(2026, 9, 10, 17, 0)
    assert moved.end - moved.start == timedelta(hours=2)
    assert moved.original_start == local(2026, 9, 8, 19, 0)
    assert moved.local_date.isoformat() == "2026-09-10"
    series.refresh_from_db()
    assert series.start == local(2026, 9, 1, 19, 0)


def test_move_back_to_the_rule_is_no_longer_moved(series):
    occ = series.occurrences.first()
    services.occurrence_move(occurrence=occ, start=local(2026, 9, 1, 18, 0))
    back = services.occurrence_move(occurrence=occ, start=local(2026, 9, 1, 19, 0))
    assert not back.moved


def test_move_to_another_room_of_the_branch(series, branch, other_branch):
    salen = RoomFactory(branch=branch, name="Salen")
    occ = series.occurrences.first()
    moved = services.occurrence_move(occurrence=occ, start=occ.start, room=salen)
    assert moved.moved
    assert moved.effective_room == salen

    elsewhere = RoomFactory(branch=other_branch, name="Salen")
    with pytest.raises(ValidationError) as info:
        services.occurrence_move(occurrence=occ, start=occ.start, room=elsewhere)
    assert info.value.message_dict["room"] == ["“Salen” is not a room of Jyllinge Bibliotek."]


def test_move_needs_an_end_after_the_start(series):
    occ = series.occurrences.first()
    with pytest.raises(ValidationError) as info:
        services.occurrence_move(
            occurrence=occ, start=local(2026, 9, 1, 19, 0), end=local(2026, 9, 1, 19, 0)
        )
    assert info.value.message_dict["end"] == ["The end must be after the start."]


def test_a_cancelled_occurrence_cannot_be_moved(series):
    occ = series.occurrences.first()
    services.occurrence_cancel(occurrence=occ, reason="Sygdom")
    with pytest.raises(ValidationError) as info:
        services.occurrence_move(occurrence=occ, start=local(2026, 9, 2, 19, 0))
    assert info.value.message_dict["occurrence"] == [
        "A cancelled occurrence cannot be moved; restore it first."
    ]


def test_move_into_an_occupied_room_is_a_conflict(series, branch):
    make_event(branch=branch, room=series.room, title="Foredrag", start=local(2026, 9, 3, 19, 0))
    occ = series.occurrences.first()
    with pytest.raises(services.SchedulingConflict) as info:
        services.occurrence_move(occurrence=occ, start=local(2026, 9, 3, 20, 0))
    assert info.value.message_dict["start"] == [
        "Overlaps “Foredrag” on 2026-09-03 at 19:00 in the same place."
    ]
    occ.refresh_from_db()
    assert not occ.moved


def test_bookmobile_cannot_be_at_two_stops_at_once(bookmobile):
    from tests.factories import StopFactory

    a = StopFactory(branch=bookmobile, name="Vindinge", slug="vindinge")
    b = StopFactory(branch=bookmobile, name="Ørsted", slug="oersted")
    make_event(
        branch=bookmobile, stop=a, title="Bogbussen i Vindinge", start=local(2026, 9, 1, 14, 0)
    )
    with pytest.raises(services.SchedulingConflict):
        make_event(
            branch=bookmobile, stop=b, title="Bogbussen i Ørsted", start=local(2026, 9, 1, 15, 0)
        )
    # The next stop, once the bus has left the first, is fine.
    assert make_event(branch=bookmobile, stop=b, title="Senere", start=local(2026, 9, 1, 16, 0))
