"""Work per request is bounded: a new or re-timed event may start at most
EVENT_START_PAST_DAYS (366 by default) days back, so one request never materialises years of
occurrences. (Issue 12, section 5: a daily series from 2000-01-01, accepted from any staff
member, made 10,228 occurrence rows and an admin page of 124 s and 48 MB.)"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from events import services
from events.models import LOCAL_TZ, Event, Occurrence
from tests.events.api.payloads import event_payload
from tests.factories import make_event

pytestmark = pytest.mark.django_db

URL = "/api/v1/events/"


@pytest.fixture(autouse=True)
def bound(settings):
    # tests/settings.py lifts the bound for the suite's fixed dates; these tests put it back.
    settings.EVENT_START_PAST_DAYS = 366


def _days_ago(days: int, hour: int = 10) -> datetime:
    day = timezone.localdate() - timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=LOCAL_TZ)


def test_a_daily_series_from_2000_is_a_400_on_start_and_creates_nothing(staff_client, branch):
    response = staff_client.post(
        URL,
        event_payload(
            branch,
            start="2000-01-01T10:00:00",
            end="2000-01-01T11:00:00",
            rrule="FREQ=DAILY",
        ),
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    earliest = timezone.localdate() - timedelta(days=366)
    assert response.json() == {
        "start": [f"An event may start at most 366 days in the past (on {earliest} or later)."]
    }
    assert not Event.objects.exists()
    assert not Occurrence.objects.exists()


def test_the_reason_is_danish_by_default(staff_client, branch):
    response = staff_client.post(
        URL,
        event_payload(branch, start="2000-01-01T10:00:00", end="2000-01-01T11:00:00"),
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["start"][0].startswith("Et arrangement må højst starte 366 dage")


def test_a_series_within_the_bound_materialises_from_its_start(staff_client, branch):
    start = _days_ago(365)
    response = staff_client.post(
        URL,
        event_payload(
            branch,
            start=start.isoformat(),
            end=(start + timedelta(hours=1)).isoformat(),
            rrule="FREQ=WEEKLY",
        ),
        format="json",
    )
    assert response.status_code == 201, response.json()
    occurrences = Occurrence.objects.filter(event_id=response.json()["id"])
    assert occurrences.order_by("start").first().start == start
    # a year back and about 13 months ahead, weekly: about 110 rows, not thousands
    assert 100 < occurrences.count() < 120


def test_the_bound_is_a_setting(settings, branch):
    settings.EVENT_START_PAST_DAYS = 30
    with translation.override("en"), pytest.raises(ValidationError) as info:
        make_event(branch=branch, start=_days_ago(31))
    assert list(info.value.message_dict) == ["start"]
    assert make_event(branch=branch, start=_days_ago(29)).occurrences.count() == 1


def test_re_timing_an_event_further_back_is_refused(branch):
    event = make_event(branch=branch, start=_days_ago(10), rrule="FREQ=WEEKLY;COUNT=3")
    with pytest.raises(ValidationError) as info:
        services.event_update(
            event=event, start=_days_ago(800), end=_days_ago(800) + timedelta(hours=2)
        )
    assert list(info.value.message_dict) == ["start"]
    event.refresh_from_db()
    assert event.start == _days_ago(10)
    assert event.occurrences.count() == 3


def test_an_older_event_can_still_be_edited_without_re_timing(settings, branch):
    settings.EVENT_START_PAST_DAYS = 365 * 100  # made by an import of history
    event = make_event(branch=branch, start=_days_ago(800), rrule="FREQ=WEEKLY;COUNT=3")
    settings.EVENT_START_PAST_DAYS = 366
    updated = services.event_update(event=event, title="Læsekreds for voksne")
    assert updated.title == "Læsekreds for voksne"
    assert updated.occurrences.count() == 3


def test_the_admin_shows_the_bound_on_the_start(staff_user, branch):
    from tests.events.test_admin import _event_post, _login

    event = make_event(branch=branch, start=_days_ago(10))
    old = _days_ago(800)
    response = _login(staff_user).post(
        f"/admin/events/event/{event.pk}/change/",
        _event_post(
            event,
            start_0=f"{old:%Y-%m-%d}",
            end_0=f"{old:%Y-%m-%d}",
            rrule="FREQ=DAILY",
        ),
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["start"][0].startswith("An event may start at most 366 days in the past")
    assert Occurrence.objects.filter(event=event).count() == 1
