"""The first import of a week of Roskilde events, and a second identical run."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dplcms.models import ImportedInstance, ImportedSeries, SyncRun
from events.clock import LOCAL_TZ
from events.models import Change, Event
from tests.dplcms.conftest import SERIES_KNIT, feeds_agree, run_sync, uid

pytestmark = pytest.mark.django_db


def _wall(moment):
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")


def test_first_import_makes_events_from_series_and_mapping(dpl, roskilde, client):
    central, jyllinge = roskilde
    run = run_sync()
    assert run.state == SyncRun.State.SUCCEEDED, run.errors
    assert (run.listed, run.created, run.failed, run.queued) == (7, 7, 0, 0)
    # The series of three is one event, its instances its occurrences (RDATE).
    knit = ImportedSeries.objects.get(key=SERIES_KNIT).event
    assert knit.status == Event.Status.PUBLISHED
    assert knit.branch == central
    assert {t.slug for t in knit.tracks.all()} == {"hygge", "indgang-til-faellesskab"}
    occurrences = list(knit.occurrences.order_by("start"))
    assert [(_wall(o.start), _wall(o.end)) for o in occurrences] == [
        (_wall(i.start), _wall(i.start + timedelta(hours=h)))
        for i, h in zip(
            ImportedInstance.objects.filter(series__key=SERIES_KNIT).order_by("start"),
            (2, 2, 3),
            strict=True,
        )
    ]
    assert len(knit.rdates) == 2
    # Each instance knows its occurrence.
    assert all(
        row.occurrence.event_id == knit.pk
        for row in ImportedInstance.objects.filter(series__key=SERIES_KNIT)
    )
    story = ImportedInstance.objects.get(uuid=uid(4)).occurrence.event
    assert story.branch == jyllinge
    assert [a.slug for a in story.audiences.all()] == ["boern"]
    exhibition = ImportedInstance.objects.get(uuid=uid(6)).occurrence.event
    assert exhibition.all_day
    assert exhibition.kind == Event.Kind.EXHIBITION
    online = ImportedInstance.objects.get(uuid=uid(7)).occurrence.event
    assert (online.venue, online.kind) == (Event.Venue.ONLINE, Event.Kind.TEACHING)
    feeds_agree(client)


def test_first_import_writes_back_links_within_the_specification(dpl, roskilde):
    run_sync()
    patches = dpl.patches()
    assert len(patches) == 7
    knit = ImportedSeries.objects.get(key=SERIES_KNIT).event
    body = next(p["body"] for p in patches if p["path"] == f"/api/v1/events/{uid(1)}")
    assert body == {
        "external_data": {
            "url": f"https://kalender.roskildebib.dk/arrangementer/{knit.pk}/",
            "admin_url": f"https://kalender.roskildebib.dk/admin/events/event/{knit.pk}/change/",
        }
    }
    assert all(p["args"] == {"_format": "json"} for p in patches)


def test_second_identical_run_changes_nothing(dpl, roskilde, client):
    run_sync()
    etag = client.get("/feeds/calendar.ics")["ETag"]
    sequences = dict(Event.objects.values_list("pk", "sequence"))
    changes = Change.objects.count()
    requests_before = len(dpl.requests)
    run = run_sync()
    assert (run.created, run.updated, run.cancelled, run.unchanged) == (0, 0, 0, 7)
    assert dict(Event.objects.values_list("pk", "sequence")) == sequences
    assert Change.objects.count() == changes
    assert client.get("/feeds/calendar.ics")["ETag"] == etag
    # Only the list was read: nothing written back again.
    assert [r["method"] for r in dpl.requests[requests_before:]] == ["GET"]


def test_the_list_is_asked_from_a_date_with_the_format(dpl, roskilde):
    run_sync()
    get = dpl.requests[0]
    assert get["path"] == "/api/v1/events"
    assert set(get["args"]) == {"_format", "from_date"}
