"""Every reader expands the feed to exactly the occurrences the API lists, at the same local
times and with the same statuses: icalendar + recurring-ical-events, and Mozilla's ical.js."""

from __future__ import annotations

from datetime import timedelta

import icalendar
import pytest
import recurring_ical_events

from events.selectors import Selection
from tests.feeds import scenario
from tests.feeds.conftest import (
    api_instances,
    feed_window,
    icaljs,
    icaljs_instances,
    python_instances,
)

pytestmark = pytest.mark.django_db

FEEDS = [
    ("/feeds/calendar.ics", Selection()),
    ("/feeds/branch/jyllinge.ics", Selection(branches=("jyllinge",))),
    ("/feeds/branch/viby.ics", Selection(branches=("viby",))),
    ("/feeds/stop/svogerslev.ics", Selection(stops=("svogerslev",))),
    ("/feeds/track/hygge.ics", Selection(tracks=("hygge",))),
    (
        "/feeds/calendar.ics?branch=jyllinge,viby&track=fordybelse,hygge&audience=boern",
        Selection(
            branches=("jyllinge", "viby"), tracks=("fordybelse", "hygge"), audiences=("boern",)
        ),
    ),
]


@pytest.fixture
def calendar(db):
    return scenario.build()


@pytest.mark.parametrize(("url", "selection"), FEEDS)
def test_python_readers_expand_exactly_what_the_api_lists(client, calendar, url, selection):
    body = client.get(url).content
    expected = api_instances(selection)
    assert expected, "the scenario must put something in every feed"
    assert python_instances(body) == expected


@pytest.mark.node
@pytest.mark.parametrize(("url", "selection"), FEEDS)
def test_icaljs_expands_exactly_what_the_api_lists(client, calendar, url, selection):
    body = client.get(url).content
    assert icaljs_instances(body) == api_instances(selection)


def test_all_feed_has_every_kind_of_occurrence(client, calendar):
    instances = python_instances(client.get("/feeds/calendar.ics").content)
    uids = {i.uid for i in instances}
    weekly = [i for i in instances if i.uid == calendar.weekly.uid]
    assert any(i.status == "CANCELLED" and i.start == "2026-03-10T19:00:00" for i in weekly)
    assert any(i.start == "2026-04-01T17:30:00" for i in weekly)  # moved
    assert not any(i.start.startswith("2026-04-07") for i in weekly)  # excluded date
    detached = [
        u for u in uids if u.startswith("occurrence-") and u.endswith(calendar.detaching.uid)
    ]
    assert len(detached) == 1
    assert calendar.draft.uid not in uids
    assert calendar.old.uid not in uids
    assert calendar.long_running.uid in uids  # began before the window, recurs inside it
    assert {i.status for i in instances if i.uid == calendar.cancelled.uid} == {"CANCELLED"}
    assert [i.start for i in instances if i.uid == calendar.all_day_series.uid] == [
        "2026-06-08",
        "2026-06-09",
        "2026-06-10",
        "2026-06-11",
        "2026-06-12",
    ]


@pytest.mark.node
def test_icaljs_reads_texts_statuses_and_categories(client, calendar):
    result = icaljs(client.get("/feeds/calendar.ics").content)
    weekly = [i for i in result["instances"] if i["uid"] == calendar.weekly.uid]
    cancelled = next(i for i in weekly if i["start"] == "2026-03-10T19:00:00")
    assert cancelled["status"] == "CANCELLED"
    assert cancelled["summary"] == "Aflyst: Strikkecafé"
    assert cancelled["description"].startswith("Aflyst: Sygdom")
    normal = next(i for i in weekly if i["start"] == "2026-03-03T19:00:00")
    assert normal["summary"] == "Strikkecafé"
    assert normal["description"] == "Tag dit strikketøj med."
    assert normal["categories"] == ["Hygge", "Indgang til fællesskab"]
    assert normal["location"] == "Salen, Jyllinge Bibliotek, Bygaden 2, 4040 Jyllinge"
    assert normal["url"] == f"https://bibliotekerne.roskilde.dk/arrangementer/{calendar.weekly.pk}/"
    moved_room = next(i for i in weekly if i["start"] == "2026-10-27T19:00:00")
    assert moved_room["location"].startswith("Læsesalen, Jyllinge Bibliotek")
    stop = next(i for i in result["instances"] if i["uid"] == calendar.at_stop.uid)
    assert stop["location"] == "Svogerslev, Bogbussen, Bygaden 1, 4000 Svogerslev"


def _weekly_19(client, calendar):
    return client.get("/feeds/branch/jyllinge.ics").content


def test_daylight_saving_weekly_19_stays_19_in_python_readers(client, calendar):
    body = _weekly_19(client, calendar)
    start, end = feed_window()
    cal = icalendar.Calendar.from_ical(body)
    seen = []
    for comp in recurring_ical_events.of(cal).between(start, end):
        moment = comp.decoded("DTSTART")
        if str(comp["UID"]) != calendar.weekly.uid or comp.decoded("RECURRENCE-ID") != moment:
            continue  # another event, or the occurrence moved on purpose
        assert (moment.hour, moment.minute) == (19, 0)
        seen.append(moment)
    before = [m for m in seen if m.date().isoformat() < "2026-03-29"]
    summer = [m for m in seen if "2026-03-29" < m.date().isoformat() < "2026-10-25"]
    after = [m for m in seen if "2026-10-25" < m.date().isoformat() < "2027-03-28"]
    assert before
    assert summer
    assert after
    assert {m.utcoffset() for m in before + after} == {timedelta(hours=1)}
    assert {m.utcoffset() for m in summer} == {timedelta(hours=2)}


@pytest.mark.node
def test_daylight_saving_weekly_19_stays_19_in_icaljs(client, calendar):
    result = icaljs(_weekly_19(client, calendar))
    weekly = [
        i
        for i in result["instances"]
        if i["uid"] == calendar.weekly.uid and i["recurrence_id"] == i["start"]
    ]
    assert len(weekly) > 50
    assert {i["start"][11:] for i in weekly} == {"19:00:00"}
    offsets = {i["start"][:10]: (i["start_unix"] % 86400) // 3600 for i in weekly}
    assert offsets["2026-03-24"] == 18
    assert offsets["2026-04-14"] == 17
    assert offsets["2026-10-20"] == 17
    assert offsets["2026-11-03"] == 18


def _explicit(instances, calendar):
    return [(i.start, i.status) for i in instances if i.uid == calendar.explicit.uid]


def test_explicit_dates_are_rdates_every_python_reader_expands(client, calendar):
    body = client.get("/feeds/branch/jyllinge.ics").content
    rdate = b"RDATE;TZID=Europe/Copenhagen:20260304T160000,20260312T103000,20260330T160000,"
    assert rdate + b"20260502T110000" in body.replace(b"\r\n ", b"")
    assert _explicit(python_instances(body), calendar) == [
        ("2026-03-04T16:00:00", "CONFIRMED"),
        ("2026-03-12T10:30:00", "CANCELLED"),
        ("2026-03-30T16:00:00", "CONFIRMED"),
        ("2026-05-03T12:00:00", "CONFIRMED"),
    ]


@pytest.mark.node
def test_explicit_dates_are_rdates_icaljs_expands(client, calendar):
    body = client.get("/feeds/branch/jyllinge.ics").content
    assert _explicit(icaljs_instances(body), calendar) == [
        ("2026-03-04T16:00:00", "CONFIRMED"),
        ("2026-03-12T10:30:00", "CANCELLED"),
        ("2026-03-30T16:00:00", "CONFIRMED"),
        ("2026-05-03T12:00:00", "CONFIRMED"),
    ]
