"""The public pages: calendar, event, branch and track pages, with subscription links.

Everything is read through ``events.selectors``; lists always show what citizens see (no drafts),
the event page also shows a draft to staff who may see it (as a preview).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from events import selectors
from events.clock import local_today
from events.models import LOCAL_TZ, Audience, Branch, Event, Occurrence, Stop, Track
from feeds.links import calendar_links, calendar_size, event_links

from .jsonld import event_jsonld

WINDOW_DAYS = 28  # the calendar shows four weeks at a time
MAX_ROWS = 400  # never render more occurrences than this on one page
FILTER_FIELDS = (
    # (query parameter, Selection field, model)
    ("branch", "branches", Branch),
    ("stop", "stops", None),
    ("track", "tracks", Track),
    ("audience", "audiences", Audience),
)


@dataclass
class Filters:
    """The calendar's filters as read from the query string, with problems to show."""

    selection: selectors.Selection = field(default_factory=selectors.Selection)
    first: date | None = None
    last: date | None = None
    problems: list[str] = field(default_factory=list)
    # the valid values per query parameter, for "remove this filter" links
    params: dict[str, list[str]] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return bool(self.params)


def _unknown_message(param: str, slugs: str) -> str:
    messages = {
        "branch": _("There is no branch called %(slugs)s; that filter was ignored."),
        "stop": _("There is no bookmobile stop called %(slugs)s; that filter was ignored."),
        "track": _("There is no track called %(slugs)s; that filter was ignored."),
        "audience": _("There is no audience called %(slugs)s; that filter was ignored."),
    }
    return messages[param] % {"slugs": slugs}


def filters_from_request(request) -> Filters:
    """Read branch, stop, track, audience, from and to (``selectors.selection_parse``, the one
    reading every interface shares); what it refuses, unknown slugs and bad dates become
    messages and are left out, so a mistyped link still shows a calendar."""
    parsed = selectors.selection_parse(
        request.GET,
        slugs=[param for param, _attr, _model in FILTER_FIELDS],
        dates=True,
        blank_ok=True,
    )
    filters = Filters(first=parsed.first, last=parsed.last)
    for messages in parsed.errors.values():
        filters.problems += [
            _("%(reason)s That filter was ignored.") % {"reason": message} for message in messages
        ]
    # keyword arguments of Selection, chosen at run time: each names a tuple-of-slugs field
    chosen: dict[str, Any] = {}
    for param, attr, _model in FILTER_FIELDS:
        values = tuple(parsed.values.get(param, ()))
        if not values:
            continue
        one: dict[str, Any] = {attr: values}
        try:
            selectors.selection_validate(selectors.Selection(**one))
        except selectors.UnknownSlug as unknown:
            shown = ", ".join(f"“{s}”" for s in unknown.slugs)
            filters.problems.append(_unknown_message(param, shown))
            values = tuple(v for v in values if v not in unknown.slugs)
        if values:
            chosen[attr] = values
            filters.params[param] = list(values)
    filters.selection = selectors.Selection(**chosen)
    for name in selectors.DATE_PARAMETERS:
        if name in parsed.values:
            filters.params[name] = parsed.values[name]
    return filters


def subscribe_links(selection: selectors.Selection, request) -> dict[str, Any]:
    """The subscribe panel's links; ``size_mb`` when the calendar would pass FEED_MAX_BYTES."""
    links: dict[str, Any] = dict(
        calendar_links(
            branches=selection.branches,
            tracks=selection.tracks,
            stops=selection.stops,
            audiences=selection.audiences,
            request=request,
        )
    )
    size = calendar_size(selection)
    if size > settings.FEED_MAX_BYTES:
        links["size_mb"] = size / 1_000_000
    return links


def group_by_day(occurrences) -> list[tuple[date, list[Occurrence]]]:
    """Occurrences in start order, grouped by their local date (counting rule 3's date)."""
    days: OrderedDict[date, list[Occurrence]] = OrderedDict()
    for occurrence in occurrences:
        day = occurrence.start.astimezone(LOCAL_TZ).date()
        days.setdefault(day, []).append(occurrence)
    return list(days.items())


def _chips(filters: Filters) -> list[dict[str, str]]:
    """Labels and "remove" query strings of the active filters."""

    def named(model, key: str) -> dict[str, str]:
        return {o.slug: o.name for o in model.objects.filter(slug__in=filters.params.get(key, []))}

    names: dict[str, dict[str, str]] = {
        "branch": named(Branch, "branch"),
        "stop": named(Stop, "stop"),
        "track": named(Track, "track"),
        "audience": named(Audience, "audience"),
        "from": {v: _("from %(date)s") % {"date": v} for v in filters.params.get("from", [])},
        "to": {v: _("to %(date)s") % {"date": v} for v in filters.params.get("to", [])},
    }
    chips = []
    for key, values in filters.params.items():
        for value in values:
            rest = [
                (k, v) for k, vs in filters.params.items() for v in vs if (k, v) != (key, value)
            ]
            chips.append({"label": names[key].get(value, value), "query": "?" + urlencode(rest)})
    return chips


def calendar(request):
    """Upcoming occurrences, four weeks at a time, filtered by branch, track, audience, dates."""
    filters = filters_from_request(request)
    today = local_today()
    first = filters.first or today
    last = filters.last or first + timedelta(days=WINDOW_DAYS - 1)
    start, end = selectors.local_day_bounds(first, last)
    if first <= today:
        start = timezone.now()  # what has ended today is not "upcoming"
    occurrences = list(
        selectors.occurrence_list(selection=filters.selection, start=start, end=end)[: MAX_ROWS + 1]
    )
    truncated = len(occurrences) > MAX_ROWS
    next_first = last + timedelta(days=1)
    context = {
        "filters": filters,
        "chips": _chips(filters),
        "days": group_by_day(occurrences[:MAX_ROWS]),
        "truncated": truncated,
        "first": first,
        "last": last,
        "next_from": next_first.isoformat(),
        "next_to": (next_first + timedelta(days=WINDOW_DAYS - 1)).isoformat(),
        "branches": Branch.objects.all(),
        "tracks": Track.objects.all(),
        "audiences": Audience.objects.all(),
        "links": subscribe_links(filters.selection, request),
    }
    return render(request, "pages/calendar.html", context)


def event_detail(request, pk: int):
    """One event: its upcoming dates, place, tracks, audience, partners and notices."""
    try:
        event = selectors.event_get(user=request.user, pk=pk)
    except Event.DoesNotExist:
        raise Http404(_("No such event.")) from None
    now = timezone.now()
    dates = selectors.occurrence_list(user=request.user).filter(event=event)
    upcoming = list(dates.filter(end__gt=now)[:60])
    cancelled_upcoming = [o for o in upcoming if o.is_cancelled]
    last_past = dates.filter(end__lte=now).order_by("-start").first() if not upcoming else None
    where = event.stop if event.stop_id else event.branch
    context = {
        "event": event,
        "upcoming": upcoming,
        "cancelled_upcoming": cancelled_upcoming,
        "last_past": last_past,
        "where": where,
        "tracks": list(event.tracks.all()),
        "audiences": list(event.audiences.all()),
        "partners": list(event.partners.all()),
        "add_links": event_links(event=event, request=request),
        "links": subscribe_links(selectors.Selection(branches=(event.branch.slug,)), request),
        "jsonld": event_jsonld(
            event=event,
            occurrences=upcoming[:20],
            request=request,
            language=(get_language() or "da")[:2],
        ),
    }
    return render(request, "pages/event_detail.html", context)


def _next_weeks(selection: selectors.Selection, now) -> list[Occurrence]:
    """What a branch or track page lists: the next four weeks, at most MAX_ROWS."""
    return list(
        selectors.occurrence_list(
            selection=selection, start=now, end=now + timedelta(days=WINDOW_DAYS)
        )[:MAX_ROWS]
    )


def branch_list(request):
    return render(request, "pages/branch_list.html", {"branches": Branch.objects.all()})


def branch_detail(request, slug: str):
    """A branch and what happens there; the bookmobile's page shows its route."""
    branch = get_object_or_404(Branch, slug=slug)
    selection = selectors.Selection(branches=(branch.slug,))
    now = timezone.now()
    occurrences = _next_weeks(selection, now)
    route = []
    if branch.is_bookmobile:
        visits = selectors.occurrence_list(
            selection=selection,
            start=now,
            end=now + timedelta(days=63),
            include_cancelled=True,
        )
        by_stop: dict[int, list[Occurrence]] = {}
        for occurrence in visits:
            if occurrence.event.stop_id:
                by_stop.setdefault(occurrence.event.stop_id, []).append(occurrence)
        for stop in branch.stops.all():
            stop_visits = by_stop.get(stop.pk, [])
            route.append(
                {"stop": stop, "next": stop_visits[:3], "usual": _usual_times(stop_visits)}
            )
    context = {
        "branch": branch,
        "rooms": list(branch.rooms.all()),
        "days": group_by_day(occurrences),
        "route": route,
        "links": subscribe_links(selection, request),
    }
    return render(request, "pages/branch_detail.html", context)


def _usual_times(visits: list[Occurrence]) -> list[dict]:
    """The recurring weekday and hours among a stop's next visits (for "when it is there")."""
    seen: OrderedDict[tuple, dict] = OrderedDict()
    for visit in visits:
        if visit.is_cancelled:
            continue
        start, end = visit.start.astimezone(LOCAL_TZ), visit.end.astimezone(LOCAL_TZ)
        key = (start.isoweekday(), start.time(), end.time())
        seen.setdefault(key, {"start": visit.start, "end": visit.end, "count": 0})["count"] += 1
    regular = [v for v in seen.values() if v["count"] > 1]
    return sorted(regular, key=lambda v: v["start"].astimezone(LOCAL_TZ).isoweekday())


def track_list(request):
    return render(request, "pages/track_list.html", {"tracks": Track.objects.all()})


def track_detail(request, slug: str):
    """A track in the strategy's words, and its events at every branch."""
    track = get_object_or_404(Track, slug=slug)
    selection = selectors.Selection(tracks=(track.slug,))
    occurrences = _next_weeks(selection, timezone.now())
    per_branch: OrderedDict[Branch, int] = OrderedDict((b, 0) for b in Branch.objects.all())
    for occurrence in occurrences:
        per_branch[occurrence.event.branch] = per_branch.get(occurrence.event.branch, 0) + 1
    context = {
        "track": track,
        "days": group_by_day(occurrences),
        "per_branch": list(per_branch.items()),
        "links": subscribe_links(selection, request),
    }
    return render(request, "pages/track_detail.html", context)
