"""Who did it: every change of an event, an occurrence or attendance records who and when, in
the same transaction, and shows in the admin's history and in the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from events import services
from events.models import Change
from tests.factories import local, make_event, past, upcoming

pytestmark = pytest.mark.django_db
A = Change.Action


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _history(client, event) -> list[dict]:
    response = client.get(f"/api/v1/events/{event.pk}/history/")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_a_cancellation_records_who_and_when_in_the_api_and_admin_history(
    branch, staff_user, staff_client, other_staff_user, management_client
):
    event = make_event(branch=branch, start=upcoming(), rrule="FREQ=WEEKLY;COUNT=3")
    occurrence = event.occurrences.order_by("start")[1]
    before = timezone.now()

    response = staff_client.post(
        f"/api/v1/occurrences/{occurrence.pk}/cancel/", {"reason": "Sygdom"}, format="json"
    )

    assert response.status_code == 200
    change = Change.objects.get(action=A.OCCURRENCE_CANCELLED)
    assert change.actor == staff_user
    assert before <= change.at <= timezone.now()
    assert (change.event, change.occurrence) == (event, occurrence)
    assert change.details["reason"] == "Sygdom"

    entries = _history(management_client, event)
    assert entries[0]["action"] == "occurrence_cancelled"
    assert entries[0]["actor"] == "staff-jyllinge"
    assert entries[0]["occurrence"] == occurrence.pk
    assert entries[0]["details"]["reason"] == "Sygdom"
    assert entries[-1]["action"] == "created"

    staff_user.is_staff = True
    staff_user.save()
    admin = Client()
    admin.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    admin.force_login(staff_user)
    page = admin.get(reverse("admin:events_event_history", args=[event.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Occurrence cancelled" in html
    assert "staff-jyllinge" in html
    assert "Sygdom" in html


def test_every_service_records_its_action_and_actor(branch, staff_user):
    event = make_event(branch=branch, start=upcoming(), status="draft", user=staff_user)
    event = services.event_publish(event=event, user=staff_user)
    event = services.event_update(event=event, user=staff_user, title="Ny titel")
    occurrence = event.occurrences.get()
    services.occurrence_move(
        occurrence=occurrence, start=occurrence.start + timedelta(hours=1), user=staff_user
    )
    services.occurrence_cancel(occurrence=occurrence, reason="Sygdom", user=staff_user)
    services.occurrence_cancel(occurrence=occurrence, reason="Ferie", user=staff_user)
    services.occurrence_restore(occurrence=occurrence, user=staff_user)
    event = services.event_cancel(event=event, reason="Lukket", user=staff_user)
    event = services.event_update(event=event, user=staff_user, status="published")
    held = make_event(branch=branch, start=past(), user=staff_user)
    services.attendance_record(occurrence=held.occurrences.get(), total=5, user=staff_user)
    services.attendance_record(occurrence=held.occurrences.get(), total=6, user=staff_user)
    services.event_delete(event=event, user=staff_user)

    trail = list(Change.objects.order_by("pk").values_list("action", "actor", "event_title"))
    assert [a for a, _actor, _title in trail] == [
        A.CREATED,
        A.PUBLISHED,
        A.UPDATED,
        A.OCCURRENCE_MOVED,
        A.OCCURRENCE_CANCELLED,
        A.OCCURRENCE_REASON,
        A.OCCURRENCE_RESTORED,
        A.CANCELLED,
        A.RESTORED,
        A.CREATED,
        A.ATTENDANCE_RECORDED,
        A.ATTENDANCE_CORRECTED,
        A.DELETED,
    ]
    assert {actor for _a, actor, _t in trail} == {staff_user.pk}
    # The deleted event's trail stays readable by its UID and title.
    deleted = Change.objects.filter(event_uid=event.uid)
    assert deleted.count() == 10
    assert set(deleted.values_list("event", flat=True)) == {None}
    assert deleted.filter(action=A.DELETED).get().event_title == "Ny titel"


def test_a_move_records_the_old_and_new_start(branch, staff_user):
    event = make_event(branch=branch, start=local(2027, 1, 5, 10, 0))
    occurrence = event.occurrences.get()

    services.occurrence_move(occurrence=occurrence, start=local(2027, 1, 6, 11, 0), user=staff_user)

    change = Change.objects.get(action=A.OCCURRENCE_MOVED)
    assert change.details == {
        "old_start": local(2027, 1, 5, 10, 0).isoformat(),
        "new_start": local(2027, 1, 6, 11, 0).isoformat(),
    }


def test_a_refused_write_records_nothing(branch, staff_user):
    event = make_event(branch=branch, start=past())
    occurrence = event.occurrences.get()
    services.attendance_record(occurrence=occurrence, total=5, user=staff_user)
    count = Change.objects.count()

    with pytest.raises(Exception):  # noqa: B017, PT011 - the service's ValidationError
        services.occurrence_cancel(occurrence=occurrence, reason="Sygdom", user=staff_user)

    assert Change.objects.count() == count


def test_history_is_for_branch_staff_management_and_administrators_only(
    branch, anon_client, other_staff_client, staff_client, admin_client_api
):
    published = make_event(branch=branch, start=upcoming())
    draft = make_event(branch=branch, start=upcoming(weeks=3), status="draft")

    assert anon_client.get(f"/api/v1/events/{published.pk}/history/").status_code == 401
    assert other_staff_client.get(f"/api/v1/events/{published.pk}/history/").status_code == 403
    assert anon_client.get(f"/api/v1/events/{draft.pk}/history/").status_code == 404
    assert other_staff_client.get(f"/api/v1/events/{draft.pk}/history/").status_code == 404
    assert _history(staff_client, draft)[0]["action"] == "created"
    assert _history(admin_client_api, published)[0]["action"] == "created"


def test_management_finds_the_trail_of_a_deleted_event_in_the_admin(branch, management_user):
    event = make_event(branch=branch, start=upcoming(), title="Slettet foredrag")
    services.event_delete(event=event, user=management_user)
    management_user.is_staff = True
    management_user.save()
    admin = Client()
    admin.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    admin.force_login(management_user)

    page = admin.get(reverse("admin:events_change_changelist"), {"q": "Slettet"})

    assert page.status_code == 200
    html = page.content.decode()
    assert "Slettet foredrag" in html
    assert "(deleted)" in html
    assert event.uid in html
