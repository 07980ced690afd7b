import pytest

from events.models import Event

URL = "/api/v1/events/{}/cancel/"
pytestmark = pytest.mark.django_db


def test_cancelling_keeps_the_event_visible_as_cancelled(staff_client, anon_client, published):
    response = staff_client.post(URL.format(published.pk), {"reason": "Sygdom"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["cancel_reason"] == "Sygdom"
    public = anon_client.get(f"/api/v1/events/{published.pk}/").json()
    assert public["status"] == "cancelled"
    occurrence = anon_client.get("/api/v1/occurrences/", {"branch": "jyllinge"}).json()["results"][
        0
    ]
    assert occurrence["cancelled"] is True


def test_a_draft_cannot_be_cancelled(staff_client, draft):
    response = staff_client.post(URL.format(draft.pk), {}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["status"] == ["A draft cannot be cancelled; delete it instead."]
    assert Event.objects.get(pk=draft.pk).status == Event.Status.DRAFT


def test_a_too_long_reason_is_a_400(staff_client, published):
    response = staff_client.post(URL.format(published.pk), {"reason": "x" * 301}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()
