"""Recompute: idempotent, replaces instead of incrementing, survives an interruption, and two at
once leave the same figures as one."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from events import services as events_services
from tasks.models import StatusFigure, StatusYear
from tasks.services.figures import status_recompute
from tests.conftest import require, uses_postgres
from tests.factories import BranchFactory, local
from tests.tasks.util import NOW, event_with, reseed


def snapshot(year: int = 2026) -> list[tuple]:
    return sorted(
        StatusFigure.objects.filter(year=year).values_list(
            "period_kind", "period_index", "branch_id", "track_id", *StatusFigure.MEASURES
        ),
        key=repr,
    )


def some_events(branch):
    event_with(
        branch=branch,
        start=local(2026, 3, 3, 19, 0),
        slugs=("hygge", "fordybelse"),
        rrule="FREQ=WEEKLY;COUNT=6",
        counts=[10, 12, None, 9],
    )
    event_with(
        branch=branch, start=local(2026, 9, 1, 10, 0), slugs=("digitale-forbindelser",), counts=[4]
    )


@pytest.mark.django_db
def test_recompute_twice_gives_identical_figures(branch):
    some_events(branch)

    status_recompute(year=2026, now=NOW)
    first = snapshot()
    status_recompute(year=2026, now=NOW)

    assert snapshot() == first
    # 4 stored period kinds; the grand total's year figure counts 7 held and 35 people.
    year_total = StatusFigure.objects.get(year=2026, period_kind="year", branch=None, track=None)
    assert (year_total.held, year_total.attendance, year_total.missing_attendance) == (7, 35, 3)
    assert StatusYear.objects.get(year=2026).runs == 2


@pytest.mark.django_db
def test_recompute_replaces_figures_after_a_correction(branch):
    event = event_with(branch=branch, start=local(2026, 5, 5, 10, 0), counts=[10])
    status_recompute(year=2026, now=NOW)

    events_services.attendance_record(occurrence=event.occurrences.get(), total=3, now=NOW)
    status_recompute(year=2026, now=NOW)

    assert (
        StatusFigure.objects.get(year=2026, period_kind="year", branch=None, track=None).attendance
        == 3
    )


@pytest.mark.django_db
def test_a_recompute_interrupted_half_way_leaves_the_old_figures_and_a_rerun_completes(branch):
    some_events(branch)
    status_recompute(year=2026, now=NOW)
    before = snapshot()
    event_with(branch=branch, start=local(2026, 10, 6, 10, 0), counts=[50])

    class Interrupted(Exception):
        pass

    def interrupt(percent, message):
        if percent == 50:  # the old figures are deleted, the new ones not yet written
            raise Interrupted

    with pytest.raises(Interrupted):
        status_recompute(year=2026, now=NOW, progress=interrupt)
    assert snapshot() == before  # rolled back as a whole: nothing half-replaced

    status_recompute(year=2026, now=NOW)
    after = snapshot()
    status_recompute(year=2026, now=NOW)
    assert snapshot() == after
    assert (
        StatusFigure.objects.get(year=2026, period_kind="year", branch=None, track=None).attendance
        == 35 + 50
    )


@pytest.mark.django_db(transaction=True)
def test_two_recomputes_at_once_do_not_double_count():
    require(uses_postgres(), "concurrent recomputes need PostgreSQL (DATABASE_URL=postgres://...)")
    reseed()
    branch = BranchFactory(slug="jyllinge", name="Jyllinge")
    some_events(branch)
    status_recompute(year=2026, now=NOW)
    expected = snapshot()
    StatusFigure.objects.all().delete()
    StatusYear.objects.all().delete()  # both runs also race to create the year's lock row

    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run():
        try:
            barrier.wait(timeout=10)
            status_recompute(year=2026, now=NOW)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert errors == []
    assert snapshot() == expected
    assert StatusYear.objects.get(year=2026).runs == 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tasks_statusfigure WHERE year = 2026")
        assert cursor.fetchone()[0] == len(expected)


@pytest.mark.django_db(transaction=True)
def test_the_second_of_two_concurrent_recomputes_waits_for_the_first():
    require(uses_postgres(), "row locks need PostgreSQL (DATABASE_URL=postgres://...)")
    reseed()
    branch = BranchFactory(slug="jyllinge", name="Jyllinge")
    some_events(branch)
    order: list[str] = []
    inside = threading.Event()
    release = threading.Event()

    def slow(percent, message):
        if percent == 20:  # holding the year's lock
            order.append("first in")
            inside.set()
            release.wait(timeout=10)
            order.append("first out")

    def second_progress(percent, message):
        if percent == 20:
            order.append("second in")

    def first():
        try:
            status_recompute(year=2026, now=NOW, progress=slow)
        finally:
            connections.close_all()

    def second():
        try:
            inside.wait(timeout=10)
            status_recompute(year=2026, now=NOW, progress=second_progress)
        finally:
            connections.close_all()

    a, b = threading.Thread(target=first), threading.Thread(target=second)
    a.start()
    b.start()
    inside.wait(timeout=10)
    b.join(timeout=1)  # the second cannot get in while the first holds the lock
    release.set()
    a.join(timeout=30)
    b.join(timeout=30)

    assert order == ["first in", "first out", "second in"]
