"""Property tests: arbitrary Unicode titles, descriptions and places round-trip exactly through
every reader and never inject a property or a component."""

from __future__ import annotations

import html
import itertools
import re

import feedparser
import icalendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events import services
from tests import factories
from tests.conftest import has_node
from tests.factories import local, track
from tests.feeds.conftest import icaljs

pytestmark = pytest.mark.django_db

SPECIAL = st.sampled_from(
    [
        ",",
        ";",
        ":",
        "\\",
        "\\n",
        "\\,",
        "\r",
        "\n",
        "\r\n",
        '"',
        "😀",
        "👩‍👩‍👧",
        "æ",
        "ø",
        "å",
        "ÆØÅ",
        "\nEND:VEVENT\nBEGIN:VEVENT\nUID:evil\n",
        "\r\nSTATUS:CANCELLED",
        "\tx",
        "<b>",
        "&amp;",
        "]]>",
        "\u2028",
        "\x0b",
        "\x1f",
    ]
)
ANY = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=40)
PIECES = st.lists(st.one_of(ANY, SPECIAL), max_size=8).map("".join)


@st.composite
def user_text(draw, max_size):
    # Padding puts the multi-byte characters that follow at every offset of a folded line.
    pad = "a" * draw(st.integers(0, 80))
    return (pad + draw(st.sampled_from(["", "æøå", "😀", "ÆØÅ" * 30])) + draw(PIECES))[:max_size]


def published(text: str) -> str:
    """What a feed may publish for user text: line breaks as LF, no control characters
    besides TAB and LF (iCalendar TEXT and XML 1.0 cannot carry them)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in "\t\n" or not (ord(ch) < 32 or ord(ch) == 127))


_counter = itertools.count()
EXPECTED_PROPERTIES = {
    "UID",
    "DTSTAMP",
    "SEQUENCE",
    "DTSTART",
    "DTEND",
    "STATUS",
    "SUMMARY",
    "DESCRIPTION",
    "LOCATION",
    "GEO",
    "URL",
    "CATEGORIES",
    "CREATED",
    "LAST-MODIFIED",
}


def _event(title, description, place):
    n = next(_counter)
    branch = factories.BranchFactory(
        name=f"Bibliotek {n}",
        slug=f"prop-{n}",
        address="Vej 1",
        postal_code="4000",
        city="Roskilde",
    )
    event = services.event_create(
        branch=branch,
        title=title,
        description=description,
        place=place,
        start=local(2026, 3, 10, 19, 0),
        end=local(2026, 3, 10, 21, 0),
        tracks=[track("hygge")],
        status="published",
    )
    return branch, event


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(title=user_text(200), description=user_text(600), place=user_text(300))
def test_text_round_trips_through_ical_readers_and_injects_nothing(
    client, title, description, place
):
    if not title.strip():
        title = "x" + title
    branch, event = _event(title, description, place)
    body = client.get(f"/feeds/event/{event.pk}.ics").content

    lines = body.split(b"\r\n")
    assert lines[-1] == b""
    for line in lines:
        assert len(line) <= 75
        assert b"\r" not in line
        assert b"\n" not in line
        line.decode("utf-8")

    expected_summary = published(event.title)
    expected_description = published(event.description)
    expected_location = published(
        ", ".join(p for p in (event.place, branch.name, "Vej 1, 4000 Roskilde") if p)
    )

    cal = icalendar.Calendar.from_ical(body)
    (vevent,) = cal.walk("VEVENT")
    assert len(cal.subcomponents) == 2  # the VTIMEZONE and the one event
    expected_names = EXPECTED_PROPERTIES - (set() if expected_description else {"DESCRIPTION"})
    assert set(vevent.keys()) == expected_names
    assert str(vevent["SUMMARY"]) == expected_summary
    assert str(vevent.get("DESCRIPTION", "")) == expected_description
    assert str(vevent["LOCATION"]) == expected_location
    assert vevent["STATUS"] == "CONFIRMED"

    if has_node():
        (instance,) = icaljs(body)["instances"]
        assert instance["summary"] == expected_summary
        assert (instance["description"] or "") == expected_description
        assert instance["location"] == expected_location
        assert instance["status"] == "CONFIRMED"


def _xml_text(text: str) -> str:
    """As published(), and without C1 controls and U+FFFE/U+FFFF, which XML cannot carry."""
    return "".join(
        ch for ch in published(text) if not (0x80 <= ord(ch) < 0xA0 or ord(ch) in (0xFFFE, 0xFFFF))
    )


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(title=user_text(200), description=user_text(600), place=user_text(300))
def test_text_round_trips_through_feedparser_and_injects_nothing(client, title, description, place):
    if not title.strip():
        title = "x" + title
    branch, event = _event(title, description, place)
    for fmt in ("rss", "atom"):
        parsed = feedparser.parse(client.get(f"/feeds/branch/{branch.slug}.{fmt}").content)
        assert not parsed.bozo, parsed.get("bozo_exception")
        (entry,) = parsed.entries

        # feedparser collapses whitespace in titles, and RSS titles are read as HTML by
        # convention (so "&amp" in an RSS title reads as "&" in every reader, ours included).
        def norm(text: str, fmt=fmt) -> str:
            text = html.unescape(text) if fmt == "rss" else text
            return re.sub(r"\s+", " ", text).strip()

        assert norm(entry.title) == norm(_xml_text(event.title))
        summary = html.unescape(re.sub(r"<[^>]+>", " ", entry.summary))
        for word in re.findall(r"\w+", _xml_text(event.description)):
            assert word in summary
        assert [t.term for t in entry.tags] == [branch.name, "Hygge"]
