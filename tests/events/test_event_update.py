"""SEQUENCE rises with each change subscribers must see: time, place, status, and each cancel or
move of one occurrence. Other edits leave it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from events import services
from events.models import Event, Occurrence
from tests.factories import RoomFactory, local, make_event, track

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(branch):
    return make_event(branch=branch, start=local(2026, 9, 1, 19, 0), rrule="FREQ=WEEKLY;COUNT=4")


def _sequence(event) -> int:
    event.refresh_from_db()
    return event.sequence


@pytest.mark.parametrize(
    "changes",
    [
        {"start": local(2026, 9, 1, 18, 0)},
        {"end": local(2026, 9, 1, 22, 0)},
        {"rrule": "FREQ=WEEKLY;COUNT=5"},
        {"exdates": ["2026-09-08"]},
        {"place": "Haven"},
        {"status": Event.Status.CANCELLED},
    ],
    ids=["start", "end", "rule", "exdates", "place", "status"],
)
def test_sequence_rises_on_a_change_of_time_place_or_status(event, changes):
    assert _sequence(services.event_update(event=event, **changes)) == 1


def test_sequence_rises_on_a_change_of_room(event, branch):
    room = RoomFactory(branch=branch, name="Salen")
    assert _sequence(services.event_update(event=event, room=room)) == 1


def test_sequence_rises_on_each_change(event):
    services.event_update(event=event, start=local(2026, 9, 1, 18, 0), end=local(2026, 9, 1, 20, 0))
    services.event_update(event=event, place="Haven")
    services.event_cancel(event=event, reason="Sygdom")
    assert _sequence(event) == 3


def test_sequence_stays_on_other_edits_and_on_no_change(event):
    services.event_update(
        event=event, title="Ny titel", description="Mere tekst", tracks=[track("fordybelse")]
    )
    services.event_update(event=event, start=event.start)
    assert _sequence(event) == 0


def test_sequence_stays_while_a_draft_is_edited(branch):
    draft = make_event(branch=branch, status=Event.Status.DRAFT)
    services.event_update(event=draft, start=local(2026, 9, 2, 19, 0), end=local(2026, 9, 2, 21, 0))
    assert _sequence(draft) == 0


def test_sequence_rises_on_occurrence_cancel_restore_and_move(event):
    first, second = event.occurrences.order_by("start")[:2]
    services.occurrence_cancel(occurrence=first, reason="Sygdom")
    assert _sequence(event) == 1
    services.occurrence_cancel(occurrence=first, reason="Sygdom")  # nothing new
    assert _sequence(event) == 1
    services.occurrence_cancel(occurrence=first, reason="Sygdom hos underviseren")  # corrected
    assert _sequence(event) == 2
    services.occurrence_restore(occurrence=first)
    assert _sequence(event) == 3
    services.occurrence_move(occurrence=second, start=local(2026, 9, 9, 19, 0))
    assert _sequence(event) == 4


def test_cancel_a_whole_event_keeps_its_reason_and_occurrences(event):
    cancelled = services.event_cancel(event=event, reason="  Sygdom  ")
    assert cancelled.status == Event.Status.CANCELLED
    assert cancelled.cancel_reason == "Sygdom"
    assert cancelled.occurrences.count() == 4
    assert not Occurrence.objects.held(now=local(2027, 1, 1, 0, 0)).filter(event=event).exists()


def test_a_draft_cannot_be_cancelled(branch):
    draft = make_event(branch=branch, status=Event.Status.DRAFT)
    with translation.override("en"), pytest.raises(ValidationError) as info:
        services.event_cancel(event=draft)
    assert info.value.message_dict["status"] == ["A draft cannot be cancelled; delete it instead."]


def test_unknown_fields_cannot_be_changed(event):
    with translation.override("en"), pytest.raises(ValidationError) as info:
        services.event_update(event=event, uid="x", sequence=9)
    assert info.value.message_dict == {
        "sequence": ["This field cannot be changed."],
        "uid": ["This field cannot be changed."],
    }


def test_update_validates_like_create(event, bookmobile):
    with translation.override("en"), pytest.raises(ValidationError) as info:
        services.event_update(event=event, tracks=[])
    assert info.value.message_dict["tracks"] == ["Choose at least one track."]
    with translation.override("en"), pytest.raises(ValidationError) as info:
        services.event_update(event=event, branch=bookmobile)
    assert info.value.message_dict["stop"] == ["A bookmobile event needs one of its stops."]
    assert _sequence(event) == 0


def test_a_drafts_ended_occurrences_are_never_held(branch):
    draft = make_event(branch=branch, status=Event.Status.DRAFT, start=local(2026, 9, 1, 19, 0))
    published = make_event(branch=branch, title="Holdt", start=local(2026, 9, 2, 19, 0))
    held = Occurrence.objects.held(now=local(2027, 1, 1, 0, 0))
    assert list(held.values_list("event_id", flat=True)) == [published.pk]
    assert not held.filter(event=draft).exists()
