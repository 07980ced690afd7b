"""Feed size (issue 19): a calendar stays under FEED_MAX_BYTES (Google Calendar stops reading
near 1 MB) by leaving out the past part of the window first, oldest first, then the events
furthest ahead; the subscribe panel of a selection that would pass it says so."""

from __future__ import annotations

import icalendar
import pytest
from django.core.cache import cache

import feeds.cache
import feeds.views
from bench.feeds import seed
from events.clock import local_today
from events.models import Branch, Event, Room
from feeds.models import EventPiece
from feeds.pieces import pieces_refresh
from tests import factories
from tests.factories import local, make_event

pytestmark = pytest.mark.django_db


def _summaries(body: bytes) -> list[str]:
    calendar = icalendar.Calendar.from_ical(body)
    return [str(c["SUMMARY"]) for c in calendar.walk("VEVENT")]


def test_a_calendar_over_the_limit_leaves_out_the_past_first_then_the_far_future(client, settings):
    branch = factories.BranchFactory(name="Viby Bibliotek", slug="viby")
    # The feeds' today is 2026-03-01: two events in the past part of the window, four ahead.
    for title, day in [("Før 1", (2026, 2, 5)), ("Før 2", (2026, 2, 20))] + [
        (f"Efter {n}", (2026, 3 + n, 10)) for n in range(1, 5)
    ]:
        make_event(branch=branch, title=title, start=local(*day, 10, 0))
    whole = client.get("/feeds/branch/viby.ics").content
    assert _summaries(whole) == ["Før 1", "Før 2", "Efter 1", "Efter 2", "Efter 3", "Efter 4"]
    size = {p.event.title: len(p.vevent) for p in EventPiece.objects.select_related("event")}

    settings.FEED_MAX_BYTES = len(whole) - 1  # one byte too many: the oldest goes
    feeds.cache.clear()
    assert _summaries(client.get("/feeds/branch/viby.ics").content)[0] == "Før 2"

    # Without both past events and the furthest one still a byte too many: the next furthest.
    settings.FEED_MAX_BYTES = len(whole) - size["Før 1"] - size["Før 2"] - size["Efter 4"] - 1
    feeds.cache.clear()
    trimmed = client.get("/feeds/branch/viby.ics").content
    assert _summaries(trimmed) == ["Efter 1", "Efter 2"]
    assert len(trimmed) <= settings.FEED_MAX_BYTES


def test_the_subscribe_panel_says_when_a_calendar_is_too_large(client, settings):
    branch = factories.BranchFactory(name="Viby Bibliotek", slug="viby")
    event = make_event(branch=branch, title="Spilaften", start=local_today_at(10))
    pieces_refresh(event_ids=[event.pk])  # as after its commit
    cache.clear()
    assert "Kalenderen er stor" not in client.get("/biblioteker/viby/").content.decode()

    settings.FEED_MAX_BYTES = 100
    cache.clear()
    page = client.get("/biblioteker/viby/").content.decode()
    assert "Kalenderen er stor: omkring 0,0 MB" in page
    assert "Vælg et bibliotek, et spor eller en målgruppe" in page


def local_today_at(hour: int):
    today = local_today()
    return local(today.year, today.month, today.day, hour, 0)


@pytest.mark.slow
def test_5000_events_in_one_branch_stay_under_1_mb(client, monkeypatch, settings):
    monkeypatch.setattr(feeds.views, "feed_today", local_today)  # the seed's dates are today's
    ids = seed(5000)
    branch = Branch.objects.get(slug="roskilde")
    Event.objects.update(branch=branch, room=Room.objects.filter(branch=branch).first())
    pieces_refresh(event_ids=ids)
    settings.FEED_MAX_BYTES = 1_000_000

    body = client.get("/feeds/branch/roskilde.ics").content
    cache.clear()
    page = client.get("/biblioteker/roskilde/").content.decode()

    assert len(body) <= 1_000_000
    kept = {str(c["UID"]) for c in icalendar.Calendar.from_ical(body).walk("VEVENT")}
    assert 500 < len(kept) < 5000
    today = local(*local_today().timetuple()[:3], 0, 0)
    events = Event.objects.order_by("start", "pk")  # the feed's order
    past = [e for e in events if e.start < today]
    ahead = [e for e in events if e.start >= today]
    assert past  # the seed puts some in the past part of the window
    assert not any(e.uid in kept for e in past)  # the past goes first
    kept_ahead = [e.uid in kept for e in ahead]
    # then the furthest ahead: what is kept is the nearest part of the future
    assert kept_ahead == sorted(kept_ahead, reverse=True)
    assert "Kalenderen er stor" in page


def test_a_trimmed_calendar_reads_the_text_of_only_the_events_it_keeps(client, settings):
    """Trimming works on the pieces' sizes, so a calendar of many events reads the text of
    those it keeps and no other (issue 19: a cold calendar of 50,000 events read 50 MB of
    pieces to answer 1 MB)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    branch = factories.BranchFactory(name="Viby Bibliotek", slug="viby")
    events = [
        make_event(branch=branch, title=f"Spilaften {i}", start=local(2026, 3, 2 + i % 20, 10, 0))
        for i in range(60)
    ]
    pieces_refresh(event_ids=[e.pk for e in events])
    one = max(len(p) for p in EventPiece.objects.values_list("vevent", flat=True))
    settings.FEED_MAX_BYTES = 10 * one + 5000  # the head and about ten events
    feeds.cache.clear()

    with CaptureQueriesContext(connection) as queries:
        body = client.get("/feeds/branch/viby.ics").content

    kept = body.count(b"BEGIN:VEVENT")
    assert 5 <= kept < 60
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if '"feeds_eventpiece"."vevent"' in q["sql"] and "LENGTH(" not in q["sql"]
    ]
    assert len(reads) == 1  # one query reads text, and only of the kept events
    read_ids = reads[0].split('"event_id" IN (', 1)[1].split(")", 1)[0].split(",")
    assert all(i.strip().isdigit() for i in read_ids)  # the kept events' ids, not a subquery
    assert len(read_ids) <= kept + 2
