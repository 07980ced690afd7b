"""/healthz and /readyz: answered before the HTTPS redirect and host check; 503 when the
database does not answer, "degraded" when Redis does not."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError, connections

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_readyz_answers_ok_when_database_and_redis_answer(client, settings):
    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"] == ("ok" if settings.REDIS_URL else "not configured")


def test_readyz_is_503_when_the_database_does_not_answer(client):
    broken = mock.patch.object(
        connections["default"], "cursor", side_effect=OperationalError("connection refused")
    )
    with broken:
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "unavailable"


def test_readyz_is_degraded_not_503_when_redis_does_not_answer(client, settings):
    # The service still serves without Redis (uncached), so it stays in rotation and says so.
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "redis": "unavailable"},
    }


def test_probes_are_not_redirected_or_rejected_by_host(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["kalender.bibliotekerne.roskilde.dk"]

    probe = client.get("/readyz", HTTP_HOST="172.18.0.5:8000")
    page = client.get("/admin/login/", HTTP_HOST="172.18.0.5:8000")

    assert probe.status_code == 200
    assert page.status_code == 400  # the host check still guards everything else


def test_health_views_are_routed_too(client):
    from django.urls import reverse

    assert reverse("healthz") == "/healthz"
    assert reverse("readyz") == "/readyz"
