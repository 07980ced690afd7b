"""Bounded memory and batched side effects of a sync (issue 16: "a list of 5,000 instances
syncs in bounded memory"). No timing here: the sync's speed is measured by
``bench/dplcms_sync.py`` (BENCHMARKS.md)."""

from __future__ import annotations

import gc
import json
import tracemalloc
import uuid as uuidlib
from datetime import timedelta

import pytest

from dplcms import services
from dplcms.client import DplClient
from dplcms.models import ImportedInstance, StagedInstance, SyncRun
from events.models import Event
from events.signals import events_changed, occurrences_changed
from tests.dplcms.conftest import at, instance, items_valid, run_sync, uid, week_start
from tests.tasks.util import reseed

pytestmark = pytest.mark.django_db

PER_SERIES = 5
# What the peak of reading and staging may grow by from 200 to 2,000 instances. Holding the
# 1,800 more instances themselves (parsed, as the connector did before) takes several MB.
GROWTH_ALLOWED = 250_000


def listed(n: int) -> list[dict]:
    """``n`` instances, in series of five weekly dates."""
    monday = week_start()
    items = []
    for i in range(n):
        series, date_no = divmod(i, PER_SERIES)
        day = monday + timedelta(days=series % 7 + 7 * date_no)
        items.append(
            instance(
                100 + i,
                title=f"Læsekreds {series}",
                start=at(day, 10 + series % 8),
                series=uid(1_000_000 + series),
                tags=["Strikkecafé"],
            )
        )
    return items


def _peak(work) -> int:
    """The peak of Python allocations while ``work`` runs (all threads, so the test server's
    too), above what was allocated when it started."""
    gc.collect()
    tracemalloc.start()
    try:
        work()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def _stage_and_read(n: int, dpl) -> int:
    """Read a list of ``n`` instances into the staging table and back, series by series, as a
    sync does; the peak of memory meanwhile."""
    dpl.raw_body = json.dumps(listed(n)).encode()
    client = DplClient.from_settings()
    token = uuidlib.uuid4()
    counts = {}

    def work() -> None:
        outcome = services.Outcome()
        counts["staged"] = services.instances_stage(
            client=client, since_date=None, outcome=outcome, token=token
        )
        counts["groups"] = sum(1 for _group in services.staged_groups(token=token))

    peak = _peak(work)
    services.staged_clean(token=token)
    assert counts == {"staged": n, "groups": n // PER_SERIES}
    return peak


def test_reading_a_longer_list_takes_no_more_memory(dpl, monkeypatch):
    """A list ten times as long peaks at the same memory: instances are staged in batches and
    read back a batch of series at a time (small batches here, so both lists span several)."""
    monkeypatch.setattr(services, "STAGE_BATCH", 50)
    monkeypatch.setattr(services, "SERIES_BATCH", 10)
    items_valid(listed(10))
    small = _stage_and_read(200, dpl)
    large = _stage_and_read(2000, dpl)
    assert large - small < GROWTH_ALLOWED, (small, large)
    # The measure can see growth: holding the parsed list, as before, grows by far more.
    dpl.raw_body = json.dumps(listed(200)).encode()
    held_small = _peak(lambda: list(DplClient.from_settings().events()))
    dpl.raw_body = json.dumps(listed(2000)).encode()
    held_large = _peak(lambda: list(DplClient.from_settings().events()))
    assert held_large - held_small > 3 * GROWTH_ALLOWED, (held_small, held_large)


def test_staged_rows_are_deleted_after_the_run(dpl, roskilde):
    run = run_sync()
    assert run.state == SyncRun.State.SUCCEEDED, run.errors
    assert run.created == 7
    assert not StagedInstance.objects.exists()


def test_staged_rows_are_deleted_when_the_list_breaks_off(dpl, roskilde):
    """A list cut off in the middle: nothing changes, and nothing staged is left behind."""
    body = json.dumps(dpl.items).encode()
    dpl.raw_body = body[: len(body) * 2 // 3]
    run = run_sync()
    assert run.state == SyncRun.State.FAILED
    assert not StagedInstance.objects.exists()
    assert not ImportedInstance.objects.exists()


def test_rows_a_dead_run_left_are_cleaned_up(dpl, roskilde):
    from django.utils import timezone

    StagedInstance.objects.create(
        token=uuidlib.uuid4(),
        uuid=uuidlib.uuid4(),
        created_at=timezone.now() - timedelta(days=2),
    )
    run_sync()
    assert not StagedInstance.objects.exists()


@pytest.fixture
def reseeded(transactional_db):
    """The tracks and audiences a transactional test's flush removed (the rules name them)."""
    reseed()


@pytest.mark.django_db(transaction=True)
def test_feeds_and_figures_are_told_once_for_the_whole_import(reseeded, dpl, roskilde, client):
    """Each series commits on its own, but the domain's notifications (feed pieces, status
    figures) are sent once for every event and occurrence the run changed, not per series;
    and every imported event's feed piece is then current."""
    from feeds.models import EventPiece
    from tests.tasks.util import reseed

    reseed()
    sent: list[tuple[str, list[int]]] = []

    def on_events(sender, event_ids=(), **kwargs):
        sent.append(("events", list(event_ids)))

    def on_occurrences(sender, occurrence_ids=(), years=(), **kwargs):
        sent.append(("occurrences", list(occurrence_ids)))

    events_changed.connect(on_events, dispatch_uid="test.dplcms.events")
    occurrences_changed.connect(on_occurrences, dispatch_uid="test.dplcms.occurrences")
    try:
        run = run_sync()
    finally:
        events_changed.disconnect(dispatch_uid="test.dplcms.events")
        occurrences_changed.disconnect(dispatch_uid="test.dplcms.occurrences")
    assert run.state == SyncRun.State.SUCCEEDED, run.errors
    events = sorted(Event.objects.filter(dpl_series__isnull=False).values_list("pk", flat=True))
    assert len(events) == 5  # the knitting series of three and four single events
    assert [kind for kind, _ids in sent] == ["events", "occurrences"]
    assert sorted(sent[0][1]) == events
    pieces = EventPiece.objects.filter(event__in=events)
    assert sorted(p.event_id for p in pieces) == events
    assert all(p.source_updated_at == p.event.updated_at for p in pieces)
