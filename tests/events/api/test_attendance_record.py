import pytest

from events.models import Attendance, AttendanceRevision

pytestmark = pytest.mark.django_db


def url(occurrence):
    return f"/api/v1/occurrences/{occurrence.pk}/attendance/"


def test_record_with_age_groups_and_read_it_back(staff_client, past):
    occurrence = past.occurrences.get()
    body = {"total": 10, "by_age": {"children": 6, "adults": 4}, "note": "Regnvejr"}
    response = staff_client.put(url(occurrence), body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["total"] == 10
    assert response.json()["by_age"] == {"children": 6, "youth": 0, "adults": 4, "seniors": 0}
    assert staff_client.get(url(occurrence)).json()["total"] == 10


def test_recording_the_same_values_twice_leaves_one_record(staff_client, past):
    occurrence = past.occurrences.get()
    for _ in range(2):
        assert staff_client.put(url(occurrence), {"total": 7}, format="json").status_code == 200
    assert Attendance.objects.filter(occurrence=occurrence).count() == 1
    assert AttendanceRevision.objects.count() == 0


def test_a_correction_keeps_the_earlier_value(staff_client, past):
    occurrence = past.occurrences.get()
    staff_client.put(url(occurrence), {"total": 7}, format="json")
    response = staff_client.put(url(occurrence), {"total": 8}, format="json")
    assert response.json()["total"] == 8
    assert response.json()["corrections"] == 1
    assert AttendanceRevision.objects.get().total == 7


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            {"total": 10, "by_age": {"children": 3, "adults": 4}},
            "by_age",
            "The age groups add up to 7, not to the total of 10.",
        ),
        ({"total": -1}, "total", None),
        ({"total": "many"}, "total", None),
        ({}, "total", None),
        ({"total": 3, "by_age": {"pets": 3}}, "by_age", None),
        ({"total": 100_001}, "total", "The head count can be at most 100000."),
        (
            {"total": 100_001, "by_age": {"adults": 100_001}},
            "by_age",
            "Each age group can be at most 100000.",
        ),
    ],
)
def test_bad_counts_are_a_400_naming_the_field(staff_client, past, body, field, message):
    occurrence = past.occurrences.get()
    response = staff_client.put(url(occurrence), body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert field in response.json()
    if message:
        assert response.json()[field] == [message]
    assert not Attendance.objects.exists()


def test_no_attendance_before_the_occurrence_has_started(staff_client, published):
    response = staff_client.put(
        url(published.occurrences.get()), {"total": 3}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.json()["occurrence"] == [
        "Attendance can only be recorded once the occurrence has started."
    ]


def test_attendance_not_yet_recorded_is_404(staff_client, past):
    assert staff_client.get(url(past.occurrences.get())).status_code == 404


def test_the_public_may_not_read_attendance(anon_client, management_client, staff_client, past):
    occurrence = past.occurrences.get()
    staff_client.put(url(occurrence), {"total": 7}, format="json")
    assert anon_client.get(url(occurrence)).status_code == 401
    assert management_client.get(url(occurrence)).json()["total"] == 7
