"""Bad input to the status API is a 400 (or a 404 for an id that cannot be one), never a 500:
characters PostgreSQL refuses (NUL) in a slug, ids that are not numbers, far-off dates."""

from __future__ import annotations

import pytest

from tasks.models import ActionPlan, Job
from tests.conftest import require, uses_postgres

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/api/v1/status/figures/?period=year&year=2026&track=a%00b", "track"),
        ("/api/v1/status/figures/?period=year&year=2026&branch=a%00b", "branch"),
        ("/api/v1/status/monthly/?year=2026&branch=a%00b", "branch"),
        ("/api/v1/status/missing-attendance/?period=year&year=2026&branch=%00", "branch"),
    ],
)
def test_a_nul_in_a_slug_parameter_is_a_400_naming_it(management_client, branch, url, name):
    require(uses_postgres(), "PostgreSQL refuses NUL in a query; SQLite lets it through")
    response = management_client.get(url)
    assert response.status_code == 400, response.content
    assert name in response.json()


def test_a_nul_in_a_nested_target_slug_is_a_400_and_saves_nothing(management_client, branch):
    require(uses_postgres(), "PostgreSQL refuses NUL in a query; SQLite lets it through")
    response = management_client.post(
        "/api/v1/action-plans/",
        {"year": 2030, "targets": [{"branch": "a\x00b", "held": 1}]},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "branch" in response.json()["targets"]["0"]
    response = management_client.post(
        "/api/v1/action-plans/",
        {"year": 2030, "initiatives": [{"track": "\x00", "text": "Læsekreds"}]},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "track" in response.json()["initiatives"]["0"]
    assert not ActionPlan.objects.exists()


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/action-plans/abc/"),
        ("patch", "/api/v1/action-plans/abc/"),
        ("delete", "/api/v1/action-plans/abc/"),
        ("post", "/api/v1/action-plans/abc/copy/"),
        ("get", "/api/v1/action-plans/1e3/"),
    ],
)
def test_an_id_that_is_not_a_number_is_a_json_404(management_client, method, url):
    ActionPlan.objects.create(year=2026)
    response = getattr(management_client, method)(url, {}, format="json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()
    assert ActionPlan.objects.count() == 1


@pytest.mark.parametrize("as_of", ["9999-12-31", "0001-01-01"])
def test_a_report_date_out_of_range_is_a_400_and_starts_no_job(management_client, as_of):
    response = management_client.post("/api/v1/status/reports/", {"as_of": as_of}, format="json")
    assert response.status_code == 400, response.content
    assert "as_of" in response.json()
    assert not Job.objects.exists()
