"""Feed builders: pure functions, events in, text or bytes out. No queries, no settings, no
clock: whatever they need is passed in, so equal inputs give byte-identical feeds.

What the feeds say is Danish whatever the request's language: a subscribed calendar must read
the same for everyone who subscribes to the URL, and Google's fetcher sends no Accept-Language.

How a series is published (and why it agrees with the API):

- One VEVENT carries the rule (RRULE as stored, UNTIL in UTC; as a DATE for all-day events),
  DTSTART at the first date the rule gives, and EXDATE for the dates the series excludes.
  A series of explicit dates (one imported from dpl-cms) is DTSTART at its first date and
  RDATE for the others; its overrides are as a rule's.
- A cancelled occurrence is an override (RECURRENCE-ID) with STATUS:CANCELLED, so that every
  occurrence the API lists, cancelled or not, is one instance in every reader with the same
  status; a moved one (other time or room) is an override with its own DTSTART/DTEND/LOCATION.
- An occurrence that no longer fits the rule but is kept ("detached") is a VEVENT of its own,
  with a UID derived from the event's.
- Open-ended rules are published open-ended. The API materialises occurrences 13 months ahead
  (the nightly horizon job), which is also how far the feed window reaches, so inside the
  window both give the same occurrences; beyond it a reader shows what the rule promises and
  the API lists those dates as soon as the horizon reaches them. Bounding the rule at the
  horizon instead would change every series' text, and every feed's ETag, each night.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import feedgenerator
from django.utils.html import escape

from .ical import (
    CRLF,
    TZID,
    date_stamp,
    duration_minutes,
    escape_text,
    exclusive_end_date,
    fold,
    local_stamp,
    prop,
    quote_param,
    text_prop,
    utc_stamp,
    vtimezone,
)
from .ical import (
    clean_text as _clean_ical,
)

LOCAL_TZ = ZoneInfo(TZID)
DASH = "\u2013"  # en dash between times, as Danish typography has it
PRODID = "-//Roskilde Bibliotekerne//Arrangementskalender 1.0//DA"
ORGANISATION = "Roskilde Bibliotekerne"
CANCELLED_PREFIX = "Aflyst: "
# Bump when the VEVENT text changes shape: every stored piece is then rebuilt on first read.
BUILDER_VERSION = 2  # 2: IMAGE (RFC 7986) for events with a picture
# A fixed date for feeds with no items, so that an empty feed is byte-identical too.
EMPTY_FEED_DATE = datetime(2016, 1, 1, tzinfo=LOCAL_TZ)

_WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
_MONTHS = (
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
)


# --- one event ----------------------------------------------------------------------------


def location_text(event, room=None) -> str:
    """Where, in Danish reading order: room, place, bookmobile stop, branch, address."""
    room = room if room is not None else event.room
    stop = event.stop
    parts = [
        room.name if room else "",
        event.place,
        stop.name if stop else "",
        event.branch.name,
        (stop or event.branch).full_address,
    ]
    return ", ".join(p for p in parts if p)


def _geo(event) -> str | None:
    for holder in (event.stop, event.branch):
        if holder is not None and holder.latitude is not None and holder.longitude is not None:
            return f"{float(holder.latitude):.6f};{float(holder.longitude):.6f}"
    return None


def _organizer(event) -> str | None:
    email = "".join(ch for ch in (event.branch.email or "") if ch > " " and ch not in '"<>')
    if not email:
        return None
    return fold(f"ORGANIZER;CN={quote_param(event.branch.name)}:mailto:{email}")


def _when(name: str, moment: datetime, all_day: bool) -> str:
    if all_day:
        return f"{name};VALUE=DATE:{date_stamp(moment.astimezone(LOCAL_TZ).date())}{CRLF}"
    return f"{name};TZID={TZID}:{local_stamp(moment, LOCAL_TZ)}{CRLF}"


def _end(start: datetime, end: datetime, all_day: bool) -> str:
    if all_day:
        day = exclusive_end_date(start.astimezone(LOCAL_TZ).date(), end, LOCAL_TZ)
        return f"DTEND;VALUE=DATE:{date_stamp(day)}{CRLF}"
    return f"DTEND;TZID={TZID}:{local_stamp(end, LOCAL_TZ)}{CRLF}"


def _rrule(event) -> str:
    if not event.all_day:
        return event.rrule
    parts = []
    for chunk in event.rrule.split(";"):
        key, _sep, value = chunk.partition("=")
        if key == "UNTIL" and "T" in value:
            until = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=ZoneInfo("UTC"))
            value = date_stamp(until.astimezone(LOCAL_TZ).date())
        parts.append(f"{key}={value}")
    return ";".join(parts)


@dataclass(frozen=True)
class _Texts:
    summary: str
    description: str


def _texts(event, cancelled: bool, reason: str) -> _Texts:
    if not cancelled:
        return _Texts(event.title, event.description)
    note = "Aflyst" + (f": {reason}" if reason else ".")
    description = f"{note}\n\n{event.description}" if event.description else note
    return _Texts(CANCELLED_PREFIX + event.title, description)


def _component(
    *,
    uid: str,
    event,
    start: datetime,
    end: datetime,
    status: str,
    texts: _Texts,
    room,
    url: str,
    rule_lines: str = "",
    recurrence_id: str = "",
    image_url: str = "",
) -> str:
    out = [
        "BEGIN:VEVENT" + CRLF,
        fold(f"UID:{uid}"),
        f"DTSTAMP:{utc_stamp(event.updated_at)}{CRLF}",
        f"SEQUENCE:{event.sequence}{CRLF}",
        _when("DTSTART", start, event.all_day),
        _end(start, end, event.all_day),
        rule_lines,
        recurrence_id,
        f"STATUS:{status}{CRLF}",
        text_prop("SUMMARY", texts.summary),
    ]
    if texts.description:
        out.append(text_prop("DESCRIPTION", texts.description))
    out.append(text_prop("LOCATION", location_text(event, room)))
    geo = _geo(event)
    if geo:
        out.append(f"GEO:{geo}{CRLF}")
    out.append(prop("URL;VALUE=URI", url))
    if image_url:
        # RFC 7986 5.10: the picture, shown as the event's badge and full size.
        out.append(prop("IMAGE;VALUE=URI;DISPLAY=BADGE,FULLSIZE;FMTTYPE=image/jpeg", image_url))
    tracks = [t.name_da for t in event.tracks.all()]
    if tracks:
        out.append(fold("CATEGORIES:" + ",".join(escape_text(t) for t in tracks)))
    organizer = _organizer(event)
    if organizer:
        out.append(organizer)
    out += [
        f"CREATED:{utc_stamp(event.created_at)}{CRLF}",
        f"LAST-MODIFIED:{utc_stamp(event.updated_at)}{CRLF}",
        "END:VEVENT" + CRLF,
    ]
    return "".join(out)


def detached_uid(event, occurrence) -> str:
    """The UID of an occurrence published on its own: derived from the event's, stable."""
    return f"occurrence-{occurrence.pk}.{event.uid}"


def _series_lines(event, recurrence) -> str:
    """RRULE for a rule; RDATE for explicit dates, as DATE values for an all-day series and
    local times in the feed's zone otherwise. The first date (DTSTART) is listed too: RFC 5545
    counts it once either way, and ical.js only expands an RDATE series from its RDATE list."""
    if event.rrule:
        return fold(f"RRULE:{_rrule(event)}")
    starts = [event.start, *recurrence.explicit_starts(event.rdates)]
    if event.all_day:
        values = [date_stamp(s.astimezone(LOCAL_TZ).date()) for s in starts]
        return fold("RDATE;VALUE=DATE:" + ",".join(values))
    values = [local_stamp(s, LOCAL_TZ) for s in starts]
    return fold(f"RDATE;TZID={TZID}:" + ",".join(values))


def _first_start(event, recurrence) -> datetime:
    """The first start the rule gives (DTSTART must be an instance for every reader)."""
    horizon = event.start + timedelta(days=366 * 10)
    starts = recurrence.expand(start=event.start, rule=event.rrule, until=horizon)
    return next(iter(starts), event.start)


def event_vevents(
    event, occurrences: Sequence, *, site_url: str, recurrence, image_url: str = ""
) -> str:
    """All VEVENT text of one event: the event or series, its overrides and its detached
    occurrences. ``occurrences`` are all of the event's occurrences (any order);
    ``recurrence`` is ``events.recurrence`` (passed in so this module stays free of the core);
    ``image_url`` the absolute URL of its picture, if it has one.
    """
    url = site_url + event.get_absolute_url()
    event_cancelled = event.is_cancelled
    ordered = sorted(occurrences, key=lambda o: (o.original_start, o.pk))
    attached = [o for o in ordered if not o.detached]
    out: list[str] = []

    def status_of(occurrence=None) -> str:
        cancelled = event_cancelled if occurrence is None else occurrence.is_cancelled
        return "CANCELLED" if cancelled else "CONFIRMED"

    def texts_of(occurrence=None) -> _Texts:
        if event_cancelled:
            return _texts(event, True, event.cancel_reason)
        if occurrence is not None and occurrence.is_cancelled:
            return _texts(event, True, occurrence.cancel_reason)
        return _texts(event, False, "")

    if not event.rrule and not event.rdates:
        occ = attached[0] if attached else None
        start, end = (occ.start, occ.end) if occ else (event.start, event.end)
        room = (occ.room or event.room) if occ else event.room
        out.append(
            _component(
                uid=event.uid,
                event=event,
                start=start,
                end=end,
                status=status_of(occ),
                texts=texts_of(occ),
                room=room,
                url=url,
                image_url=image_url,
            )
        )
    else:
        first = _first_start(event, recurrence)
        rule_lines = _series_lines(event, recurrence)
        if event.exdates:
            wall = first.astimezone(LOCAL_TZ).time().replace(tzinfo=None)
            if event.all_day:
                values = [d.replace("-", "") for d in event.exdates]
                rule_lines += fold("EXDATE;VALUE=DATE:" + ",".join(values))
            else:
                slots = [
                    recurrence.to_aware(datetime.combine(date.fromisoformat(d), wall))
                    for d in event.exdates
                ]
                values = [local_stamp(slot, LOCAL_TZ) for slot in slots]
                rule_lines += fold(f"EXDATE;TZID={TZID}:" + ",".join(values))
        out.append(
            _component(
                uid=event.uid,
                event=event,
                start=first,
                end=first + (event.end - event.start),
                status=status_of(),
                texts=texts_of(),
                room=event.room,
                url=url,
                rule_lines=rule_lines,
                image_url=image_url,
            )
        )
        for occ in attached:
            if not (occ.status == "cancelled" or occ.moved or occ.room_id):
                continue  # the rule gives it as it is
            rid = _when("RECURRENCE-ID", occ.original_start, event.all_day)
            out.append(
                _component(
                    uid=event.uid,
                    event=event,
                    start=occ.start,
                    end=occ.end,
                    status=status_of(occ),
                    texts=texts_of(occ),
                    room=occ.room or event.room,
                    url=url,
                    recurrence_id=rid,
                    image_url=image_url,
                )
            )
    for occ in ordered:
        if occ.detached:
            out.append(
                _component(
                    uid=detached_uid(event, occ),
                    event=event,
                    start=occ.start,
                    end=occ.end,
                    status=status_of(occ),
                    texts=texts_of(occ),
                    room=occ.room or event.room,
                    url=url,
                    image_url=image_url,
                )
            )
    return "".join(out)


# --- a calendar ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarHead:
    name: str
    description: str
    refresh_minutes: int
    first_year: int
    last_year: int


CALENDAR_END = ("END:VCALENDAR" + CRLF).encode()


def calendar_bytes(head: CalendarHead, pieces: Iterable[bytes]) -> bytes:
    """A VCALENDAR from a header, the VTIMEZONE and pre-serialized VEVENT pieces (UTF-8)."""
    return b"".join([calendar_head_bytes(head), *pieces, CALENDAR_END])


def calendar_head_bytes(head: CalendarHead) -> bytes:
    """Everything of a VCALENDAR before its first VEVENT: properties and the VTIMEZONE."""
    refresh = duration_minutes(head.refresh_minutes)
    parts = [
        "BEGIN:VCALENDAR" + CRLF,
        "VERSION:2.0" + CRLF,
        prop("PRODID", PRODID),
        "CALSCALE:GREGORIAN" + CRLF,
        "METHOD:PUBLISH" + CRLF,
        text_prop("X-WR-CALNAME", head.name),
        text_prop("NAME", head.name),
        text_prop("X-WR-CALDESC", head.description),
        text_prop("DESCRIPTION", head.description),
        f"X-WR-TIMEZONE:{TZID}{CRLF}",
        f"REFRESH-INTERVAL;VALUE=DURATION:{refresh}{CRLF}",
        f"X-PUBLISHED-TTL:{refresh}{CRLF}",
        vtimezone(head.first_year, head.last_year),
    ]
    return "".join(parts).encode("utf-8")


def calendar_name(groups: Sequence[Sequence[str]]) -> str:
    """ "Roskilde Bibliotekerne: Jyllinge Bibliotek · Hygge" from the selection's names, one
    group per kind (branches, stops, tracks, audiences)."""
    named = [", ".join(g) for g in groups if g]
    return f"{ORGANISATION}: " + " · ".join(named) if named else ORGANISATION


def calendar_description(name: str, *, past_days: int, future_days: int) -> str:
    return (
        f"{name}. Arrangementer fra {past_days} dage tilbage til {future_days} dage frem; "
        "aflyste og flyttede arrangementer opdateres automatisk."
    )


# --- RSS and Atom -------------------------------------------------------------------------

# XML 1.0 forbids U+FFFE and U+FFFF and discourages the C1 controls, which feed readers
# read as Windows-1252 (U+0080 becomes a euro sign).
_NOT_XML = dict.fromkeys([*range(0x80, 0xA0), 0xFFFE, 0xFFFF])


def clean_text(value: str) -> str:
    """Text as the XML feeds publish it: as in iCalendar, and without C1 controls and the two
    code points XML 1.0 forbids."""
    return _clean_ical(value).translate(_NOT_XML)


def danish_date(day: date) -> str:
    return f"{_WEEKDAYS[day.weekday()]} {day.day}. {_MONTHS[day.month - 1]} {day.year}"


def when_text(start: datetime, end: datetime, all_day: bool) -> str:
    """ "tirsdag 1. september 2026 kl. 19.00-21.00" (Danish, local time, with an en dash)."""
    s, e = start.astimezone(LOCAL_TZ), end.astimezone(LOCAL_TZ)
    if all_day:
        last = (e - timedelta(seconds=1)).date()
        if last <= s.date():
            return f"{danish_date(s.date())} (hele dagen)"
        return f"{danish_date(s.date())} {DASH} {danish_date(last)}"
    if s.date() == e.date():
        return f"{danish_date(s.date())} kl. {s:%H.%M}{DASH}{e:%H.%M}"
    return f"{danish_date(s.date())} kl. {s:%H.%M} {DASH} {danish_date(e.date())} kl. {e:%H.%M}"


@dataclass(frozen=True)
class FeedImage:
    """An event's picture in a feed item: the large JPEG (enclosure) and its thumbnail."""

    url: str
    length: int
    width: int
    height: int
    alt: str
    thumbnail_url: str
    thumbnail_width: int
    thumbnail_height: int
    mime_type: str = "image/jpeg"


@dataclass(frozen=True)
class FeedItem:
    guid: str
    title: str
    link: str
    description_html: str
    published: datetime
    updated: datetime
    categories: tuple[str, ...]
    when: tuple[str, ...] = field(default=())
    image: FeedImage | None = None


MAX_DATES_IN_ITEM = 5


def feed_item(
    event, upcoming: Sequence, *, site_url: str, uid_domain: str, image: FeedImage | None = None
) -> FeedItem:
    """One RSS/Atom item: an event with its next dates and place in the text. ``upcoming``
    are its occurrences from today on, in any order; ``image`` its picture, if any."""
    cancelled = event.is_cancelled
    occurrences = sorted(upcoming, key=lambda o: (o.start, o.pk))
    dates = []
    for occ in occurrences[:MAX_DATES_IN_ITEM]:
        text = when_text(occ.start, occ.end, event.all_day)
        if occ.is_cancelled and not cancelled:
            text += " (aflyst)"
        dates.append(text)
    if len(occurrences) > MAX_DATES_IN_ITEM:
        dates.append(f"og {len(occurrences) - MAX_DATES_IN_ITEM} gange mere")
    if not dates:
        dates.append(when_text(event.start, event.end, event.all_day))
    place = clean_text(location_text(event))
    html = [f"<p>{'<br>'.join(escape(d) for d in dates)}</p>", f"<p>Sted: {escape(place)}</p>"]
    if cancelled:
        reason = clean_text(event.cancel_reason)
        html.insert(0, f"<p><strong>Aflyst</strong>{': ' + escape(reason) if reason else ''}</p>")
    description = clean_text(event.description)
    if description:
        paragraphs = [p for p in description.split("\n\n") if p.strip()]
        html += [f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs]
    if image is not None:
        html.insert(
            0,
            f'<p><img src="{escape(image.url)}" alt="{escape(clean_text(image.alt))}" '
            f'width="{image.width}" height="{image.height}"></p>',
        )
    title = clean_text(event.title)
    return FeedItem(
        guid=f"tag:{uid_domain},2016:event:{event.uid}",
        title=CANCELLED_PREFIX + title if cancelled else title,
        link=site_url + event.get_absolute_url(),
        description_html="".join(html),
        published=event.created_at,
        updated=event.updated_at,
        categories=tuple(
            clean_text(c) for c in [event.branch.name, *(t.name_da for t in event.tracks.all())]
        ),
        when=tuple(dates),
        image=image,
    )


def _latest_post_date(feed) -> datetime:
    """The newest item's update time; a fixed date for an empty feed (Django would use now)."""
    dates = [i["updateddate"] for i in feed.items if i.get("updateddate")]
    return max(dates) if dates else EMPTY_FEED_DATE


def _calendar_link_elements(feed, handler, tag: str) -> None:
    for rel, kind, href in feed.feed.get("calendar_links", ()):
        handler.addQuickElement(tag, None, {"rel": rel, "type": kind, "href": href})


MEDIA_RSS = "http://search.yahoo.com/mrss/"


class _Rss(feedgenerator.Rss201rev2Feed):
    def latest_post_date(self):
        return _latest_post_date(self)

    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:media": MEDIA_RSS}

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        _calendar_link_elements(self, handler, "atom:link")

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        image: FeedImage | None = item.get("picture")
        if image is None:
            return
        # Media RSS: the picture with its size, and the thumbnail. (No media:description: feed
        # readers take it for the item's summary; the alt text is on the <img> in the text.)
        handler.addQuickElement(
            "media:content",
            None,
            {
                "url": image.url,
                "medium": "image",
                "type": image.mime_type,
                "width": str(image.width),
                "height": str(image.height),
            },
        )
        handler.addQuickElement(
            "media:thumbnail",
            None,
            {
                "url": image.thumbnail_url,
                "width": str(image.thumbnail_width),
                "height": str(image.thumbnail_height),
            },
        )


class _Atom(feedgenerator.Atom1Feed):
    def latest_post_date(self):
        return _latest_post_date(self)

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        _calendar_link_elements(self, handler, "link")


@dataclass(frozen=True)
class FeedHead:
    title: str
    description: str
    link: str
    feed_url: str
    ics_url: str
    webcal_url: str
    google_url: str


def syndication_bytes(fmt: str, head: FeedHead, items: Iterable[FeedItem]) -> bytes:
    """RSS 2.0 (``fmt="rss"``) or Atom 1.0 (``"atom"``) of the items, in the order given."""
    cls = _Rss if fmt == "rss" else _Atom
    feed = cls(
        title=head.title,
        link=head.link,
        description=head.description,
        language="da",
        feed_url=head.feed_url,
        feed_guid=head.feed_url,
        calendar_links=(
            ("alternate", "text/calendar", head.ics_url),
            ("alternate", "text/calendar", head.webcal_url),
            ("related", "text/html", head.google_url),
        ),
    )
    for item in items:
        feed.add_item(
            title=item.title,
            link=item.link,
            description=item.description_html,
            unique_id=item.guid,
            unique_id_is_permalink=False,
            pubdate=item.published,
            updateddate=item.updated,
            categories=list(item.categories),
            enclosures=(
                [feedgenerator.Enclosure(item.image.url, str(item.image.length), "image/jpeg")]
                if item.image
                else None
            ),
            picture=item.image,
        )
    return feed.writeString("utf-8").encode("utf-8")
