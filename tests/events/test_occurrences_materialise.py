"""Re-materialisation after a change of time or rule keeps cancellations, moves and attendance,
and keeps (flagged ``detached``) what no longer fits the rule but must not be lost."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.utils import translation

from events import services
from events.models import LOCAL_TZ, Occurrence
from tests.factories import local, make_event

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def series():
    # Weekly on Tuesdays from 2026-01-06, eight times; all in the past of "now" below.
    return make_event(start=local(2026, 1, 6, 19, 0), rrule="FREQ=WEEKLY;COUNT=8")


def _by_date(event) -> dict[date, Occurrence]:
    return {o.original_start.astimezone(LOCAL_TZ).date(): o for o in event.occurrences.all()}


def test_change_of_time_keeps_cancellation_move_and_attendance(series, staff_user):
    occ = _by_date(series)
    services.occurrence_cancel(occurrence=occ[date(2026, 1, 13)], reason="Sygdom")
    services.occurrence_move(occurrence=occ[date(2026, 1, 20)], start=local(2026, 1, 21, 19, 0))
    services.attendance_record(occurrence=occ[date(2026, 1, 27)], total=14, user=staff_user)
    ids = {d: o.pk for d, o in occ.items()}

    event = services.event_update(
        event=series, start=local(2026, 1, 6, 18, 0), end=local(2026, 1, 6, 20, 0)
    )
    after = _by_date(event)

    assert {d: o.pk for d, o in after.items()} == ids  # same rows, matched by local date
    assert after[date(2026, 1, 13)].status == Occurrence.Status.CANCELLED
    assert after[date(2026, 1, 13)].cancel_reason == "Sygdom"
    assert after[date(2026, 1, 20)].moved
    assert after[date(2026, 1, 20)].start == local(2026, 1, 21, 19, 0)  # the move stands
    assert after[date(2026, 1, 20)].original_start == local(2026, 1, 20, 18, 0)
    assert after[date(2026, 1, 27)].attendance.total == 14
    assert after[date(2026, 1, 27)].start == local(2026, 1, 27, 18, 0)
    assert all(not o.detached for o in after.values())


def test_change_of_rule_keeps_and_flags_what_no_longer_fits(series, staff_user):
    occ = _by_date(series)
    services.attendance_record(occurrence=occ[date(2026, 1, 13)], total=9, user=staff_user)
    services.occurrence_move(occurrence=occ[date(2026, 1, 20)], start=local(2026, 1, 20, 17, 0))
    services.occurrence_cancel(occurrence=occ[date(2026, 1, 27)], reason="Ferie")

    # From eight Tuesdays to four Thursdays (8, 15, 22, 29 January).
    event = services.event_update(
        event=series,
        start=local(2026, 1, 8, 19, 0),
        end=local(2026, 1, 8, 21, 0),
        rrule="FREQ=WEEKLY;COUNT=4",
    )
    after = _by_date(event)

    assert after[date(2026, 1, 13)].detached
    assert after[date(2026, 1, 13)].attendance.total == 9
    assert after[date(2026, 1, 20)].detached
    assert after[date(2026, 1, 20)].start == local(2026, 1, 20, 17, 0)
    # Neither attendance nor a move: gone with the old rule.
    assert date(2026, 1, 6) not in after
    assert date(2026, 1, 27) not in after
    new = sorted(d for d, o in after.items() if not o.detached)
    assert new == [date(2026, 1, 8), date(2026, 1, 15), date(2026, 1, 22), date(2026, 1, 29)]


def test_a_detached_occurrence_rejoins_when_the_rule_fits_again(series, staff_user):
    occ = _by_date(series)
    services.attendance_record(occurrence=occ[date(2026, 2, 24)], total=5, user=staff_user)
    event = services.event_update(event=series, rrule="FREQ=WEEKLY;COUNT=4")
    assert _by_date(event)[date(2026, 2, 24)].detached

    event = services.event_update(event=event, rrule="FREQ=WEEKLY;COUNT=8")
    again = _by_date(event)[date(2026, 2, 24)]
    assert not again.detached
    assert again.attendance.total == 5


def test_excluding_a_date_removes_its_occurrence(series):
    event = services.event_update(event=series, exdates=["2026-01-13"])
    assert date(2026, 1, 13) not in _by_date(event)
    assert len(_by_date(event)) == 7


def test_materialising_again_changes_nothing(series):
    before = list(series.occurrences.values_list("pk", "start", "end"))
    assert services.occurrences_materialise(event=series) == []
    assert list(series.occurrences.values_list("pk", "start", "end")) == before


def test_extend_horizon_adds_what_came_into_reach(settings):
    from django.utils import timezone

    settings.OCCURRENCE_HORIZON_DAYS = 30
    start = timezone.now().astimezone(LOCAL_TZ).replace(hour=19, minute=0, second=0, microsecond=0)
    event = make_event(start=start + timedelta(days=1), rrule="FREQ=WEEKLY")
    count = event.occurrences.count()

    settings.OCCURRENCE_HORIZON_DAYS = 60
    assert services.occurrences_extend_horizon() >= 4
    assert event.occurrences.count() >= count + 4
    assert {o.start.astimezone(LOCAL_TZ).time() for o in event.occurrences.all()} == {time(19, 0)}


def test_update_rejects_a_change_that_overlaps_another_event_in_the_room(branch):
    from tests.factories import RoomFactory

    room = RoomFactory(branch=branch, name="Salen")
    make_event(branch=branch, room=room, title="Foredrag", start=local(2026, 9, 2, 19, 0))
    series = make_event(
        branch=branch, room=room, start=local(2026, 9, 1, 19, 0), rrule="FREQ=WEEKLY;COUNT=3"
    )

    with pytest.raises(services.SchedulingConflict) as info:
        services.event_update(
            event=series, start=local(2026, 9, 2, 18, 0), end=local(2026, 9, 2, 20, 0)
        )
    assert "Overlaps “Foredrag” on 2026-09-02 at 19:00" in info.value.message_dict["start"][0]
    series.refresh_from_db()
    assert series.start == local(2026, 9, 1, 19, 0)
