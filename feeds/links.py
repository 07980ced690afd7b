"""Subscription links for a selection of events: iCal (https and webcal), Google, RSS, Atom.

The API and the public pages call :func:`calendar_links`; the feed views parse the same URLs
(``feeds/urls.py``, ``feeds/views.py``). URLs are stable and readable:

- nothing selected: ``/feeds/calendar.ics``
- exactly one branch, stop or track and nothing else: ``/feeds/branch/<slug>.ics`` (``stop``,
  ``track`` likewise)
- any other mix: ``/feeds/calendar.ics?branch=jyllinge,viby&track=fordybelse,hygge&audience=boern``
  with the parameters always in that order and each list sorted and without repeats, so one
  selection has exactly one URL (and one cache entry).

The same paths end in ``.rss`` and ``.atom`` for the feed readers. One event has
``/feeds/event/<pk>.ics`` (:func:`event_links`).

Absolute URLs come from the request when there is one, else from ``settings.SITE_URL``. They
use ``https`` except on a loopback host (a developer's laptop), because Outlook on the web
refuses ``webcal://`` and Google fetches over https.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlencode, urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db.models import Sum
from django.db.models.functions import Length

from events import selectors
from events.clock import local_today

from .models import EventPiece

FEED_PREFIX = "/feeds/"
# Query parameter names in their canonical order; also the names the views accept.
QUERY_ORDER = ("branch", "stop", "track", "audience")
# Dimensions that have a path of their own when they are the whole selection.
PATH_KINDS = ("branch", "stop", "track")
FORMATS = ("ics", "rss", "atom")
_LOOPBACK = {"localhost", "127.0.0.1", "::1", "testserver"}
GOOGLE_ADD_URL = "https://calendar.google.com/calendar/render?cid="
# "Add this one event" links: Google Calendar's event template, Outlook's compose deep links
GOOGLE_TEMPLATE_URL = "https://calendar.google.com/calendar/render"
OUTLOOK_COM_URL = "https://outlook.live.com/calendar/0/deeplink/compose"
OUTLOOK_365_URL = "https://outlook.office.com/calendar/0/deeplink/compose"
# Details longer than this are cut (the links must stay well under the 2,000 characters
# that browsers and the calendar services accept in a URL).
ADD_DETAILS_MAX = 600


def _clean(slugs: Iterable[str] | str) -> tuple[str, ...]:
    if isinstance(slugs, str):
        slugs = slugs.split(",")
    return tuple(sorted({s.strip() for s in slugs if s and s.strip()}))


def selection_path(
    *,
    branches: Iterable[str] = (),
    stops: Iterable[str] = (),
    tracks: Iterable[str] = (),
    audiences: Iterable[str] = (),
    fmt: str = "ics",
) -> str:
    """The canonical path and query (no host) of a selection's feed in ``fmt``."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown feed format {fmt!r}")
    chosen = {
        "branch": _clean(branches),
        "stop": _clean(stops),
        "track": _clean(tracks),
        "audience": _clean(audiences),
    }
    used = {k: v for k, v in chosen.items() if v}
    if not used:
        return f"{FEED_PREFIX}calendar.{fmt}"
    if len(used) == 1:
        ((kind, slugs),) = used.items()
        if kind in PATH_KINDS and len(slugs) == 1:
            return f"{FEED_PREFIX}{kind}/{quote(slugs[0], safe='')}.{fmt}"
    query = "&".join(
        f"{name}={','.join(quote(s, safe='') for s in chosen[name])}"
        for name in QUERY_ORDER
        if chosen[name]
    )
    return f"{FEED_PREFIX}calendar.{fmt}?{query}"


def _base_url(request=None) -> str:
    base = settings.SITE_URL if request is None else f"{request.scheme}://{request.get_host()}"
    parts = urlsplit(base)
    host = (parts.hostname or "").lower()
    scheme = parts.scheme if host in _LOOPBACK else "https"
    return f"{scheme}://{parts.netloc}".rstrip("/")


def absolute(path: str, request=None) -> str:
    return _base_url(request) + path


def _subscribe_links(ics_url: str) -> dict[str, str]:
    webcal = "webcal://" + ics_url.split("://", 1)[1]
    return {"ics": ics_url, "webcal": webcal, "google": GOOGLE_ADD_URL + quote(webcal, safe="")}


def calendar_links(
    *,
    branches: Iterable[str] = (),
    tracks: Iterable[str] = (),
    stops: Iterable[str] = (),
    audiences: Iterable[str] = (),
    request=None,
) -> dict[str, str]:
    """Links to subscribe to a selection: ``ics`` (https), ``webcal``, ``google`` (Google
    Calendar's "add by URL"), ``rss`` and ``atom``. Slugs are not checked here; an unknown
    slug answers 404 when the link is followed."""
    kwargs = {"branches": branches, "stops": stops, "tracks": tracks, "audiences": audiences}
    links = _subscribe_links(absolute(selection_path(**kwargs, fmt="ics"), request))
    links["rss"] = absolute(selection_path(**kwargs, fmt="rss"), request)
    links["atom"] = absolute(selection_path(**kwargs, fmt="atom"), request)
    return links


def event_path(pk: int) -> str:
    return f"{FEED_PREFIX}event/{int(pk)}.ics"


def event_links(*, event, request=None) -> dict[str, str]:
    """ "Add to my calendar" links for one event: ``ics``, ``webcal`` and ``google``."""
    return _subscribe_links(absolute(event_path(event.pk), request))


def _utc(moment: datetime, fmt: str) -> str:
    return moment.astimezone(UTC).strftime(fmt)


def event_add_links(
    *, title: str, start: datetime, end: datetime, details: str, location: str, url: str
) -> dict[str, str]:
    """Links that add one dated event to a calendar without subscribing: ``google`` (Google
    Calendar's event template, ``action=TEMPLATE``), ``outlook`` (Outlook.com) and
    ``office365`` (Outlook in Microsoft 365), each opening a filled-in new event. ``details``
    is cut to ADD_DETAILS_MAX characters; the event page's ``url`` is added to it."""
    if len(details) > ADD_DETAILS_MAX:
        details = details[: ADD_DETAILS_MAX - 1].rstrip() + "…"
    body = f"{details}\n\n{url}" if details else url
    google = {
        "action": "TEMPLATE",
        "text": title,
        "dates": f"{_utc(start, '%Y%m%dT%H%M%SZ')}/{_utc(end, '%Y%m%dT%H%M%SZ')}",
        "details": body,
        "location": location,
    }
    outlook = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": title,
        "startdt": _utc(start, "%Y-%m-%dT%H:%M:%SZ"),
        "enddt": _utc(end, "%Y-%m-%dT%H:%M:%SZ"),
        "body": body,
        "location": location,
    }
    return {
        "google": f"{GOOGLE_TEMPLATE_URL}?{urlencode(google, quote_via=quote)}",
        "outlook": f"{OUTLOOK_COM_URL}?{urlencode(outlook, quote_via=quote)}",
        "office365": f"{OUTLOOK_365_URL}?{urlencode(outlook, quote_via=quote)}",
    }


SIZE_SECONDS = 10 * 60


def calendar_size(selection: selectors.Selection) -> int:
    """About how many bytes the selection's iCal calendar would take untrimmed: the sum of its
    events' pieces in the feed window (one query, kept ten minutes per selection). The subscribe
    panel compares it with ``FEED_MAX_BYTES`` to suggest narrowing a selection that is too
    large for calendar apps; the feed itself is trimmed to fit (``feeds.pieces.pieces_trim``)."""
    raw = "size|" + selection.key()
    key = "feeds:size:" + hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()
    size = cache.get(key)
    if size is None:
        today = local_today()
        start, end = selectors.local_day_bounds(
            today - timedelta(days=settings.FEED_PAST_DAYS),
            today + timedelta(days=settings.FEED_FUTURE_DAYS),
        )
        in_window = selectors.occurrence_list(selection=selection, start=start, end=end)
        size = (
            EventPiece.objects.filter(event_id__in=in_window.values("event_id")).aggregate(
                size=Sum(Length("vevent"))
            )["size"]
            or 0
        )
        cache.set(key, size, SIZE_SECONDS)
    return size
