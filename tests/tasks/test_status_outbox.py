"""Counting rule 11: the figures the service keeps by itself equal a fresh recompute, for every
year a write touched. Each write marks the years it touched (``events.TouchedYear``) in its own
transaction; the recompute after commit, the sweep and the nightly run consume the marks."""

from __future__ import annotations

from unittest import mock

import pytest
from django.urls import reverse

from events import services as events_services
from events.models import TouchedYear
from tasks import tasks
from tasks.models import StatusFigure, StatusYear
from tasks.services import figures as figures_module
from tasks.services.figures import status_recompute
from tasks.services.pending import year_is_stale
from tests.factories import local, make_event
from tests.tasks.util import figure, values

pytestmark = pytest.mark.django_db


def stored(year: int) -> list[tuple]:
    """The stored figures of ``year``, comparable."""
    fields = ("period_kind", "period_index", "branch_id", "track_id", *StatusFigure.MEASURES)
    rows = StatusFigure.objects.filter(year=year).values_list(*fields)
    return sorted(rows, key=lambda row: tuple((v is None, v or 0) for v in row))


def fresh(year: int) -> list[tuple]:
    """What a fresh recompute stores (it replaces the stored figures)."""
    status_recompute(year=year)
    return stored(year)


def test_a_published_event_created_after_the_fact_counts_at_once(
    branch, django_capture_on_commit_callbacks
):
    status_recompute(year=2026)
    with django_capture_on_commit_callbacks(execute=True):
        make_event(branch=branch, start=local(2026, 1, 20, 10, 0))

    january = figure(2026, "month", 1)
    assert january is not None
    assert values(january, "held", "missing_attendance") == (1, 1)
    kept = stored(2026)
    assert kept == fresh(2026)


def test_a_second_move_recomputes_the_year_the_occurrence_left(
    branch, django_capture_on_commit_callbacks
):
    event = make_event(branch=branch, start=local(2026, 1, 8, 10, 0))
    occurrence = event.occurrences.get()
    status_recompute(year=2025)
    status_recompute(year=2026)

    with django_capture_on_commit_callbacks(execute=True):
        events_services.occurrence_move(occurrence=occurrence, start=local(2025, 12, 30, 10, 0))
    december = figure(2025, "month", 12)
    assert december is not None
    assert december.held == 1
    with django_capture_on_commit_callbacks(execute=True):
        events_services.occurrence_move(occurrence=occurrence, start=local(2026, 1, 9, 10, 0))

    december = figure(2025, "month", 12)
    assert december is None or december.held == 0
    kept_2025, kept_2026 = stored(2025), stored(2026)
    assert kept_2025 == fresh(2025)
    assert kept_2026 == fresh(2026)


@pytest.mark.parametrize(
    ("write", "years"),
    [
        ("create", {2024}),
        ("cancel", {2024}),
        ("move", {2024, 2023}),
        ("attendance", {2024}),
        ("retime", {2027, 2026}),
        ("delete", {2024}),
    ],
)
def test_every_write_marks_the_years_it_touched_in_its_transaction(branch, write, years):
    if write == "create":
        TouchedYear.objects.all().delete()
        make_event(branch=branch, start=local(2024, 3, 5, 10, 0))
    else:
        # A future one to re-time (the past is kept as it was held), a past one otherwise.
        start = local(2027, 1, 5, 10, 0) if write == "retime" else local(2024, 3, 5, 10, 0)
        event = make_event(branch=branch, start=start)
        occurrence = event.occurrences.get()
        TouchedYear.objects.all().delete()
        if write == "cancel":
            events_services.occurrence_cancel(occurrence=occurrence, reason="Sygdom")
        elif write == "move":
            events_services.occurrence_move(occurrence=occurrence, start=local(2023, 12, 30, 10))
        elif write == "attendance":
            events_services.attendance_record(occurrence=occurrence, total=4)
        elif write == "retime":
            events_services.event_update(
                event=event, start=local(2026, 12, 31, 10, 0), end=local(2026, 12, 31, 12, 0)
            )
        elif write == "delete":
            events_services.event_delete(event=event)
    # No after-commit callback ran (the test's transaction never commits): the marks were
    # written by the write itself.
    assert set(TouchedYear.objects.values_list("year", flat=True)) == years


def test_a_lost_request_is_caught_up_by_the_sweep_for_any_year(branch, settings):
    settings.STATUS_SWEEP_AGE = 0
    status_recompute(year=2019)
    # The request after commit is lost (here: never run), as when Redis is away.
    event = make_event(branch=branch, start=local(2019, 6, 4, 10, 0))
    events_services.attendance_record(occurrence=event.occurrences.get(), total=12)
    assert figure(2019, "year", 1) is None
    assert year_is_stale(year=2019)

    result = tasks.status_recompute_sweep_task()

    assert [r["year"] for r in result["years"]] == [2019]
    assert values(figure(2019, "year", 1), "held", "attendance") == (1, 12)
    assert not year_is_stale(year=2019)
    kept = stored(2019)
    assert kept == fresh(2019)


def test_the_sweep_leaves_a_year_marked_within_the_coalescing_delay(branch, settings):
    settings.STATUS_SWEEP_AGE = 3600
    make_event(branch=branch, start=local(2019, 6, 4, 10, 0))

    assert tasks.status_recompute_sweep_task() == {"years": []}
    assert year_is_stale(year=2019)


def test_the_nightly_run_recomputes_every_marked_year(branch):
    make_event(branch=branch, start=local(2018, 2, 6, 10, 0))

    result = tasks.status_recompute_task()

    assert 2018 in [r["year"] for r in result["years"]]
    assert figure(2018, "year", 1).held == 1
    assert not year_is_stale(year=2018)


def test_a_change_committed_while_the_recompute_runs_keeps_the_year_marked(branch):
    make_event(branch=branch, start=local(2026, 2, 3, 10, 0))
    real = figures_module._figures_replace

    def with_a_change_meanwhile(**kwargs):
        count = real(**kwargs)
        TouchedYear.objects.create(year=2026)  # committed after the recompute read its marks
        return count

    with mock.patch.object(figures_module, "_figures_replace", with_a_change_meanwhile):
        status_recompute(year=2026)

    assert TouchedYear.objects.filter(year=2026).count() == 1
    assert year_is_stale(year=2026)


def test_the_figures_say_as_of_when_and_whether_they_are_stale(
    branch, staff_client, management_user, client
):
    make_event(branch=branch, start=local(2026, 2, 3, 10, 0))
    status_recompute(year=2026)
    url = "/api/v1/status/figures/"

    body = staff_client.get(url, {"year": 2026, "period": "year"}).json()
    assert body["stale"] is False
    assert body["as_of"] == StatusYear.objects.get(year=2026).computed_now.isoformat()

    make_event(branch=branch, start=local(2026, 3, 3, 10, 0))  # its recompute is still to come
    body = staff_client.get(url, {"year": 2026, "period": "year"}).json()
    assert body["stale"] is True
    ytd = staff_client.get(url, {"year": 2026, "period": "ytd"}).json()
    assert (ytd["stale"], ytd["as_of"]) == (False, None)

    client.force_login(management_user)
    page = client.get(reverse("pages:dashboard"), {"year": 2025})
    assert "Tallene opdateres" not in page.content.decode()
    make_event(branch=branch, start=local(2025, 3, 3, 10, 0))
    page = client.get(reverse("pages:dashboard"), {"year": 2025})
    assert page.status_code == 200
    assert "Tallene opdateres" in page.content.decode()
