"""An event's picture in the feeds, read back by independent readers: RFC 7986 IMAGE in
iCalendar (icalendar, recurring-ical-events, Mozilla's ical.js), an enclosure and Media RSS in
RSS (feedparser), a link rel=enclosure in Atom (feedparser). Setting or removing a picture
rebuilds the event's cached piece."""

from __future__ import annotations

import feedparser
import icalendar
import pytest
import recurring_ical_events

from events import services
from events.models import Event
from tests.factories import BranchFactory, local, make_event
from tests.feeds.conftest import SITE, feed_window, icaljs
from tests.pictures import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def pictured(settings, tmp_path, django_capture_on_commit_callbacks):
    """A weekly series with a picture (one date cancelled, so it has an override) and a
    single event without one."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    branch = BranchFactory(slug="jyllinge", name="Jyllinge Bibliotek")
    with django_capture_on_commit_callbacks(execute=True):
        series = make_event(
            branch=branch,
            title="Lego-klub",
            start=local(2026, 3, 10, 16, 0),
            rrule="FREQ=WEEKLY;COUNT=4",
            image=upload(),
            image_alt="Børn bygger med LEGO",
        )
        services.occurrence_cancel(occurrence=series.occurrences.order_by("start")[1], reason="")
        plain = make_event(branch=branch, title="Foredrag", start=local(2026, 3, 12, 19, 0))
    series.refresh_from_db()
    return series, plain


def _image_url(event: Event) -> str:
    return SITE + event.image.url


def test_ical_image_read_by_icalendar_and_recurring_ical_events(client, pictured):
    series, _plain = pictured
    body = client.get("/feeds/branch/jyllinge.ics").content
    calendar = icalendar.Calendar.from_ical(body)
    seen = {}
    for vevent in calendar.walk("VEVENT"):
        image = vevent.get("IMAGE")
        seen.setdefault(str(vevent["SUMMARY"]), []).append(image)
        if str(vevent["UID"]) == series.uid:
            assert str(image) == _image_url(series)
            assert image.params["VALUE"] == "URI"
            assert list(image.params["DISPLAY"]) == ["BADGE", "FULLSIZE"]
            assert image.params["FMTTYPE"] == "image/jpeg"
    assert len(seen["Lego-klub"]) == 1
    assert len(seen["Aflyst: Lego-klub"]) == 1
    assert seen["Foredrag"] == [None]
    start, end = feed_window()
    instances = recurring_ical_events.of(calendar).between(start, end)
    by_title = {}
    for instance in instances:
        by_title.setdefault(str(instance["SUMMARY"]), []).append(str(instance.get("IMAGE", "")))
    assert by_title["Lego-klub"] == [_image_url(series)] * 3
    assert by_title["Aflyst: Lego-klub"] == [_image_url(series)]
    assert by_title["Foredrag"] == [""]


@pytest.mark.node
def test_ical_image_read_by_icaljs(client, pictured):
    series, _plain = pictured
    result = icaljs(client.get("/feeds/branch/jyllinge.ics").content)
    images = {(i["summary"], i["image"], i["image_display"]) for i in result["instances"]}
    assert images == {
        ("Lego-klub", _image_url(series), "BADGE,FULLSIZE"),
        ("Aflyst: Lego-klub", _image_url(series), "BADGE,FULLSIZE"),
        ("Foredrag", None, None),
    }


def test_rss_enclosure_and_media_rss_read_by_feedparser(client, pictured, settings):
    series, _plain = pictured
    parsed = feedparser.parse(client.get("/feeds/branch/jyllinge.rss").content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    entries = {e.title: e for e in parsed.entries}
    lego = entries["Lego-klub"]
    [enclosure] = lego.enclosures
    assert enclosure.href == _image_url(series)
    assert enclosure.type == "image/jpeg"
    assert int(enclosure.length) == series.image.size > 0
    [content] = lego.media_content
    assert content["url"] == _image_url(series)
    assert (content["width"], content["height"]) == ("1200", "1800")
    assert lego.media_thumbnail[0]["url"] == SITE + series.image_thumbnail.url
    # the text shows the picture with its alt text, then the dates as before
    assert lego.summary.startswith(
        f'<p><img alt="Børn bygger med LEGO" height="1800" src="{_image_url(series)}" '
        'width="1200" /></p>'
    ), lego.summary
    assert "Sted: " in lego.summary
    assert entries["Foredrag"].enclosures == []


def test_atom_link_rel_enclosure_read_by_feedparser(client, pictured):
    series, _plain = pictured
    parsed = feedparser.parse(client.get("/feeds/branch/jyllinge.atom").content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    entries = {e.title: e for e in parsed.entries}
    links = [link for link in entries["Lego-klub"].links if link.rel == "enclosure"]
    assert [(link.href, link.type) for link in links] == [(_image_url(series), "image/jpeg")]
    assert not [link for link in entries["Foredrag"].links if link.rel == "enclosure"]


def test_setting_and_removing_a_picture_rebuilds_the_cached_piece(
    client, pictured, django_capture_on_commit_callbacks
):
    _series, plain = pictured
    first = client.get("/feeds/branch/jyllinge.ics")
    assert first.content.count(b"IMAGE;") == 2  # the series and its override
    with django_capture_on_commit_callbacks(execute=True):
        plain = services.event_update(event=plain, image=upload(), image_alt="En taler")
    second = client.get("/feeds/branch/jyllinge.ics")
    assert second["ETag"] != first["ETag"]
    assert second.content.count(b"IMAGE;") == 3
    assert (SITE + plain.image.url).encode() in second.content.replace(b"\r\n ", b"")
    with django_capture_on_commit_callbacks(execute=True):
        services.event_update(event=plain, image=None)
    assert client.get("/feeds/branch/jyllinge.ics").content.count(b"IMAGE;") == 2
    one = client.get(f"/feeds/event/{plain.pk}.ics").content
    assert b"IMAGE;" not in one
