"""Counting rule 11 from the outside: after any sequence of writes through the REST API, and
one catch-up cycle, the figures the service keeps by itself equal an independent recount.

A Hypothesis state machine makes the writes staff and administrators make (events created
single or as a series, in the past or spanning New Year; attendance recorded and corrected;
occurrences cancelled, restored and moved, also across New Year; whole events cancelled,
published again, re-timed and deleted). Each write's after-commit requests are either delivered
(run, eagerly) or lost, as when Redis or the worker is away: then only the durable marks and the
sweep can bring the figures up to date. At the end of each run, the catch-up production runs
(one ``status_recompute_sweep_task`` once the sweep's age has passed), then every year, every
period (months, quarters, halves, year) and every scope (branch and track, branch, track, total)
of the status API is compared with the recount of ``tests/tasks/recount.py``, which reads only
the public API and knows nothing of how the figures are stored.

Issue 12, section 8: the recount found 98-177 mismatches per run before the outbox.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    precondition,
    rule,
    run_state_machine_as_test,
)
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tasks.tasks import status_recompute_sweep_task
from tests import factories
from tests.conftest import require, uses_postgres
from tests.tasks.recount import COPENHAGEN, compare, moment, read_all, snapshot

pytestmark = pytest.mark.django_db

BRANCHES = ("jyllinge", "viby", "gadstrup")
TRACKS = (
    "fordybelse",
    "hygge",
    "viden-og-vejledning",
    "struktur-for-livet",
    "en-lokal-aktoer",
    "indgang-til-faellesskab",
    "digitale-forbindelser",
)
# First starts: the past (2025 and 2026), New Year 2024/2025, 2025/2026 and 2026/2027, the
# daylight-saving changes, the borders of quarters and halves.
START_DAYS = tuple(
    date.fromisoformat(d)
    for d in (
        "2024-12-30",
        "2025-03-25",
        "2025-06-29",
        "2025-12-22",
        "2025-12-30",
        "2026-01-08",
        "2026-01-20",
        "2026-03-26",
        "2026-06-28",
        "2026-09-29",
        "2026-10-22",
        "2026-12-21",
        "2026-12-30",
    )
)
# Where a moved occurrence goes (besides a shift of a few days): across New Year and back.
MOVE_DAYS = tuple(
    date.fromisoformat(d)
    for d in ("2024-12-31", "2025-01-01", "2025-12-30", "2026-01-08", "2026-01-09", "2027-01-02")
)
# Local start times: just after midnight and late in the evening put the local date on another
# UTC date (rule 3), 10 and 19 are the usual ones.
TIMES = ((0, 30), (10, 0), (19, 0), (23, 30))


def has_events(machine: Writes) -> bool:
    return bool(machine.events)


WRITES = (
    "create",
    "attendance",
    "cancel",
    "restore",
    "move",
    "cancel-event",
    "publish",
    "retime",
    "delete",
)

STATS: Counter = Counter()  # (write, HTTP status) over a test's runs
RUNS: list[dict[str, Any]] = []


def _local(day: date, hm: tuple[int, int]) -> datetime:
    """A Copenhagen wall-clock time (none of TIMES falls in a daylight-saving change)."""
    return datetime(day.year, day.month, day.day, *hm, tzinfo=COPENHAGEN)


def _later(start: datetime, duration: timedelta) -> datetime:
    """``duration`` of elapsed time after ``start``, with its own offset: an end on the night
    of a daylight-saving change is given unambiguously, as the API asks."""
    return (start.astimezone(UTC) + duration).astimezone(COPENHAGEN)


class Writes(RuleBasedStateMachine):
    """Writes through the API; ``teardown`` catches up and compares with the recount."""

    ctx: dict[str, Any] = {}

    def __init__(self) -> None:
        super().__init__()
        self.events: list[int] = []
        self.years: set[int] = set()  # local years of every occurrence seen before a write
        # Each run starts from an empty calendar and leaves nothing behind.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()

    # --- helpers ------------------------------------------------------------------------------

    def _client(self, branch: str, admin: bool) -> APIClient:
        staff = self.ctx["staff"].get(branch)
        return self.ctx["admin"] if admin or staff is None else staff

    def _send(self, write: str, deliver: bool, call) -> Any:
        """Make one write; its after-commit requests run (delivered) or never do (lost)."""
        with self.ctx["on_commit"](execute=deliver):
            response = call()
        STATS[(write, response.status_code)] += 1
        assert response.status_code < 500, (write, response.status_code, response.content)
        return response

    def _event(self, i: int) -> dict[str, Any] | None:
        if not self.events:
            return None
        pk = self.events[i % len(self.events)]
        response = self.ctx["manager"].get(f"/api/v1/events/{pk}/")
        assert response.status_code == 200, response.data
        return response.json()

    def _occurrences(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        """The event's occurrences, their years noted: a year an occurrence leaves (moved,
        re-timed, deleted) is compared at the end even if nothing counts there any more."""
        found = read_all(self.ctx["manager"], "/api/v1/occurrences/", event=str(event["id"]))
        for o in found:
            for key in ("start", "original_start"):
                self.years.add(moment(o[key]).astimezone(COPENHAGEN).year)
        return found

    def _pick(self, event_i: int, occ_i: int, prefer) -> tuple[dict, dict] | None:
        """An occurrence of one of the events, among those ``prefer`` likes if any."""
        event = self._event(event_i)
        if event is None:
            return None
        occurrences = self._occurrences(event)
        if not occurrences:
            return None
        liked = [o for o in occurrences if prefer(event, o)] or occurrences
        return event, liked[occ_i % len(liked)]

    # --- writes -------------------------------------------------------------------------------

    @rule(
        branch=st.sampled_from(BRANCHES),
        day=st.sampled_from(START_DAYS),
        days_later=st.integers(0, 6),
        hm=st.sampled_from(TIMES),
        minutes=st.sampled_from((60, 120)),
        shape=st.sampled_from(("single", "single", "WEEKLY", "DAILY")),
        count=st.integers(2, 6),
        tracks=st.lists(st.sampled_from(TRACKS), min_size=1, max_size=3, unique=True),
        co_created=st.booleans(),
        status=st.sampled_from(("published", "published", "published", "draft")),
        admin=st.booleans(),
        deliver=st.booleans(),
    )
    def create_event(
        self,
        branch,
        day,
        days_later,
        hm,
        minutes,
        shape,
        count,
        tracks,
        co_created,
        status,
        admin,
        deliver,
    ):
        start = _local(day + timedelta(days=days_later), hm)
        payload = {
            "branch": branch,
            "title": "Læsekreds",
            "start": start.isoformat(),
            "end": _later(start, timedelta(minutes=minutes)).isoformat(),
            "tracks": tracks,
            "co_created": co_created,
            "status": status,
        }
        if shape != "single":
            payload["rrule"] = f"FREQ={shape};COUNT={count}"
        client = self._client(branch, admin)
        response = self._send(
            "create", deliver, lambda: client.post("/api/v1/events/", payload, format="json")
        )
        assert response.status_code == 201, response.data
        self.events.append(response.json()["id"])

    @precondition(has_events)
    @rule(
        event_i=st.integers(0, 50),
        occ_i=st.integers(0, 50),
        total=st.integers(0, 80),
        by_age=st.booleans(),
        admin=st.booleans(),
        deliver=st.booleans(),
    )
    def record_attendance(self, event_i, occ_i, total, by_age, admin, deliver):
        """Record a head count of an occurrence that has taken place."""
        self._attendance(event_i, occ_i, total, by_age, admin, deliver, recorded=False)

    @precondition(has_events)
    @rule(
        event_i=st.integers(0, 50),
        occ_i=st.integers(0, 50),
        total=st.integers(0, 80),
        by_age=st.booleans(),
        admin=st.booleans(),
        deliver=st.booleans(),
    )
    def correct_attendance(self, event_i, occ_i, total, by_age, admin, deliver):
        """Correct a head count recorded before (a new total, with or without age groups)."""
        self._attendance(event_i, occ_i, total, by_age, admin, deliver, recorded=True)

    def _attendance(self, event_i, occ_i, total, by_age, admin, deliver, *, recorded):
        now = timezone.now()
        picked = self._pick(
            event_i,
            occ_i,
            lambda e, o: (
                e["status"] == "published"
                and o["status"] == "scheduled"
                and moment(o["start"]) <= now
                and (o["attendance"] is not None) == recorded
            ),
        )
        if picked is None:
            return
        event, occurrence = picked
        body: dict[str, Any] = {"total": total}
        if by_age:
            children = total // 3
            seniors = total // 5
            body["by_age"] = {"children": children, "adults": total - children - seniors}
            if seniors:
                body["by_age"]["seniors"] = seniors
        client = self._client(event["branch"]["slug"], admin)
        url = f"/api/v1/occurrences/{occurrence['id']}/attendance/"
        self._send("attendance", deliver, lambda: client.put(url, body, format="json"))

    @precondition(has_events)
    @rule(event_i=st.integers(0, 50), occ_i=st.integers(0, 50), deliver=st.booleans())
    def cancel_occurrence(self, event_i, occ_i, deliver):
        picked = self._pick(event_i, occ_i, lambda e, o: o["status"] == "scheduled")
        if picked is None:
            return
        event, occurrence = picked
        client = self._client(event["branch"]["slug"], admin=False)
        url = f"/api/v1/occurrences/{occurrence['id']}/cancel/"
        self._send("cancel", deliver, lambda: client.post(url, {"reason": "Sygdom"}))

    @precondition(has_events)
    @rule(event_i=st.integers(0, 50), occ_i=st.integers(0, 50), deliver=st.booleans())
    def restore_occurrence(self, event_i, occ_i, deliver):
        picked = self._pick(event_i, occ_i, lambda e, o: o["status"] == "cancelled")
        if picked is None:
            return
        event, occurrence = picked
        client = self._client(event["branch"]["slug"], admin=False)
        url = f"/api/v1/occurrences/{occurrence['id']}/restore/"
        self._send("restore", deliver, lambda: client.post(url))

    @precondition(has_events)
    @rule(
        event_i=st.integers(0, 50),
        occ_i=st.integers(0, 50),
        to=st.one_of(st.sampled_from(MOVE_DAYS), st.integers(-12, 12)),
        hm=st.sampled_from(TIMES),
        admin=st.booleans(),
        deliver=st.booleans(),
    )
    def move_occurrence(self, event_i, occ_i, to, hm, admin, deliver):
        """Move to a day across New Year, or a few days earlier or later."""
        picked = self._pick(
            event_i, occ_i, lambda e, o: o["status"] == "scheduled" and o["attendance"] is None
        )
        if picked is None:
            return
        event, occurrence = picked
        if isinstance(to, int):
            to = moment(occurrence["start"]).astimezone(COPENHAGEN).date() + timedelta(days=to)
        client = self._client(event["branch"]["slug"], admin)
        url = f"/api/v1/occurrences/{occurrence['id']}/move/"
        self._send(
            "move",
            deliver,
            lambda: client.post(url, {"start": _local(to, hm).isoformat()}, format="json"),
        )

    @precondition(has_events)
    @rule(event_i=st.integers(0, 50), admin=st.booleans(), deliver=st.booleans())
    def cancel_event(self, event_i, admin, deliver):
        event = self._event(event_i)
        if event is None:
            return
        client = self._client(event["branch"]["slug"], admin)
        url = f"/api/v1/events/{event['id']}/cancel/"
        self._send("cancel-event", deliver, lambda: client.post(url, {"reason": "Lukket"}))

    @precondition(has_events)
    @rule(event_i=st.integers(0, 50), deliver=st.booleans())
    def publish_event(self, event_i, deliver):
        """Publish a draft, or take back the cancellation of a whole event."""
        event = self._event(event_i)
        if event is None:
            return
        client = self._client(event["branch"]["slug"], admin=False)
        url = f"/api/v1/events/{event['id']}/publish/"
        self._send("publish", deliver, lambda: client.post(url))

    @precondition(has_events)
    @rule(
        event_i=st.integers(0, 50),
        days=st.integers(-10, 10),
        hm=st.sampled_from(TIMES),
        count=st.none() | st.integers(1, 6),
        admin=st.booleans(),
        deliver=st.booleans(),
    )
    def retime_event(self, event_i, days, hm, count, admin, deliver):
        """Move the first start (and so the series) and perhaps change how many times."""
        event = self._event(event_i)
        if event is None:
            return
        self._occurrences(event)
        start = moment(event["start"]).astimezone(COPENHAGEN)
        duration = moment(event["end"]) - moment(event["start"])
        new = _local(start.date() + timedelta(days=days), hm)
        body: dict[str, Any] = {"start": new.isoformat(), "end": _later(new, duration).isoformat()}
        if event["rrule"] and count is not None:
            freq = "WEEKLY" if "WEEKLY" in event["rrule"] else "DAILY"
            body["rrule"] = f"FREQ={freq};COUNT={count}"
        client = self._client(event["branch"]["slug"], admin)
        url = f"/api/v1/events/{event['id']}/"
        self._send("retime", deliver, lambda: client.patch(url, body, format="json"))

    @precondition(has_events)
    @rule(event_i=st.integers(0, 50), admin=st.booleans(), deliver=st.booleans())
    def delete_event(self, event_i, admin, deliver):
        event = self._event(event_i)
        if event is None:
            return
        self._occurrences(event)
        client = self._client(event["branch"]["slug"], admin)
        response = self._send(
            "delete", deliver, lambda: client.delete(f"/api/v1/events/{event['id']}/")
        )
        if response.status_code == 204:
            self.events.remove(event["id"])

    # --- catch up and recount ------------------------------------------------------------------

    def teardown(self) -> None:
        try:
            self._catch_up_and_compare()
        finally:
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

    def _catch_up_and_compare(self) -> None:
        # What production runs: the requests after commit (run above when delivered), then the
        # beat's sweep once the marks are older than its age (here 0 s: STATUS_SWEEP_AGE).
        time.sleep(0.002)  # the marks are strictly older than the sweep's "before"
        with override_settings(STATUS_SWEEP_AGE=0):
            swept = status_recompute_sweep_task.delay().get()["years"]
        manager = self.ctx["manager"]
        snap = snapshot(manager)
        # Every year an occurrence was in, and one where nothing ever was (zeros).
        years = {2023} | self.years | snap.years()
        result = compare(manager, snap, years=years, now=timezone.now())
        RUNS.append(
            {
                "events": len(snap.events),
                "occurrences": len(snap.occurrences),
                "years": result.years,
                "swept": [y["year"] for y in swept],
                "cells": result.cells,
                "mismatches": len(result.mismatches),
            }
        )
        if result.mismatches:
            shown = "\n".join(result.mismatches[:60])
            more = len(result.mismatches) - 60
            pytest.fail(
                f"{len(result.mismatches)} mismatches in {result.cells} cells "
                f"(years {result.years}):\n{shown}" + (f"\n... and {more} more" if more > 0 else "")
            )


@pytest.fixture
def recount_context(db, django_capture_on_commit_callbacks):
    """Branches with their staff, an administrator with a token, management that reads."""
    jyllinge = factories.BranchFactory(slug="jyllinge", name="Jyllinge Bibliotek")
    viby = factories.BranchFactory(slug="viby", name="Viby Bibliotek")
    admin = factories.UserFactory(username="admin")
    admin.is_superuser = admin.is_staff = True
    admin.save()
    token_client = APIClient()
    token_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=admin).key}")
    # Branches are data an administrator writes through the API.
    created = token_client.post(
        "/api/v1/branches/", {"slug": "gadstrup", "name": "Gadstrup Bibliotek"}, format="json"
    )
    assert created.status_code == 201, created.data
    clients = {}
    for branch in (jyllinge, viby):
        client = APIClient()
        client.force_authenticate(
            factories.UserFactory(username=f"staff-{branch.slug}", branches=[branch])
        )
        clients[branch.slug] = client
    manager = APIClient()
    manager.force_authenticate(factories.UserFactory(username="manager", groups=["management"]))
    STATS.clear()
    RUNS.clear()
    return {
        "staff": clients,
        "admin": token_client,
        "manager": manager,
        "on_commit": django_capture_on_commit_callbacks,
    }


def _run(context, *, examples: int, steps: int) -> None:
    Writes.ctx = context
    started = time.monotonic()
    run_state_machine_as_test(
        Writes,
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    elapsed = time.monotonic() - started
    cells = sum(r["cells"] for r in RUNS)
    print(  # shown with -s: what was tried, as the issue's closing note wants it counted
        f"\nrecount: {len(RUNS)} runs, {cells} cells compared "
        f"({cells // max(len(RUNS), 1)} per run), "
        f"{sum(r['mismatches'] for r in RUNS)} mismatches, {elapsed:.1f} s; "
        f"writes: {dict(sorted(STATS.items()))}; "
        f"years swept: {Counter(y for r in RUNS for y in r['swept'])}"
    )
    # The runs did write: every kind of write succeeded somewhere.
    succeeded = {write for (write, code), n in STATS.items() if code < 300 and n}
    assert succeeded >= set(WRITES), f"never succeeded: {set(WRITES) - succeeded}"


@pytest.mark.slow
def test_stored_figures_equal_an_independent_recount_after_any_writes(recount_context):
    _run(recount_context, examples=8, steps=30)


@pytest.mark.slow
def test_the_recount_holds_on_postgresql(recount_context):
    require(uses_postgres(), "PostgreSQL (DATABASE_URL=postgres://...)")
    _run(recount_context, examples=5, steps=30)


def test_the_issue_writes_leave_figures_equal_to_the_recount(recount_context):
    """Issue 12, section 8, as the reviewer's recount saw it: a published event created after
    the fact (2026-01-20, no attendance), and an occurrence moved 2026-01-08 -> 2025-12-30 ->
    2026-01-09. Every request after commit is delivered; no sweep runs."""
    admin, manager = recount_context["admin"], recount_context["manager"]
    on_commit = recount_context["on_commit"]

    def create(day: date) -> int:
        start = _local(day, (10, 0))
        payload = {
            "branch": "jyllinge",
            "title": "Læsekreds",
            "start": start.isoformat(),
            "end": _later(start, timedelta(hours=1)).isoformat(),
            "tracks": ["hygge", "fordybelse"],
            "status": "published",
        }
        with on_commit(execute=True):
            response = admin.post("/api/v1/events/", payload, format="json")
        assert response.status_code == 201, response.data
        return response.json()["id"]

    moved = create(date(2026, 1, 8))
    occurrence = read_all(manager, "/api/v1/occurrences/", event=str(moved))[0]["id"]
    for day in (date(2025, 12, 30), date(2026, 1, 9)):
        with on_commit(execute=True):
            response = admin.post(
                f"/api/v1/occurrences/{occurrence}/move/",
                {"start": _local(day, (10, 0)).isoformat()},
                format="json",
            )
        assert response.status_code == 200, response.data
    create(date(2026, 1, 20))

    snap = snapshot(manager)
    result = compare(manager, snap, years={2025, 2026}, now=timezone.now())
    assert result.mismatches == []
    january = recount_context["manager"].get(
        "/api/v1/status/figures/", {"year": 2026, "period": "month", "index": 1, "scope": "total"}
    )
    assert [(r["held"], r["missing_attendance"]) for r in january.json()["results"]] == [(2, 2)]
