import pytest

from events.models import Event

URL = "/api/v1/events/{}/publish/"
pytestmark = pytest.mark.django_db


def test_publishing_a_draft_makes_it_public(staff_client, anon_client, draft):
    response = staff_client.post(URL.format(draft.pk))
    assert response.status_code == 200
    assert response.json()["status"] == "published"
    assert anon_client.get(f"/api/v1/events/{draft.pk}/").status_code == 200


def test_publishing_twice_changes_nothing(staff_client, published):
    before = Event.objects.get(pk=published.pk).sequence
    assert staff_client.post(URL.format(published.pk)).status_code == 200
    assert staff_client.post(URL.format(published.pk)).status_code == 200
    assert Event.objects.get(pk=published.pk).sequence == before
