"""Event kind, venue, barometer type and who started it through the API: read, written,
validated (400 naming the field, nothing changed), and the bookmobile's default venue."""

from __future__ import annotations

import pytest

from events.models import Event
from tests.events.api.payloads import event_payload
from tests.factories import StopFactory, make_event

pytestmark = pytest.mark.django_db


def test_create_with_kind_venue_barometer_type_and_starter(staff_client, branch):
    payload = event_payload(
        branch, kind="teaching", venue="online", barometer_type="talk", initiated_by="users"
    )
    response = staff_client.post("/api/v1/events/", payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["kind"], body["venue"], body["barometer_type"], body["initiated_by"]) == (
        "teaching",
        "online",
        "talk",
        "users",
    )
    event = Event.objects.get(pk=body["id"])
    assert (event.kind, event.venue) == ("teaching", "online")


def test_defaults_an_arrangement_in_the_library_and_the_bookmobile_in_the_community(
    admin_client_api, branch, bookmobile
):
    response = admin_client_api.post("/api/v1/events/", event_payload(branch), format="json")
    assert (response.json()["kind"], response.json()["venue"]) == ("arrangement", "library")
    assert response.json()["barometer_type"] == ""
    stop = StopFactory(branch=bookmobile)
    payload = event_payload(bookmobile, stop=stop.slug)
    response = admin_client_api.post("/api/v1/events/", payload, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["venue"] == "community"
    # Said otherwise, it is kept.
    payload = event_payload(
        bookmobile,
        stop=stop.slug,
        venue="library",
        start="2027-03-09T10:00:00",
        end="2027-03-09T11:00:00",
    )
    assert admin_client_api.post("/api/v1/events/", payload, format="json").json()["venue"] == (
        "library"
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kind", "lecture"),
        ("venue", "moon"),
        ("barometer_type", "poetry"),
        ("initiated_by", "mayor"),
        ("kind", ""),
        ("kind", 3),
    ],
)
def test_an_unknown_value_is_a_400_naming_the_field_and_nothing_is_created(
    staff_client, branch, field, value
):
    before = Event.objects.count()
    response = staff_client.post(
        "/api/v1/events/", event_payload(branch, **{field: value}), format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert response.json()[field]
    assert Event.objects.count() == before


def test_patch_changes_the_venue_and_clears_the_barometer_type(staff_client, branch):
    event = make_event(branch=branch, barometer_type="music", kind="arrangement")
    response = staff_client.patch(
        f"/api/v1/events/{event.pk}/",
        {"venue": "community", "barometer_type": ""},
        format="json",
    )
    assert response.status_code == 200, response.json()
    event.refresh_from_db()
    assert (event.venue, event.barometer_type, event.kind) == ("community", "", "arrangement")
    response = staff_client.patch(f"/api/v1/events/{event.pk}/", {"venue": "space"}, format="json")
    assert response.status_code == 400
    assert "venue" in response.json()
    event.refresh_from_db()
    assert event.venue == "community"
