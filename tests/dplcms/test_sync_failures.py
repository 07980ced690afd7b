"""Bad input and failures: each leaves the data as it was and is reported in words."""

from __future__ import annotations

import time

import pytest
from werkzeug import Response

from dplcms.models import ImportedInstance, SyncRun
from events.models import Change, Event
from tests.dplcms.conftest import feeds_agree, run_sync, uid

pytestmark = pytest.mark.django_db


def _snapshot():
    return (
        sorted(Event.objects.values_list("pk", "title", "sequence", "status")),
        Change.objects.count(),
        ImportedInstance.objects.count(),
    )


@pytest.mark.parametrize("status", [401, 403])
def test_refused_login_says_check_the_dpl_cms_user_and_changes_nothing(dpl, roskilde, status):
    run_sync()
    before = _snapshot()
    dpl.failures = [status]
    run = run_sync()
    assert run.state == SyncRun.State.FAILED
    assert "dpl-cms" in run.message
    assert f"HTTP {status}" in run.message
    assert _snapshot() == before


def test_server_errors_are_retried_with_backoff(dpl, roskilde):
    dpl.failures = [503, 502]
    run = run_sync()
    assert run.state == SyncRun.State.SUCCEEDED, run.errors
    assert run.created == 7
    gets = [r for r in dpl.requests if r["method"] == "GET"]
    assert len(gets) == 3


def test_a_timeout_is_retried(dpl, roskilde, settings):
    settings.DPL_CMS_TIMEOUT_SECONDS = 0.5

    def slow(request):
        time.sleep(1.5)
        return Response(b"[]", status=200, content_type="application/json")

    dpl.failures = [slow]
    run = run_sync()
    assert run.state == SyncRun.State.SUCCEEDED, run.errors
    assert run.created == 7


def test_server_errors_beyond_the_retries_fail_the_run_and_change_nothing(dpl, roskilde):
    run_sync()
    before = _snapshot()
    dpl.failures = [500] * 10
    run = run_sync()
    assert run.state == SyncRun.State.FAILED
    assert "HTTP 500" in run.message
    assert _snapshot() == before


@pytest.mark.parametrize(
    "body", [b'[{"uuid": "x", "title": ', b'{"message": "Internal"}', b"<html>oops</html>"]
)
def test_malformed_json_fails_the_run_and_cancels_nothing(dpl, roskilde, client, body):
    run_sync()
    before = _snapshot()
    dpl.raw_body = body
    run = run_sync()
    assert run.state == SyncRun.State.FAILED
    assert "JSON" in run.message
    assert _snapshot() == before
    feeds_agree(client)


def _break(dpl, n, **changes):
    item = next(i for i in dpl.items if i["uuid"] == uid(n))
    for key, value in changes.items():
        if value is None:
            item.pop(key)
        else:
            item[key] = value


@pytest.mark.parametrize(
    ("n", "changes", "words"),
    [
        (4, {"title": None}, "title"),
        (5, {"date_time": None}, "date_time"),
        (5, {"date_time": {"start": "2026-12-10T10:00:00+01:00"}}, "end"),
        (5, {"date_time": {"start": "tomorrow", "end": "later"}}, "ISO 8601"),
        (4, {"state": "Postponed"}, "Postponed"),
        (
            5,
            {
                "date_time": {
                    "start": "2026-12-20T12:00:00+01:00",
                    "end": "2026-12-20T10:00:00+01:00",
                }
            },
            "before it starts",
        ),
        (4, {"branches": "Jyllinge Bibliotek"}, "branches"),
    ],
)
def test_a_bad_instance_is_skipped_with_its_uuid_and_the_rest_proceed(
    dpl, roskilde, client, n, changes, words
):
    _break(dpl, n, **changes)
    run = run_sync()
    assert run.state == SyncRun.State.SUCCEEDED
    assert (run.created, run.failed) == (6, 1)
    assert [e["uuid"] for e in run.errors if e.get("level") != "notice"] == [uid(n)]
    assert words in run.errors[0]["message"]
    assert not ImportedInstance.objects.filter(uuid=uid(n)).exists()
    feeds_agree(client)


def test_a_bad_instance_that_was_imported_is_kept_as_it_was(dpl, roskilde):
    run_sync()
    before = _snapshot()
    _break(dpl, 5, state="Postponed")
    run = run_sync()
    assert run.failed == 1
    assert run.cancelled == 0  # not taken as removed
    assert _snapshot() == before


def test_an_item_that_is_not_an_object_is_reported(dpl, roskilde):
    dpl.items.append("not an event")
    run = run_sync()
    assert run.state == SyncRun.State.SUCCEEDED
    assert run.failed == 1
    assert run.created == 7


def test_an_empty_list_cancels_nothing(dpl, roskilde):
    run_sync()
    before = _snapshot()
    dpl.items = []
    run = run_sync()
    assert run.state == SyncRun.State.FAILED
    assert _snapshot() == before
