"""GET /api/v1/attendance/: recorded head counts, filtered by branch, event, occurrence and
the local dates occurrences start on; staff, management and administrators only; paginated."""

from __future__ import annotations

import pytest

from events import services
from tests.factories import local, make_event

pytestmark = pytest.mark.django_db
URL = "/api/v1/attendance/"


@pytest.fixture
def counted(branch, other_branch, staff_user, admin_user):
    series = make_event(
        branch=branch, title="Serie", start=local(2026, 1, 6, 10, 0), rrule="FREQ=WEEKLY;COUNT=3"
    )
    viby = make_event(branch=other_branch, title="Viby", start=local(2026, 2, 3, 10, 0))
    first, second, _third = series.occurrences.order_by("start")
    services.attendance_record(occurrence=first, total=5, user=staff_user)
    services.attendance_record(occurrence=second, total=7, user=staff_user)
    services.attendance_record(occurrence=second, total=8, user=staff_user)  # a correction
    services.attendance_record(occurrence=viby.occurrences.get(), total=20, user=admin_user)
    return series, viby, first, second


def totals(response):
    assert response.status_code == 200, response.content
    return [row["total"] for row in response.json()["results"]]


@pytest.mark.parametrize("client_name", ["staff_client", "management_client", "admin_client_api"])
def test_staff_management_and_administrators_read_every_head_count(request, counted, client_name):
    client = request.getfixturevalue(client_name)
    response = client.get(URL)
    assert totals(response) == [5, 8, 20]
    row = response.json()["results"][1]
    assert row["branch"] == "jyllinge"
    assert row["event"] == counted[0].pk
    assert row["occurrence"] == counted[3].pk
    assert row["start"] == "2026-01-13T10:00:00+01:00"
    assert row["corrections"] == 1


def test_the_public_may_not(anon_client, other_staff_client, counted):
    assert anon_client.get(URL).status_code in (401, 403)


def test_filters(staff_client, counted):
    series, viby, _first, second = counted
    assert totals(staff_client.get(URL, {"branch": "viby"})) == [20]
    assert totals(staff_client.get(URL, {"event": series.pk})) == [5, 8]
    assert totals(staff_client.get(URL, {"event": f"{series.pk},{viby.pk}"})) == [5, 8, 20]
    assert totals(staff_client.get(URL, {"occurrence": second.pk})) == [8]
    assert totals(staff_client.get(URL, {"from": "2026-01-13", "to": "2026-02-02"})) == [8]
    assert totals(staff_client.get(URL, {"to": "2026-01-06"})) == [5]


def test_paginated(staff_client, counted):
    page = staff_client.get(URL, {"page_size": 2}).json()
    assert page["count"] == 3
    assert [r["total"] for r in page["results"]] == [5, 8]
    assert page["next"] is not None


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"branch": "atlantis"}, "branch"),
        ({"event": "abc"}, "event"),
        ({"event": "99999999999999999999"}, "event"),
        ({"occurrence": "-1"}, "occurrence"),
        ({"from": "9999-12-31"}, "from"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(staff_client, counted, params, name):
    response = staff_client.get(URL, params)
    assert response.status_code == 400
    assert name in response.json()


def test_occurrences_filtered_by_event(anon_client, counted):
    series, viby, _first, _second = counted
    response = anon_client.get("/api/v1/occurrences/", {"event": series.pk})
    assert response.status_code == 200
    assert {row["event"] for row in response.json()["results"]} == {series.pk}
    assert response.json()["count"] == 3
    both = anon_client.get("/api/v1/occurrences/", {"event": f"{series.pk},{viby.pk}"}).json()
    assert both["count"] == 4
    assert anon_client.get("/api/v1/occurrences/", {"event": "x"}).status_code == 400
