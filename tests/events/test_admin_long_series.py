"""Issue 13: the event admin page of a series of any length loads and saves. The page lists the
next occurrences (bounded) and links to the rest; a save sends well under Django's 1,000 fields
(DATA_UPLOAD_MAX_NUMBER_FIELDS), so it no longer answers a bare "Bad Request (400)".

Timing is not asserted here: ``python -m bench.admin_event`` measures it (BENCHMARKS.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bench.admin_event import SERIES, field_count, form_data, make_series
from events.models import Event, Occurrence
from tests.factories import RoomFactory

pytestmark = pytest.mark.django_db


def _login(user) -> Client:
    user.is_staff = True
    user.save()
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(params=list(SERIES), ids=["weekly-5-years", "daily-2-years"])
def series(request, branch, staff_user):
    rule, back = SERIES[request.param]
    room = RoomFactory(branch=branch, name="Salen")
    return make_series(branch=branch, rule=rule, back=back, title="Højtlæsning", room=room)


@pytest.mark.slow
def test_a_long_series_page_is_small_and_saves_one_changed_word(staff_user, series):
    total = series.occurrences.count()
    assert total >= 260  # the sizes of the issue: 265 weekly, 730 daily
    assert series.occurrences.filter(end__lte=timezone.now()).count() >= 200  # past ones kept
    client = _login(staff_user)
    url = reverse("admin:events_event_change", args=[series.pk])

    page = client.get(url)
    assert page.status_code == 200
    assert len(page.content) < 300 * 1024
    html = page.content.decode()
    data = form_data(html)
    data["description"] = ["Vi læser højt og taler om bøgerne bagefter."]
    data["_save"] = ["Gem"]
    assert field_count(data) < 1000
    assert field_count(data) <= settings.DATA_UPLOAD_MAX_NUMBER_FIELDS // 4

    saved = client.post(url, data)
    assert saved.status_code == 302, saved.content.decode()[:3000]
    series.refresh_from_db()
    assert series.description == "Vi læser højt og taler om bøgerne bagefter."
    assert series.occurrences.count() == total  # nothing lost, past ones included


def test_the_page_shows_the_next_occurrences_and_links_to_all(staff_user, branch):
    event = make_series(
        branch=branch, rule="FREQ=WEEKLY;COUNT=100", back=timedelta(weeks=60), title="Strik"
    )
    client = _login(staff_user)
    html = client.get(reverse("admin:events_event_change", args=[event.pk])).content.decode()
    ids = {int(v) for k, vs in form_data(html).items() if k.endswith("-id") for v in vs}
    upcoming = list(
        event.occurrences.filter(end__gt=timezone.now())
        .order_by("start")
        .values_list("pk", flat=True)
    )
    assert ids == set(upcoming[: len(ids)])
    assert 10 <= len(ids) <= 20
    link = reverse("admin:events_occurrence_changelist") + f"?event__id__exact={event.pk}"
    assert f'href="{link}"' in html

    listed = client.get(link)
    assert listed.status_code == 200
    rows = list(listed.context["cl"].result_list)
    assert len({o.event_id for o in rows}) == 1
    assert listed.context["cl"].result_count == event.occurrences.count()
    # upcoming first, the next one at the top; then the past, newest first
    assert [o.pk for o in rows[: len(upcoming)]] == upcoming[: len(rows)]
    past = [o.start for o in rows[len(upcoming) :]]
    assert past == sorted(past, reverse=True)


def test_a_failed_save_keeps_what_was_typed(staff_user, branch):
    event = make_series(
        branch=branch, rule="FREQ=DAILY;COUNT=400", back=timedelta(days=200), title="Morgenlæsning"
    )
    client = _login(staff_user)
    url = reverse("admin:events_event_change", args=[event.pk])
    data = form_data(client.get(url).content.decode())
    data["description"] = ["En helt ny tekst, skrevet med omhu."]
    data["title"] = [""]  # an error elsewhere on the form
    first_row = next(k for k in data if k.endswith("-0-cancel_reason"))
    data[first_row.replace("cancel_reason", "attendance_total")] = ["-3"]

    response = client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "En helt ny tekst, skrevet med omhu." in html
    assert response.context["adminform"].form.errors["title"]
    event.refresh_from_db()
    assert event.title == "Morgenlæsning"
    assert Occurrence.objects.filter(event=event).count() == 400
    assert Event.objects.get(pk=event.pk).description != "En helt ny tekst, skrevet med omhu."
