"""Celery in production: two queues, reports routed apart, settings for long jobs."""

from __future__ import annotations

import pytest

from calendar_service.celery import app

INTERACTIVE = ["tasks.tasks.status_recompute_task", "tasks.tasks.occurrences_extend_horizon_task"]
REPORTS = ["tasks.tasks.status_report_generate_task"]


def _queue(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


@pytest.mark.parametrize("name", INTERACTIVE)
def test_interactive_jobs_go_to_the_interactive_queue(name):
    assert _queue(name) == "interactive"


@pytest.mark.parametrize("name", REPORTS)
def test_report_jobs_go_to_the_reports_queue(name):
    assert _queue(name) == "reports"


def test_workers_take_one_job_at_a_time_and_acknowledge_after_it():
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_acks_late is True
    assert {queue.name for queue in app.conf.task_queues} == {"interactive", "reports"}


def test_every_job_has_time_limits_below_the_redelivery_timeout():
    app.loader.import_default_modules()
    visibility_timeout = app.conf.broker_transport_options["visibility_timeout"]
    ours = [task for name, task in app.tasks.items() if name.startswith("tasks.")]
    assert ours, "no tasks registered"

    for task in ours:
        soft = task.soft_time_limit or app.conf.task_soft_time_limit
        hard = task.time_limit or app.conf.task_time_limit
        assert soft, task.name
        assert soft < hard < visibility_timeout, task.name


def test_report_jobs_may_run_longer_than_interactive_ones():
    app.loader.import_default_modules()
    report = app.tasks["tasks.tasks.status_report_generate_task"]

    assert report.time_limit > app.conf.task_time_limit


def test_results_expire():
    assert 0 < app.conf.result_expires <= 7 * 24 * 3600


def test_beat_schedule_entries_expire():
    for name, entry in app.conf.beat_schedule.items():
        assert entry["options"]["expires"] > 0, name
