"""The staff scheduling admin: pages load per role, staff see only their branches, and every
save goes through the services (SEQUENCE, materialisation, history), errors as form errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from events.models import LOCAL_TZ, Attendance, Event, Occurrence
from tests.factories import RoomFactory, StopFactory, local, make_event, track, upcoming

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _login(user) -> Client:
    user.is_staff = True
    user.save()
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the admin is Danish unless switched
    client.force_login(user)
    return client


@pytest.fixture
def room(branch):
    return RoomFactory(branch=branch, name="Mødelokalet")


@pytest.fixture
def mine(branch, room):
    return make_event(
        branch=branch,
        room=room,
        title="Strikkecafé",
        start=local(2026, 1, 6, 14, 0),
        rrule="FREQ=WEEKLY;COUNT=3",
    )


@pytest.fixture
def draft(branch):
    return make_event(branch=branch, title="Kladde", status=Event.Status.DRAFT)


@pytest.fixture
def theirs(other_branch):
    return make_event(branch=other_branch, title="Skak for alle")


def _event_post(event, **overrides) -> dict:
    data = {
        "title": event.title,
        "description": event.description,
        "status": event.status,
        "cancel_reason": event.cancel_reason,
        "branch": event.branch_id,
        "stop": event.stop_id or "",
        "room": event.room_id or "",
        "place": event.place,
        "capacity": event.capacity or "",
        "start_0": f"{event.start.astimezone(local(2026, 1, 1).tzinfo):%Y-%m-%d}",
        "start_1": f"{event.start.astimezone(local(2026, 1, 1).tzinfo):%H:%M:%S}",
        "end_0": f"{event.end.astimezone(local(2026, 1, 1).tzinfo):%Y-%m-%d}",
        "end_1": f"{event.end.astimezone(local(2026, 1, 1).tzinfo):%H:%M:%S}",
        "rrule": event.rrule,
        "exdates": ", ".join(event.exdates),
        "tracks": [t.pk for t in event.tracks.all()],
        "audiences": [],
        "partners": [],
        "url": "",
    }
    occurrences = list(event.occurrences.order_by("start"))
    prefix = "occurrences"
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": len(occurrences),
            f"{prefix}-INITIAL_FORMS": len(occurrences),
            f"{prefix}-MIN_NUM_FORMS": 0,
            f"{prefix}-MAX_NUM_FORMS": 1000,
        }
    )
    for i, occ in enumerate(occurrences):
        start, end = (
            occ.start.astimezone(local(2026, 1, 1).tzinfo),
            occ.end.astimezone(local(2026, 1, 1).tzinfo),
        )
        attendance = getattr(occ, "attendance", None)
        data.update(
            {
                f"{prefix}-{i}-id": occ.pk,
                f"{prefix}-{i}-event": event.pk,
                f"{prefix}-{i}-start_0": f"{start:%Y-%m-%d}",
                f"{prefix}-{i}-start_1": f"{start:%H:%M:%S}",
                f"{prefix}-{i}-end_0": f"{end:%Y-%m-%d}",
                f"{prefix}-{i}-end_1": f"{end:%H:%M:%S}",
                f"{prefix}-{i}-room": occ.room_id or "",
                f"{prefix}-{i}-status": occ.status,
                f"{prefix}-{i}-cancel_reason": occ.cancel_reason,
                f"{prefix}-{i}-attendance_total": attendance.total if attendance else "",
            }
        )
    data.update(overrides)
    return data


URLS = [
    "admin:index",
    "admin:events_event_changelist",
    "admin:events_event_add",
    "admin:events_occurrence_changelist",
    "admin:events_attendance_changelist",
    "admin:events_branch_changelist",
    "admin:events_track_changelist",
    "admin:events_audience_changelist",
    "admin:events_partner_changelist",
]


@pytest.mark.parametrize("who", ["admin_user", "staff_user"])
def test_admin_pages_load(request, who, mine, draft, theirs):
    client = _login(request.getfixturevalue(who))
    for name in URLS:
        assert client.get(reverse(name)).status_code == 200, name
    for url in (
        reverse("admin:events_event_change", args=[mine.pk]),
        reverse("admin:events_event_change", args=[draft.pk]),
        reverse("admin:events_occurrence_change", args=[mine.occurrences.first().pk]),
        reverse("admin:events_branch_change", args=[mine.branch_id]),
        reverse("admin:events_event_changelist") + "?occurs=missing",
        reverse("admin:events_event_changelist")
        + f"?branch__id__exact={mine.branch_id}&status=draft",
        reverse("admin:events_event_changelist") + "?q=Strikke",
    ):
        assert client.get(url).status_code == 200, url


def test_staff_see_only_their_branches_events_drafts_included(staff_user, mine, draft, theirs):
    client = _login(staff_user)
    page = client.get(reverse("admin:events_event_changelist")).content.decode()

    assert "Strikkecafé" in page
    assert "Kladde" in page
    assert "Skak for alle" not in page
    response = client.get(reverse("admin:events_event_change", args=[theirs.pk]))
    assert response.status_code == 403  # whose it is (tests/events/test_admin_errors.py)
    occurrences = client.get(reverse("admin:events_occurrence_changelist")).content.decode()
    assert "Skak for alle" not in occurrences


def test_staff_choose_only_their_branches_and_rooms(staff_user, branch, other_branch, room):
    RoomFactory(branch=other_branch, name="Salen i Viby")
    page = _login(staff_user).get(reverse("admin:events_event_add")).content.decode()
    assert "Jyllinge Bibliotek" in page
    assert "Viby Bibliotek" not in page
    assert "Salen i Viby" not in page


def test_management_reads_everything_and_changes_nothing(management_user, mine, draft, theirs):
    client = _login(management_user)
    page = client.get(reverse("admin:events_event_changelist")).content.decode()
    assert "Skak for alle" in page
    assert "Kladde" in page
    assert client.get(reverse("admin:events_event_add")).status_code == 403
    response = client.post(
        reverse("admin:events_event_change", args=[mine.pk]), _event_post(mine, title="X")
    )
    assert response.status_code == 403
    mine.refresh_from_db()
    assert mine.title == "Strikkecafé"


def test_citizens_without_a_role_cannot_enter(db):
    from tests.factories import UserFactory

    client = _login(UserFactory(username="borger"))
    assert client.get(reverse("admin:events_event_changelist")).status_code == 403


def _new_event_post(branch, **overrides) -> dict:
    """The event admin's add form: a published single event on 1 September 2026, 16:30-18:00."""
    data = {
        "title": "Sprogcafé",
        "description": "",
        "status": "published",
        "cancel_reason": "",
        "branch": branch.pk,
        "stop": "",
        "room": "",
        "place": "",
        "capacity": "",
        "start_0": "2026-09-01",
        "start_1": "16:30:00",
        "end_0": "2026-09-01",
        "end_1": "18:00:00",
        "rrule": "",
        "exdates": "",
        "tracks": [track("hygge").pk],
        "audiences": [],
        "partners": [],
        "url": "",
        "occurrences-TOTAL_FORMS": 0,
        "occurrences-INITIAL_FORMS": 0,
        "occurrences-MIN_NUM_FORMS": 0,
        "occurrences-MAX_NUM_FORMS": 1000,
    }
    data.update(overrides)
    return data


def test_add_an_event_through_the_service(staff_user, branch, room):
    client = _login(staff_user)
    # Staff choose the repeat with the picker (tests/events/test_repeat_form.py); the form
    # writes the rule.
    data = _new_event_post(
        branch,
        room=room.pk,
        repeat_freq="WEEKLY",
        repeat_interval="1",
        repeat_weekdays=["TU"],
        repeat_end="count",
        repeat_count="4",
        exdates="2026-09-15",
    )
    response = client.post(reverse("admin:events_event_add"), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    event = Event.objects.get(title="Sprogcafé")
    assert event.created_by == staff_user
    assert event.exdates == ["2026-09-15"]
    assert [o.local_date.isoformat() for o in event.occurrences.order_by("start")] == [
        "2026-09-01",
        "2026-09-08",
        "2026-09-22",
    ]


def test_add_an_event_already_cancelled_through_the_service(staff_user, branch):
    data = _new_event_post(
        branch, title="Koncert", status="cancelled", cancel_reason="Aflyst af kunstneren"
    )
    response = _login(staff_user).post(reverse("admin:events_event_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    event = Event.objects.get(title="Koncert")
    assert (event.status, event.cancel_reason, event.sequence) == (
        Event.Status.CANCELLED,
        "Aflyst af kunstneren",
        1,
    )
    assert event.occurrences.get().is_cancelled


def test_rule_errors_show_on_the_form(staff_user, admin_user, mine):
    client = _login(staff_user)
    response = client.post(
        reverse("admin:events_event_change", args=[mine.pk]),
        _event_post(mine, rrule="FREQ=HOURLY", tracks=[]),
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["tracks"] == ["This field is required."]

    # Only administrators type raw rules (staff use the picker).
    response = _login(admin_user).post(
        reverse("admin:events_event_change", args=[mine.pk]), _event_post(mine, rrule="FREQ=HOURLY")
    )
    errors = response.context["adminform"].form.errors
    assert errors["rrule"] == [
        "FREQ must be one of DAILY, WEEKLY, MONTHLY, YEARLY; "
        "an event does not repeat more often than daily."
    ]
    response = client.post(
        reverse("admin:events_event_change", args=[mine.pk]),
        _event_post(mine, exdates="2026-01-07"),
    )
    assert response.context["adminform"].form.errors["exdates"] == [
        "These dates are not dates of the series: 2026-01-07."
    ]
    mine.refresh_from_db()
    assert mine.rrule == "FREQ=WEEKLY;COUNT=3"
    assert mine.sequence == 0


@pytest.fixture
def upcoming_series(branch, room):
    return make_event(
        branch=branch,
        room=room,
        title="Strikkecafé",
        start=upcoming(weekday=1, hour=14),
        rrule="FREQ=WEEKLY;COUNT=3",
    )


def test_a_room_conflict_shows_on_the_form(staff_user, branch, room, upcoming_series):
    wednesday = upcoming_series.start + timedelta(days=1)
    make_event(branch=branch, room=room, title="Foredrag", start=wednesday)
    response = _login(staff_user).post(
        reverse("admin:events_event_change", args=[upcoming_series.pk]),
        _event_post(
            upcoming_series, start_0=f"{wednesday:%Y-%m-%d}", end_0=f"{wednesday:%Y-%m-%d}"
        ),
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["start"] == [
        f"Overlaps “Foredrag” on {wednesday:%Y-%m-%d} at 14:00 in the same place."
    ]


def test_change_of_time_raises_sequence_and_rematerialises(staff_user, upcoming_series):
    response = _login(staff_user).post(
        reverse("admin:events_event_change", args=[upcoming_series.pk]),
        _event_post(upcoming_series, start_1="15:00:00", end_1="17:00:00"),
    )
    assert response.status_code == 302
    upcoming_series.refresh_from_db()
    assert upcoming_series.sequence == 1
    hours = {o.start.astimezone(LOCAL_TZ).hour for o in upcoming_series.occurrences.all()}
    assert hours == {15}


def test_change_of_time_keeps_the_past_as_it_was_held(staff_user, mine):
    """``mine`` lies in the past: its occurrences keep their time, flagged as off the rule."""
    before = {o.pk: o.start for o in mine.occurrences.all()}
    response = _login(staff_user).post(
        reverse("admin:events_event_change", args=[mine.pk]),
        _event_post(mine, start_1="15:00:00", end_1="17:00:00"),
    )
    assert response.status_code == 302
    after = {o.pk: o for o in mine.occurrences.all()}
    assert {pk: o.start for pk, o in after.items()} == before
    assert all(o.detached for o in after.values())


def test_cancel_an_event_from_the_admin_keeps_the_reason(staff_user, mine):
    response = _login(staff_user).post(
        reverse("admin:events_event_change", args=[mine.pk]),
        _event_post(mine, status="cancelled", cancel_reason="Sygdom"),
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.status == Event.Status.CANCELLED
    assert mine.cancel_reason == "Sygdom"
    assert mine.sequence == 1


def test_inline_cancel_move_and_attendance_go_through_the_services(staff_user, mine):
    first, second, third = mine.occurrences.order_by("start")
    response = _login(staff_user).post(
        reverse("admin:events_event_change", args=[mine.pk]),
        _event_post(
            mine,
            **{
                "occurrences-0-attendance_total": 12,
                "occurrences-0-children": 2,
                "occurrences-0-adults": 10,
                "occurrences-1-status": "cancelled",
                "occurrences-1-cancel_reason": "Ferie",
                "occurrences-2-start_1": "15:00:00",
                "occurrences-2-end_1": "17:00:00",
            },
        ),
    )
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    first.refresh_from_db()
    second.refresh_from_db()
    third.refresh_from_db()
    assert first.attendance.total == 12
    assert first.attendance.by_age == {"children": 2, "youth": 0, "adults": 10, "seniors": 0}
    assert first.attendance.recorded_by == staff_user
    assert second.status == Occurrence.Status.CANCELLED
    assert second.cancel_reason == "Ferie"
    assert third.moved
    assert third.start == local(2026, 1, 20, 15, 0)
    mine.refresh_from_db()
    assert mine.sequence == 2  # one cancel, one move; attendance is not a schedule change


def test_inline_attendance_errors_show_on_the_row(staff_user, mine):
    response = _login(staff_user).post(
        reverse("admin:events_event_change", args=[mine.pk]),
        _event_post(mine, **{"occurrences-0-attendance_total": 12, "occurrences-0-children": 2}),
    )
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert formset.forms[0].errors["attendance_total"] == [
        "The age groups add up to 2, not to the total of 12."
    ]
    assert not Attendance.objects.exists()


def test_attendance_admin_correction_keeps_history(staff_user, mine):
    occ = mine.occurrences.order_by("start").first()
    client = _login(staff_user)
    add = client.post(
        reverse("admin:events_attendance_add"),
        {
            "occurrence": occ.pk,
            "total": 9,
            "children": "",
            "youth": "",
            "adults": "",
            "seniors": "",
            "note": "",
            "revisions-TOTAL_FORMS": 0,
            "revisions-INITIAL_FORMS": 0,
            "revisions-MIN_NUM_FORMS": 0,
            "revisions-MAX_NUM_FORMS": 1000,
        },
    )
    assert add.status_code == 302, add.content.decode()[:2000]
    attendance = Attendance.objects.get(occurrence=occ)
    change = client.post(
        reverse("admin:events_attendance_change", args=[attendance.pk]),
        {
            "total": 11,
            "children": "",
            "youth": "",
            "adults": "",
            "seniors": "",
            "note": "Rettet",
            "revisions-TOTAL_FORMS": 0,
            "revisions-INITIAL_FORMS": 0,
            "revisions-MIN_NUM_FORMS": 0,
            "revisions-MAX_NUM_FORMS": 1000,
        },
    )
    assert change.status_code == 302
    attendance.refresh_from_db()
    assert attendance.total == 11
    assert [r.total for r in attendance.revisions.all()] == [9]
    page = client.get(
        reverse("admin:events_attendance_change", args=[attendance.pk])
    ).content.decode()
    assert "Rettet" in page


def _attendance_post(occurrence, total: int) -> dict:
    """The attendance admin's add form for a head count of ``occurrence``."""
    return {
        "occurrence": occurrence.pk,
        "total": total,
        "note": "",
        "revisions-TOTAL_FORMS": 0,
        "revisions-INITIAL_FORMS": 0,
        "revisions-MIN_NUM_FORMS": 0,
        "revisions-MAX_NUM_FORMS": 1000,
    }


def test_attendance_admin_refuses_a_future_occurrence(staff_user, branch):
    future = make_event(branch=branch, title="Senere", start=local(2099, 1, 6, 14, 0))
    response = _login(staff_user).post(
        reverse("admin:events_attendance_add"), _attendance_post(future.occurrences.get(), 9)
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["occurrence"] == [
        "Attendance can only be recorded once the occurrence has started."
    ]


def test_bookmobile_branch_shows_its_stops(admin_user, bookmobile):
    StopFactory(branch=bookmobile, name="Svogerslev", slug="svogerslev")
    page = _login(admin_user).get(reverse("admin:events_branch_change", args=[bookmobile.pk]))
    assert "Svogerslev" in page.content.decode()


def test_the_admin_refuses_a_capacity_the_api_refuses(staff_user, mine):
    """The bound on a capacity is the service's: the admin shows its message as a form error."""
    response = _login(staff_user).post(
        reverse("admin:events_event_change", args=[mine.pk]), _event_post(mine, capacity=100_001)
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["capacity"] == [
        "The capacity can be at most 100000."
    ]
    mine.refresh_from_db()
    assert mine.capacity is None


def test_the_admin_refuses_a_head_count_the_api_refuses(staff_user, mine):
    occurrence = mine.occurrences.order_by("start").first()
    response = _login(staff_user).post(
        reverse("admin:events_attendance_add"), _attendance_post(occurrence, 100_001)
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["total"] == [
        "The head count can be at most 100000."
    ]
    assert not Attendance.objects.exists()
