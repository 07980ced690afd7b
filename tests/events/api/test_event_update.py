import pytest

from events.models import Event
from tests.factories import local

URL = "/api/v1/events/{}/"
pytestmark = pytest.mark.django_db


def test_staff_change_the_title_and_the_answer_shows_it(staff_client, published):
    response = staff_client.patch(
        URL.format(published.pk), {"title": "Ny læsekreds"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["title"] == "Ny læsekreds"
    published.refresh_from_db()
    assert published.title == "Ny læsekreds"


def test_a_change_of_time_raises_the_sequence(staff_client, published):
    before = published.sequence
    response = staff_client.patch(
        URL.format(published.pk),
        {"start": "2027-02-02T18:00:00", "end": "2027-02-02T20:00:00"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["sequence"] == before + 1
    assert published.occurrences.get().start == local(2027, 2, 2, 18, 0)


def test_moving_into_an_occupied_room_is_a_409_and_changes_nothing(
    staff_client, branch, room, published
):
    from tests.factories import make_event

    later = make_event(branch=branch, room=room, title="Senere", start=local(2027, 2, 2, 22, 0))
    response = staff_client.patch(
        URL.format(later.pk),
        {"start": "2027-02-02T20:00:00", "end": "2027-02-02T21:30:00"},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["conflict"]["title"] == "Læsekreds"
    later.refresh_from_db()
    assert later.start == local(2027, 2, 2, 22, 0)
    assert later.occurrences.get().start == local(2027, 2, 2, 22, 0)


def test_status_is_changed_through_publish_and_cancel_not_patch(staff_client, draft):
    response = staff_client.patch(URL.format(draft.pk), {"status": "published"}, format="json")
    assert response.status_code == 400
    assert "status" in response.json()
    draft.refresh_from_db()
    assert draft.status == Event.Status.DRAFT


def test_bad_values_are_a_400_naming_the_field(staff_client, published):
    response = staff_client.patch(URL.format(published.pk), {"tracks": []}, format="json")
    assert response.status_code == 400
    assert "tracks" in response.json()
    assert published.tracks.count() == 2


def test_moving_an_event_to_a_branch_one_does_not_staff_is_403(
    staff_client, published, other_branch
):
    response = staff_client.patch(
        URL.format(published.pk), {"branch": other_branch.slug}, format="json"
    )
    assert response.status_code == 403
    published.refresh_from_db()
    assert published.branch.slug == "jyllinge"


def test_put_is_not_offered(staff_client, published):
    response = staff_client.put(URL.format(published.pk), {"title": "x"}, format="json")
    assert response.status_code == 405
