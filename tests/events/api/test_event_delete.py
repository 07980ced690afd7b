import pytest

from events import services
from events.models import Event

URL = "/api/v1/events/{}/"
pytestmark = pytest.mark.django_db


def test_staff_delete_an_event_without_attendance(staff_client, draft):
    response = staff_client.delete(URL.format(draft.pk))
    assert response.status_code == 204
    assert not Event.objects.filter(pk=draft.pk).exists()


def test_an_event_with_attendance_is_refused_with_the_reason(staff_client, past, staff_user):
    services.attendance_record(occurrence=past.occurrences.get(), total=12, user=staff_user)
    response = staff_client.delete(URL.format(past.pk), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["event"] == [
        "This event has recorded attendance and cannot be deleted; cancel it instead."
    ]
    assert Event.objects.filter(pk=past.pk).exists()
