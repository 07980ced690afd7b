"""What an iCal feed contains: calendar properties, event properties, escaping and folding,
window, drafts, cancellations, single-event files and errors."""

from __future__ import annotations

import re

import icalendar
import pytest

from events import services
from tests import factories
from tests.factories import local, make_event, track
from tests.feeds import scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def calendar(db):
    return scenario.build()


def _calendar(client, url) -> icalendar.Calendar:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return icalendar.Calendar.from_ical(response.content)


def _unescape(text: str) -> str:
    """RFC 5545 TEXT unescaping (icalendar leaves X- and RFC 7986 NAME values raw)."""
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], text)


def _events(cal, uid=None):
    return [c for c in cal.walk("VEVENT") if uid is None or str(c["UID"]) == uid]


def test_calendar_properties_name_the_selection_in_danish(client, calendar):
    cal = _calendar(client, "/feeds/calendar.ics?branch=jyllinge&track=hygge")
    assert cal["VERSION"] == "2.0"
    assert cal["CALSCALE"] == "GREGORIAN"
    assert cal["METHOD"] == "PUBLISH"
    assert "Roskilde Bibliotekerne" in str(cal["PRODID"])
    assert cal["X-WR-CALNAME"] == "Roskilde Bibliotekerne: Jyllinge Bibliotek · Hygge"
    assert cal["NAME"] == cal["X-WR-CALNAME"]
    assert "Jyllinge Bibliotek · Hygge" in cal["X-WR-CALDESC"]
    assert cal["X-WR-TIMEZONE"] == "Europe/Copenhagen"
    assert cal["X-PUBLISHED-TTL"] == "PT60M"
    assert cal["REFRESH-INTERVAL"].to_ical() == b"PT1H"
    assert cal["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Copenhagen"]
    assert _calendar(client, "/feeds/calendar.ics")["X-WR-CALNAME"] == "Roskilde Bibliotekerne"
    mixed = _calendar(
        client, "/feeds/calendar.ics?branch=viby,jyllinge&track=hygge,fordybelse&audience=boern"
    )
    # NAME (RFC 7986) is TEXT to every parser; X-WR-CALNAME carries the same escaped text.
    assert mixed["X-WR-CALNAME"].to_ical() == mixed["NAME"].to_ical()
    assert _unescape(str(mixed["NAME"])) == (
        "Roskilde Bibliotekerne: Jyllinge Bibliotek, Viby Bibliotek · Fordybelse, Hygge · Børn"
    )


def test_vevent_has_every_property(client, calendar):
    (event,) = [
        e
        for e in _events(_calendar(client, "/feeds/branch/jyllinge.ics"), calendar.weekly.uid)
        if "RECURRENCE-ID" not in e
    ]
    weekly = calendar.weekly
    for name in (
        "UID",
        "DTSTAMP",
        "SEQUENCE",
        "DTSTART",
        "DTEND",
        "RRULE",
        "EXDATE",
        "SUMMARY",
        "DESCRIPTION",
        "LOCATION",
        "GEO",
        "URL",
        "CATEGORIES",
        "ORGANIZER",
        "CREATED",
        "LAST-MODIFIED",
        "STATUS",
    ):
        assert name in event, name
    assert event["DTSTART"].params["TZID"] == "Europe/Copenhagen"
    assert event.decoded("DTSTART") == local(2026, 2, 3, 19, 0)
    assert event.decoded("DTEND") == local(2026, 2, 3, 21, 0)
    assert event["SEQUENCE"] == weekly.sequence
    # DTSTAMP is stable: from the data, not from the clock
    assert event.decoded("DTSTAMP") == weekly.updated_at.replace(microsecond=0)
    assert event.decoded("LAST-MODIFIED") == weekly.updated_at.replace(microsecond=0)
    assert event.decoded("CREATED") == weekly.created_at.replace(microsecond=0)
    assert str(event["ORGANIZER"]) == "mailto:jyllinge@example.org"
    assert event["ORGANIZER"].params["CN"] == "Jyllinge Bibliotek"
    assert event["GEO"].latitude == pytest.approx(55.6419)
    assert event["URL"] == f"https://bibliotekerne.roskilde.dk/arrangementer/{weekly.pk}/"
    assert event.categories == ["Hygge", "Indgang til fællesskab"]
    assert event["RRULE"].to_ical() == b"FREQ=WEEKLY;BYDAY=TU"


def test_all_day_events_are_dates(client, calendar):
    cal = _calendar(client, "/feeds/branch/viby.ics")
    (event,) = _events(cal, calendar.all_day.uid)
    assert event["DTSTART"].to_ical() == b"20260501"
    assert event["DTEND"].to_ical() == b"20260502"
    (series,) = _events(cal, calendar.all_day_series.uid)
    assert series["RRULE"].to_ical() == b"FREQ=DAILY;UNTIL=20260612"


def test_lines_are_crlf_and_folded_at_75_octets(client, calendar):
    make_event(
        branch=calendar.jyllinge,
        title="Æ" * 150,
        description="ø" * 500 + "\n" + "😀" * 80,
        start=local(2026, 5, 5, 10, 0),
    )
    body = client.get("/feeds/calendar.ics").content
    assert body.endswith(b"END:VCALENDAR\r\n")
    lines = body.split(b"\r\n")
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert max(len(line) for line in lines) <= 75
    for line in lines:
        line.decode("utf-8")  # never split inside a character


def test_cancelled_event_stays_with_higher_sequence_and_drafts_never_appear(
    client, calendar, staff_client
):
    event = make_event(branch=calendar.jyllinge, title="Aflyses", start=local(2026, 5, 6, 19, 0))
    before = event.sequence
    services.event_cancel(event=event, reason="Vejret")
    (component,) = _events(_calendar(client, "/feeds/calendar.ics"), event.uid)
    assert component["STATUS"] == "CANCELLED"
    assert component["SEQUENCE"] > before
    assert component["SUMMARY"] == "Aflyst: Aflyses"
    # Drafts: not for anyone, not even for logged-in staff of the branch.
    factories.UserFactory(username="staff-feeds", branches=[calendar.jyllinge])
    client.force_login(factories.UserFactory(username="staff-feeds"))
    body = client.get("/feeds/calendar.ics").content
    assert calendar.draft.uid.encode() not in body
    assert client.get(f"/feeds/event/{calendar.draft.pk}.ics").status_code == 404


def test_window_is_configurable(client, calendar, settings):
    settings.FEED_PAST_DAYS = 400
    cal = _calendar(client, "/feeds/calendar.ics")
    assert _events(cal, calendar.old.uid)
    settings.FEED_PAST_DAYS, settings.FEED_FUTURE_DAYS = 0, 10
    cal = _calendar(client, "/feeds/calendar.ics?track=hygge")
    assert not _events(cal, calendar.single_moved.uid)  # September is beyond ten days


def test_single_event_file(client, calendar):
    response = client.get(f"/feeds/event/{calendar.weekly.pk}.ics")
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    cal = icalendar.Calendar.from_ical(response.content)
    assert {str(e["UID"]) for e in cal.walk("VEVENT")} == {calendar.weekly.uid}
    assert len(cal.walk("VEVENT")) == 4  # the series, one cancelled and two moved occurrences
    assert cal.walk("VTIMEZONE")
    assert client.get("/feeds/event/999999.ics").status_code == 404


def test_unknown_slugs_are_404_with_a_clear_message(client, calendar):
    response = client.get("/feeds/branch/atlantis.ics")
    assert response.status_code == 404
    assert "atlantis" in response.content.decode()
    response = client.get("/feeds/calendar.rss?track=hygge,nope")
    assert response.status_code == 404
    assert "nope" in response.content.decode()
    assert client.get("/feeds/stop/nowhere.atom").status_code == 404


@pytest.mark.parametrize(
    "query",
    ["branch=", "branch=jyllinge,<script>", "track=%C3%A6", "colour=blue", "branch=,,"],
)
def test_malformed_parameters_are_400(client, calendar, query):
    response = client.get(f"/feeds/calendar.ics?{query}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")


def test_google_limit_branch_calendar_of_a_busy_year_is_small(client, db):
    branch = factories.BranchFactory(name="Roskilde Bibliotek", slug="roskilde")
    for week in range(52):
        make_event(
            branch=branch,
            title=f"Arrangement {week} på Roskilde Bibliotek",
            description="Beskrivelse med æøå. " * 20,
            start=local(2026, 3, 2, 10, 0) + week * (local(2026, 1, 8) - local(2026, 1, 1)),
            tracks=[track("hygge"), track("fordybelse")],
        )
    make_event(branch=branch, title="Ugentlig", rrule="FREQ=WEEKLY", start=local(2026, 3, 3, 17, 0))
    body = client.get("/feeds/branch/roskilde.ics").content
    assert len(body) < 100_000
