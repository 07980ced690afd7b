"""Limits at the door: oversized requests answer 413, failed logins are rate-limited."""

import json

import pytest
from django.test import Client

from events.models import Event
from tests.events.api.payloads import event_payload

pytestmark = pytest.mark.django_db


def test_a_request_over_the_size_limit_is_a_413_and_saves_nothing(staff_client, branch, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    body = event_payload(branch, description="x" * 5000)
    response = staff_client.post("/api/v1/events/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 413
    assert response.json()["detail"] == "The request is too large (at most 2000 bytes)."
    assert not Event.objects.exists()


def test_a_request_under_the_limit_goes_through(staff_client, branch, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 20_000
    body = event_payload(branch, description="x" * 5000)
    assert len(json.dumps(body)) < 20_000
    assert staff_client.post("/api/v1/events/", body, format="json").status_code == 201


def _admin_login(client, username, password):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR="192.0.2.10",
    )


def test_admin_login_is_refused_after_five_failures_even_with_the_right_password(admin_user):
    client = Client()
    for _ in range(5):
        assert _admin_login(client, "admin", "wrong").status_code == 200  # the form again
    response = _admin_login(client, "admin", "pw-for-tests-123")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_successful_login_before_the_limit_works_and_resets_the_count(admin_user):
    client = Client()
    for _ in range(4):
        _admin_login(client, "admin", "wrong")
    assert _admin_login(client, "admin", "pw-for-tests-123").status_code == 302
    client.logout()
    for _ in range(4):
        _admin_login(client, "admin", "wrong")
    assert _admin_login(client, "admin", "pw-for-tests-123").status_code == 302


def test_the_api_session_login_is_limited_too(staff_user):
    client = Client()
    for _ in range(5):
        client.post(
            "/api/auth/login/",
            {"username": staff_user.username, "password": "no"},
            REMOTE_ADDR="192.0.2.11",
        )
    response = client.post(
        "/api/auth/login/",
        {"username": staff_user.username, "password": "pw-for-tests-123"},
        REMOTE_ADDR="192.0.2.11",
    )
    assert response.status_code == 200  # the login form again, not a redirect
    assert "_auth_user_id" not in client.session
    # another address is not locked out
    other = Client()
    ok = other.post(
        "/api/auth/login/",
        {"username": staff_user.username, "password": "pw-for-tests-123"},
        REMOTE_ADDR="192.0.2.99",
    )
    assert ok.status_code == 302


def test_a_session_login_works_for_the_api(staff_user, draft):
    client = Client()
    assert client.login(username=staff_user.username, password="pw-for-tests-123")
    assert client.get(f"/api/v1/events/{draft.pk}/").status_code == 200
