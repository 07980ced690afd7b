from datetime import timedelta

import pytest
from django.utils import timezone

from events.models import Attendance
from tests.factories import make_event

URL = "/api/v1/attendance/bulk/"
pytestmark = pytest.mark.django_db


@pytest.fixture
def two_past(branch):
    start = timezone.now() - timedelta(days=10)
    series = make_event(branch=branch, title="Lektiecafé", start=start, rrule="FREQ=DAILY;COUNT=2")
    return list(series.occurrences.order_by("start"))


def test_record_many_at_once(staff_client, two_past):
    items = [{"occurrence": o.pk, "total": n} for o, n in zip(two_past, (5, 6), strict=True)]
    response = staff_client.post(URL, {"branch": "jyllinge", "items": items}, format="json")
    assert response.status_code == 200, response.json()
    assert sorted(a["total"] for a in response.json()) == [5, 6]
    again = staff_client.post(URL, {"branch": "jyllinge", "items": items}, format="json")
    assert again.status_code == 200
    assert Attendance.objects.count() == 2


def test_all_or_nothing_with_errors_per_item(staff_client, two_past, published):
    items = [
        {"occurrence": two_past[0].pk, "total": 5},
        {"occurrence": two_past[1].pk, "total": 4, "by_age": {"children": 1}},
        {"occurrence": published.occurrences.get().pk, "total": 2},
    ]
    response = staff_client.post(
        URL, {"branch": "jyllinge", "items": items}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    errors = response.json()["items"]
    assert set(errors) == {"1", "2"}
    assert "by_age" in errors["1"]
    assert "occurrence" in errors["2"]
    assert not Attendance.objects.exists()


def test_type_errors_are_reported_per_item_too(staff_client, two_past):
    items = [{"occurrence": two_past[0].pk, "total": 5}, {"occurrence": 999999, "total": -3}]
    response = staff_client.post(URL, {"branch": "jyllinge", "items": items}, format="json")
    assert response.status_code == 400
    assert set(response.json()["items"]["1"]) == {"occurrence", "total"}
    assert not Attendance.objects.exists()


def test_an_occurrence_of_another_branch_is_refused(staff_client, two_past, other_branch):
    other = make_event(branch=other_branch, start=timezone.now() - timedelta(days=3))
    items = [
        {"occurrence": two_past[0].pk, "total": 5},
        {"occurrence": other.occurrences.get().pk, "total": 5},
    ]
    response = staff_client.post(URL, {"branch": "jyllinge", "items": items}, format="json")
    assert response.status_code == 400
    assert "occurrence" in response.json()["items"]["1"]
    assert not Attendance.objects.exists()


def test_a_branch_one_does_not_staff_is_403(other_staff_client, two_past):
    items = [{"occurrence": two_past[0].pk, "total": 5}]
    response = other_staff_client.post(URL, {"branch": "jyllinge", "items": items}, format="json")
    assert response.status_code == 403
    assert not Attendance.objects.exists()


def test_an_empty_list_is_a_400(staff_client):
    response = staff_client.post(URL, {"branch": "jyllinge", "items": []}, format="json")
    assert response.status_code == 400
    assert "items" in response.json()
