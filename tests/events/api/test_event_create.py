from datetime import datetime

import pytest

from events.models import Event, Occurrence
from tests.events.api.payloads import event_payload
from tests.factories import StopFactory

URL = "/api/v1/events/"
pytestmark = pytest.mark.django_db


def test_staff_creates_an_event_at_their_branch(staff_client, branch, room):
    response = staff_client.post(
        URL, event_payload(branch, room=room.pk, audiences=["boern"]), format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["title"] == "Fortælletime"
    assert body["branch"]["slug"] == "jyllinge"
    assert [t["slug"] for t in body["tracks"]] == ["fordybelse"]
    assert body["room"]["name"] == "Salen"
    event = Event.objects.get(pk=body["id"])
    assert event.occurrences.count() == 1


def test_a_naive_time_is_read_as_copenhagen_and_answered_with_its_offset(staff_client, branch):
    response = staff_client.post(
        URL,
        event_payload(branch, start="2027-07-01T19:00:00", end="2027-07-01T21:00"),
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["start"] == "2027-07-01T19:00:00+02:00"
    event = Event.objects.get(pk=response.json()["id"])
    assert event.start == datetime.fromisoformat("2027-07-01T17:00:00+00:00")


def test_a_time_with_another_offset_is_answered_in_copenhagen_time(staff_client, branch):
    response = staff_client.post(
        URL,
        event_payload(branch, start="2027-01-10T09:00:00Z", end="2027-01-10T10:00:00Z"),
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["start"] == "2027-01-10T10:00:00+01:00"


def test_a_local_time_inside_the_spring_gap_is_refused(staff_client, branch):
    response = staff_client.post(
        URL,
        event_payload(branch, start="2027-03-28T02:30:00", end="2027-03-28T04:00:00"),
        format="json",
    )
    assert response.status_code == 400
    assert "start" in response.json()


def test_a_recurring_event_materialises_its_occurrences(staff_client, branch):
    response = staff_client.post(
        URL,
        event_payload(branch, rrule="FREQ=WEEKLY;COUNT=4", exdates=["2027-03-16"]),
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert Occurrence.objects.filter(event_id=response.json()["id"]).count() == 3


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"end": "2027-03-02T09:00:00"}, "end"),
        ({"tracks": []}, "tracks"),
        ({"tracks": ["no-such-track"]}, "tracks"),
        ({"title": "   "}, "title"),
        ({"start": "not a date"}, "start"),
        ({"start": "9999-01-01T10:00:00"}, "start"),
        ({"rrule": "FREQ=HOURLY"}, "rrule"),
        ({"rrule": "FREQ=WEEKLY;COUNT=2", "exdates": ["2027-03-03"]}, "exdates"),
        ({"exdates": ["2027-03-02"]}, "exdates"),
        ({"stop": "svogerslev"}, "stop"),
        ({"status": "cancelled"}, "status"),
        ({"capacity": -1}, "capacity"),
        ({"capacity": 100_001}, "capacity"),
        ({"colour": "red"}, "colour"),
        ({"branch": "atlantis"}, "branch"),
        ({"audiences": ["\x00"]}, "audiences"),
        ({"branch": "jyl linge"}, "branch"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_saved(
    staff_client, branch, overrides, field
):
    StopFactory(slug="svogerslev")
    response = staff_client.post(URL, event_payload(branch, **overrides), format="json")
    assert response.status_code == 400
    body = response.json()
    assert field in body, body
    assert all(isinstance(m, str) and m for m in body[field])
    assert Event.objects.count() == 0
    assert Occurrence.objects.count() == 0


def test_a_bookmobile_event_needs_a_stop(staff_user, staff_client, bookmobile):
    bookmobile.staff.add(staff_user)
    staff_user._role_branch_ids = None  # the role cache of the forced user
    response = staff_client.post(
        URL, event_payload(bookmobile), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.json()["stop"] == ["A bookmobile event needs one of its stops."]


def test_a_room_of_another_branch_is_refused(staff_client, branch, other_room):
    response = staff_client.post(URL, event_payload(branch, room=other_room.pk), format="json")
    assert response.status_code == 400
    assert "room" in response.json()


def test_reasons_follow_accept_language(staff_client, branch):
    payload = event_payload(branch, end="2027-03-02T09:00:00")
    english = staff_client.post(URL, payload, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["end"] == ["The end must be after the start."]
    danish = staff_client.post(URL, payload, format="json", HTTP_ACCEPT_LANGUAGE="da")
    assert danish.status_code == 400
    assert danish.json()["end"] == ["Slutningen skal ligge efter starten."]


def test_an_overlap_in_the_same_room_is_a_409_naming_the_other_event(
    staff_client, branch, room, published
):
    response = staff_client.post(
        URL,
        event_payload(branch, room=room.pk, start="2027-02-02T20:00:00", end="2027-02-02T22:00:00"),
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 409
    body = response.json()
    assert "Læsekreds" in body["detail"]
    assert "2027-02-02" in body["detail"]
    assert "19:00" in body["detail"]
    assert body["conflict"]["title"] == "Læsekreds"
    assert body["conflict"]["start"] == "2027-02-02T19:00:00+01:00"
    assert Event.objects.count() == 1


def test_a_draft_does_not_conflict_until_it_is_published(staff_client, branch, room, published):
    payload = event_payload(
        branch, room=room.pk, status="draft", start="2027-02-02T20:00:00", end="2027-02-02T22:00:00"
    )
    created = staff_client.post(URL, payload, format="json")
    assert created.status_code == 201
    publish = staff_client.post(f"{URL}{created.json()['id']}/publish/")
    assert publish.status_code == 409
    assert publish.json()["conflict"]["title"] == "Læsekreds"
    assert Event.objects.get(pk=created.json()["id"]).status == Event.Status.DRAFT


def test_staff_of_another_branch_cannot_create_here(other_staff_client, branch):
    response = other_staff_client.post(URL, event_payload(branch), format="json")
    assert response.status_code == 403
    assert Event.objects.count() == 0


def test_a_body_that_is_not_an_object_is_a_400(staff_client):
    response = staff_client.post(URL, [1, 2], format="json")
    assert response.status_code == 400


def test_a_retry_with_the_same_idempotency_key_creates_no_duplicate(staff_client, branch):
    payload = event_payload(branch)
    first = staff_client.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    retry = staff_client.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.status_code == 201
    assert retry.status_code == 200
    assert retry.json()["id"] == first.json()["id"]
    assert Event.objects.count() == 1
    other = staff_client.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="abc-2")
    assert other.status_code == 201
    assert Event.objects.count() == 2


def test_an_idempotency_key_is_per_user(staff_client, admin_client_api, branch):
    payload = event_payload(branch)
    staff_client.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="same")
    response = admin_client_api.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert response.status_code == 201
    assert Event.objects.count() == 2
