"""Re-materialisation after a change of time or rule keeps cancellations, moves and attendance,
and keeps (flagged ``detached``) what no longer fits the rule but must not be lost."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.utils import timezone, translation

from events import services
from events.models import LOCAL_TZ, Occurrence
from tests.factories import local, make_event, past, upcoming

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def series():
    # Weekly on Tuesdays, eight times, all ahead of now.
    return make_event(start=upcoming(weekday=1), rrule="FREQ=WEEKLY;COUNT=8")


@pytest.fixture
def running(staff_user):
    # Weekly on Tuesdays from four weeks ago, eight times: four held (one with attendance), four
    # ahead.
    event = make_event(start=past(weekday=1, weeks=4), rrule="FREQ=WEEKLY;COUNT=8")
    first = event.occurrences.order_by("start").first()
    services.attendance_record(occurrence=first, total=12, user=staff_user)
    return event


def _by_date(event) -> dict[date, Occurrence]:
    return {o.original_start.astimezone(LOCAL_TZ).date(): o for o in event.occurrences.all()}


def _week(event, n: int) -> date:
    return (event.start + timedelta(weeks=n)).astimezone(LOCAL_TZ).date()


def _at(day: date, hour: int):
    return local(day.year, day.month, day.day, hour, 0)


def test_change_of_time_keeps_cancellation_and_move(series):
    occ = _by_date(series)
    w1, w2, w3 = (_week(series, n) for n in (1, 2, 3))
    services.occurrence_cancel(occurrence=occ[w1], reason="Sygdom")
    services.occurrence_move(occurrence=occ[w2], start=_at(w2 + timedelta(days=1), 19))
    ids = {d: o.pk for d, o in occ.items()}

    first = series.start.astimezone(LOCAL_TZ).date()
    event = services.event_update(event=series, start=_at(first, 18), end=_at(first, 20))
    after = _by_date(event)

    assert {d: o.pk for d, o in after.items()} == ids  # same rows, matched by local date
    assert after[w1].status == Occurrence.Status.CANCELLED
    assert after[w1].cancel_reason == "Sygdom"
    assert after[w2].moved
    assert after[w2].start == _at(w2 + timedelta(days=1), 19)  # the move stands
    assert after[w2].original_start == _at(w2, 18)
    assert after[w3].start == _at(w3, 18)
    assert all(not o.detached for o in after.values())


def test_change_of_rule_keeps_and_flags_what_no_longer_fits(series):
    occ = _by_date(series)
    w1, w2 = _week(series, 1), _week(series, 2)
    services.occurrence_move(occurrence=occ[w1], start=_at(w1, 17))
    services.occurrence_cancel(occurrence=occ[w2], reason="Ferie")

    # From eight Tuesdays to four Thursdays.
    thursday = series.start.astimezone(LOCAL_TZ).date() + timedelta(days=2)
    event = services.event_update(
        event=series, start=_at(thursday, 19), end=_at(thursday, 21), rrule="FREQ=WEEKLY;COUNT=4"
    )
    after = _by_date(event)

    assert after[w1].detached  # moved by staff: kept
    assert after[w1].start == _at(w1, 17)
    # Neither attendance nor a move: gone with the old rule.
    assert series.start.astimezone(LOCAL_TZ).date() not in after
    assert w2 not in after
    new = sorted(d for d, o in after.items() if not o.detached)
    assert new == [thursday + timedelta(weeks=n) for n in range(4)]


def test_change_of_time_keeps_the_past_as_it_was_held(running):
    held = {o.pk: (o.start, o.end) for o in running.occurrences.all() if o.start < timezone.now()}
    first = running.start.astimezone(LOCAL_TZ).date()

    event = services.event_update(event=running, start=_at(first, 18), end=_at(first, 20))

    occurrences = {o.pk: o for o in event.occurrences.all()}
    assert len(held) >= 3  # three or four, by the weekday and time of day the test runs
    for pk, times in held.items():  # the past keeps its rows, times and attendance
        assert (occurrences[pk].start, occurrences[pk].end) == times
        assert occurrences[pk].detached
    assert occurrences[min(held)].attendance.total == 12
    ahead = [o for o in occurrences.values() if o.pk not in held]
    assert {o.start.astimezone(LOCAL_TZ).hour for o in ahead} == {18}
    assert not any(o.detached for o in ahead)
    # The new rule's past dates were not held: they are excluded from the series, so a feed
    # expanding the rule shows the held occurrences only.
    assert event.exdates == sorted(_week(running, n).isoformat() for n in range(len(held)))


def test_change_of_rule_creates_nothing_in_the_past(running):
    thursday = running.start.astimezone(LOCAL_TZ).date() + timedelta(days=2)
    now = timezone.now()
    held = running.occurrences.filter(start__lt=now).count()
    thursdays_past = sum(1 for n in range(8) if _at(thursday + timedelta(weeks=n), 19) < now)

    event = services.event_update(
        event=running, start=_at(thursday, 19), end=_at(thursday, 21), rrule="FREQ=WEEKLY;COUNT=8"
    )

    past_rows = [o for o in event.occurrences.all() if o.start < now]
    assert len(past_rows) == held  # the Tuesdays held, no Thursdays made up
    assert {o.start.weekday() for o in past_rows} == {1}
    assert all(o.detached for o in past_rows)
    future_rows = [o for o in event.occurrences.all() if o.start >= now]
    assert {o.start.astimezone(LOCAL_TZ).weekday() for o in future_rows} == {3}
    past_thursdays = {d for d in event.exdates if _at(date.fromisoformat(d), 19) < now}
    assert len(past_thursdays) == thursdays_past
    # A later change of rule does not trip over the exclusions the past left behind.
    services.event_update(event=event, rrule="FREQ=WEEKLY;COUNT=9")


def test_a_detached_occurrence_rejoins_when_the_rule_fits_again(series):
    w6 = _week(series, 6)
    services.occurrence_move(occurrence=_by_date(series)[w6], start=_at(w6, 17))
    event = services.event_update(event=series, rrule="FREQ=WEEKLY;COUNT=4")
    assert _by_date(event)[w6].detached

    event = services.event_update(event=event, rrule="FREQ=WEEKLY;COUNT=8")
    again = _by_date(event)[w6]
    assert not again.detached
    assert again.start == _at(w6, 17)


def test_excluding_a_date_removes_its_occurrence(series):
    w1 = _week(series, 1)
    event = services.event_update(event=series, exdates=[w1.isoformat()])
    assert w1 not in _by_date(event)
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
    tuesday = upcoming(weekday=1)
    wednesday = tuesday + timedelta(days=1)
    make_event(branch=branch, room=room, title="Foredrag", start=wednesday)
    series = make_event(branch=branch, room=room, start=tuesday, rrule="FREQ=WEEKLY;COUNT=3")

    with pytest.raises(services.SchedulingConflict) as info:
        services.event_update(
            event=series, start=wednesday - timedelta(hours=1), end=wednesday + timedelta(hours=1)
        )
    message = info.value.message_dict["start"][0]
    assert f"Overlaps “Foredrag” on {wednesday:%Y-%m-%d} at 19:00" in message
    series.refresh_from_db()
    assert series.start == tuesday
