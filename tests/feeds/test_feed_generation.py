"""The feed cache key is database state: a change is seen by the next request even when
nothing ran after its commit (Redis away, a lost receiver), and a renamed branch likewise."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

import feeds.cache
from events import services
from tests import factories
from tests.factories import local, make_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def series():
    branch = factories.BranchFactory(name="Jyllinge Bibliotek", slug="jyllinge")
    return make_event(
        branch=branch,
        title="Strikkecafé",
        start=local(2026, 3, 3, 19, 0),
        rrule="FREQ=WEEKLY;COUNT=6",
    )


def test_a_cancellation_is_in_the_next_poll_although_nothing_ran_after_commit(client, series):
    warm = client.get("/feeds/branch/jyllinge.ics")
    assert b"STATUS:CANCELLED" not in warm.content

    # The test's transaction never commits, so no on-commit receiver runs: as when the shared
    # cache's counter could not be raised after the commit.
    occurrence = series.occurrences.order_by("start")[2]
    services.occurrence_cancel(occurrence=occurrence, reason="Sygdom")
    polled = client.get("/feeds/branch/jyllinge.ics", HTTP_IF_NONE_MATCH=warm["ETag"])

    assert polled.status_code == 200
    assert b"STATUS:CANCELLED" in polled.content
    assert polled["ETag"] != warm["ETag"]


def test_a_renamed_branch_is_in_the_next_feed(client, series):
    client.get("/feeds/branch/jyllinge.ics")
    branch = series.branch
    branch.name = "Jyllinge Lokalbibliotek"
    branch.save()

    assert "Jyllinge Lokalbibliotek" in client.get("/feeds/branch/jyllinge.ics").content.decode()


def test_knowing_whether_a_copy_is_current_costs_one_query(client, series):
    client.get("/feeds/branch/jyllinge.ics")
    before = feeds.cache.generation()

    with CaptureQueriesContext(connection) as queries:
        again = client.get("/feeds/branch/jyllinge.ics")

    assert again.status_code == 200
    assert len(queries) == 1
    assert feeds.cache.generation() == before
