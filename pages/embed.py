"""The calendar on other sites: roskilde.dk, schools and associations.

Two ways, for two kinds of editor:

- ``/embed.js``: a script (a small web component, ``<roskilde-calendar>``) that lists the next
  events of a selection in the host page's own fonts and colours. It reads
  ``/indlejr/data.json``, public JSON that any origin may GET (CORS ``*``, no credentials: the
  script omits cookies and the referrer, and the answer sets none). No tracking of any kind.
- ``/indlejr/``: the same list as a page for an ``<iframe>``. Only this page may be framed, and
  only by the origins in ``EMBED_FRAME_ANCESTORS`` (its own Content-Security-Policy
  ``frame-ancestors``); every other page keeps ``X-Frame-Options: DENY`` and
  ``frame-ancestors 'none'``.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from calendar_service.middleware import content_security_policy
from events import selectors
from events.models import Occurrence
from feeds.links import absolute

from .published import (
    local,
    place_text,
    selection_from_query,
    selection_title,
    short_date,
    time_range,
)

DEFAULT_COUNT = 5
MAX_COUNT = 20
AHEAD_DAYS = 120  # how far ahead the list looks for the next events
OPTIONS = ("count", "lang")
SCRIPT = Path(__file__).resolve().parent / "static" / "pages" / "embed.js"


class BadOptions(ValueError):
    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(errors)


def _options(request: HttpRequest) -> tuple[selectors.Selection, int, str]:
    """Selection, count and language from the query string; BadOptions names what is wrong."""
    read = selection_from_query(request.GET, allowed=OPTIONS)
    errors = dict(read.errors)
    raw = request.GET.get("count", str(DEFAULT_COUNT))
    count = int(raw) if raw.isdigit() else 0
    if not 1 <= count <= MAX_COUNT:
        errors["count"] = [
            _("count must be a whole number from 1 to %(max)d.") % {"max": MAX_COUNT}
        ]
    language = request.GET.get("lang", "da")
    if language not in ("da", "en"):
        errors["lang"] = [_("lang must be da or en.")]
    if errors:
        raise BadOptions(errors)
    return read.selection, count, language


def _upcoming(selection: selectors.Selection, count: int) -> list[Occurrence]:
    now = timezone.now()
    return list(
        selectors.occurrence_list(
            selection=selection, start=now, end=now + timedelta(days=AHEAD_DAYS)
        )[:count]
    )


def _item(occurrence: Occurrence, request: HttpRequest) -> dict[str, Any]:
    event = occurrence.event
    thumbnail = event.thumbnail_size
    image = None
    if event.image_thumbnail and thumbnail:
        image = {
            "url": absolute(event.image_thumbnail.url, request),
            "width": thumbnail[0],
            "height": thumbnail[1],
            "alt": event.image_alt,
        }
    return {
        "title": event.title,
        "url": absolute(event.get_absolute_url(), request),
        "start": local(occurrence.start).isoformat(),
        "end": local(occurrence.end).isoformat(),
        "date": short_date(occurrence.start),
        "time": time_range(occurrence),
        "place": place_text(occurrence),
        "cancelled": occurrence.is_cancelled,
        "image": image,
    }


def _calendar_url(selection: selectors.Selection, request: HttpRequest) -> str:
    query = [
        (param, ",".join(values))
        for param, values in (
            ("branch", selection.branches),
            ("stop", selection.stops),
            ("track", selection.tracks),
            ("audience", selection.audiences),
        )
        if values
    ]
    return absolute("/" + (f"?{urlencode(query)}" if query else ""), request)


def _public_json(data: dict[str, Any], status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"  # any site may read it; never with cookies
    response["Access-Control-Allow-Methods"] = "GET"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_safe
def data(request: HttpRequest) -> JsonResponse:
    """/indlejr/data.json?branch=..&track=..&audience=..&count=5&lang=da"""
    try:
        selection, count, language = _options(request)
    except BadOptions as bad:
        return _public_json(bad.errors, status=400)
    with translation.override(language):
        occurrences = _upcoming(selection, count)
        return _public_json(
            {
                "title": _("What's on: %(selection)s") % {"selection": selection_title(selection)},
                "calendar_url": _calendar_url(selection, request),
                "calendar_label": _("See the whole calendar"),
                "empty": _("No events coming up."),
                "cancelled_label": _("Cancelled"),
                "language": language,
                "events": [_item(o, request) for o in occurrences],
            }
        )


@require_safe
def script(request: HttpRequest) -> HttpResponse:
    """/embed.js at a fixed address (static files get hashed names)."""
    response = HttpResponse(SCRIPT.read_bytes(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def frame_policy(nonce: str) -> str:
    """This page's Content-Security-Policy: the site's, framed only by EMBED_FRAME_ANCESTORS."""
    ancestors = " ".join(settings.EMBED_FRAME_ANCESTORS) or "'none'"
    return content_security_policy(
        nonce,
        upgrade_insecure_requests=bool(getattr(settings, "SECURE_SSL_REDIRECT", False)),
        frame_ancestors=ancestors,
    )


@require_safe
@xframe_options_exempt
def frame(request: HttpRequest) -> HttpResponse:
    """/indlejr/?branch=..&track=..&audience=..&count=5&lang=da: the list, for an iframe."""
    try:
        selection, count, language = _options(request)
        problems: dict[str, list[str]] = {}
    except BadOptions as bad:
        selection, count, language = selectors.Selection(), 0, "da"
        problems = bad.errors
    with translation.override(language):
        context = {
            "language": language,
            "title": _("What's on: %(selection)s") % {"selection": selection_title(selection)},
            "items": [] if problems else [_item(o, request) for o in _upcoming(selection, count)],
            "calendar_url": _calendar_url(selection, request),
            "problems": [m for messages in problems.values() for m in messages],
        }
        response = render(
            request, "pages/embed_frame.html", context, status=400 if problems else 200
        )
    nonce = getattr(request, "csp_nonce", secrets.token_urlsafe(18))
    response["Content-Security-Policy"] = frame_policy(nonce)
    response["Cache-Control"] = "public, max-age=300"
    return response
