"""Reads of the domain core: what a given user may see, filtered by the public criteria.

The API's FilterSets, the feeds and the public pages all go through these functions, so that
"drafts never leak" and "which events match branch X and track Y" are decided in one place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Count, F, Prefetch, Q, QuerySet, Window
from django.db.models.functions import RowNumber, TruncDate
from django.utils.translation import gettext as _

from . import roles
from .clock import MAX_YEAR, MIN_YEAR
from .models import (
    LOCAL_TZ,
    Attendance,
    Audience,
    Branch,
    Event,
    Occurrence,
    Partner,
    Stop,
    Track,
    cancelled_q,
    public_q,
)


@dataclass(frozen=True)
class Selection:
    """Which events: any of the branches, stops and audiences given, tracks any-of (and all-of).
    Empty tuples mean "no restriction". Slugs, not objects, so a selection is easy to key."""

    branches: tuple[str, ...] = ()
    stops: tuple[str, ...] = ()
    tracks: tuple[str, ...] = ()
    tracks_all: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    co_created: bool | None = None
    text: str = ""
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def key(self) -> str:
        parts = [
            ",".join(sorted(self.branches)),
            ",".join(sorted(self.stops)),
            ",".join(sorted(self.tracks)),
            ",".join(sorted(self.tracks_all)),
            ",".join(sorted(self.audiences)),
            ",".join(sorted(self.statuses)),
            "" if self.co_created is None else str(self.co_created),
            self.text,
        ]
        return "|".join(parts)


# --- reading a selection from a query string ----------------------------------------------

# At most this many slugs in one selection, all parameters together.
MAX_SLUGS = 50
# query parameter -> Selection field, for the parameters that take slugs
SLUG_PARAMETERS = {
    "branch": "branches",
    "stop": "stops",
    "track": "tracks",
    "track_all": "tracks_all",
    "audience": "audiences",
}
DATE_PARAMETERS = ("from", "to")
# The free-text search parameter and its longest accepted value (characters).
TEXT_PARAMETER = "q"
MAX_TEXT_LENGTH = 200
_SLUG = re.compile(r"[-a-zA-Z0-9_]+\Z")


def slug_is_valid(value: str) -> bool:
    """ASCII letters, digits, hyphens and underscores: what every slug of the calendar is, and
    never a NUL or anything else a database might refuse."""
    return bool(_SLUG.match(value))


def local_date_parse(raw: str) -> date:
    """A local date given as YYYY-MM-DD between MIN_YEAR and MAX_YEAR; raises ValueError with
    a readable reason."""
    text = raw.strip()
    try:
        if len(text) != 10:
            raise ValueError(text)
        parsed = date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            _("“%(value)s” is not a date (use YYYY-MM-DD).") % {"value": text[:100]}
        ) from None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise ValueError(
            _("Give a date between the years %(min)d and %(max)d.")
            % {"min": MIN_YEAR, "max": MAX_YEAR}
        )
    return parsed


@dataclass
class ParsedSelection:
    """What ``selection_parse`` read. ``errors`` maps a query parameter to its readable
    reasons; whatever was at fault is left out of ``selection``, ``first``, ``last`` and
    ``values``, so a lenient reader (the calendar page) can go on without it and a strict one
    (feeds, API) refuses when ``errors`` is not empty."""

    selection: Selection
    first: date | None = None
    last: date | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    # the accepted values per query parameter, in the order given
    values: dict[str, list[str]] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)


def _getlist(query: Mapping, name: str) -> list[str]:
    """A parameter's values from a QueryDict or a mapping of lists or single values."""
    if hasattr(query, "getlist"):
        return list(query.getlist(name))
    raw = query.get(name)
    if raw is None:
        return []
    return [str(v) for v in raw] if isinstance(raw, list | tuple) else [str(raw)]


def _slugs_read(
    query: Mapping,
    *,
    slugs: Sequence[str],
    path: tuple[str, str] | None,
    blank_ok: bool,
    errors: dict[str, list[str]],
) -> dict[str, list[str]]:
    """The valid slugs per parameter, unique and in the order given; faults go to ``errors``."""
    chosen: dict[str, list[str]] = {name: [] for name in slugs}
    if path is not None:
        chosen[path[0]].append(path[1])
    for name in slugs:
        for raw in _getlist(query, name):
            parts = [s.strip() for s in raw.split(",") if s.strip()]
            if not parts:
                if not blank_ok:
                    errors.setdefault(name, []).append(
                        _("Parameter %(name)s is empty.") % {"name": name}
                    )
                continue
            bad = [s for s in parts if not slug_is_valid(s)]
            if bad:
                errors.setdefault(name, []).append(
                    _("“%(value)s” is not a valid %(name)s: use slugs separated by commas.")
                    % {"value": bad[0][:100].replace("\x00", "\\x00"), "name": name}
                )
            chosen[name] += [s for s in parts if slug_is_valid(s)]
    values = {name: list(dict.fromkeys(v)) for name, v in chosen.items() if v}
    if sum(len(v) for v in values.values()) > MAX_SLUGS:
        message = _("Too many values; at most %(max)d.") % {"max": MAX_SLUGS}
        for name in values:
            errors.setdefault(name, []).append(message)
        return {}
    return values


def _dates_read(query: Mapping, *, blank_ok: bool, errors: dict[str, list[str]]) -> dict[str, date]:
    """``from`` and ``to`` as local dates (the last value of each); faults go to ``errors``."""
    when: dict[str, date] = {}
    for name in DATE_PARAMETERS:
        given = _getlist(query, name)
        if blank_ok:
            given = [v for v in given if v.strip()]
        if not given:
            continue
        try:
            when[name] = local_date_parse(given[-1])
        except ValueError as exc:
            errors.setdefault(name, []).append(str(exc))
    if "from" in when and "to" in when and when["to"] < when["from"]:
        errors.setdefault("to", []).append(_("“to” must not be before “from”."))
        del when["to"]
    return when


def _text_read(query: Mapping, *, blank_ok: bool, errors: dict[str, list[str]]) -> str:
    """``q``, the search words (the last value), with runs of white space made one space."""
    given = _getlist(query, TEXT_PARAMETER)
    if not given:
        return ""
    text = " ".join(given[-1].split())
    if not text:
        if not blank_ok:
            errors.setdefault(TEXT_PARAMETER, []).append(
                _("Parameter %(name)s is empty.") % {"name": TEXT_PARAMETER}
            )
        return ""
    if len(text) > MAX_TEXT_LENGTH:
        errors.setdefault(TEXT_PARAMETER, []).append(
            _("The search is too long: at most %(max)d characters.") % {"max": MAX_TEXT_LENGTH}
        )
        return ""
    if any(ord(c) < 32 for c in text):
        errors.setdefault(TEXT_PARAMETER, []).append(_("The search contains control characters."))
        return ""
    return text


def selection_parse(
    query: Mapping,
    *,
    slugs: Sequence[str] = ("branch", "stop", "track", "audience"),
    dates: bool = False,
    text: bool = False,
    allowed: Iterable[str] = (),
    path: tuple[str, str] | None = None,
    blank_ok: bool = False,
) -> ParsedSelection:
    """Read a selection from a query string (a QueryDict or a mapping of lists): the slug
    parameters named in ``slugs`` (``?branch=a,b`` or ``?branch=a&branch=b``), with
    ``dates`` also ``from`` and ``to`` (local dates, inclusive), and ``path``, a
    (parameter, slug) taken from the URL path. Other parameters are listed in ``unknown``
    unless ``allowed``. One rule for every interface: slugs are ASCII slugs, an empty
    parameter is an error, at most MAX_SLUGS slugs in all, dates between MIN_YEAR and MAX_YEAR
    and ``to`` not before ``from``. With ``text`` also ``q``, words to search for (at most
    MAX_TEXT_LENGTH characters, no control characters). A blank parameter is an error, unless
    ``blank_ok`` (an HTML form sends its empty fields): then it is read as not given."""
    errors: dict[str, list[str]] = {}
    known = {
        *slugs,
        *(DATE_PARAMETERS if dates else ()),
        *((TEXT_PARAMETER,) if text else ()),
        *allowed,
    }
    unknown = sorted(set(query) - known)
    values = _slugs_read(query, slugs=slugs, path=path, blank_ok=blank_ok, errors=errors)
    when = _dates_read(query, blank_ok=blank_ok, errors=errors) if dates else {}
    for name, value in when.items():
        values[name] = [value.isoformat()]
    words = _text_read(query, blank_ok=blank_ok, errors=errors) if text else ""
    if words:
        values[TEXT_PARAMETER] = [words]
    chosen_slugs: dict[str, tuple[str, ...]] = {
        SLUG_PARAMETERS[name]: tuple(sorted(v)) for name, v in values.items() if name in slugs
    }
    selection = Selection(**chosen_slugs, text=words)  # type: ignore[arg-type]  # tuple-of-slugs fields
    return ParsedSelection(
        selection=selection,
        first=when.get("from"),
        last=when.get("to"),
        errors=errors,
        values=values,
        unknown=unknown,
    )


class UnknownSlug(LookupError):
    """A slug in a selection that names no branch, stop, track or audience."""

    def __init__(self, field_name: str, slugs: Iterable[str]):
        self.field_name = field_name
        self.slugs = sorted(slugs)
        super().__init__(f"unknown {field_name}: {', '.join(self.slugs)}")


def selection_validate(selection: Selection) -> None:
    """Raise UnknownSlug for any slug that names nothing."""
    for field_name, model, slugs in (
        ("branch", Branch, selection.branches),
        ("stop", Stop, selection.stops),
        ("track", Track, selection.tracks),
        ("track_all", Track, selection.tracks_all),
        ("audience", Audience, selection.audiences),
    ):
        if slugs:
            known = set(model.objects.filter(slug__in=slugs).values_list("slug", flat=True))
            missing = set(slugs) - known
            if missing:
                raise UnknownSlug(field_name, missing)


def visible_q(*, user=None, prefix: str = "") -> Q:
    """Which events a user may read, as a condition: published and cancelled for everyone;
    drafts of their own branches for staff; all drafts for management and administrators.
    ``prefix`` reaches the event through a relation (``"event__"`` from an occurrence), so a
    list of occurrences filters on the event it joins anyway instead of a second look-up."""
    if roles.is_management(user):
        return Q()
    public = public_q(prefix=prefix)
    own = roles.branch_ids(user)
    if own:
        return public | Q(**{f"{prefix}branch_id__in": own})
    return public


def visible_events(*, user=None) -> QuerySet[Event]:
    """Events a user may read (``visible_q``)."""
    return Event.objects.filter(visible_q(user=user))


def _apply(qs: QuerySet, selection: Selection, prefix: str = "") -> QuerySet:
    p = prefix
    if selection.branches:
        qs = qs.filter(**{f"{p}branch__slug__in": selection.branches})
    if selection.stops:
        qs = qs.filter(**{f"{p}stop__slug__in": selection.stops})
    if selection.audiences:
        qs = qs.filter(
            **{
                f"{p}pk__in": Event.objects.filter(audiences__slug__in=selection.audiences).values(
                    "pk"
                )
            }
        )
    if selection.tracks:
        qs = qs.filter(
            **{f"{p}pk__in": Event.objects.filter(tracks__slug__in=selection.tracks).values("pk")}
        )
    if selection.tracks_all:
        wanted = set(selection.tracks_all)
        having_all = (
            Event.objects.filter(tracks__slug__in=wanted)
            .values("pk")
            .annotate(n=Count("tracks", distinct=True))
            .filter(n=len(wanted))
            .values("pk")
        )
        qs = qs.filter(**{f"{p}pk__in": having_all})
    if selection.statuses:
        qs = qs.filter(**{f"{p}status__in": selection.statuses})
    if selection.co_created is not None:
        qs = qs.filter(**{f"{p}co_created": selection.co_created})
    if selection.text:
        qs = qs.filter(**{f"{p}pk__in": event_search(selection.text).values("pk")})
    return qs


# --- free-text search ------------------------------------------------------------------------

# The Danish text search configuration of PostgreSQL: stems Danish words and drops stop words.
SEARCH_CONFIG = "danish"
# The event's own words, in one expression that the GIN index of migration 0007 also uses
# (``search_vector()`` builds both, so the query matches the index exactly).
SEARCH_FIELDS = ("title", "description", "place")
# Where else an event's words are: its room, branch and stop names; its partners' names.
PLACE_FIELDS = ("room__name", "branch__name", "stop__name")


def search_vector(*fields: str):
    from django.contrib.postgres.search import SearchVector

    return SearchVector(*(fields or SEARCH_FIELDS), config=SEARCH_CONFIG)


def event_search(text: str) -> QuerySet[Event]:
    """Events whose title, description, place, room, branch, stop or partners hold the words
    of ``text``. On PostgreSQL a Danish full-text search (stemmed: "strikker" finds
    "strikning"'s stem, stop words ignored; websearch syntax: "quoted phrases", or, -not), plus
    a title that contains the text as it is written (Danish compounds: "café" in
    "strikkecafé"). Elsewhere (SQLite) each word must occur in one of the fields."""
    if connection.vendor == "postgresql":
        return _event_search_postgres(text)
    return _event_search_simple(text)


def _search_query(text: str):
    from django.contrib.postgres.search import SearchQuery

    return SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")


def _event_search_postgres(text: str) -> QuerySet[Event]:
    query = _search_query(text)
    own = Event.objects.annotate(_words=search_vector()).filter(_words=query)
    placed = Event.objects.annotate(_words=search_vector(*PLACE_FIELDS)).filter(_words=query)
    partners = Partner.objects.annotate(_words=search_vector("name")).filter(_words=query)
    return Event.objects.filter(
        Q(pk__in=own.values("pk"))
        | Q(pk__in=placed.values("pk"))
        | Q(partners__in=partners.values("pk"))
        | Q(title__icontains=text)
    ).distinct()


def _event_search_simple(text: str) -> QuerySet[Event]:
    qs = Event.objects.all()
    for word in text.split():
        found = Q(partners__name__icontains=word)
        for name in (*SEARCH_FIELDS, *PLACE_FIELDS):
            found |= Q(**{f"{name}__icontains": word})
        qs = qs.filter(pk__in=Event.objects.filter(found).values("pk"))
    return qs


def _with_relations(qs: QuerySet[Event]) -> QuerySet[Event]:
    return qs.select_related("branch", "stop", "room").prefetch_related(
        Prefetch("tracks", queryset=Track.objects.order_by("order")),
        Prefetch("audiences", queryset=Audience.objects.order_by("order")),
        "partners",
    )


def event_list(*, user=None, selection: Selection = Selection()) -> QuerySet[Event]:
    """Events a user may see that match the selection, with their relations loaded."""
    return _with_relations(_apply(visible_events(user=user), selection)).order_by("start", "pk")


def event_get(*, user=None, pk: int | None = None, uid: str | None = None) -> Event:
    """One event a user may see; raises Event.DoesNotExist for drafts they may not see."""
    qs = _with_relations(visible_events(user=user))
    return qs.get(pk=pk) if pk is not None else qs.get(uid=uid)


def local_day_bounds(
    first: date | None, last: date | None
) -> tuple[datetime | None, datetime | None]:
    """A window of local dates as aware datetimes: [first 00:00, day after last 00:00)."""
    start = datetime.combine(first, time.min, tzinfo=LOCAL_TZ) if first else None
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=LOCAL_TZ) if last else None
    return start, end


def occurrence_list(
    *,
    user=None,
    selection: Selection = Selection(),
    start: datetime | None = None,
    end: datetime | None = None,
    include_cancelled: bool = True,
) -> QuerySet[Occurrence]:
    """Occurrences a user may see that overlap [start, end), with event relations loaded."""
    visible = Occurrence.objects.filter(visible_q(user=user, prefix="event__"))
    qs = _apply(visible, selection, "event__")
    if start is not None:
        qs = qs.filter(end__gt=start)
    if end is not None:
        qs = qs.filter(start__lt=end)
    if not include_cancelled:
        qs = qs.exclude(cancelled_q())
    return (
        qs.select_related(
            "event", "event__branch", "event__stop", "event__room", "room", "attendance"
        )
        .prefetch_related(
            Prefetch("event__tracks", queryset=Track.objects.order_by("order")),
            Prefetch("event__audiences", queryset=Audience.objects.order_by("order")),
        )
        .order_by("start", "pk")
    )


def occurrence_list_by_day(
    *, selection: Selection = Selection(), first: date, last: date, per_day: int
) -> list[Occurrence]:
    """The public occurrences starting on the local days ``first`` to ``last``: at most
    ``per_day`` of each day (the earliest), each with ``day_total``, how many that day has.
    One query (window functions), so a month of 10,000 events costs what a quiet one does."""
    start, end = local_day_bounds(first, last)
    day = TruncDate("start", tzinfo=LOCAL_TZ)
    ranked = (
        occurrence_list(selection=selection, start=start, end=end)
        .filter(start__gte=start)
        .annotate(
            day_rank=Window(RowNumber(), partition_by=[day], order_by=[F("start"), F("pk")]),
            day_total=Window(Count("pk"), partition_by=[day]),
        )
        .filter(day_rank__lte=per_day)
    )
    return list(ranked)


def occurrence_next(*, selection: Selection = Selection(), after: datetime) -> Occurrence | None:
    """The first occurrence starting at or after ``after`` that the selection matches and
    that takes place (not cancelled)."""
    return (
        occurrence_list(selection=selection, start=after, include_cancelled=False)
        .filter(start__gte=after)
        .first()
    )


def event_filter(
    qs: QuerySet[Event],
    *,
    selection: Selection = Selection(),
    start: datetime | None = None,
    end: datetime | None = None,
) -> QuerySet[Event]:
    """Narrow a queryset of events to a selection and, if given, to events with an occurrence
    overlapping [start, end). The API's FilterSets call this on what ``event_list`` returns."""
    qs = _apply(qs, selection)
    if start is not None or end is not None:
        occurrences = Occurrence.objects.all()
        if start is not None:
            occurrences = occurrences.filter(end__gt=start)
        if end is not None:
            occurrences = occurrences.filter(start__lt=end)
        qs = qs.filter(pk__in=occurrences.values("event_id"))
    return qs


def occurrence_filter(
    qs: QuerySet[Occurrence],
    *,
    selection: Selection = Selection(),
    start: datetime | None = None,
    end: datetime | None = None,
    cancelled: bool | None = None,
    events: Iterable[int] = (),
) -> QuerySet[Occurrence]:
    """Narrow a queryset of occurrences to a selection of their events, a window [start, end)
    and, if given, to cancelled ones (the occurrence or its whole event) or to the others, and
    to occurrences of the ``events`` (ids) given."""
    events = list(events)
    if events:
        qs = qs.filter(event_id__in=events)
    if selection != Selection():
        qs = qs.filter(event__in=_apply(Event.objects.all(), selection).values("pk"))
    if start is not None:
        qs = qs.filter(end__gt=start)
    if end is not None:
        qs = qs.filter(start__lt=end)
    if cancelled is True:
        qs = qs.filter(cancelled_q())
    elif cancelled is False:
        qs = qs.exclude(cancelled_q())
    return qs


def attendance_list(*, user=None) -> QuerySet[Attendance]:
    """Head counts of occurrences of events the user may see, oldest first. Who may read head
    counts at all is ``roles.may_read_attendance``."""
    return (
        Attendance.objects.filter(occurrence__event__in=visible_events(user=user).values("pk"))
        .select_related("occurrence", "occurrence__event__branch", "recorded_by")
        .annotate(correction_count=Count("revisions"))
        .order_by("occurrence__start", "occurrence_id")
    )


def attendance_filter(
    qs: QuerySet[Attendance],
    *,
    branches: Iterable[str] = (),
    events: Iterable[int] = (),
    occurrences: Iterable[int] = (),
    start: datetime | None = None,
    end: datetime | None = None,
) -> QuerySet[Attendance]:
    """Narrow head counts to the branches (slugs), events and occurrences (ids) given and to
    occurrences starting in [start, end) (an occurrence belongs to the period it starts in)."""
    branches, events, occurrences = list(branches), list(events), list(occurrences)
    if branches:
        qs = qs.filter(occurrence__event__branch__slug__in=branches)
    if events:
        qs = qs.filter(occurrence__event_id__in=events)
    if occurrences:
        qs = qs.filter(occurrence_id__in=occurrences)
    if start is not None:
        qs = qs.filter(occurrence__start__gte=start)
    if end is not None:
        qs = qs.filter(occurrence__start__lt=end)
    return qs


def occurrence_get(*, user=None, pk: int) -> Occurrence:
    return occurrence_list(user=user).get(pk=pk)
