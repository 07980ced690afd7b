"""A screen in each branch: ``/skaerm/<branch>/``, full screen and high contrast, today's and
the next events (cancellations shown), readable from three metres. Danish; English with
``?lang=en`` (a screen is set up once, with its address). Public data only: what the calendar
shows citizens, never drafts, attendance or who made an event.

The page keeps itself current without reloading for nothing: every ``SCREEN_REFRESH_SECONDS``
``pages/screen.js`` asks again with ``If-None-Match``; the answer is 304 until what the screen
shows changes (a new, cancelled, moved or finished event, another day), then it reloads.
(A meta refresh would reload for nothing, and axe counts it as a WCAG 2.2.1 failure.)
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404, render
from django.utils import timezone, translation
from django.views.decorators.http import require_safe

from events import selectors
from events.clock import local_today
from events.models import Branch, Occurrence

from .published import local, long_date, place_text, short_date, time_range

NEXT_DAYS = 14
NEXT_MAX = 8
TODAY_MAX = 10


def _version(language: str, day, occurrences: list[Occurrence]) -> str:
    """What the screen shows, as a fingerprint (the page's ETag)."""
    parts = [language, day.isoformat()]
    for o in occurrences:
        parts.append(
            f"{o.pk}|{o.start.isoformat()}|{o.end.isoformat()}|{o.status}|{o.cancel_reason}|"
            f"{o.updated_at.isoformat()}|{o.event.updated_at.isoformat()}"
        )
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=12).hexdigest()


def _row(occurrence: Occurrence) -> dict:
    event = occurrence.event
    return {
        "title": event.title,
        "start": local(occurrence.start),
        "date": short_date(occurrence.start),
        "time": time_range(occurrence),
        "place": place_text(occurrence),
        "cancelled": occurrence.is_cancelled,
        "reason": occurrence.cancel_reason or event.cancel_reason,
        "ongoing": occurrence.start <= timezone.now() < occurrence.end,
    }


@require_safe
def screen(request: HttpRequest, slug: str) -> HttpResponse:
    branch = get_object_or_404(Branch, slug=slug)
    language = "en" if request.GET.get("lang") == "en" else "da"
    selection = selectors.Selection(branches=(branch.slug,))
    now, today = timezone.now(), local_today()
    _start, end_of_day = selectors.local_day_bounds(today, today)
    end_of_today = cast(datetime, end_of_day)  # given a day, the bound is set
    todays = list(
        selectors.occurrence_list(selection=selection, start=now, end=end_of_today)[:TODAY_MAX]
    )
    later = list(
        selectors.occurrence_list(
            selection=selection,
            start=end_of_today,
            end=end_of_today + timedelta(days=NEXT_DAYS),
        ).filter(start__gte=end_of_today)[:NEXT_MAX]
    )
    version = _version(language, today, todays + later)
    etag = f'"{version}"'
    if etag in [t.strip() for t in request.META.get("HTTP_IF_NONE_MATCH", "").split(",")]:
        response: HttpResponse = HttpResponseNotModified()
    else:
        with translation.override(language):
            response = render(
                request,
                "pages/screen.html",
                {
                    "branch": branch,
                    "language": language,
                    "today": today,
                    "today_name": long_date(today),
                    "todays": [_row(o) for o in todays],
                    "later": [_row(o) for o in later],
                    "version": version,
                    "refresh": settings.SCREEN_REFRESH_SECONDS,
                },
            )
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache"
    return response
