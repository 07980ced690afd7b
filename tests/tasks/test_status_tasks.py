"""The Celery entry points, the coalesced trigger after writes, and the beat schedule."""

from __future__ import annotations

from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import OperationalError

from calendar_service.celery import app
from events import services as events_services
from tasks import tasks
from tasks.models import Job, StatusFigure, StatusReport, StatusYear
from tasks.services.figures import status_recompute
from tasks.services.jobs import job_create
from tasks.services.pending import status_recompute_started
from tests.factories import local
from tests.tasks.util import NOW, event_with

CPH = ZoneInfo("Europe/Copenhagen")


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def next_run(name: str, after: datetime) -> datetime:
    schedule = app.conf.beat_schedule[name]["schedule"]
    schedule.app = app
    last, delta, _now = schedule.remaining_delta(after, tz=CPH)
    return (last + delta).astimezone(CPH)


def test_beat_has_the_nightly_jobs_and_the_two_kiu_reports_at_0600_copenhagen():
    beat = app.conf.beat_schedule
    assert app.conf.timezone == "Europe/Copenhagen"
    assert beat["status-report-june"]["task"] == "tasks.tasks.status_report_generate_task"
    assert beat["status-report-june"]["kwargs"] == {"scheduled": True}
    assert next_run("status-report-june", datetime(2026, 5, 31, 12, 0, tzinfo=CPH)) == datetime(
        2026, 6, 1, 6, 0, tzinfo=CPH
    )
    # 1 December is in winter time: 06:00 is 05:00 UTC, still 06:00 on the Copenhagen clock.
    december = next_run("status-report-december", datetime(2026, 6, 2, 0, 0, tzinfo=CPH))
    assert december == datetime(2026, 12, 1, 6, 0, tzinfo=CPH)
    assert december.utcoffset() == timedelta(hours=1)
    assert (
        next_run("status-recompute-nightly", datetime(2026, 3, 28, 12, 0, tzinfo=CPH))
        .date()
        .isoformat()
        == "2026-03-29"
    )
    assert beat["status-recompute-nightly"]["task"] == "tasks.tasks.status_recompute_task"
    assert (
        beat["occurrences-extend-horizon-nightly"]["task"]
        == "tasks.tasks.occurrences_extend_horizon_task"
    )
    for name, entry in beat.items():
        assert entry["options"]["expires"] > 0, name
        assert entry["task"] in app.tasks, name


def test_tasks_retry_on_database_errors_with_backoff():
    for task in (
        tasks.status_recompute_task,
        tasks.status_report_generate_task,
        tasks.occurrences_extend_horizon_task,
    ):
        assert task.autoretry_for == (OperationalError,)
        assert task.retry_backoff is True
        assert task.max_retries == 5
        assert task.acks_late is True
        assert task.soft_time_limit
        assert task.time_limit > task.soft_time_limit


@pytest.mark.django_db
def test_recompute_task_with_a_job_records_state_and_result(branch):
    event_with(branch=branch, start=local(2026, 4, 1, 10, 0), counts=[12])
    job = job_create(kind=Job.Kind.RECOMPUTE, params={"year": 2026})

    with mock.patch("tasks.services.figures.timezone.now", return_value=NOW):
        tasks.status_recompute_task.delay(year=2026, job_id=str(job.pk))

    job.refresh_from_db()
    assert (job.state, job.progress) == (Job.State.SUCCEEDED, 100)
    assert job.result["years"][0]["year"] == 2026
    assert (
        StatusFigure.objects.get(year=2026, period_kind="year", branch=None, track=None).attendance
        == 12
    )


@pytest.mark.django_db
def test_recompute_task_without_a_year_covers_the_nightly_years():
    with mock.patch("tasks.services.figures.timezone.now", return_value=local(2027, 1, 10, 3, 15)):
        result = tasks.status_recompute_task.delay().get()
    assert [r["year"] for r in result["years"]] == [2026, 2027]
    assert set(StatusYear.objects.values_list("year", flat=True)) == {2026, 2027}


@pytest.mark.django_db
def test_a_failing_job_is_marked_failed():
    job = job_create(kind=Job.Kind.RECOMPUTE, params={"year": 2026})
    with (
        mock.patch("tasks.tasks.status_recompute", side_effect=RuntimeError("disk full")),
        pytest.raises(RuntimeError),
    ):
        tasks.status_recompute_task.delay(year=2026, job_id=str(job.pk))
    job.refresh_from_db()
    assert (job.state, job.message) == (Job.State.FAILED, "disk full")


@pytest.mark.django_db
def test_report_task_as_beat_runs_it_makes_one_frozen_report_per_day():
    with mock.patch("tasks.services.figures.timezone.now", return_value=local(2026, 6, 1, 6, 0)):
        first = tasks.status_report_generate_task.delay(scheduled=True).get()
        again = tasks.status_report_generate_task.delay(scheduled=True).get()
    assert first == again
    report = StatusReport.objects.get()
    assert (report.kind, str(report.period_end)) == ("june", "2026-05-31")


@pytest.mark.django_db
def test_horizon_task_extends_open_ended_series(branch):
    event = event_with(branch=branch, start=local(2026, 11, 3, 19, 0), rrule="FREQ=WEEKLY")
    last = event.occurrences.order_by("start").last().start
    event.occurrences.filter(start__gt=local(2026, 12, 31, 0, 0)).delete()

    created = tasks.occurrences_extend_horizon_task.delay().get()

    assert created > 0
    assert event.occurrences.order_by("start").last().start == last


@pytest.mark.django_db
def test_two_hundred_head_counts_in_one_bulk_upload_cause_one_recompute(
    branch, django_capture_on_commit_callbacks
):
    event = event_with(
        branch=branch,
        start=local(2026, 1, 1, 10, 0),
        rrule="FREQ=DAILY;COUNT=200",
        duration=timedelta(hours=1),
    )
    occurrences = list(event.occurrences.order_by("start"))
    assert len(occurrences) == 200

    with (
        mock.patch("tasks.services.figures.timezone.now", return_value=NOW),
        django_capture_on_commit_callbacks(execute=True),
    ):
        events_services.attendance_record_bulk(
            items=[{"occurrence": o, "total": 3} for o in occurrences], user=None
        )

    assert StatusYear.objects.get(year=2026).runs == 1
    total = StatusFigure.objects.get(year=2026, period_kind="year", branch=None, track=None)
    assert (total.held, total.attendance) == (200, 600)


@pytest.mark.django_db
def test_two_hundred_separate_head_counts_are_coalesced_into_one_scheduled_recompute(
    branch, django_capture_on_commit_callbacks, settings
):
    settings.STATUS_RECOMPUTE_DELAY = 30
    event = event_with(
        branch=branch,
        start=local(2026, 1, 1, 10, 0),
        rrule="FREQ=DAILY;COUNT=200",
        duration=timedelta(hours=1),
    )
    with mock.patch.object(tasks.status_recompute_task, "apply_async") as enqueue:
        for occurrence in event.occurrences.order_by("start"):
            with django_capture_on_commit_callbacks(execute=True):
                events_services.attendance_record(occurrence=occurrence, total=2, now=NOW)

    enqueue.assert_called_once_with(kwargs={"year": 2026}, countdown=30)


@pytest.mark.django_db
def test_a_change_while_the_recompute_runs_schedules_the_next_one(
    branch, django_capture_on_commit_callbacks
):
    event = event_with(branch=branch, start=local(2026, 5, 5, 10, 0), rrule="FREQ=WEEKLY;COUNT=2")
    first, second = event.occurrences.order_by("start")
    with mock.patch.object(tasks.status_recompute_task, "apply_async") as enqueue:
        with django_capture_on_commit_callbacks(execute=True):
            events_services.attendance_record(occurrence=first, total=2, now=NOW)
        status_recompute_started(year=2026)  # what the job does as it starts
        with django_capture_on_commit_callbacks(execute=True):
            events_services.attendance_record(occurrence=second, total=2, now=NOW)
    assert enqueue.call_count == 2


@pytest.mark.django_db
def test_moving_an_occurrence_across_new_year_recomputes_both_years(
    branch, django_capture_on_commit_callbacks
):
    event = event_with(branch=branch, start=local(2026, 12, 30, 10, 0))
    with (
        mock.patch.object(tasks.status_recompute_task, "apply_async") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        events_services.occurrence_move(
            occurrence=event.occurrences.get(), start=local(2027, 1, 4, 10, 0)
        )
    assert sorted(c.kwargs["kwargs"]["year"] for c in enqueue.call_args_list) == [2026, 2027]


@pytest.mark.django_db
def test_deleting_an_event_recomputes_the_years_it_counted_in(
    branch, django_capture_on_commit_callbacks
):
    # Held on 22 and 29 December 2026 and 5 January 2027, never counted (so it may be deleted).
    gone = event_with(branch=branch, start=local(2026, 12, 22, 10, 0), rrule="FREQ=WEEKLY;COUNT=3")
    event_with(branch=branch, start=local(2026, 5, 5, 10, 0), counts=[7])
    status_recompute(year=2026, now=NOW)
    status_recompute(year=2027, now=NOW)
    total = {"year": 2026, "period_kind": "year", "branch": None, "track": None}
    assert StatusFigure.objects.get(**total).held == 3
    assert StatusFigure.objects.filter(year=2027).exists()

    with (
        mock.patch("tasks.services.figures.timezone.now", return_value=NOW),
        django_capture_on_commit_callbacks(execute=True),
    ):
        events_services.event_delete(event=gone)

    figure = StatusFigure.objects.get(**total)
    assert (figure.held, figure.missing_attendance, figure.attendance) == (1, 0, 7)
    assert not StatusFigure.objects.filter(year=2027).exists()


@pytest.mark.django_db
def test_occurrences_a_new_rule_drops_recompute_the_years_they_counted_in(
    branch, django_capture_on_commit_callbacks
):
    # On 1 December 2027: 21 and 28 December and 4 January 2028, the last one cancelled, so it
    # counts in 2028. The new rule ends the series before it: it is deleted.
    with mock.patch("events.services.timezone.now", return_value=local(2027, 12, 1, 12, 0)):
        event = event_with(
            branch=branch, start=local(2027, 12, 21, 10, 0), rrule="FREQ=WEEKLY;COUNT=3"
        )
        last = event.occurrences.order_by("start").last()
        assert last.local_date.year == 2028
        events_services.occurrence_cancel(occurrence=last, reason="Nytår")

        with (
            mock.patch.object(tasks.status_recompute_task, "apply_async") as enqueue,
            django_capture_on_commit_callbacks(execute=True),
        ):
            events_services.event_update(event=event, rrule="FREQ=WEEKLY;COUNT=2")

    assert not event.occurrences.filter(pk=last.pk).exists()
    assert sorted(c.kwargs["kwargs"]["year"] for c in enqueue.call_args_list) == [2027, 2028]
