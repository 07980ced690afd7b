"""Who may write what: every write endpoint against every role, on a published event and on a
draft of the staff user's branch (jyllinge)."""

import pytest

from events.models import Attendance, Event
from tests.events.api.payloads import event_payload

pytestmark = pytest.mark.django_db

ROLES = [
    "anon_client",
    "staff_client",
    "other_staff_client",
    "management_client",
    "admin_client_api",
]


def _write_endpoints(event, past, branch):
    occ = event.occurrences.get()
    past_occ = past.occurrences.get()
    return {
        "event create": ("post", "/api/v1/events/", event_payload(branch)),
        "event update": ("patch", f"/api/v1/events/{event.pk}/", {"title": "Ændret"}),
        "event delete": ("delete", f"/api/v1/events/{event.pk}/", None),
        "event publish": ("post", f"/api/v1/events/{event.pk}/publish/", None),
        "event cancel": ("post", f"/api/v1/events/{event.pk}/cancel/", {"reason": "x"}),
        "occurrence cancel": ("post", f"/api/v1/occurrences/{occ.pk}/cancel/", {"reason": "x"}),
        "occurrence restore": ("post", f"/api/v1/occurrences/{occ.pk}/restore/", None),
        "occurrence move": (
            "post",
            f"/api/v1/occurrences/{occ.pk}/move/",
            {"start": "2027-02-10T10:00:00"},
        ),
        "attendance record": (
            "put",
            f"/api/v1/occurrences/{past_occ.pk}/attendance/",
            {"total": 3},
        ),
        "attendance bulk": (
            "post",
            "/api/v1/attendance/bulk/",
            {"branch": branch.slug, "items": [{"occurrence": past_occ.pk, "total": 3}]},
        ),
    }


ENDPOINTS = [
    "event create",
    "event update",
    "event delete",
    "event publish",
    "event cancel",
    "occurrence cancel",
    "occurrence restore",
    "occurrence move",
    "attendance record",
    "attendance bulk",
]

EXPECTED_ON_PUBLISHED = {
    "anon_client": 401,
    "staff_client": "ok",
    "other_staff_client": 403,
    "management_client": 403,
    "admin_client_api": "ok",
}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("role", ROLES)
def test_writes_on_a_published_event(request, role, endpoint, branch, published, past):
    client = request.getfixturevalue(role)
    method, url, body = _write_endpoints(published, past, branch)[endpoint]
    response = getattr(client, method)(url, body, format="json")
    expected = EXPECTED_ON_PUBLISHED[role]
    if expected == "ok":
        assert 200 <= response.status_code < 300, (response.status_code, response.content)
    else:
        assert response.status_code == expected, (response.status_code, response.content)
        # nothing changed
        assert Event.objects.filter(pk=published.pk, title="Læsekreds", status="published").exists()
        assert Event.objects.count() == 2
        assert not Attendance.objects.exists()


DRAFT_ENDPOINTS = [
    "event update",
    "event delete",
    "event publish",
    "occurrence cancel",
    "occurrence move",
]
EXPECTED_ON_DRAFT = {
    "anon_client": 401,
    "staff_client": "ok",
    "other_staff_client": 404,  # a draft of another branch does not exist for them
    "management_client": 403,
    "admin_client_api": "ok",
}


@pytest.mark.parametrize("endpoint", DRAFT_ENDPOINTS)
@pytest.mark.parametrize("role", ROLES)
def test_writes_on_a_draft(request, role, endpoint, branch, draft, past):
    client = request.getfixturevalue(role)
    method, url, body = _write_endpoints(draft, past, branch)[endpoint]
    response = getattr(client, method)(url, body, format="json")
    expected = EXPECTED_ON_DRAFT[role]
    if expected == "ok":
        assert 200 <= response.status_code < 300, (response.status_code, response.content)
    else:
        assert response.status_code == expected, (response.status_code, response.content)
        assert "Hemmelig" not in response.content.decode()
        assert Event.objects.filter(pk=draft.pk, title="Hemmelig kladde", status="draft").exists()


def test_anonymous_writes_ask_for_a_token(anon_client, branch):
    response = anon_client.post("/api/v1/events/", event_payload(branch), format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
