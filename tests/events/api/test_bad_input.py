"""Bad input to the calendar API is a 4xx, never a 500: JSON nested deeper than any endpoint
takes, characters PostgreSQL refuses (NUL), dates far out, URLs that name nothing."""

from __future__ import annotations

import pytest

from events.models import Event
from tests.conftest import require, uses_postgres

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("depth", [100_000, 1000, 40])
def test_json_nested_too_deep_is_a_400_and_saves_nothing(staff_client, branch, depth):
    body = "[" * depth + "]" * depth
    response = staff_client.post("/api/v1/events/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert "detail" in response.json()
    assert not Event.objects.exists()


def test_json_nested_a_few_levels_is_read_as_before(staff_client, branch):
    response = staff_client.post(
        "/api/v1/events/", {"title": {"a": [[1]]}}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "title" in response.json()


@pytest.mark.parametrize("param", ["branch", "stop", "track", "track_all", "audience"])
@pytest.mark.parametrize("url", ["/api/v1/events/", "/api/v1/occurrences/"])
def test_a_nul_in_a_selection_parameter_is_a_400_naming_it(anon_client, branch, url, param):
    require(uses_postgres(), "PostgreSQL refuses NUL in a query; SQLite lets it through")
    response = anon_client.get(f"{url}?{param}=a%00b")
    assert response.status_code == 400, response.content
    assert param in response.json()


@pytest.mark.parametrize("query", ["from=9999-12-31", "to=9999-12-31", "from=0001-01-01"])
@pytest.mark.parametrize("url", ["/api/v1/events/", "/api/v1/occurrences/"])
def test_a_date_out_of_range_is_a_400_naming_it(anon_client, url, query):
    response = anon_client.get(f"{url}?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.json()


@pytest.mark.parametrize(
    "url", ["/api/v1/nothing-here/", "/api/v1/events/abc/", "/api/v1/branches/%00/", "/api/x"]
)
def test_a_404_under_api_is_json(anon_client, url):
    response = anon_client.get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


def test_a_404_of_a_page_is_still_html(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("query", ["track=a%25b", "branch=%25(x)s", "from=%25"])
def test_a_percent_sign_in_a_bad_value_is_a_400_not_a_500(anon_client, query):
    response = anon_client.get(f"/api/v1/occurrences/?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.json()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/events/?search=x",
        "/api/v1/occurrences/?branch=jyllinge&colour=blue",
        "/api/v1/tracks/?q=hygge",
        "/api/v1/action-plans/?yaer=2026",
        "/api/v1/status/figures/?year=2026&brnach=jyllinge",
    ],
)
def test_an_unknown_query_parameter_is_a_400_naming_it(management_client, branch, url):
    response = management_client.get(url)
    assert response.status_code == 400, response.content
    name = url.rsplit("&", 1)[-1].split("?")[-1].split("=")[0]
    assert name in response.json()


@pytest.mark.parametrize(
    "query", ["page=1", "page_size=5", "format=json", "branch=jyllinge&ordering=-start"]
)
def test_paging_format_and_filters_are_still_known(anon_client, branch, query):
    assert anon_client.get(f"/api/v1/events/?{query}").status_code == 200


def test_empty_date_parameters_are_a_400_in_the_api(anon_client):
    response = anon_client.get("/api/v1/occurrences/?to=")
    assert response.status_code == 400
    assert "to" in response.json()


def test_one_limit_of_slugs_for_a_whole_selection(anon_client, branch):
    """MAX_SLUGS means one thing everywhere: slugs in a selection, all parameters together."""
    branches = ",".join(f"b{i}" for i in range(30))
    tracks = ",".join(f"t{i}" for i in range(30))
    api = anon_client.get(f"/api/v1/events/?branch={branches}&track={tracks}")
    assert api.status_code == 400
    assert "branch" in api.json()
    feed = anon_client.get(f"/feeds/calendar.ics?branch={branches}&track={tracks}")
    assert feed.status_code == 400


@pytest.mark.parametrize("query", ["page_size=", "page=", "page_size=%201"])
def test_an_empty_or_spaced_page_parameter_is_a_400(anon_client, query):
    response = anon_client.get(f"/api/v1/events/?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.json()
