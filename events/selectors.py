"""Reads of the domain core: what a given user may see, filtered by the public criteria.

The API's FilterSets, the feeds and the public pages all go through these functions, so that
"drafts never leak" and "which events match branch X and track Y" are decided in one place.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet

from . import roles
from .models import LOCAL_TZ, Audience, Branch, Event, Occurrence, Stop, Track, cancelled_q


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


def visible_events(*, user=None) -> QuerySet[Event]:
    """Events a user may read: published and cancelled for everyone; drafts of their own
    branches for staff; all drafts for management and administrators."""
    qs = Event.objects.all()
    if roles.is_management(user):
        return qs
    own = roles.branch_ids(user)
    if own:
        return qs.filter(~Q(status=Event.Status.DRAFT) | Q(branch_id__in=own))
    return qs.public()


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
        qs = qs.filter(
            Q(**{f"{p}title__icontains": selection.text})
            | Q(**{f"{p}description__icontains": selection.text})
        )
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
    events = _apply(visible_events(user=user), selection)
    qs = Occurrence.objects.filter(event__in=events.values("pk"))
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
) -> QuerySet[Occurrence]:
    """Narrow a queryset of occurrences to a selection of their events, a window [start, end)
    and, if given, to cancelled ones (the occurrence or its whole event) or to the others."""
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


def occurrence_get(*, user=None, pk: int) -> Occurrence:
    return occurrence_list(user=user).get(pk=pk)
