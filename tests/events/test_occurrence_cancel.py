"""occurrence_cancel / occurrence_restore: one occurrence on its own."""

from __future__ import annotations

import pytest
from django.utils import translation

from events import services
from events.models import Occurrence
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


def test_cancel_one_occurrence_with_a_reason(series):
    occ = series.occurrences.order_by("start")[1]
    services.occurrence_cancel(occurrence=occ, reason="  Lokalet bruges til valg ")
    occ.refresh_from_db()

    assert occ.status == Occurrence.Status.CANCELLED
    assert occ.cancel_reason == "Lokalet bruges til valg"
    assert occ.is_cancelled
    assert series.occurrences.filter(status=Occurrence.Status.SCHEDULED).count() == 2


def test_restore_undoes_a_cancellation(series):
    occ = series.occurrences.first()
    services.occurrence_cancel(occurrence=occ, reason="Sygdom")
    services.occurrence_restore(occurrence=occ)
    occ.refresh_from_db()
    assert occ.status == Occurrence.Status.SCHEDULED
    assert occ.cancel_reason == ""


def test_restoring_into_an_occupied_room_is_a_conflict(series, branch):
    occ = series.occurrences.first()
    services.occurrence_cancel(occurrence=occ, reason="Sygdom")
    make_event(branch=branch, room=series.room, title="Foredrag", start=occ.start)
    with pytest.raises(services.SchedulingConflict):
        services.occurrence_restore(occurrence=occ)
