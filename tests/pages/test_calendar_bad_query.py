"""The calendar page never answers 500 to a query string: far-off dates and characters a
database refuses (NUL) become a message, and the rest of the filter still applies."""

from __future__ import annotations

from html import unescape

import pytest
from django.urls import reverse

from tests import factories
from tests.conftest import require, uses_postgres
from tests.pages.conftest import soon

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(branch):
    factories.make_event(branch=branch, title="Strikkecafé", start=soon(2))


def _get(client, query: str):
    return client.get(reverse("pages:calendar") + "?" + query, HTTP_ACCEPT_LANGUAGE="da")


@pytest.mark.parametrize(
    "query",
    [
        "to=9999-12-31",
        "from=9999-12-31",
        "from=9999-12-31&to=9999-12-31",
        "from=9999-12-20",  # four weeks from it run past the year 9999
        "to=9999-12-30",  # the "next four weeks" link would run past it
        "from=0001-01-01&to=0001-01-02",
        "from=1-01-01",
    ],
)
def test_a_date_out_of_range_is_a_message_not_a_server_error(client, scene, query):
    response = _get(client, query)
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "mellem årene 2000 og 2100" in html or "er ikke en dato" in html
    assert "Strikkecafé" in html  # the date was ignored, the default window shown


@pytest.mark.parametrize("param", ["branch", "track", "audience", "stop"])
def test_a_nul_in_a_slug_is_a_message_not_a_server_error(client, scene, param):
    require(uses_postgres(), "PostgreSQL refuses NUL in a query; SQLite lets it through")
    response = _get(client, f"{param}=%00")
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert f"er ikke en gyldig {param}" in html
    assert "Strikkecafé" in html


def test_a_nul_next_to_a_good_slug_keeps_the_good_one(client, scene, other_branch):
    factories.make_event(branch=other_branch, title="Viby-hygge", start=soon(3))
    response = _get(client, "branch=jyllinge,a%00b")
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "Strikkecafé" in html
    assert "Viby-hygge" not in html
    assert "er ikke en gyldig branch" in html
