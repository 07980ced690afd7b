"""HTTP behaviour of the feeds: types, validators, 304s, caching headers, stable bodies and
ETags that change exactly when an event in the feed changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils.http import http_date

import feeds.views
from events import services
from tests import factories
from tests.factories import local, make_event
from tests.feeds.conftest import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(db):
    jyllinge = factories.BranchFactory(name="Jyllinge Bibliotek", slug="jyllinge")
    viby = factories.BranchFactory(name="Viby Bibliotek", slug="viby")
    series = make_event(
        branch=jyllinge,
        title="Strikkecafé",
        start=local(2026, 3, 3, 19, 0),
        rrule="FREQ=WEEKLY;COUNT=10",
    )
    single = make_event(branch=jyllinge, title="Foredrag", start=local(2026, 4, 1, 19, 0))
    elsewhere = make_event(branch=viby, title="Koncert", start=local(2026, 4, 2, 19, 0))
    return jyllinge, viby, series, single, elsewhere


@pytest.mark.parametrize(
    ("url", "content_type"),
    [
        ("/feeds/calendar.ics", "text/calendar; charset=utf-8"),
        ("/feeds/branch/jyllinge.rss", "application/rss+xml; charset=utf-8"),
        ("/feeds/branch/jyllinge.atom", "application/atom+xml; charset=utf-8"),
    ],
)
def test_content_types_and_validators(client, setup, url, content_type):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["ETag"].startswith('"')
    assert response["Last-Modified"]
    assert "max-age=" in response["Cache-Control"]
    assert "public" in response["Cache-Control"]
    assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    not_modified = client.get(url, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
    assert not_modified.status_code == 304
    assert not_modified["ETag"] == response["ETag"]
    assert not_modified.content == b""
    assert client.get(url, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=http_date(0)).status_code == 200
    head = client.head(url)
    assert head.status_code == 200
    assert head["ETag"] == response["ETag"]


def test_same_body_whatever_accept_language_or_scheme(client, setup):
    plain = client.get("/feeds/calendar.ics")
    variants = [
        client.get("/feeds/calendar.ics", HTTP_ACCEPT="text/html"),
        client.get("/feeds/calendar.ics", HTTP_ACCEPT_LANGUAGE="en"),
        client.get("/feeds/calendar.ics", secure=True),
        client.get("/feeds/calendar.ics", HTTP_ACCEPT="*/*", HTTP_ACCEPT_LANGUAGE="de"),
    ]
    for response in variants:
        assert response.status_code == 200
        assert response.content == plain.content
        assert response["ETag"] == plain["ETag"]


def test_unchanged_data_gives_byte_identical_body_after_cache_loss_and_next_day(
    client, setup, monkeypatch
):
    first = client.get("/feeds/calendar.ics")
    # Lose the shared cache's entries and this process's copies, as after a restart of Redis
    # and the web workers.
    feeds.cache.clear()
    second = client.get("/feeds/calendar.ics")
    monkeypatch.setattr(feeds.views, "feed_today", lambda: TODAY + timedelta(days=1))
    third = client.get("/feeds/calendar.ics")
    assert first.content == second.content == third.content
    assert first["ETag"] == second["ETag"] == third["ETag"]


def _etag(client, url="/feeds/branch/jyllinge.ics"):
    return client.get(url)["ETag"]


def test_etag_changes_at_once_on_edit_cancel_move_and_not_otherwise(
    client, setup, django_capture_on_commit_callbacks
):
    _jyllinge, _viby, series, single, elsewhere = setup
    seen = [_etag(client)]

    with django_capture_on_commit_callbacks(execute=True):
        services.event_update(event=single, title="Foredrag om bier")
    seen.append(_etag(client))
    with django_capture_on_commit_callbacks(execute=True):
        occurrence = series.occurrences.order_by("start")[2]
        services.occurrence_cancel(occurrence=occurrence, reason="Sygdom")
    seen.append(_etag(client))
    with django_capture_on_commit_callbacks(execute=True):
        occurrence = series.occurrences.order_by("start")[3]
        services.occurrence_move(occurrence=occurrence, start=occurrence.start + timedelta(hours=1))
    seen.append(_etag(client))
    with django_capture_on_commit_callbacks(execute=True):
        services.event_cancel(event=single, reason="Aflyst")
    seen.append(_etag(client))
    assert len(set(seen)) == len(seen), "every change gives a new ETag"

    # A change to an event in another branch's feed rebuilds nothing visible here.
    with django_capture_on_commit_callbacks(execute=True):
        services.event_update(event=elsewhere, title="Koncert i Viby")
    assert _etag(client) == seen[-1]
    assert "Koncert i Viby" in client.get("/feeds/branch/viby.ics").content.decode()
    # Recording attendance is not a change subscribers see.
    with django_capture_on_commit_callbacks(execute=True):
        past = series.occurrences.order_by("start").first()
        services.attendance_record(occurrence=past, total=7)
    assert _etag(client) == seen[-1]


def test_last_modified_moves_forward_when_an_event_leaves(
    client, setup, django_capture_on_commit_callbacks
):
    single = setup[3]
    first = client.get("/feeds/branch/jyllinge.ics")
    with django_capture_on_commit_callbacks(execute=True):
        services.event_delete(event=single)
    second = client.get("/feeds/branch/jyllinge.ics", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert second.status_code == 200
    assert second["ETag"] != first["ETag"]


def test_rss_and_atom_etags_follow_changes_too(client, setup, django_capture_on_commit_callbacks):
    single = setup[3]
    before = {fmt: _etag(client, f"/feeds/branch/jyllinge.{fmt}") for fmt in ("rss", "atom")}
    with django_capture_on_commit_callbacks(execute=True):
        services.event_update(event=single, description="Nu med kaffe.")
    after = {fmt: _etag(client, f"/feeds/branch/jyllinge.{fmt}") for fmt in ("rss", "atom")}
    assert before["rss"] != after["rss"]
    assert before["atom"] != after["atom"]


def test_post_is_not_allowed(client, setup):
    assert client.post("/feeds/calendar.ics").status_code == 405
