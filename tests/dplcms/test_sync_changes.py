"""Changes on the website: moved, cancelled and removed instances, with and without
attendance; a new date in a series; through the domain's services (SEQUENCE, Change rows)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from dplcms.models import ImportedInstance, ImportedSeries
from dplcms.services import REMOVED_REASON
from events import services as events_services
from events.clock import LOCAL_TZ, local_today
from events.models import Change, Occurrence
from tests.dplcms.conftest import SERIES_KNIT, at, feeds_agree, instance, run_sync, uid

pytestmark = pytest.mark.django_db


def _occurrence(n: int) -> Occurrence:
    return ImportedInstance.objects.get(uuid=uid(n)).occurrence


def _item(dpl, n: int) -> dict:
    return next(i for i in dpl.items if i["uuid"] == uid(n))


def _past(n: int, days: int, **extra) -> dict:
    day = local_today() - timedelta(days=days)
    return instance(
        n, title=f"Læsekreds {n}", start=at(day, 10), hours=1, tags=["Strikkecafé"], **extra
    )


def test_a_moved_instance_moves_its_occurrence_and_raises_sequence(dpl, roskilde, client):
    run_sync()
    talk = _occurrence(5)
    sequence = talk.event.sequence
    new_start = talk.start + timedelta(days=1, hours=-1)
    _item(dpl, 5)["date_time"] = {
        "start": new_start.isoformat(),
        "end": (new_start + timedelta(hours=2)).isoformat(),
    }
    run = run_sync()
    assert (run.updated, run.unchanged, run.failed) == (1, 6, 0), run.errors
    talk.refresh_from_db()
    assert (talk.start, talk.moved) == (new_start, True)
    talk.event.refresh_from_db()
    assert talk.event.sequence == sequence + 1
    assert Change.objects.filter(event=talk.event, action="occurrence_moved").count() == 1
    feeds_agree(client)


def test_a_cancelled_instance_cancels_its_occurrence_and_comes_back(dpl, roskilde, client):
    run_sync()
    _item(dpl, 2)["state"] = "Cancelled"
    run = run_sync()
    assert run.cancelled == 1
    assert _occurrence(2).status == Occurrence.Status.CANCELLED
    assert _occurrence(1).status == Occurrence.Status.SCHEDULED  # the series' other dates
    feeds_agree(client)
    _item(dpl, 2)["state"] = "Active"
    run = run_sync()
    assert run.updated == 1
    assert _occurrence(2).status == Occurrence.Status.SCHEDULED
    feeds_agree(client)


def test_an_instance_removed_from_the_website_is_cancelled_if_upcoming(dpl, roskilde, client):
    run_sync()
    dpl.items = [i for i in dpl.items if i["uuid"] != uid(2)]
    run = run_sync()
    assert (run.cancelled, run.removed) == (1, 0)
    occurrence = _occurrence(2)
    assert (occurrence.status, occurrence.cancel_reason) == ("cancelled", REMOVED_REASON)
    assert ImportedInstance.objects.get(uuid=uid(2)).removed
    feeds_agree(client)
    again = run_sync()  # idempotent
    assert (again.cancelled, again.updated) == (0, 0)


def test_a_past_instance_removed_keeps_its_occurrence_and_attendance(dpl, roskilde, client):
    dpl.items += [_past(8, days=3), _past(9, days=2, series=uid(20_008))]
    run_sync()
    attended = _occurrence(8)
    events_services.attendance_record(occurrence=attended, total=14)
    not_attended = _occurrence(9)
    dpl.items = [i for i in dpl.items if i["uuid"] not in (uid(8), uid(9))]
    run = run_sync()
    assert (run.removed, run.cancelled) == (2, 0)
    for occurrence, total in ((attended, 14), (not_attended, None)):
        occurrence.refresh_from_db()
        assert occurrence.status == Occurrence.Status.SCHEDULED
        assert getattr(getattr(occurrence, "attendance", None), "total", None) == total
        assert occurrence.dpl_instance.removed
    feeds_agree(client)


def test_a_moved_instance_with_attendance_is_kept_and_reported(dpl, roskilde):
    dpl.items.append(_past(8, days=3))
    run_sync()
    occurrence = _occurrence(8)
    events_services.attendance_record(occurrence=occurrence, total=9)
    start = occurrence.start
    _item(dpl, 8)["date_time"]["start"] = (start - timedelta(hours=1)).isoformat()
    run = run_sync()
    occurrence.refresh_from_db()
    assert occurrence.start == start, run.errors
    assert any(
        e["uuid"] == uid(8) and "Attendance is recorded" in e["message"] for e in run.errors
    ), run.errors


def test_a_new_date_in_a_series_adds_an_occurrence_to_its_event(dpl, roskilde, client):
    run_sync()
    knit = ImportedSeries.objects.get(key=SERIES_KNIT).event
    first = knit.occurrences.order_by("start").first().start.astimezone(LOCAL_TZ)
    earlier = first - timedelta(days=7)
    dpl.items.append(
        instance(11, title="Strikkecafé", start=earlier, series=SERIES_KNIT, tags=["Strikkecafé"])
    )
    run = run_sync()
    assert run.created == 1, run.errors
    knit.refresh_from_db()
    assert knit.start == earlier
    assert knit.occurrences.count() == 4
    assert _occurrence(11).event_id == knit.pk
    feeds_agree(client)


def test_website_text_changes_follow_but_tracks_set_here_stay(dpl, roskilde, client):
    run_sync()
    event = _occurrence(5).event
    events_services.event_update(event=event, tracks=[*event.tracks.all()], co_created=True)
    tracks = set(event.tracks.values_list("pk", flat=True))
    _item(dpl, 5)["title"] = "Foredrag: Roskildes historie (nyt lokale)"
    _item(dpl, 5)["categories"] = ["Noget andet"]
    run_sync()
    event.refresh_from_db()
    assert event.title == "Foredrag: Roskildes historie (nyt lokale)"
    assert event.co_created
    assert set(event.tracks.values_list("pk", flat=True)) == tracks
    assert event.start > timezone.now()
