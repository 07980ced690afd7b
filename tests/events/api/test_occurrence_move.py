import pytest

from events.models import Occurrence
from tests.factories import RoomFactory, local, make_event

pytestmark = pytest.mark.django_db


def url(occurrence):
    return f"/api/v1/occurrences/{occurrence.pk}/move/"


def test_move_one_occurrence_to_a_new_time_and_room(staff_client, branch, published):
    other_room = RoomFactory(branch=branch, name="Børnebiblioteket")
    occurrence = published.occurrences.get()
    response = staff_client.post(
        url(occurrence), {"start": "2027-02-03T17:00:00", "room": other_room.pk}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["start"] == "2027-02-03T17:00:00+01:00"
    assert body["end"] == "2027-02-03T19:00:00+01:00"  # same duration
    assert body["room"]["name"] == "Børnebiblioteket"
    assert body["moved"] is True
    assert body["original_start"] == "2027-02-02T19:00:00+01:00"


def test_moving_onto_another_event_in_the_same_room_is_a_409(staff_client, branch, room, published):
    other = make_event(branch=branch, room=room, title="Sprogcafé", start=local(2027, 2, 9, 16, 0))
    occurrence = other.occurrences.get()
    response = staff_client.post(
        url(occurrence),
        {"start": "2027-02-02T18:00:00", "end": "2027-02-02T19:30:00"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 409
    body = response.json()
    assert body["detail"] == "Overlaps “Læsekreds” on 2027-02-02 at 19:00 in the same place."
    assert body["conflict"]["event"] == published.pk
    assert Occurrence.objects.get(pk=occurrence.pk).start == local(2027, 2, 9, 16, 0)


def test_two_bookmobile_stops_at_the_same_time_conflict(staff_user, staff_client):
    from tests.factories import BookmobileFactory, StopFactory

    bus = BookmobileFactory()
    bus.staff.add(staff_user)
    staff_user._role_branch_ids = None
    make_event(
        branch=bus,
        title="Svogerslev",
        start=local(2027, 1, 5, 10, 0),
        stop=StopFactory(branch=bus, slug="svogerslev"),
    )
    later = make_event(
        branch=bus,
        title="Vindinge",
        start=local(2027, 1, 5, 13, 0),
        stop=StopFactory(branch=bus, slug="vindinge"),
    )
    response = staff_client.post(
        url(later.occurrences.get()), {"start": "2027-01-05T11:00:00"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["conflict"]["title"] == "Svogerslev"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"start": "2027-02-03T17:00:00", "end": "2027-02-03T16:00:00"}, "end"),
        ({"start": "soon"}, "start"),
        ({}, "start"),
        ({"start": "2027-02-03T17:00:00", "room": 999999}, "room"),
    ],
)
def test_bad_moves_are_a_400_naming_the_field(staff_client, published, body, field):
    occurrence = published.occurrences.get()
    response = staff_client.post(url(occurrence), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Occurrence.objects.get(pk=occurrence.pk).start == local(2027, 2, 2, 19, 0)


def test_a_room_of_another_branch_is_refused(staff_client, published, other_room):
    response = staff_client.post(
        url(published.occurrences.get()),
        {"start": "2027-02-03T17:00:00", "room": other_room.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "room" in response.json()
