"""Helpers for the feed tests: a fixed "today", a clean feed cache, and the three independent
readers (icalendar + recurring-ical-events, Mozilla's ical.js through Node, feedparser)."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

import feeds.cache
import feeds.views
from events import selectors
from events.models import LOCAL_TZ
from tests.conftest import has_node, require

TODAY = date(2026, 3, 1)
JS_DIR = Path(__file__).resolve().parent.parent / "js"
SITE = "https://bibliotekerne.roskilde.dk"


@pytest.fixture(autouse=True)
def _feeds_fixed_day_and_cold_cache(monkeypatch, settings):
    settings.SITE_URL = SITE
    monkeypatch.setattr(feeds.views, "feed_today", lambda: TODAY)
    # A new generation makes every cached feed unreachable; no flush of a Redis that other
    # test runs may share.
    feeds.cache.clear()
    yield
    feeds.cache.memo.clear()


def feed_window():
    return feeds.views.window(TODAY)


@dataclass(frozen=True, order=True)
class Instance:
    """One occurrence as a reader or the API sees it, in Copenhagen wall-clock time."""

    start: str
    end: str
    uid: str
    status: str


def _wall(value) -> str:
    if isinstance(value, datetime):
        return value.astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M:%S")
    return value.isoformat()


def api_instances(selection=None, start=None, end=None) -> list[Instance]:
    """What the API lists (its selector), with the UID each occurrence has in the feed."""
    selection = selection or selectors.Selection()
    start, end = (start, end) if start else feed_window()
    out = []
    for occ in selectors.occurrence_list(selection=selection, start=start, end=end):
        event = occ.event
        uid = f"occurrence-{occ.pk}.{event.uid}" if occ.detached else event.uid
        if event.all_day:
            first = occ.start.astimezone(LOCAL_TZ).date()
            last = (occ.end - timedelta(seconds=1)).astimezone(LOCAL_TZ).date() + timedelta(days=1)
            s, e = first.isoformat(), max(last, first + timedelta(days=1)).isoformat()
        else:
            s, e = _wall(occ.start), _wall(occ.end)
        status = "CANCELLED" if occ.is_cancelled else "CONFIRMED"
        out.append(Instance(s, e, uid, status))
    return sorted(out)


def python_instances(body: bytes, start=None, end=None) -> list[Instance]:
    import icalendar
    import recurring_ical_events

    start, end = (start, end) if start else feed_window()
    calendar = icalendar.Calendar.from_ical(body)
    out = []
    for component in recurring_ical_events.of(calendar).between(start, end):
        s, e = component.decoded("DTSTART"), component.decoded("DTEND")
        out.append(
            Instance(_wall(s), _wall(e), str(component["UID"]), str(component.get("STATUS")))
        )
    return sorted(out)


def icaljs(body: bytes, start=None, end=None) -> dict:
    """Run Mozilla's ical.js on the feed (tests/js/expand.mjs)."""
    require(has_node(), "node is not installed")
    require((JS_DIR / "node_modules" / "ical.js").exists(), "run npm ci --prefix tests/js")
    start, end = (start, end) if start else feed_window()
    done = subprocess.run(
        [
            "node",
            str(JS_DIR / "expand.mjs"),
            str(int(start.timestamp())),
            str(int(end.timestamp())),
        ],
        input=body,
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)


def icaljs_instances(body: bytes, start=None, end=None) -> list[Instance]:
    result = icaljs(body, start, end)
    out = []
    for item in result["instances"]:
        if not item["all_day"]:
            assert item["tzid"] == "Europe/Copenhagen"
            # The instant ical.js computed from the feed's own VTIMEZONE must be the real one.
            real = datetime.fromisoformat(item["start"]).replace(tzinfo=LOCAL_TZ)
            assert item["start_unix"] == int(real.timestamp()), item
        out.append(Instance(item["start"], item["end"], item["uid"], item["status"]))
    return sorted(out)
