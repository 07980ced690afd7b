"""Limits at the door: oversized requests answer 413 (logins: tests/pages/test_login_limits.py)."""

import json

import pytest
from django.http import HttpRequest
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


def test_a_session_login_works_for_the_api(staff_user, draft):
    client = Client()
    # django-axes needs the request to know the client's address
    assert client.login(
        request=HttpRequest(), username=staff_user.username, password="pw-for-tests-123"
    )
    assert client.get(f"/api/v1/events/{draft.pk}/").status_code == 200
