"""Bulk work off the request path (issue 19): after a change that makes every feed piece stale
(a new SITE_URL, a builder change), a request rebuilds pieces only within its budget, answers
the rest from the pieces as they were, keeps nothing it built that way, and asks Celery once
for the rebuild; the job rebuilds every piece and moves the generation on."""

from __future__ import annotations

import itertools
import threading
import time

import pytest
from django.http import QueryDict
from django.utils import timezone

import feeds.cache
import feeds.pieces
import feeds.tasks
import feeds.views
from bench.feeds import seed
from events.clock import local_today
from events.models import Event
from feeds.models import EventPiece
from feeds.pieces import piece_digest, pieces_refresh, recipe
from tests import factories
from tests.factories import local, make_event
from tests.feeds.conftest import SITE

pytestmark = pytest.mark.django_db

NEW_SITE = "https://ny-kalender.roskilde.dk"


@pytest.fixture
def asked(monkeypatch, settings):
    """Celery as in production (not eager), with the job's sending recorded."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    calls: list[int] = []
    monkeypatch.setattr(feeds.tasks.pieces_rebuild_task, "delay", lambda: calls.append(1))
    feeds.tasks.cache.delete(feeds.tasks.QUEUED_KEY)
    yield calls
    feeds.tasks.cache.delete(feeds.tasks.QUEUED_KEY)


def _gadstrup_evenings(n: int) -> list[Event]:
    """n evening events of one branch (feed /feeds/branch/gadstrup.ics), their pieces built."""
    branch = factories.BranchFactory(name="Gadstrup Bibliotek", slug="gadstrup")
    events = [
        make_event(branch=branch, title=f"Spilaften {i}", start=local(2026, 3, 10 + i, 18, 0))
        for i in range(n)
    ]
    pieces_refresh(event_ids=[e.pk for e in events])
    return events


def test_a_request_rebuilds_within_its_budget_and_the_job_does_the_rest(
    client, settings, monkeypatch, asked
):
    _gadstrup_evenings(3)
    old = client.get("/feeds/branch/gadstrup.ics")
    assert old.content.count(b"BEGIN:VEVENT") == 3

    settings.SITE_URL = NEW_SITE  # every piece is now built by another recipe
    monkeypatch.setattr(feeds.pieces, "INLINE_BATCH", 1)
    monkeypatch.setattr(feeds.pieces, "INLINE_BUDGET_SECONDS", 0.0)  # one piece a request
    monkeypatch.setattr(feeds.cache, "INCOMPLETE_SECONDS", 0.0)  # each request builds
    first = client.get("/feeds/branch/gadstrup.ics")
    second = client.get("/feeds/branch/gadstrup.ics")

    # One piece rebuilt per request; the others answered with their old text, none left out.
    for response in (first, second):
        assert response.status_code == 200
        assert response.content.count(b"BEGIN:VEVENT") == 3
        assert SITE.encode() in response.content
    assert asked == [1]  # asked once, however many requests found the pieces stale
    assert EventPiece.objects.exclude(recipe=recipe()).count() == 1

    assert feeds.tasks.pieces_rebuild_task() == 1  # what the worker runs
    rebuilt = client.get("/feeds/branch/gadstrup.ics")
    assert rebuilt.content.count(b"BEGIN:VEVENT") == 3
    assert rebuilt.content.count(NEW_SITE.encode()) >= 3
    assert EventPiece.objects.exclude(recipe=recipe()).count() == 0


def test_without_a_worker_the_requests_budgets_catch_up(client, settings, monkeypatch):
    _gadstrup_evenings(5)
    settings.SITE_URL = NEW_SITE
    monkeypatch.setattr(feeds.pieces, "INLINE_BATCH", 2)
    monkeypatch.setattr(feeds.pieces, "INLINE_BUDGET_SECONDS", 1e-9)  # one batch a request
    monkeypatch.setattr(feeds.cache, "INCOMPLETE_SECONDS", 0.0)  # each request builds

    stale = []
    for _ in range(4):
        client.get("/feeds/branch/gadstrup.ics")
        stale.append(EventPiece.objects.exclude(recipe=recipe()).count())

    assert stale == [3, 1, 0, 0]
    body = client.get("/feeds/branch/gadstrup.ics").content
    assert body.count(NEW_SITE.encode()) >= 5


@pytest.mark.slow
def test_after_a_bulk_invalidation_at_50000_events_a_request_does_bounded_work(
    client, settings, monkeypatch, asked, django_assert_max_num_queries
):
    """The work a request does after every piece went stale is bounded (one batch of pieces and
    a constant number of queries), whatever the data size; the time this takes on the
    production stack is measured in bench/, not here (BENCHMARKS.md)."""
    monkeypatch.setattr(feeds.views, "feed_today", local_today)  # the seed's dates are today's
    ids = seed(50_000)
    # Pieces as the previous recipe left them (building 50,000 real ones takes about a minute;
    # the job below does it once).
    EventPiece.objects.bulk_create(
        [
            EventPiece(
                event_id=pk,
                source_updated_at=updated,
                recipe="previous",
                vevent=(data := f"BEGIN:VEVENT\r\nUID:{pk}@old\r\nEND:VEVENT\r\n".encode()),
                digest=piece_digest(data),
            )
            for pk, updated in Event.objects.values_list("pk", "updated_at")
        ],
        batch_size=5000,
    )
    settings.SITE_URL = NEW_SITE
    monkeypatch.setattr(feeds.pieces, "INLINE_BUDGET_SECONDS", 1e-9)  # one batch a request
    monkeypatch.setattr(feeds.cache, "INCOMPLETE_SECONDS", 0.0)  # each request builds

    stale = [EventPiece.objects.exclude(recipe=recipe()).count()]
    for url in ("/feeds/calendar.ics", "/feeds/calendar.ics", "/feeds/branch/roskilde.ics"):
        with django_assert_max_num_queries(30):
            response = client.get(url)
        assert response.status_code == 200
        assert response.content.count(b"BEGIN:VEVENT") > 500  # answered, not left empty
        stale.append(EventPiece.objects.exclude(recipe=recipe()).count())
    rebuilt = [before - after for before, after in itertools.pairwise(stale)]
    assert all(0 < n <= feeds.pieces.INLINE_BATCH for n in rebuilt), rebuilt
    assert asked == [1]

    assert feeds.tasks.pieces_rebuild_task() > 0
    assert not EventPiece.objects.exclude(recipe=recipe()).exists()
    body = client.get("/feeds/calendar.ics").content
    assert b"@old" not in body  # every piece current; the calendar trimmed to its limit
    assert 500 < body.count(b"BEGIN:VEVENT") < len(ids)
    assert len(body) <= settings.FEED_MAX_BYTES


def test_an_incomplete_calendar_is_kept_a_few_seconds_so_polls_do_not_each_build_it(
    client, settings, monkeypatch, asked, django_assert_max_num_queries
):
    """While pieces are being rebuilt, a calendar built with some old pieces is answered to
    the polls of the next INCOMPLETE_SECONDS from the cache instead of each poll building it
    again (a large calendar costs about a second to build); after that a poll builds again and
    its budget rebuilds the next pieces."""
    _gadstrup_evenings(3)
    settings.SITE_URL = NEW_SITE
    monkeypatch.setattr(feeds.pieces, "INLINE_BATCH", 1)
    monkeypatch.setattr(feeds.pieces, "INLINE_BUDGET_SECONDS", 0.0)  # one piece a request
    clock = [1_000_000.0]
    monkeypatch.setattr(feeds.cache.time, "time", lambda: clock[0])

    first = client.get("/feeds/branch/gadstrup.ics")
    with django_assert_max_num_queries(1):  # at most the generation; nothing built
        again = client.get("/feeds/branch/gadstrup.ics")
    assert again.content == first.content
    assert EventPiece.objects.exclude(recipe=recipe()).count() == 2

    clock[0] += feeds.cache.INCOMPLETE_SECONDS + 1
    later = client.get("/feeds/branch/gadstrup.ics")
    assert later.status_code == 200
    assert EventPiece.objects.exclude(recipe=recipe()).count() == 1  # built again, one more


def test_while_another_process_builds_a_feed_the_previous_entry_is_answered(client, settings):
    """One process builds a feed whose entry is outdated; the others answer the previous
    entry meanwhile instead of each building the same calendar (a mark in the shared cache)."""
    branch = factories.BranchFactory(name="Gadstrup Bibliotek", slug="gadstrup")
    event = make_event(branch=branch, title="Spilaften", start=local(2026, 3, 10, 18, 0))
    pieces_refresh(event_ids=[event.pk])
    old = client.get("/feeds/branch/gadstrup.ics")
    assert b"Spilaften" in old.content

    from events import services

    services.event_update(event=event, title="Brætspilsaften")
    selection = feeds.views.parse_selection(QueryDict(), "branch", "gadstrup")
    key = feeds.cache.entry_key(f"ics|{selection.key()}")
    assert feeds.cache.cache.add(key + ":building", 1, 30)  # another process is building it
    try:
        meanwhile = client.get("/feeds/branch/gadstrup.ics")
        assert meanwhile.content == old.content  # the previous entry, not a second build
    finally:
        feeds.cache.cache.delete(key + ":building")
    fresh = client.get("/feeds/branch/gadstrup.ics")
    assert "Brætspilsaften" in fresh.content.decode()


def test_pieces_of_another_recipe_are_served_as_they_were_beyond_one_batch(
    client, settings, monkeypatch, asked
):
    """A bulk invalidation (another recipe: the events' data is current) costs a request one
    batch, however long its budget: the budget is for missing pieces and changed events."""
    events = _gadstrup_evenings(5)
    settings.SITE_URL = NEW_SITE
    monkeypatch.setattr(feeds.pieces, "INLINE_BATCH", 2)
    monkeypatch.setattr(feeds.pieces, "INLINE_BUDGET_SECONDS", 60.0)

    body = client.get("/feeds/branch/gadstrup.ics").content

    assert body.count(b"BEGIN:VEVENT") == 5  # none left out
    assert EventPiece.objects.exclude(recipe=recipe()).count() == 3  # one batch rebuilt
    assert asked == [1]  # the job does the rest

    # A changed event's piece is still rebuilt within the budget, before anything is served.
    Event.objects.filter(pk__in=[e.pk for e in events]).update(
        title="Brætspil", updated_at=timezone.now()
    )
    feeds.cache.clear()  # written behind the services' back: no new generation
    body = client.get("/feeds/branch/gadstrup.ics").content
    assert body.count("SUMMARY:Brætspil".encode()) == 5


def _entry(body: bytes, stamp: str, *, complete: bool = True) -> feeds.cache.FeedEntry:
    entry = feeds.cache.make_entry(
        identity="test", body=body, modified=0, content_type="text/calendar", complete=complete
    )
    return feeds.cache.replace(entry, stamp=stamp)


def test_an_outdated_incomplete_entry_is_answered_while_another_process_builds(monkeypatch):
    """An incomplete calendar stops being current after INCOMPLETE_SECONDS, but stays in the
    shared cache: the processes that do not build the next one answer it meanwhile, instead of
    every process building the same large calendar at once."""
    monkeypatch.setattr(feeds.cache, "INCOMPLETE_SECONDS", 0.01)
    identity, stamp = "ics|test-incomplete", "generation-1|day"
    key = feeds.cache.entry_key(identity)
    first = feeds.cache.cached(identity, stamp, lambda: _entry(b"first", "", complete=False))
    assert first.body == b"first"
    feeds.cache.memo.clear()  # another process: no copy of its own
    time.sleep(1.1)  # longer than the incomplete entry is current (and than a 1 s timeout)
    assert feeds.cache.cache.add(key + ":building", 1, 30)  # a process is building it
    built = []
    try:
        answer = feeds.cache.cached(identity, stamp, lambda: built.append(1) or _entry(b"x", ""))
    finally:
        feeds.cache.cache.delete(key + ":building")
    assert (answer.body, built) == (b"first", [])


def test_with_no_entry_a_process_waits_for_the_one_building_it(monkeypatch):
    """A cold cache (a restart with an empty Redis): a second request for a feed that another
    process is building waits for that entry instead of building the same calendar too."""
    identity, stamp = "ics|test-cold", "generation-1|day"
    key = feeds.cache.entry_key(identity)
    assert feeds.cache.cache.add(key + ":building", 1, 30)  # another process builds it

    def other_process_finishes():
        feeds.cache.cache.set(key, _entry(b"built elsewhere", stamp))
        feeds.cache.cache.delete(key + ":building")

    timer = threading.Timer(0.2, other_process_finishes)
    timer.start()
    built = []
    answer = feeds.cache.cached(identity, stamp, lambda: built.append(1) or _entry(b"x", ""))
    timer.join()
    assert (answer.body, built) == (b"built elsewhere", [])

    # Nobody finishing it within BUILD_WAIT_SECONDS: built here after all.
    monkeypatch.setattr(feeds.cache, "BUILD_WAIT_SECONDS", 0.1)
    other = "ics|test-cold-2"
    assert feeds.cache.cache.add(feeds.cache.entry_key(other) + ":building", 1, 30)
    answer = feeds.cache.cached(other, stamp, lambda: built.append(1) or _entry(b"mine", ""))
    assert (answer.body, built) == (b"mine", [1])
