"""Google's event rich-result fields on every event page of the demo data (issue 17): each
JSON-LD Event has a name, a startDate with its offset, a location with a name and an address,
an eventStatus from schema.org, and, for a moved date, previousStartDate (the date it had)."""

from __future__ import annotations

import importlib
from datetime import datetime

import pytest

from events.models import LOCAL_TZ, Event, Occurrence
from tests.pages.conftest import jsonld_blocks

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

STATUSES = {
    "https://schema.org/EventScheduled",
    "https://schema.org/EventCancelled",
    "https://schema.org/EventRescheduled",
}


@pytest.fixture
def demo(db):
    from django.apps import apps

    from demo import events as demo_data

    importlib.import_module("events.migrations.0002_seed_tracks_audiences_roles").seed(apps, None)
    demo_data.seed()


def _check(item: dict, event: Event) -> None:
    assert item["@type"] == "Event"
    assert item["name"] == event.title
    start = datetime.fromisoformat(item["startDate"])
    assert start.utcoffset() is not None
    location = item["location"]
    assert location["@type"] == "Place"
    assert location["name"]
    address = location["address"]
    assert address["@type"] == "PostalAddress"
    assert address["addressLocality"]
    assert address["addressCountry"] == "DK"
    assert item["eventStatus"] in STATUSES


def test_every_demo_event_page_has_the_rich_result_fields(client, demo):
    events = list(Event.objects.public())
    assert len(events) > 20
    moved_seen = 0
    for event in events:
        response = client.get(event.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="da")
        assert response.status_code == 200, event
        (data,) = jsonld_blocks(response.content.decode())
        items = data if isinstance(data, list) else [data]
        for item in items:
            _check(item, event)
            start = datetime.fromisoformat(item["startDate"])
            occurrence = Occurrence.objects.filter(event=event, start=start).first()
            if occurrence is None:
                continue  # an event without upcoming dates: its first start
            if occurrence.is_cancelled:
                assert item["eventStatus"] == "https://schema.org/EventCancelled"
            elif occurrence.moved and occurrence.original_start != occurrence.start:
                moved_seen += 1
                assert item["eventStatus"] == "https://schema.org/EventRescheduled"
                previous = datetime.fromisoformat(item["previousStartDate"])
                assert previous == occurrence.original_start
                assert (
                    previous.utcoffset()
                    == occurrence.original_start.astimezone(LOCAL_TZ).utcoffset()
                )
            else:
                assert item["eventStatus"] == "https://schema.org/EventScheduled"
                assert "previousStartDate" not in item
    assert moved_seen >= 1  # the demo has moved dates, and they were checked
