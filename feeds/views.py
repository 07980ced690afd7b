"""iCal, RSS and Atom over HTTP: parse the URL into a selection, answer from the feed cache.

Feeds are public and anonymous whoever asks (a logged-in staff member gets the same feed as
everyone, never drafts), and they do not depend on the request's language, Accept header or
host, so one cached body serves every request for a URL. See ``feeds/links.py`` for the URLs.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.http import parse_http_date_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from events import selectors
from events.clock import local_today
from events.models import LOCAL_TZ, Audience, Branch, Event, Stop, Track

from . import builders, cache, links, tasks
from .pieces import feed_image, piece_for_event, pieces_fill, pieces_for_window, recipe, site_url

CONTENT_TYPES = {
    "ics": "text/calendar; charset=utf-8",
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
}
# the query parameters a feed takes (the selection's slugs; no dates: the window is fixed)
PARAMETERS = ("branch", "stop", "track", "audience")
RSS_MAX_ITEMS = 100


class BadParameter(ValueError):
    pass


def feed_today():
    """Today in Copenhagen: the feed window moves by whole days (tests replace this)."""
    return local_today()


def window(today=None) -> tuple[datetime, datetime]:
    """[local midnight FEED_PAST_DAYS ago, local midnight after FEED_FUTURE_DAYS ahead)."""
    today = today or feed_today()
    start, end = selectors.local_day_bounds(
        today - timedelta(days=settings.FEED_PAST_DAYS),
        today + timedelta(days=settings.FEED_FUTURE_DAYS),
    )
    return start, end  # type: ignore[return-value]  # both dates given, so both set


def parse_selection(query, kind: str | None = None, slug: str | None = None) -> selectors.Selection:
    """A Selection from a path slug and the query string (``selectors.selection_parse``, the
    one reading every interface shares); raises BadParameter on anything it refuses, unknown
    parameters included."""
    path = (kind, slug) if kind is not None and slug is not None else None
    parsed = selectors.selection_parse(query, slugs=PARAMETERS, path=path)
    if parsed.unknown:
        raise BadParameter(
            _("Unknown parameter %(names)s; use %(known)s.")
            % {"names": ", ".join(parsed.unknown), "known": ", ".join(PARAMETERS)}
        )
    for messages in parsed.errors.values():
        raise BadParameter(messages[0])
    return parsed.selection


def _text(status: int, message: str) -> HttpResponse:
    return HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")


def _unknown(exc: selectors.UnknownSlug) -> HttpResponse:
    label = {
        "branch": _("branch"),
        "stop": _("bookmobile stop"),
        "track": _("track"),
        "audience": _("audience"),
    }.get(exc.field_name, exc.field_name)
    return _text(
        404,
        _("No %(kind)s is called %(slugs)s.") % {"kind": label, "slugs": ", ".join(exc.slugs)},
    )


def _not_modified(request: HttpRequest, entry: cache.FeedEntry) -> bool:
    """RFC 9110 13.1: If-None-Match (weak comparison) decides when present, otherwise
    If-Modified-Since. A fast path of django.utils.cache.get_conditional_response for GET."""
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        if if_none_match.strip() == "*":
            return True
        bare = entry.etag
        for tag in if_none_match.split(","):
            tag = tag.strip()
            if tag == bare or (tag.startswith("W/") and tag[2:] == bare):
                return True
        return False
    if_modified_since = request.META.get("HTTP_IF_MODIFIED_SINCE")
    if if_modified_since:
        since = parse_http_date_safe(if_modified_since)
        return since is not None and entry.last_modified <= since
    return False


def _respond(request: HttpRequest, entry: cache.FeedEntry) -> HttpResponse:
    if _not_modified(request, entry):
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(entry.body, content_type=entry.content_type)
        if entry.filename:
            response["Content-Disposition"] = f'attachment; filename="{entry.filename}"'
    response["ETag"] = entry.etag
    response["Last-Modified"] = entry.last_modified_http
    response["Cache-Control"] = _cache_control()
    return response


def _cache_control() -> str:
    """Clients refresh every FEED_REFRESH_MINUTES; shared caches may keep a copy a quarter
    of that and serve it stale while they revalidate."""
    refresh = settings.FEED_REFRESH_MINUTES * 60
    return f"public, max-age={max(refresh // 4, 60)}, stale-while-revalidate={refresh}"


def _names(selection: selectors.Selection) -> list[list[str]]:
    def names(model, slugs, attr):
        if not slugs:
            return []
        return [getattr(o, attr) for o in model.objects.filter(slug__in=slugs)]

    return [
        names(Branch, selection.branches, "name"),
        names(Stop, selection.stops, "name"),
        names(Track, selection.tracks, "name_da"),
        names(Audience, selection.audiences, "name_da"),
    ]


def _build_calendar(selection: selectors.Selection, identity: str) -> cache.FeedEntry:
    start, end = window()
    today = feed_today()
    today_start = datetime.combine(today, datetime.min.time(), tzinfo=LOCAL_TZ)
    pieces = pieces_for_window(selection=selection, start=start, end=end, now=today_start)
    name = builders.calendar_name(_names(selection))
    first_year = min(
        pieces.first_start.astimezone(LOCAL_TZ).year if pieces.first_start else start.year,
        start.year,
    )
    head = builders.CalendarHead(
        name=name,
        description=builders.calendar_description(
            name, past_days=settings.FEED_PAST_DAYS, future_days=settings.FEED_FUTURE_DAYS
        ),
        refresh_minutes=settings.FEED_REFRESH_MINUTES,
        first_year=first_year,
        last_year=end.year + 1,
    )
    head_bytes = builders.calendar_head_bytes(head)
    room = settings.FEED_MAX_BYTES - len(head_bytes) - len(builders.CALENDAR_END)
    pieces = pieces_fill(pieces, room=room)
    body = b"".join([head_bytes, *pieces.data, builders.CALENDAR_END])
    # The body is the head, the pieces in order and the end: hashing the head and the pieces'
    # digests identifies it as well as hashing all of it, for a fraction of the work.
    fingerprint = hashlib.blake2b(digest_size=16)
    fingerprint.update(head_bytes)
    fingerprint.update(",".join(pieces.digests).encode())
    etag = f'"{fingerprint.hexdigest()}"'
    modified = int(pieces.last_modified.timestamp()) if pieces.last_modified else 0
    if not pieces.complete:
        tasks.pieces_rebuild_soon()
    return cache.make_entry(
        etag=etag,
        identity=identity,
        body=body,
        modified=modified,
        content_type=CONTENT_TYPES["ics"],
        complete=pieces.complete,
    )


def _build_syndication(fmt: str, selection: selectors.Selection, identity: str) -> cache.FeedEntry:
    today = feed_today()
    start, _first = selectors.local_day_bounds(today, today)
    _start, end = window(today)
    upcoming = selectors.occurrence_list(selection=selection, start=start, end=end)
    events = list(
        selectors.event_list(selection=selection)
        .filter(pk__in=upcoming.values("event_id"))
        .order_by("-created_at", "-pk")[:RSS_MAX_ITEMS]
    )
    by_event: dict[int, list] = {e.pk: [] for e in events}
    for occ in upcoming.filter(event_id__in=list(by_event)):
        by_event[occ.event_id].append(occ)
    base = site_url()
    items = [
        builders.feed_item(
            e,
            by_event[e.pk],
            site_url=base,
            uid_domain=settings.EVENT_UID_DOMAIN,
            image=feed_image(e),
        )
        for e in events
    ]
    name = builders.calendar_name(_names(selection))
    kwargs = {
        "branches": selection.branches,
        "stops": selection.stops,
        "tracks": selection.tracks,
        "audiences": selection.audiences,
    }
    subscribe = links.calendar_links(**kwargs)
    head = builders.FeedHead(
        title=name,
        description=f"Kommende arrangementer: {name}. Nyeste annoncering først.",
        link=base + "/",
        feed_url=subscribe[fmt],
        ics_url=subscribe["ics"],
        webcal_url=subscribe["webcal"],
        google_url=subscribe["google"],
    )
    body = builders.syndication_bytes(fmt, head, items)
    modified = max((int(i.updated.timestamp()) for i in items), default=0)
    return cache.make_entry(
        identity=identity, body=body, modified=modified, content_type=CONTENT_TYPES[fmt]
    )


def _stamp() -> str:
    return cache.stamp(_day_and_recipe)


def _day_and_recipe() -> str:
    return f"{feed_today()}|{recipe()}"


@require_safe
def selection_feed(
    request: HttpRequest, fmt: str, kind: str | None = None, slug: str | None = None
):
    """/feeds/calendar.<fmt>[?branch=..&stop=..&track=..&audience=..] and
    /feeds/<branch|stop|track>/<slug>.<fmt>."""
    # Fast path: this exact URL was answered in this process for the current generation and
    # day. Neither the database nor Redis is asked (feeds/cache.py, generation). The recipe
    # (site URL, builder version) is in the stamp: a deploy that changes it rebuilds every feed.
    stamp = _stamp()
    raw_key = "raw|" + request.get_full_path()
    entry = cache.memo.get(raw_key)
    if entry is not None and entry.stamp == stamp:
        return _respond(request, entry)
    try:
        selection = parse_selection(request.GET, kind, slug)
    except BadParameter as exc:
        return _text(400, str(exc))
    identity = f"{fmt}|{selection.key()}"

    def build() -> cache.FeedEntry:
        selectors.selection_validate(selection)
        if fmt == "ics":
            return _build_calendar(selection, identity)
        return _build_syndication(fmt, selection, identity)

    try:
        entry = cache.cached(identity, stamp, build)
    except selectors.UnknownSlug as exc:
        return _unknown(exc)
    if entry.complete and entry.stamp == stamp:  # not a previous entry answered meanwhile
        cache.memo.put(raw_key, entry)
    return _respond(request, entry)


@require_safe
def event_calendar(request: HttpRequest, pk: int):
    """/feeds/event/<pk>.ics: one public event, to add to a calendar."""
    identity = f"event|{pk}"
    stamp = _stamp()

    def build() -> cache.FeedEntry:
        event = selectors.event_get(pk=pk)  # anonymous: drafts raise DoesNotExist
        name = f"{builders.ORGANISATION}: {event.title}"
        start, end = window()
        head = builders.CalendarHead(
            name=name,
            description=name,
            refresh_minutes=settings.FEED_REFRESH_MINUTES,
            first_year=min(event.start.astimezone(LOCAL_TZ).year, start.year),
            last_year=end.year + 1,
        )
        body = builders.calendar_bytes(head, [piece_for_event(event)])
        return cache.make_entry(
            identity=identity,
            body=body,
            modified=int(event.updated_at.timestamp()),
            content_type=CONTENT_TYPES["ics"],
            filename=f"arrangement-{event.pk}.ics",
        )

    try:
        entry = cache.cached(identity, stamp, build)
    except Event.DoesNotExist:
        return _text(404, _("No published event has the number %(pk)s.") % {"pk": pk})
    return _respond(request, entry)
