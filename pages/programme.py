"""A printed programme: a month of events for a branch or any selection (the calendar's own
filters), on A4, grouped by week; as a page with a print stylesheet and as a PDF drawn by
WeasyPrint from the same HTML (as the KIU reports are, tasks/exports.py), tagged, with the
language and title in its metadata.

``/program/?branch=jyllinge&month=2026-12`` (HTML), ``/program/pdf/?...`` (PDF); the month is
the current one when not given; ``track``, ``audience`` and ``stop`` as in the calendar.
"""

from __future__ import annotations

import calendar as calendar_module
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from events import selectors
from events.clock import MAX_YEAR, MIN_YEAR, local_today
from events.models import Occurrence

from .published import (
    local,
    long_date,
    place_text,
    selection_from_query,
    selection_title,
    time_range,
)

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
MAX_ROWS = 600


@dataclass
class Week:
    number: int
    first: date
    last: date
    days: list[tuple[date, str, list[dict[str, Any]]]] = field(default_factory=list)

    @property
    def span(self) -> str:
        return (
            f"{long_date(self.first, weekday=False)} \u2013 {long_date(self.last, weekday=False)}"
        )


def _month(raw: str | None, errors: dict[str, list[str]]) -> date:
    today = local_today()
    if not raw:
        return today.replace(day=1)
    found = MONTH.match(raw)
    year, month = (int(found[1]), int(found[2])) if found else (0, 0)
    if not (MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12):
        errors["month"] = [_("Give the month as YYYY-MM, e.g. 2026-12.")]
        return today.replace(day=1)
    return date(year, month, 1)


def _row(occurrence: Occurrence) -> dict[str, Any]:
    event = occurrence.event
    return {
        "title": event.title,
        "time": time_range(occurrence),
        "start": local(occurrence.start),
        "place": place_text(occurrence),
        "cancelled": occurrence.is_cancelled,
        "description": event.description,
        "tracks": [t.name for t in event.tracks.all()],
    }


def weeks_of(first: date, occurrences: list[Occurrence]) -> list[Week]:
    """The month's occurrences by ISO week and local day, in start order; weeks with
    nothing are left out."""
    weeks: dict[tuple[int, int], Week] = {}
    for occurrence in occurrences:
        day = local(occurrence.start).date()
        if day.month != first.month:
            continue  # began the month before; it is in that month's programme
        year, number, weekday = day.isocalendar()
        monday = day - timedelta(days=weekday - 1)
        week = weeks.setdefault(
            (year, number), Week(number=number, first=monday, last=monday + timedelta(days=6))
        )
        if not week.days or week.days[-1][0] != day:
            week.days.append((day, long_date(day), []))
        week.days[-1][2].append(_row(occurrence))
    return list(weeks.values())


def _context(request: HttpRequest) -> tuple[dict[str, Any], int]:
    read = selection_from_query(request.GET, allowed=("month",))
    errors = dict(read.errors)
    first = _month(request.GET.get("month"), errors)
    selection = read.selection if not errors else selectors.Selection()
    last = date(first.year, first.month, calendar_module.monthrange(first.year, first.month)[1])
    start, end = selectors.local_day_bounds(first, last)
    occurrences = (
        []
        if errors
        else list(selectors.occurrence_list(selection=selection, start=start, end=end)[:MAX_ROWS])
    )
    query = [(k, v) for k, v in request.GET.items() if k != "month"]
    previous = (first - timedelta(days=1)).replace(day=1)
    following = last + timedelta(days=1)
    return {
        "title": _("Programme %(month)s: %(selection)s")
        % {
            "month": f"{_month_name(first)} {first.year}",
            "selection": selection_title(selection),
        },
        "selection_name": selection_title(selection),
        "month": first,
        "month_name": _month_name(first),
        "weeks": weeks_of(first, occurrences),
        "problems": [m for messages in errors.values() for m in messages],
        "pdf_query": urlencode([*query, ("month", f"{first:%Y-%m}")]),
        "previous_query": urlencode([*query, ("month", f"{previous:%Y-%m}")]),
        "next_query": urlencode([*query, ("month", f"{following:%Y-%m}")]),
        "language": (get_language() or "da")[:2],
    }, (400 if errors else 200)


def _month_name(first: date) -> str:
    from django.utils.dates import MONTHS

    return str(MONTHS[first.month])


@require_safe
def programme(request: HttpRequest) -> HttpResponse:
    context, status = _context(request)
    return render(request, "pages/programme.html", {**context, "for_print": False}, status=status)


@require_safe
def programme_pdf(request: HttpRequest) -> HttpResponse:
    from weasyprint import HTML

    context, status = _context(request)
    if status != 200:
        return render(
            request, "pages/programme.html", {**context, "for_print": False}, status=status
        )
    html = render_to_string("pages/programme.html", {**context, "for_print": True}, request=request)
    # Everything the PDF needs is inside the HTML (the stylesheet is inline): WeasyPrint
    # fetches nothing, and the tags give the PDF its structure (headings, lists) for readers.
    pdf = HTML(string=html, media_type="print").write_pdf(pdf_tags=True)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"program-{context['month']:%Y-%m}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response
