"""The feed cache stays bounded in a real Redis (issue 19): after 100 edits with 10,000 events
and every branch feed requested after each, Redis holds at most about twice the live feed
bodies. Each feed has one entry, overwritten when the data changes; before, every change left
the previous copy of each requested feed for 26 hours."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

import feeds.views
from bench.feeds import seed
from events import services
from events.clock import local_today
from events.models import Branch, Event
from feeds.pieces import pieces_refresh
from tests.conftest import has_redis, require

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.timeout(1800),  # about 500 feeds of 2,000 events built; minutes on a busy machine
]


def _feed_bytes_in_redis() -> tuple[int, int]:
    """(number of keys, bytes Redis uses for them) of this run's feed entries."""
    client = cache._cache.get_client(write=False)  # type: ignore[attr-defined]
    keys = list(client.scan_iter(match=cache.make_key("feeds:") + "*", count=1000))
    return len(keys), sum(client.memory_usage(key) or 0 for key in keys)


def test_redis_holds_about_one_copy_of_each_live_feed_after_100_edits(client, monkeypatch):
    require(has_redis(), "the Redis bound needs a real Redis (REDIS_URL=redis://...)")
    monkeypatch.setattr(feeds.views, "feed_today", local_today)  # the seed's dates are today's
    ids = seed(10_000)
    pieces_refresh(event_ids=ids)
    urls = [f"/feeds/branch/{slug}.ics" for slug in Branch.objects.values_list("slug", flat=True)]

    # Events of the coming month: kept when a feed over 1 MB is trimmed (the past goes first).
    now = timezone.now()
    edited = Event.objects.filter(start__gte=now, start__lt=now + timedelta(days=30))
    for number, event in enumerate(edited.select_related("branch").order_by("pk")[:100]):
        services.event_update(event=event, check_conflicts=False, title=f"Rettet titel {number}")
        live = {}
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200
            live[url] = response.content
        # the change is served in its branch's feed
        assert f"Rettet titel {number}".encode() in live[f"/feeds/branch/{event.branch.slug}.ics"]
    live["/feeds/calendar.ics"] = client.get("/feeds/calendar.ics").content
    live_bytes = sum(len(body) for body in live.values())

    keys, used = _feed_bytes_in_redis()
    assert live_bytes > 5_000_000  # six feeds of 2,000-10,000 events, each trimmed to 1 MB
    assert keys <= 2 * len(live)  # one entry and one Last-Modified record per feed
    assert used <= 2 * live_bytes, (used, live_bytes)
