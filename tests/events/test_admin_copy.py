"""Issue 13: copy an event to a new date, keeping tracks, audiences, partners, place, room,
text, capacity, co-created flag and the recurrence (moved); a draft unless chosen otherwise.
The service, the admin's button and form, and ``POST /api/v1/events/<id>/copy/``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from events import services
from events.models import Change, Event, Partner
from tests.factories import RoomFactory, audience, local, make_event, track

pytestmark = pytest.mark.django_db


@pytest.fixture
def original(branch, staff_user):
    room = RoomFactory(branch=branch, name="Salen")
    event = make_event(
        branch=branch,
        room=room,
        title="Strikkecafé",
        description="Tag dit strikketøj med.",
        place="Ved vinduerne",
        start=local(2026, 3, 3, 14, 0),
        duration=timedelta(hours=2),
        tracks=[track("hygge"), track(services_track_slug())],
        audiences=[audience("voksne")],
        partners=[Partner.objects.create(name="Strikkeklubben")],
        capacity=20,
        co_created=True,
        rrule="FREQ=WEEKLY;BYDAY=TU;UNTIL=20260331T230000Z",
        exdates=["2026-03-17"],
        user=staff_user,
    )
    return event


def services_track_slug() -> str:
    from events.models import Track

    return Track.objects.exclude(slug="hygge").order_by("pk").values_list("slug", flat=True)[0]


def _same_content(copy: Event, original: Event) -> None:
    assert copy.pk != original.pk
    assert copy.uid != original.uid
    for name in ("title", "description", "place", "capacity", "co_created", "branch_id"):
        assert getattr(copy, name) == getattr(original, name), name
    assert copy.room_id == original.room_id
    for name in ("tracks", "audiences", "partners"):
        assert set(getattr(copy, name).all()) == set(getattr(original, name).all()), name
    assert copy.duration == original.duration


def test_the_service_copies_a_series_to_a_new_date_as_a_draft(original, staff_user):
    copy = services.event_copy(event=original, start=local(2026, 9, 1, 10, 0), user=staff_user)

    _same_content(copy, original)
    assert copy.status == Event.Status.DRAFT
    assert copy.start == local(2026, 9, 1, 10, 0)
    # four weekly Tuesdays moved by 26 weeks less 4 hours: the rule's end moves as the start did
    # (so the copy has as many dates), the excluded date by as many days
    assert copy.rrule == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20260929T190000Z"
    assert copy.exdates == ["2026-09-15"]
    days = [o.local_date.isoformat() for o in copy.occurrences.order_by("start")]
    assert days == ["2026-09-01", "2026-09-08", "2026-09-22", "2026-09-29"]
    assert original.occurrences.count() == 4  # the original untouched
    assert Change.objects.filter(event=copy, action=Change.Action.CREATED, actor=staff_user)


def test_the_service_refuses_a_clash_in_the_room(original, staff_user):
    with pytest.raises(ValidationError) as caught:
        services.event_copy(
            event=original, start=local(2026, 3, 10, 15, 0), user=staff_user, status="published"
        )
    assert "start" in caught.value.message_dict
    assert Event.objects.count() == 1


def _login(user) -> Client:
    user.is_staff = True
    user.save()
    client = Client()
    client.force_login(user)
    return client


def test_the_admin_button_leads_to_a_form_that_makes_the_copy(original, staff_user):
    client = _login(staff_user)
    page = client.get(reverse("admin:events_event_change", args=[original.pk])).content.decode()
    url = reverse("admin:events_event_copy", args=[original.pk])
    assert f'href="{url}"' in page

    form = client.get(url)
    assert form.status_code == 200
    response = client.post(url, {"start_0": "2026-10-06", "start_1": "18:30", "status": "draft"})
    assert response.status_code == 302
    copy = Event.objects.exclude(pk=original.pk).get()
    assert response["Location"] == reverse("admin:events_event_change", args=[copy.pk])
    _same_content(copy, original)
    assert copy.start == local(2026, 10, 6, 18, 30)
    assert copy.status == Event.Status.DRAFT


def test_the_admin_copy_form_shows_errors_at_the_field(original, staff_user):
    client = _login(staff_user)
    url = reverse("admin:events_event_copy", args=[original.pk])
    clash = {"start_0": "2026-03-10", "start_1": "15:00", "status": "published"}
    response = client.post(url, clash)
    assert response.status_code == 200
    assert "Strikkecafé" in str(response.context["form"].errors["start"])  # whose room it is
    assert 'value="2026-03-10"' in response.content.decode()  # what was typed is kept
    response = client.post(url, {"start_0": "", "start_1": "", "status": "draft"})
    assert response.status_code == 200
    assert response.context["form"].errors["start"]
    assert Event.objects.count() == 1


def test_the_api_copies_for_staff_of_the_branch(original, staff_client):
    response = staff_client.post(
        f"/api/v1/events/{original.pk}/copy/",
        {"start": "2026-09-01T10:00:00+02:00", "publish": True},
        format="json",
    )
    assert response.status_code == 201, response.json()
    copy = Event.objects.get(pk=response.json()["id"])
    _same_content(copy, original)
    assert copy.status == Event.Status.PUBLISHED


def test_the_api_answers_400_naming_the_field(original, staff_client):
    url = f"/api/v1/events/{original.pk}/copy/"
    response = staff_client.post(url, {"start": "tirsdag"}, format="json")
    assert response.status_code == 400
    assert "start" in response.json()
    response = staff_client.post(
        url, {"start": "2026-09-01T10:00:00", "publish": "sometimes"}, format="json"
    )
    assert response.status_code == 400
    assert "publish" in response.json()
    assert Event.objects.count() == 1


def test_the_api_refuses_staff_of_another_branch(original, other_staff_user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(other_staff_user)
    response = client.post(
        f"/api/v1/events/{original.pk}/copy/", {"start": "2026-09-01T10:00:00"}, format="json"
    )
    assert response.status_code == 403
    assert Event.objects.count() == 1
