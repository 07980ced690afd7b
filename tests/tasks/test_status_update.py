"""The update after a change (``status_update``): it costs the events the change touched, not
the year, and leaves exactly the figures a full recompute of the same moment leaves."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events import services as events_services
from events.models import Occurrence, TouchedYear
from tasks import tasks
from tasks.models import StatusBasis, StatusFigure, StatusYear
from tasks.services.figures import status_recompute, status_update
from tests.factories import local, make_event
from tests.tasks.util import NOW, figure, tracks, values

pytestmark = pytest.mark.django_db

YEARS = (2025, 2026, 2027)


def stored(year: int) -> list[tuple]:
    """The stored figures of ``year``, comparable (with the rows' occurrences)."""
    fields = (
        "period_kind",
        "period_index",
        "branch_id",
        "track_id",
        *StatusFigure.MEASURES,
        "occurrences",
    )
    rows = StatusFigure.objects.filter(year=year).values_list(*fields)
    return sorted(rows, key=lambda row: tuple((v is None, v or 0) for v in row))


def runs(year: int) -> tuple[int, int]:
    marker = StatusYear.objects.get(year=year)
    return marker.runs, marker.updates


def test_a_head_count_updates_its_event_alone_and_equals_a_full_recompute(branch):
    event = make_event(
        branch=branch,
        start=local(2026, 3, 3, 10, 0),
        rrule="FREQ=WEEKLY;COUNT=4",
        tracks=tracks("hygge", "fordybelse"),
    )
    for i in range(5):
        make_event(branch=branch, start=local(2026, 3, 4 + i, 12, 0), tracks=tracks("hygge"))
    status_recompute(year=2026, now=NOW)
    occurrence = event.occurrences.order_by("start").first()
    events_services.attendance_record(occurrence=occurrence, total=17, now=NOW)

    result = status_update(year=2026, now=NOW)

    assert result["events"] == 1
    assert runs(2026) == (1, 1)  # one full recompute (the first), one update
    assert not TouchedYear.objects.filter(year=2026).exists()
    march = figure(2026, "month", 3, slug="fordybelse")
    assert values(march, "held", "with_attendance", "attendance") == (4, 1, 17)
    assert values(figure(2026, "year", 1), "held", "attendance", "missing_attendance") == (9, 17, 8)
    kept = stored(2026)
    status_recompute(year=2026, now=NOW)
    assert stored(2026) == kept


def test_an_update_costs_the_same_queries_whatever_the_size_of_the_year(branch):
    """Proportional to what changed: one head count reads and writes as much in a year of two
    events as in a year of forty."""

    def queries_for_one_head_count(day: int) -> int:
        event = make_event(branch=branch, start=local(2026, 5, day, 10, 0), tracks=tracks("hygge"))
        status_recompute(year=2026, now=NOW)
        events_services.attendance_record(occurrence=event.occurrences.get(), total=5, now=NOW)
        with CaptureQueriesContext(connection) as queries:
            result = status_update(year=2026, now=NOW)
        assert result["events"] == 1
        return len(queries)

    small = queries_for_one_head_count(1)
    for day in range(2, 28):
        for hour in (9, 12, 15):
            make_event(branch=branch, start=local(2026, 4, day, hour, 0), tracks=tracks("hygge"))
    large = queries_for_one_head_count(28)
    assert StatusBasis.objects.filter(year=2026).values("ev").distinct().count() > 70
    assert small == large


def test_an_occurrence_that_ended_since_is_counted_held_by_the_next_update(branch):
    start = local(2026, 6, 2, 10, 0)
    make_event(branch=branch, start=start, tracks=tracks("hygge"))
    before = start - timedelta(days=1)
    status_recompute(year=2026, now=before)
    assert values(figure(2026, "month", 6), "held") == (0,)

    result = status_update(year=2026, now=start + timedelta(hours=3))

    assert result["events"] == 1
    assert values(figure(2026, "month", 6), "held", "missing_attendance") == (1, 1)


def test_a_year_without_a_basis_or_a_mark_without_an_event_is_recomputed_whole(branch):
    event = make_event(branch=branch, start=local(2026, 2, 3, 10, 0), tracks=tracks("hygge"))
    assert status_update(year=2026, now=NOW)["figures"] > 0  # no basis yet: full
    assert runs(2026) == (1, 0)
    TouchedYear.objects.create(year=2026)  # a write that did not say which event
    events_services.attendance_record(occurrence=event.occurrences.get(), total=3, now=NOW)
    status_update(year=2026, now=NOW)
    assert runs(2026) == (2, 0)
    assert values(figure(2026, "year", 1), "attendance") == (3,)


def test_a_second_update_changes_nothing(branch):
    event = make_event(branch=branch, start=local(2026, 2, 3, 10, 0), tracks=tracks("hygge"))
    status_recompute(year=2026, now=NOW)
    events_services.attendance_record(occurrence=event.occurrences.get(), total=3, now=NOW)
    status_update(year=2026, now=NOW)
    kept = stored(2026)
    # Retried (as after a lost acknowledgement) with the same event marked again.
    TouchedYear.objects.create(year=2026, event_id=event.pk)
    assert status_update(year=2026, now=NOW)["figures"] == 0
    assert stored(2026) == kept


def test_a_bulk_upload_of_two_hundred_head_counts_causes_one_update(
    branch, django_capture_on_commit_callbacks, settings
):
    from rest_framework.test import APIClient

    from tests.factories import UserFactory

    event = make_event(
        branch=branch,
        start=local(2026, 1, 1, 10, 0),
        rrule="FREQ=DAILY;COUNT=200",
        tracks=tracks("hygge"),
    )
    status_recompute(year=2026)  # now: the job after the upload runs now too
    staff = UserFactory(username="staff-bulk", branches=[branch])
    api = APIClient()
    api.force_authenticate(staff)
    items = [{"occurrence": o.pk, "total": 2} for o in event.occurrences.order_by("start")]
    sent = []
    real = tasks.status_recompute_task.apply_async

    def send(*args, **kwargs):
        sent.append(kwargs)
        return real(*args, **{k: v for k, v in kwargs.items() if k != "countdown"})

    with (
        mock.patch.object(tasks.status_recompute_task, "apply_async", side_effect=send),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = api.post(
            "/api/v1/attendance/bulk/", {"branch": branch.slug, "items": items}, format="json"
        )
    assert response.status_code == 200, response.content
    assert sent == [{"kwargs": {"year": 2026}, "countdown": settings.STATUS_RECOMPUTE_DELAY}]
    assert runs(2026) == (1, 1)
    assert values(figure(2026, "year", 1), "with_attendance", "attendance") == (200, 400)


# --- equal to a full recompute, whatever happens ---------------------------------------------

OPS = st.one_of(
    st.tuples(st.just("count"), st.integers(0, 40), st.integers(0, 60)),
    st.tuples(st.just("cancel"), st.integers(0, 40)),
    st.tuples(st.just("restore"), st.integers(0, 40)),
    st.tuples(st.just("move"), st.integers(0, 40), st.integers(-40, 40)),
    st.tuples(st.just("cancel_event"), st.integers(0, 5)),
    st.tuples(
        st.just("tracks"),
        st.integers(0, 5),
        st.sampled_from([("hygge",), ("fordybelse",), ("hygge", "fordybelse")]),
    ),
    st.tuples(st.just("delete"), st.integers(0, 5)),
    st.tuples(st.just("add"), st.integers(0, 400), st.booleans()),
)


def _apply(op, *, branch, other_branch, clock) -> None:
    """One change through the core's services; a change they refuse is no change."""
    occurrences = list(Occurrence.objects.order_by("start", "pk"))
    events = sorted({o.event for o in occurrences}, key=lambda e: e.pk)
    kind = op[0]
    try:
        with transaction.atomic():
            if kind == "count" and occurrences:
                occurrence = occurrences[op[1] % len(occurrences)]
                events_services.attendance_record(occurrence=occurrence, total=op[2], now=NOW)
            elif kind in ("cancel", "restore") and occurrences:
                occurrence = occurrences[op[1] % len(occurrences)]
                service = (
                    events_services.occurrence_cancel
                    if kind == "cancel"
                    else events_services.occurrence_restore
                )
                service(occurrence=occurrence)
            elif kind == "move" and occurrences:
                occurrence = occurrences[op[1] % len(occurrences)]
                start = occurrence.start + timedelta(days=op[2])
                events_services.occurrence_move(
                    occurrence=occurrence, start=start, end=start + timedelta(hours=1)
                )
            elif kind == "cancel_event" and events:
                events_services.event_cancel(event=events[op[1] % len(events)])
            elif kind == "tracks" and events:
                events_services.event_update(
                    event=events[op[1] % len(events)], tracks=tracks(*op[2])
                )
            elif kind == "delete" and events:
                events_services.event_delete(event=events[op[1] % len(events)])
            elif kind == "add":
                start = local(2025, 12, 1, 10, 0) + timedelta(days=op[1] % 60, hours=op[1] % 5)
                make_event(
                    branch=other_branch if op[2] else branch,
                    start=start,
                    rrule="FREQ=WEEKLY;COUNT=3",
                    tracks=tracks("hygge"),
                    co_created=op[2],
                )
    except ValidationError:
        pass


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(st.tuples(OPS, st.integers(0, 20)), min_size=1, max_size=12))
def test_updates_after_any_changes_equal_a_full_recompute(branch, other_branch, ops):
    """Property: after any sequence of changes, each followed by the update (with the clock
    moving on, so that occurrences also become held by time alone), the stored figures of every
    year equal what a full recompute of the same moment stores."""
    with transaction.atomic():
        make_event(
            branch=branch,
            start=local(2025, 12, 16, 10, 0),
            rrule="FREQ=WEEKLY;COUNT=6",
            tracks=tracks("hygge", "fordybelse"),
        )
        make_event(
            branch=other_branch,
            start=local(2026, 1, 20, 18, 0),
            rrule="FREQ=DAILY;COUNT=4",
            tracks=tracks("fordybelse"),
            co_created=True,
        )
        clock = local(2025, 12, 20, 12, 0)
        for year in YEARS:
            status_recompute(year=year, now=clock)
        for op, days in ops:
            _apply(op, branch=branch, other_branch=other_branch, clock=clock)
            clock += timedelta(days=days)
            for year in YEARS:
                status_update(year=year, now=clock)
        kept = {year: stored(year) for year in YEARS}
        for year in YEARS:
            status_recompute(year=year, now=clock)
        assert {year: stored(year) for year in YEARS} == kept
        assert sum(StatusYear.objects.values_list("updates", flat=True)) >= len(YEARS) * len(ops)
        transaction.set_rollback(True)


def test_a_recompute_rewrites_only_the_rows_that_changed_and_equals_one_from_nothing(branch):
    """A full recompute compares what it computed with the kept basis and figures and changes
    only the rows that differ (a run that finds nothing changed writes nothing), and what it
    leaves equals a recompute from an empty basis: also for a cancelled event whose held and
    cancelled occurrences of one month make two basis rows of one state."""
    counted = make_event(
        branch=branch,
        start=local(2026, 3, 3, 10, 0),
        rrule="FREQ=WEEKLY;COUNT=4",
        tracks=tracks("hygge", "fordybelse"),
    )
    other = make_event(branch=branch, start=local(2026, 5, 5, 10, 0), tracks=tracks("hygge"))
    cancelled = make_event(
        branch=branch,
        start=local(2026, 6, 2, 10, 0),
        rrule="FREQ=WEEKLY;COUNT=3",
        tracks=tracks("fordybelse"),
    )
    first, second, _third = cancelled.occurrences.order_by("start")
    events_services.attendance_record(occurrence=first, total=9, now=NOW)
    events_services.occurrence_cancel(occurrence=second)
    events_services.event_cancel(event=cancelled)
    status_recompute(year=2026, now=NOW)

    def ids() -> tuple[dict[int, set[int]], set[int]]:
        basis: dict[int, set[int]] = {}
        for pk, ev in StatusBasis.objects.filter(year=2026).values_list("pk", "ev"):
            basis.setdefault(ev, set()).add(pk)
        return basis, set(StatusFigure.objects.filter(year=2026).values_list("pk", flat=True))

    basis, figures = ids()
    status_recompute(year=2026, now=NOW)
    assert ids() == (basis, figures)  # nothing changed: nothing written

    events_services.attendance_record(
        occurrence=counted.occurrences.order_by("start").first(), total=11, now=NOW
    )
    status_recompute(year=2026, now=NOW)
    after, _ = ids()
    assert after[other.pk] == basis[other.pk]
    assert after[cancelled.pk] == basis[cancelled.pk]
    assert after[counted.pk] != basis[counted.pk]
    kept = stored(2026)
    assert values(figure(2026, "year", 1), "attendance", "cancelled") == (11, 3)

    StatusBasis.objects.filter(year=2026).delete()
    StatusFigure.objects.filter(year=2026).delete()
    status_recompute(year=2026, now=NOW)
    assert stored(2026) == kept
