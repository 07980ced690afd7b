import pytest

from events import services
from events.models import Occurrence

pytestmark = pytest.mark.django_db


def test_cancel_one_occurrence_with_a_reason_and_restore_it(staff_client, anon_client, branch):
    from tests.factories import local, make_event

    series = make_event(branch=branch, start=local(2027, 1, 5, 10, 0), rrule="FREQ=WEEKLY;COUNT=3")
    second = series.occurrences.order_by("start")[1]
    response = staff_client.post(
        f"/api/v1/occurrences/{second.pk}/cancel/", {"reason": "Ferie"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["cancel_reason"] == "Ferie"
    statuses = [o["status"] for o in anon_client.get("/api/v1/occurrences/").json()["results"]]
    assert statuses == ["scheduled", "cancelled", "scheduled"]
    again = staff_client.post(
        f"/api/v1/occurrences/{second.pk}/cancel/", {"reason": "Ferie"}, format="json"
    )
    assert again.status_code == 200
    restored = staff_client.post(f"/api/v1/occurrences/{second.pk}/restore/")
    assert restored.status_code == 200
    assert Occurrence.objects.get(pk=second.pk).status == "scheduled"


def test_an_occurrence_with_attendance_cannot_be_cancelled(staff_client, staff_user, past):
    occurrence = past.occurrences.get()
    services.attendance_record(occurrence=occurrence, total=4, user=staff_user)
    response = staff_client.post(f"/api/v1/occurrences/{occurrence.pk}/cancel/", {}, format="json")
    assert response.status_code == 400
    assert "occurrence" in response.json()
    assert Occurrence.objects.get(pk=occurrence.pk).status == "scheduled"
