"""RSS 2.0 and Atom read by feedparser: upcoming events, newest announcement first, dates and
place in the text, branch and tracks as categories, stable ids, links to the event page."""

from __future__ import annotations

from datetime import timedelta

import feedparser
import pytest
from django.utils import timezone

from events.models import Event
from tests.factories import local
from tests.feeds import scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def calendar(db):
    cal = scenario.build()
    # Announcement order: make created_at distinct and known.
    base = timezone.now() - timedelta(days=30)
    for n, event in enumerate(Event.objects.order_by("pk")):
        Event.objects.filter(pk=event.pk).update(created_at=base + timedelta(hours=n))
    return cal


def _parse(client, url):
    response = client.get(url)
    assert response.status_code == 200
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_feed_lists_upcoming_events_newest_announcement_first(client, calendar, fmt):
    parsed = _parse(client, f"/feeds/calendar.{fmt}")
    titles = [e.title for e in parsed.entries]
    upcoming = (
        Event.objects.public()
        .filter(occurrences__end__gt=local(2026, 3, 1, 0, 0))
        .distinct()
        .order_by("-created_at", "-pk")
    )
    expected = [("Aflyst: " if e.status == "cancelled" else "") + e.title for e in upcoming]
    assert titles == expected
    assert "Hemmeligt" not in titles  # draft
    assert "Gammelt" not in titles  # past


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_entry_has_dates_place_categories_id_and_link(client, calendar, fmt):
    parsed = _parse(client, f"/feeds/branch/jyllinge.{fmt}")
    entry = next(e for e in parsed.entries if e.title == "Strikkecafé")
    assert entry.link == f"https://bibliotekerne.roskilde.dk/arrangementer/{calendar.weekly.pk}/"
    assert entry.id == f"tag:bibliotekerne.roskilde.dk,2016:event:{calendar.weekly.uid}"
    assert [t.term for t in entry.tags] == ["Jyllinge Bibliotek", "Hygge", "Indgang til fællesskab"]
    assert "tirsdag 3. marts 2026 kl. 19.00" in entry.summary
    assert "tirsdag 10. marts 2026 kl. 19.00\u201321.00 (aflyst)" in entry.summary
    assert "Salen, Jyllinge Bibliotek, Bygaden 2, 4040 Jyllinge" in entry.summary
    cancelled = next(e for e in parsed.entries if e.title == "Aflyst: Foredrag")
    assert "Foredragsholderen er syg" in cancelled.summary


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_feed_offers_calendar_links(client, calendar, fmt):
    parsed = _parse(client, f"/feeds/track/hygge.{fmt}")
    hrefs = {link.href for link in parsed.feed.links}
    assert "https://bibliotekerne.roskilde.dk/feeds/track/hygge.ics" in hrefs
    assert "webcal://bibliotekerne.roskilde.dk/feeds/track/hygge.ics" in hrefs
    assert any(
        h.startswith("https://calendar.google.com/calendar/render?cid=webcal") for h in hrefs
    )
    assert parsed.feed.title == "Roskilde Bibliotekerne: Hygge"
    assert parsed.feed.language == "da"


def test_stop_feed_is_the_bookmobile_at_that_stop(client, calendar):
    parsed = _parse(client, "/feeds/stop/svogerslev.rss")
    assert [e.title for e in parsed.entries] == ["Bogbussen holder"]
    assert [t.term for t in parsed.entries[0].tags] == ["Bogbussen", "Struktur for livet"]
