"""The feed cache key is database state: a change is seen by the next request even when
nothing ran after its commit (Redis away, a lost receiver), and a renamed branch likewise."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import feeds.cache
from events import services
from events.models import Change, Event, Occurrence
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


def test_knowing_whether_a_copy_is_current_costs_no_round_trip_per_request(client, series):
    client.get("/feeds/branch/jyllinge.ics")
    before = feeds.cache.generation()

    with CaptureQueriesContext(connection) as queries:
        again = client.get("/feeds/branch/jyllinge.ics")

    assert again.status_code == 200
    assert len(queries) == 0
    assert feeds.cache.generation() == before


def test_the_generation_is_read_again_once_it_is_older_than_its_max_age(settings, series):
    settings.FEED_GENERATION_MAX_AGE_MS = 50
    feeds.cache.generation()
    with CaptureQueriesContext(connection) as queries:
        feeds.cache.generation()
    assert len(queries) == 0
    time.sleep(0.06)
    with CaptureQueriesContext(connection) as queries:
        feeds.cache.generation()
    assert len(queries) == 1


def _change_from_another_process(occurrence) -> None:
    """What another gunicorn worker's cancellation leaves in the database: the occurrence's
    state and a new ``Change``, written without this process's receivers (raw SQL), so that
    only the age of this process's copy of the generation can reveal it."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Occurrence._meta.db_table} SET status = %s WHERE id = %s",
            [Occurrence.Status.CANCELLED, occurrence.pk],
        )
        cursor.execute(
            f"UPDATE {Event._meta.db_table} SET updated_at = %s WHERE id = %s",
            [timezone.now(), occurrence.event_id],
        )
    last = Change.objects.order_by("-pk").first()
    Change.objects.bulk_create(  # bulk_create sends no post_save: no receiver runs
        [
            Change(
                event_id=occurrence.event_id,
                event_uid=occurrence.event.uid,
                event_title=occurrence.event.title,
                action=Change.Action.OCCURRENCE_CANCELLED,
            )
        ]
    )
    assert Change.objects.order_by("-pk").first() != last


def test_a_change_made_elsewhere_reaches_the_next_poll_within_a_second(client, series):
    warm = client.get("/feeds/branch/jyllinge.ics")
    assert b"STATUS:CANCELLED" not in warm.content
    _change_from_another_process(series.occurrences.order_by("start")[2])
    committed = time.monotonic()

    seen = None
    while time.monotonic() - committed < 2:
        polled = client.get("/feeds/branch/jyllinge.ics", HTTP_IF_NONE_MATCH=warm["ETag"])
        if polled.status_code == 200 and b"STATUS:CANCELLED" in polled.content:
            seen = time.monotonic() - committed
            break
        assert polled.status_code == 304  # until then: the copy it had, unchanged
        time.sleep(0.02)

    assert seen is not None
    assert seen < 1.0, seen
