"""The public pages: calendar, event, branch and track pages, with subscription links.

Everything is read through ``events.selectors``; lists always show what citizens see (no drafts),
the event page also shows a draft to staff who may see it (as a preview).
"""

from __future__ import annotations

import calendar as month_calendar
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from events import selectors
from events.clock import local_today
from events.models import LOCAL_TZ, Audience, Branch, Event, Occurrence, Stop, Track
from feeds.links import calendar_links, calendar_size, event_add_links, event_links

from .cache import cached_page, page_holds_until, render_page
from .jsonld import event_jsonld

WINDOW_DAYS = 28  # the calendar shows four weeks at a time
MAX_ROWS = 400  # never render more occurrences than this on a branch or track page
# The calendar list shows this many occurrences per page, "Show more" gives the next ones:
# the front page stays small (well under 100 KB) however many events there are.
PAGE_ROWS = 40
MAX_PAGE = 250  # pages beyond this are refused with a message (an offset bounded too)
MONTH_DAY_ROWS = 3  # the month view names at most this many events per day, then "+ n more"
WEEK_DAY_ROWS = 12  # the week view likewise
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
        text=True,
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
    filters.selection = selectors.Selection(**chosen, text=parsed.selection.text)
    for name in (selectors.TEXT_PARAMETER, *selectors.DATE_PARAMETERS):
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


def _names(filters: Filters) -> dict[str, dict[str, str]]:
    """The names of the chosen branches, stops, tracks and audiences by slug (one query for
    each kind chosen, none for the others)."""

    def named(model, key: str) -> dict[str, str]:
        slugs = filters.params.get(key, [])
        return {o.slug: o.name for o in model.objects.filter(slug__in=slugs)} if slugs else {}

    return {
        "branch": named(Branch, "branch"),
        "stop": named(Stop, "stop"),
        "track": named(Track, "track"),
        "audience": named(Audience, "audience"),
    }


def subscription_covers(names: dict[str, dict[str, str]]) -> str:
    """What a subscription to the chosen filters holds, in words (the search words and dates
    are not part of a subscription)."""
    parts = [
        ", ".join(names[key].values())
        for key in ("branch", "stop", "track", "audience")
        if names[key]
    ]
    if not parts:
        return _("The subscription holds every event at all the libraries and the bookmobile.")
    return _("The subscription holds the events of: %(selection)s.") % {
        "selection": "; ".join(parts)
    }


def _chips(filters: Filters, names: dict[str, dict[str, str]]) -> list[dict[str, str]]:
    """Labels and "remove" query strings of the active filters."""
    names = {
        **names,
        "q": {v: _("search: “%(words)s”") % {"words": v} for v in filters.params.get("q", [])},
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


def _page_number(request, filters: Filters) -> int:
    """``page`` of the calendar list: 1 when absent; a bad one is a message, then page 1."""
    raw = request.GET.get("page", "").strip()
    if not raw:
        return 1
    if raw.isdigit() and 1 <= int(raw) <= MAX_PAGE:
        return int(raw)
    filters.problems.append(
        _("“%(value)s” is not a page number between 1 and %(max)d; the first page is shown.")
        % {"value": raw[:20], "max": MAX_PAGE}
    )
    return 1


def _selection_query(filters: Filters, **dates: date) -> str:
    """A query string of the filters (without dates and page) with the ``dates`` given."""
    pairs = [
        (key, value)
        for key, values in filters.params.items()
        if key not in selectors.DATE_PARAMETERS
        for value in values
    ]
    pairs += [(key.rstrip("_"), value.isoformat()) for key, value in dates.items()]
    return "?" + urlencode(pairs) if pairs else "?"


def presets(filters: Filters, today: date) -> list[dict[str, Any]]:
    """The quick choices "Today", "This week" (to Sunday) and "Weekend" (Saturday and Sunday,
    or what is left of it), each keeping the other filters."""
    sunday = today + timedelta(days=6 - today.weekday())
    saturday = max(today, sunday - timedelta(days=1))
    choices = [
        (_("Today"), today, today),
        (_("This week"), today, sunday),
        (_("Weekend"), saturday, sunday),
    ]
    return [
        {
            "label": label,
            "query": _selection_query(filters, from_=first, to=last),
            "current": filters.first == first and filters.last == last,
        }
        for label, first, last in choices
    ]


def _next_match(filters: Filters, after) -> dict[str, Any] | None:
    """The next occurrence after ``after`` that the filters match (not cancelled), with a link
    to the calendar from its day: what an empty page offers instead of nothing."""
    found = selectors.occurrence_next(selection=filters.selection, after=after)
    if found is None:
        return None
    day = found.start.astimezone(LOCAL_TZ).date()
    return {"occurrence": found, "day": day, "query": _selection_query(filters, from_=day)}


def _common_context(request, filters: Filters, view: str) -> dict[str, Any]:
    names = _names(filters)
    today = local_today()
    return {
        "view": view,
        "filters": filters,
        "chips": _chips(filters, names),
        "presets": presets(filters, today),
        "today": today,
        "view_query": _selection_query(filters, from_=filters.first)
        if filters.first
        else _selection_query(filters),
        "branches": Branch.objects.all(),
        "tracks": Track.objects.all(),
        "audiences": Audience.objects.all(),
        "links": subscribe_links(filters.selection, request),
        "subscribe_covers": subscription_covers(names),
        "max_text": selectors.MAX_TEXT_LENGTH,
    }


@cached_page
def calendar(request):
    """Upcoming occurrences, four weeks at a time and PAGE_ROWS per page, filtered by branch,
    track, audience, dates and search words."""
    filters = filters_from_request(request)
    page = _page_number(request, filters)
    today = local_today()
    first = filters.first or today
    last = filters.last or first + timedelta(days=WINDOW_DAYS - 1)
    start, end = selectors.local_day_bounds(first, last)
    if first <= today:
        start = timezone.now()  # what has ended today is not "upcoming"
    offset = (page - 1) * PAGE_ROWS
    occurrences = list(
        selectors.occurrence_list(selection=filters.selection, start=start, end=end)[
            offset : offset + PAGE_ROWS + 1
        ]
    )
    more = len(occurrences) > PAGE_ROWS
    page_holds_until(request, (o.end for o in occurrences[:PAGE_ROWS]))
    next_first = last + timedelta(days=1)
    context = _common_context(request, filters, "list")
    context.update(
        {
            "days": group_by_day(occurrences[:PAGE_ROWS]),
            "page": page,
            "more": more,
            "first": first,
            "last": last,
            "next_from": next_first.isoformat(),
            "next_to": (next_first + timedelta(days=WINDOW_DAYS - 1)).isoformat(),
            "next_match": None if occurrences else _next_match(filters, end),
        }
    )
    return render_page(request, "pages/calendar.html", context)


def _day_cells(filters: Filters, first: date, last: date, per_day: int) -> dict[date, dict]:
    """Per local day from ``first`` to ``last``: its first ``per_day`` occurrences and how
    many more there are (one query, whatever the number of events)."""
    rows = selectors.occurrence_list_by_day(
        selection=filters.selection, first=first, last=last, per_day=per_day
    )
    cells: dict[date, dict] = {}
    for occurrence in rows:
        day = occurrence.start.astimezone(LOCAL_TZ).date()
        cell = cells.setdefault(day, {"occurrences": [], "more": 0})
        cell["occurrences"].append(occurrence)
        total: int = getattr(occurrence, "day_total", 0)  # annotated by the selector
        cell["more"] = max(total - per_day, 0)
    return cells


def _period_page(request, *, view: str, first: date, last: date, per_day: int, **extra):
    filters = extra.pop("filters")
    cells = _day_cells(filters, first, last, per_day)
    days = []
    for n in range((last - first).days + 1):
        day = first + timedelta(days=n)
        cell = cells.get(day, {"occurrences": [], "more": 0})
        days.append({"day": day, **cell, "query": _selection_query(filters, from_=day, to=day)})
    _end_start, end = selectors.local_day_bounds(last, last)
    padded: list[dict | None] = [None] * first.weekday()
    padded += days
    padded += [None] * (-len(padded) % 7)
    context = _common_context(request, filters, view)
    context.update(
        {
            "first": first,
            "last": last,
            "days": days,
            "weeks": [padded[i : i + 7] for i in range(0, len(padded), 7)],
            "weekday_names": [
                {"short": date_format(d, "D"), "long": date_format(d, "l")}
                for d in (first + timedelta(days=n - first.weekday()) for n in range(7))
            ],
            "empty": not cells,
            "next_match": _next_match(filters, end) if not cells else None,
            **extra,
        }
    )
    return render_page(request, "pages/calendar.html", context)


@cached_page
def calendar_week(request):
    """One week, Monday to Sunday (the week of ``from``, else this week), day by day."""
    filters = filters_from_request(request)
    anchor = filters.first or local_today()
    monday = anchor - timedelta(days=anchor.weekday())
    sunday = monday + timedelta(days=6)
    return _period_page(
        request,
        view="week",
        first=monday,
        last=sunday,
        per_day=WEEK_DAY_ROWS,
        filters=filters,
        week_number=monday.isocalendar().week,
        previous_query=_selection_query(filters, from_=monday - timedelta(days=7)),
        next_query=_selection_query(filters, from_=monday + timedelta(days=7)),
    )


@cached_page
def calendar_month(request):
    """One month as a table of weeks (the month of ``from``, else this month)."""
    filters = filters_from_request(request)
    anchor = filters.first or local_today()
    first = anchor.replace(day=1)
    last = first.replace(day=month_calendar.monthrange(first.year, first.month)[1])
    previous_first = (first - timedelta(days=1)).replace(day=1)
    next_first = last + timedelta(days=1)
    return _period_page(
        request,
        view="month",
        first=first,
        last=last,
        per_day=MONTH_DAY_ROWS,
        filters=filters,
        previous_query=_selection_query(filters, from_=previous_first),
        next_query=_selection_query(filters, from_=next_first),
    )


def accessibility_statement(request):
    """``/was``: the accessibility statement made in Digitaliseringsstyrelsen's WAS tool."""
    if not settings.WAS_URL:
        raise Http404(_("No accessibility statement is configured."))
    return HttpResponseRedirect(settings.WAS_URL)


@cached_page
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
    next_date = next((o for o in upcoming if not o.is_cancelled), None)
    page_holds_until(request, (o.end for o in upcoming))
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
        "next_date": next_date,
        "add_one": _add_one_links(event, next_date, where, request),
        "links": subscribe_links(selectors.Selection(branches=(event.branch.slug,)), request),
        "subscribe_covers": subscription_covers(_only("branch", event.branch)),
        "jsonld": event_jsonld(
            event=event,
            occurrences=upcoming[:20],
            request=request,
            language=(get_language() or "da")[:2],
        ),
    }
    return render_page(request, "pages/event_detail.html", context)


def _only(key: str, thing) -> dict[str, dict[str, str]]:
    names: dict[str, dict[str, str]] = {k: {} for k in ("branch", "stop", "track", "audience")}
    names[key] = {thing.slug: thing.name}
    return names


def _add_one_links(event: Event, occurrence: Occurrence | None, where, request):
    """Google and Outlook links adding the next date of the event (none when it has none)."""
    if occurrence is None:
        return None
    room = occurrence.effective_room
    place = room.name if room else event.place
    location = ", ".join(p for p in (place, where.name, where.full_address) if p)
    return event_add_links(
        title=event.title,
        start=occurrence.start,
        end=occurrence.end,
        details=event.description,
        location=location,
        url=request.build_absolute_uri(event.get_absolute_url()),
    )


def _next_weeks(selection: selectors.Selection, now) -> list[Occurrence]:
    """What a branch or track page lists: the next four weeks, at most MAX_ROWS."""
    return list(
        selectors.occurrence_list(
            selection=selection, start=now, end=now + timedelta(days=WINDOW_DAYS)
        )[:MAX_ROWS]
    )


def branch_list(request):
    return render(request, "pages/branch_list.html", {"branches": Branch.objects.all()})


@cached_page
def branch_detail(request, slug: str):
    """A branch and what happens there; the bookmobile's page shows its route."""
    branch = get_object_or_404(Branch, slug=slug)
    selection = selectors.Selection(branches=(branch.slug,))
    now = timezone.now()
    occurrences = _next_weeks(selection, now)
    page_holds_until(request, (o.end for o in occurrences))
    route = []
    if branch.is_bookmobile:
        visits = list(
            selectors.occurrence_list(
                selection=selection,
                start=now,
                end=now + timedelta(days=63),
                include_cancelled=True,
            )
        )
        page_holds_until(request, (o.end for o in visits))
        by_stop: dict[int, list[Occurrence]] = {}
        for occurrence in visits:
            if occurrence.event.stop_id:
                by_stop.setdefault(occurrence.event.stop_id, []).append(occurrence)
        for stop in branch.stops.all():
            stop_visits = by_stop.get(stop.pk, [])
            route.append(
                {
                    "stop": stop,
                    "next": stop_visits[:3],
                    "usual": _usual_times(stop_visits),
                    "links": calendar_links(stops=(stop.slug,), request=request),
                }
            )
    context = {
        "branch": branch,
        "rooms": list(branch.rooms.all()),
        "days": group_by_day(occurrences),
        "route": route,
        "links": subscribe_links(selection, request),
        "subscribe_covers": subscription_covers(_only("branch", branch)),
    }
    return render_page(request, "pages/branch_detail.html", context)


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


@cached_page
def track_detail(request, slug: str):
    """A track in the strategy's words, and its events at every branch."""
    track = get_object_or_404(Track, slug=slug)
    selection = selectors.Selection(tracks=(track.slug,))
    occurrences = _next_weeks(selection, timezone.now())
    page_holds_until(request, (o.end for o in occurrences))
    per_branch: OrderedDict[Branch, int] = OrderedDict((b, 0) for b in Branch.objects.all())
    for occurrence in occurrences:
        per_branch[occurrence.event.branch] = per_branch.get(occurrence.event.branch, 0) + 1
    context = {
        "track": track,
        "days": group_by_day(occurrences),
        "per_branch": list(per_branch.items()),
        "links": subscribe_links(selection, request),
        "subscribe_covers": subscription_covers(_only("track", track)),
    }
    return render_page(request, "pages/track_detail.html", context)
