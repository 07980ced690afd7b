"""attendance_record: head count with an optional age breakdown, only once an occurrence has
started, history kept on correction, safe to repeat."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from events import services
from events.models import Attendance, AttendanceRevision, Event
from tests.factories import local, make_event

pytestmark = pytest.mark.django_db
AFTER = local(2026, 9, 1, 21, 0)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def occurrence(branch):
    return make_event(branch=branch, start=local(2026, 9, 1, 19, 0)).occurrences.get()


def _errors(**kwargs) -> dict[str, list[str]]:
    kwargs.setdefault("now", AFTER)
    with pytest.raises(ValidationError) as info:
        services.attendance_record(**kwargs)
    return info.value.message_dict


def test_record_a_head_count_with_age_groups(occurrence, staff_user):
    by_age = {"children": 4, "youth": 1, "adults": 6, "seniors": 2}
    attendance = services.attendance_record(
        occurrence=occurrence, total=13, by_age=by_age, user=staff_user, now=AFTER
    )
    assert attendance.total == 13
    assert attendance.by_age == by_age
    assert attendance.recorded_by == staff_user
    assert attendance.recorded_at is not None


def test_missing_age_groups_count_as_zero(occurrence):
    attendance = services.attendance_record(
        occurrence=occurrence, total=5, by_age={"children": 5}, now=AFTER
    )
    assert attendance.by_age == {"children": 5, "youth": 0, "adults": 0, "seniors": 0}


def test_the_age_groups_must_add_up_to_the_total(occurrence):
    errors = _errors(occurrence=occurrence, total=10, by_age={"children": 4, "adults": 5})
    assert errors["by_age"] == ["The age groups add up to 9, not to the total of 10."]
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("total", [-1, 2.5, "12", True, None])
def test_the_total_is_a_whole_number_of_zero_or_more(occurrence, total):
    assert _errors(occurrence=occurrence, total=total)["total"] == [
        "The head count must be a whole number of 0 or more."
    ]


def test_zero_is_a_head_count(occurrence):
    assert services.attendance_record(occurrence=occurrence, total=0, now=AFTER).total == 0


def test_age_groups_are_whole_numbers_and_known(occurrence):
    assert _errors(occurrence=occurrence, total=3, by_age={"children": -3, "adults": 6})[
        "by_age"
    ] == ["Each age group must be a whole number of 0 or more."]
    assert _errors(occurrence=occurrence, total=3, by_age={"babies": 3})["by_age"][0] == (
        "Unknown age groups: babies."
    )


def test_only_once_the_occurrence_has_started(occurrence):
    errors = _errors(occurrence=occurrence, total=5, now=local(2026, 9, 1, 18, 59))
    assert errors["occurrence"] == [
        "Attendance can only be recorded once the occurrence has started."
    ]
    # From the start on (while it runs) it can.
    assert services.attendance_record(occurrence=occurrence, total=5, now=local(2026, 9, 1, 19, 0))


def test_not_for_a_cancelled_occurrence_or_event(occurrence, branch):
    services.occurrence_cancel(occurrence=occurrence, reason="Sygdom")
    assert _errors(occurrence=occurrence, total=5)["occurrence"] == [
        "The occurrence is cancelled; no attendance can be recorded."
    ]
    other = make_event(branch=branch, title="Foredrag", start=local(2026, 9, 2, 19, 0))
    services.event_cancel(event=other, reason="Sygdom")
    assert _errors(occurrence=other.occurrences.get(), total=5, now=local(2026, 9, 3, 0, 0))[
        "occurrence"
    ] == ["The occurrence is cancelled; no attendance can be recorded."]


def test_not_for_a_draft(branch):
    draft = make_event(branch=branch, status=Event.Status.DRAFT, start=local(2026, 9, 1, 19, 0))
    assert _errors(occurrence=draft.occurrences.get(), total=5)["occurrence"] == [
        "The event is a draft; publish it before recording attendance."
    ]


def test_a_correction_keeps_the_earlier_value(occurrence, staff_user, admin_user):
    first = services.attendance_record(
        occurrence=occurrence,
        total=12,
        by_age={"adults": 12},
        note="Talt ved døren",
        user=staff_user,
        now=AFTER,
    )
    corrected = services.attendance_record(
        occurrence=occurrence, total=14, user=admin_user, now=AFTER
    )

    assert corrected.pk == first.pk
    assert corrected.total == 14
    assert corrected.by_age is None
    assert corrected.recorded_by == admin_user
    (revision,) = corrected.revisions.all()
    assert revision.total == 12
    assert revision.adults == 12
    assert revision.note == "Talt ved døren"
    assert revision.recorded_by == staff_user
    assert revision.superseded_by == admin_user

    services.attendance_record(occurrence=occurrence, total=15, user=staff_user, now=AFTER)
    assert [r.total for r in corrected.revisions.order_by("pk")] == [12, 14]


def test_recording_the_same_values_again_changes_nothing(occurrence, staff_user):
    first = services.attendance_record(occurrence=occurrence, total=12, user=staff_user, now=AFTER)
    again = services.attendance_record(occurrence=occurrence, total=12, user=staff_user, now=AFTER)

    assert again.pk == first.pk
    assert again.recorded_at == first.recorded_at
    assert not AttendanceRevision.objects.exists()
    assert Attendance.objects.count() == 1


def test_a_held_occurrence_cannot_be_cancelled_or_moved(occurrence):
    services.attendance_record(occurrence=occurrence, total=12, now=AFTER)
    with pytest.raises(ValidationError) as info:
        services.occurrence_cancel(occurrence=occurrence, reason="Fejl")
    assert info.value.message_dict["occurrence"] == [
        "Attendance is recorded for this occurrence; it was held and cannot be cancelled."
    ]
    with pytest.raises(ValidationError) as info:
        services.occurrence_move(occurrence=occurrence, start=local(2026, 9, 2, 19, 0))
    assert info.value.message_dict["occurrence"] == [
        "Attendance is recorded for this occurrence; it cannot be moved."
    ]


def test_an_event_with_attendance_cannot_be_deleted(occurrence):
    services.attendance_record(occurrence=occurrence, total=12, now=AFTER)
    with pytest.raises(ValidationError) as info:
        services.event_delete(event=occurrence.event)
    assert info.value.message_dict["event"] == [
        "This event has recorded attendance and cannot be deleted; cancel it instead."
    ]


def test_bulk_is_all_or_nothing_with_errors_per_item(branch, other_branch):
    mine = make_event(branch=branch, start=local(2026, 1, 6, 19, 0), rrule="FREQ=WEEKLY;COUNT=2")
    theirs = make_event(branch=other_branch, title="Skak", start=local(2026, 1, 7, 19, 0))
    first, second = mine.occurrences.order_by("start")
    items = [
        {"occurrence": first, "total": 10},
        {"occurrence": second, "total": 3, "by_age": {"children": 1}},
        {"occurrence": theirs.occurrences.get(), "total": 4},
    ]
    with pytest.raises(ValidationError) as info:
        services.attendance_record_bulk(items=items, branch=branch)

    assert info.value.message_dict == {
        "items[1].by_age": ["The age groups add up to 1, not to the total of 3."],
        "items[2].occurrence": ["This occurrence is not at Jyllinge Bibliotek."],
    }
    assert not Attendance.objects.exists()
    done = services.attendance_record_bulk(items=[*items[:1], {"occurrence": second, "total": 3}])
    assert [a.total for a in done] == [10, 3]


def test_a_head_count_above_100000_is_refused_as_a_typo(occurrence):
    assert _errors(occurrence=occurrence, total=100_001)["total"] == [
        "The head count can be at most 100000."
    ]
    by_age = {"children": 100_001, "youth": 0, "adults": 0, "seniors": 0}
    assert _errors(occurrence=occurrence, total=100_001, by_age=by_age)["by_age"] == [
        "Each age group can be at most 100000."
    ]
    assert not Attendance.objects.exists()
    kept = services.attendance_record(occurrence=occurrence, total=100_000, now=AFTER)
    assert kept.total == 100_000
