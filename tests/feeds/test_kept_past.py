"""A series whose rule changes after some of it was held: the past stays as held (detached
occurrences, the new rule's past dates excluded), and every reader still expands exactly what
the API lists."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

import feeds.views
from events import services
from events.models import LOCAL_TZ
from tests.factories import make_event, past
from tests.feeds.conftest import api_instances, icaljs_instances, python_instances

pytestmark = pytest.mark.django_db


@pytest.fixture
def changed_series(monkeypatch, branch, staff_user):
    today = timezone.localdate()
    monkeypatch.setattr(feeds.views, "feed_today", lambda: today)
    event = make_event(branch=branch, start=past(weekday=1, weeks=3), rrule="FREQ=WEEKLY;COUNT=8")
    first = event.occurrences.order_by("start").first()
    services.attendance_record(occurrence=first, total=9, user=staff_user)
    thursday = event.start.astimezone(LOCAL_TZ) + timedelta(days=2, hours=-1)
    return services.event_update(
        event=event, start=thursday, end=thursday + timedelta(hours=2)
    ), feeds.views.window(today)


def test_python_readers_show_the_held_past_and_the_new_rule(client, branch, changed_series):
    event, (start, end) = changed_series
    body = client.get(f"/feeds/branch/{branch.slug}.ics").content
    expected = api_instances(start=start, end=end)
    held = [o for o in event.occurrences.all() if o.start < timezone.now()]
    assert held
    assert all(o.detached for o in held)
    assert len(expected) == event.occurrences.count()
    assert python_instances(body, start, end) == expected


@pytest.mark.node
def test_icaljs_shows_the_held_past_and_the_new_rule(client, branch, changed_series):
    _, (start, end) = changed_series
    body = client.get(f"/feeds/branch/{branch.slug}.ics").content
    assert icaljs_instances(body, start, end) == api_instances(start=start, end=end)
