"""Writes of the domain core. Every rule is checked here, once.

Services are plain functions with keyword-only arguments. They raise
``django.core.exceptions.ValidationError`` (with field names) for bad input and
``SchedulingConflict`` for an overlap; either way nothing is saved.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Max, Min, ProtectedError, Q
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from . import images, recurrence, signals
from .clock import local_today
from .models import (
    LOCAL_TZ,
    MAX_COUNT,
    Attendance,
    AttendanceRevision,
    Audience,
    Branch,
    Change,
    Event,
    Occurrence,
    Partner,
    Room,
    Stop,
    TouchedYear,
    Track,
    cancelled_q,
    local_date_of,
)


class SchedulingConflict(ValidationError):
    """An occurrence overlaps another in the same room, or of the same bookmobile."""

    def __init__(self, *, occurrence: Occurrence, other: Occurrence):
        self.occurrence = occurrence
        self.other = other
        local = other.start.astimezone(LOCAL_TZ)
        message = _("Overlaps “%(title)s” on %(date)s at %(time)s in the same place.") % {
            "title": other.event.title,
            "date": f"{local:%Y-%m-%d}",
            "time": f"{local:%H:%M}",
        }
        super().__init__({"start": [message]}, code="conflict")


def horizon(now: datetime | None = None) -> datetime:
    """How far ahead occurrences are materialised (default 13 months)."""
    return (now or timezone.now()) + timedelta(days=settings.OCCURRENCE_HORIZON_DAYS)


# --- validation ---------------------------------------------------------------------------


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.astimezone(LOCAL_TZ).date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _require_aware(errors: dict[str, list[str]], field: str, value: Any) -> None:
    if not isinstance(value, datetime):
        errors.setdefault(field, []).append(_("A date and time is required."))
    elif timezone.is_naive(value):
        errors.setdefault(field, []).append(_("The time must carry a time zone."))


def _over_max_count(value: Any) -> bool:
    """A head count or capacity above MAX_COUNT (a typo): refused by every interface alike."""
    return isinstance(value, int) and value > MAX_COUNT


def event_validate(
    *,
    branch: Branch,
    start: datetime,
    end: datetime,
    tracks: Sequence[Track],
    stop: Stop | None,
    room: Room | None,
    rrule: str,
    exdates: Iterable[Any],
    title: str,
    status: str,
    kept_exdates: Iterable[Any] = (),
    capacity: int | None = None,
    retimed: bool = True,
    rdates: Iterable[Any] = (),
) -> tuple[str, list[str]]:
    """Check an event's fields together. Returns the normalised rule and excluded dates.
    ``retimed``: the start (or a draft's rule) is new, so it may not lie further back than
    ``EVENT_START_PAST_DAYS``: that bounds the occurrences one request materialises."""
    errors: dict[str, list[str]] = {}
    if _over_max_count(capacity):
        errors.setdefault("capacity", []).append(
            _("The capacity can be at most %(max)d.") % {"max": MAX_COUNT}
        )
    if not (title or "").strip():
        errors.setdefault("title", []).append(_("A title is required."))
    if not tracks:
        errors.setdefault("tracks", []).append(_("Choose at least one track."))
    _require_aware(errors, "start", start)
    _require_aware(errors, "end", end)
    if not errors.get("start") and not errors.get("end") and end <= start:
        errors.setdefault("end", []).append(_("The end must be after the start."))
    if status not in Event.Status.values:
        errors.setdefault("status", []).append(
            _("Unknown status “%(status)s”.") % {"status": status}
        )
    _place_check(errors, branch=branch, stop=stop, room=room)
    if retimed and not errors.get("start"):
        _start_bound_check(errors, start)
    rule = ""
    try:
        rule = recurrence.normalise_rrule(rrule, start=None if errors.get("start") else start)
    except recurrence.RecurrenceError as exc:
        errors.setdefault("rrule", []).append(str(exc))
    excluded = _exdates_check(
        errors, start=start, rule=rule, exdates=exdates, kept_exdates=kept_exdates
    )
    _rdates_check(errors, start=start, rule=rule, rdates=rdates)
    if errors:
        raise ValidationError(errors)
    return rule, excluded


MAX_RDATES = 1000  # explicit dates of one event (a dpl-cms series has a few dozen at most)


def rdates_normalised(rdates: Iterable[Any]) -> list[str]:
    """Explicit dates as stored: local wall-clock texts, sorted, each once. Accepts aware
    datetimes and the stored texts (validated by ``event_validate``)."""
    texts = set()
    for value in rdates or ():
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
        if timezone.is_naive(moment):
            moment = recurrence.to_aware(moment)  # a stored local wall-clock time
        texts.add(recurrence.rdate_text(moment))
    return sorted(texts)


def _rdates_check(
    errors: dict[str, list[str]], *, start: datetime, rule: str, rdates: Iterable[Any]
) -> None:
    """Explicit dates: not beside a rule, each a valid time after the start and on a date of
    its own (occurrences are matched to their dates by the local day), at most MAX_RDATES."""
    values = list(rdates or ())
    if not values:
        return
    if rule:
        errors.setdefault("rdates", []).append(
            _("A series has either a rule or explicit dates, not both.")
        )
        return
    try:
        texts = rdates_normalised(values)
    except (TypeError, ValueError):
        errors.setdefault("rdates", []).append(
            _("Explicit dates must be local times (YYYY-MM-DDTHH:MM:SS).")
        )
        return
    if len(texts) > MAX_RDATES:
        errors.setdefault("rdates", []).append(
            _("A series can have at most %(max)d explicit dates.") % {"max": MAX_RDATES}
        )
    if errors.get("start"):
        return
    days = [local_date_of(start)]
    for moment in recurrence.explicit_starts(texts):
        if moment <= start:
            errors.setdefault("rdates", []).append(
                _("Explicit date %(date)s is not after the start.") % {"date": moment.isoformat()}
            )
        days.append(local_date_of(moment))
    if len(set(days)) != len(days):
        errors.setdefault("rdates", []).append(
            _("Two dates of the series fall on one day; make them separate events.")
        )


def _place_check(
    errors: dict[str, list[str]], *, branch: Branch, stop: Stop | None, room: Room | None
) -> None:
    """A bookmobile event is at one of its stops, no other event has a stop, a room is the
    branch's own."""
    if branch.is_bookmobile:
        if stop is None:
            errors.setdefault("stop", []).append(_("A bookmobile event needs one of its stops."))
        elif stop.branch_id != branch.pk:
            errors.setdefault("stop", []).append(
                _("“%(stop)s” is not a stop of %(branch)s.")
                % {"stop": stop.name, "branch": branch.name}
            )
    elif stop is not None:
        errors.setdefault("stop", []).append(_("Only bookmobile events have a stop."))
    if room is not None and room.branch_id != branch.pk:
        errors.setdefault("room", []).append(
            _("“%(room)s” is not a room of %(branch)s.")
            % {"room": room.name, "branch": branch.name}
        )


def _start_bound_check(errors: dict[str, list[str]], start: datetime) -> None:
    """A new start lies at most EVENT_START_PAST_DAYS back: that bounds the occurrences one
    request materialises."""
    earliest = timezone.now() - timedelta(days=settings.EVENT_START_PAST_DAYS)
    if start < earliest:
        errors.setdefault("start", []).append(
            _("An event may start at most %(days)d days in the past (on %(date)s or later).")
            % {"days": settings.EVENT_START_PAST_DAYS, "date": local_date_of(earliest)}
        )


def _exdates_check(
    errors: dict[str, list[str]],
    *,
    start: datetime,
    rule: str,
    exdates: Iterable[Any],
    kept_exdates: Iterable[Any],
) -> list[str]:
    """The excluded dates as ISO dates, each a date of the series (checked only when nothing
    else is wrong). Past dates the series already excluded are exempt: the past is kept as it
    was held (see occurrences_materialise), and its exclusions may predate a new rule."""
    try:
        excluded_dates = sorted({_as_date(d) for d in exdates or ()})
    except (TypeError, ValueError):
        errors.setdefault("exdates", []).append(_("Excluded dates must be dates (YYYY-MM-DD)."))
        return []
    if not excluded_dates or errors:
        return []
    if not rule:
        errors.setdefault("exdates", []).append(_("Only a recurring event can exclude dates."))
        return []
    last = datetime.combine(excluded_dates[-1], datetime.max.time(), tzinfo=LOCAL_TZ)
    on_rule = recurrence.rule_dates(start=start, rule=rule, until=last)
    exempt = {_as_date(d) for d in kept_exdates} if kept_exdates else set()
    today = local_today()
    off = [d for d in excluded_dates if d not in on_rule and not (d in exempt and d < today)]
    if off:
        errors.setdefault("exdates", []).append(
            _("These dates are not dates of the series: %(dates)s.")
            % {"dates": ", ".join(d.isoformat() for d in off)}
        )
    return [d.isoformat() for d in excluded_dates]


# --- events -------------------------------------------------------------------------------

# What staff may set on an event (event_update takes these; the admin's form shows them).
EVENT_FIELDS = (
    "branch",
    "title",
    "description",
    "start",
    "end",
    "all_day",
    "tracks",
    "stop",
    "room",
    "place",
    "audiences",
    "partners",
    "co_created",
    "kind",
    "venue",
    "barometer_type",
    "initiated_by",
    "status",
    "cancel_reason",
    "rrule",
    "exdates",
    "rdates",
    "capacity",
    "url",
    "image",
    "image_alt",
)
EVENT_RELATIONS = ("tracks", "audiences", "partners")  # many-to-many: set after the save

_PLACE_AND_TIME_FIELDS = (
    "start",
    "end",
    "all_day",
    "rrule",
    "exdates",
    "rdates",
    "branch",
    "stop",
    "room",
    "place",
    "status",
)


def _image_apply(event: Event, image: Any) -> None:
    """Set or clear an event's picture. A new upload is checked and resized now (a refusal is
    a ValidationError on ``image``); its files are written when the transaction commits, so a
    refused or rolled-back save leaves nothing behind, and the files it replaced are deleted
    then. ``None``, ``False`` or ``""`` clears the picture and its alt text; the stored file
    itself (a FieldFile, as a form gives back unchanged) changes nothing."""
    if isinstance(image, FieldFile):
        return
    old = [f.name for f in (event.image, event.image_thumbnail) if f.name]
    storage = event.image.storage
    if not image:
        event.image.name = event.image_thumbnail.name = ""
        event.image_width = event.image_height = None
        event.image_alt = ""
    else:
        processed = images.image_process(image)
        token = secrets.token_hex(8)
        large, small = f"events/{token}.jpg", f"events/{token}-thumbnail.jpg"
        event.image.name, event.image_thumbnail.name = large, small
        event.image_width, event.image_height = processed.width, processed.height
        files = {large: processed.large, small: processed.thumbnail}

        def write() -> None:
            for name, data in files.items():
                storage.save(name, ContentFile(data))

        transaction.on_commit(write)
    if old:
        transaction.on_commit(lambda: _files_delete(storage, old))


def _files_delete(storage, names: Iterable[str | None]) -> None:
    for name in names:
        if name:
            storage.delete(name)


def _notify_events(event_ids: Iterable[int]) -> None:
    ids = sorted(set(event_ids))
    transaction.on_commit(lambda: signals.events_send(Event, ids))


def _notify_occurrences(occurrence_ids: Iterable[int], *, years: Iterable[int] = ()) -> None:
    ids, gone = sorted(set(occurrence_ids)), sorted(set(years))
    if ids or gone:
        transaction.on_commit(lambda: signals.occurrences_send(Occurrence, ids, years=gone))


def _touch(years: Iterable[int], *, event_id: int | None = None) -> None:
    """Mark local years whose counted occurrences this write changed, in its transaction: the
    durable record that their status figures must be recomputed (``TouchedYear``), for the
    event ``event_id`` alone when the write says which."""
    TouchedYear.objects.bulk_create(
        [TouchedYear(year=y, event_id=event_id) for y in sorted(set(years))]
    )


def _event_years(event: Event) -> set[int]:
    """Every local year an event's occurrences count in now (their dates and original slots),
    as a range from the first to the last: one aggregate instead of reading each occurrence."""
    bounds = Occurrence.objects.filter(event_id=event.pk).aggregate(
        first=Min("local_date"),
        last=Max("local_date"),
        first_slot=Min("original_start"),
        last_slot=Max("original_start"),
    )
    if bounds["first"] is None:
        return set()
    first = min(bounds["first"].year, bounds["first_slot"].astimezone(LOCAL_TZ).year)
    last = max(bounds["last"].year, bounds["last_slot"].astimezone(LOCAL_TZ).year)
    return set(range(first, last + 1))


def _record(
    action: str,
    *,
    event: Event,
    user=None,
    occurrence: Occurrence | None = None,
    years: Iterable[int] = (),
    **details: Any,
) -> None:
    """Keep who did what and when (``Change``), and the years it touched (``_touch``), in the
    write's own transaction."""
    Change.objects.create(
        at=timezone.now(),
        actor=user if getattr(user, "is_authenticated", False) else None,
        event=event,
        event_uid=event.uid,
        event_title=event.title[:200],
        occurrence=occurrence,
        action=action,
        details=details,
    )
    _touch(years, event_id=event.pk)


def default_venue(branch: Branch) -> str:
    """Where a new event of ``branch`` is held when nobody said: the bookmobile's out in the
    local community, any other branch's in the library."""
    return Event.Venue.COMMUNITY if branch.is_bookmobile else Event.Venue.LIBRARY


@transaction.atomic
def event_create(
    *,
    branch: Branch,
    title: str,
    start: datetime,
    end: datetime,
    tracks: Sequence[Track],
    description: str = "",
    stop: Stop | None = None,
    room: Room | None = None,
    place: str = "",
    audiences: Sequence[Audience] = (),
    partners: Sequence[Partner] = (),
    co_created: bool = False,
    kind: str = Event.Kind.ARRANGEMENT,
    venue: str | None = None,
    barometer_type: str = "",
    initiated_by: str = "",
    status: str = Event.Status.DRAFT,
    all_day: bool = False,
    rrule: str = "",
    exdates: Iterable[Any] = (),
    rdates: Iterable[Any] = (),
    capacity: int | None = None,
    url: str = "",
    user=None,
    check_conflicts: bool = True,
    uid: str | None = None,
    cancel_reason: str = "",
    image: Any = None,
    image_alt: str = "",
) -> Event:
    """Create an event and materialise its occurrences. ``uid`` is for events that already
    have a stable identity elsewhere (imports, demo data); by default a new one is made.

    An event created already cancelled (``status`` cancelled, called off before it was entered)
    is created published and then cancelled with ``cancel_reason`` (``event_cancel``), so that
    its place is checked, and its SEQUENCE and feeds say what an ordinary cancellation says.

    ``venue`` left out (or empty): the bookmobile's events are held out in the local community,
    every other branch's in the library (``default_venue``)."""
    rule, excluded = event_validate(
        branch=branch,
        start=start,
        end=end,
        tracks=tracks,
        stop=stop,
        room=room,
        rrule=rrule,
        exdates=exdates,
        title=title,
        status=status,
        capacity=capacity,
        rdates=rdates,
    )
    cancelled = status == Event.Status.CANCELLED
    event = Event(
        branch=branch,
        title=title.strip(),
        description=description,
        start=start,
        end=end,
        stop=stop,
        room=room,
        place=place,
        co_created=co_created,
        kind=kind,
        venue=venue or default_venue(branch),
        barometer_type=barometer_type or "",
        initiated_by=initiated_by or "",
        status=Event.Status.PUBLISHED if cancelled else status,
        all_day=all_day,
        rrule=rule,
        exdates=excluded,
        rdates=rdates_normalised(rdates),
        capacity=capacity,
        url=url,
        image_alt=(image_alt or "").strip(),
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    if uid:
        event.uid = uid
    if image:
        _image_apply(event, image)
    event.full_clean(exclude=["tracks", "audiences", "partners", "created_by"])
    event.save()
    event.tracks.set(tracks)
    event.audiences.set(audiences)
    event.partners.set(partners)
    occurrences_materialise(event=event, check_conflicts=check_conflicts, keep_past=False)
    _record(Change.Action.CREATED, event=event, user=user)  # its years: marked by materialise
    _notify_events([event.pk])
    _notify_occurrences([], years=_event_years(event))
    if cancelled:
        event = event_cancel(event=event, reason=cancel_reason, user=user)
    return event


@transaction.atomic
def event_update(*, event: Event, user=None, check_conflicts: bool = True, **changes: Any) -> Event:
    """Change an event. A change of time, place or status raises SEQUENCE; occurrences are
    materialised again without losing attendance, cancellations or moves."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    unknown = set(changes) - set(EVENT_FIELDS)
    if unknown:
        raise ValidationError(
            {name: [_("This field cannot be changed.")] for name in sorted(unknown)}
        )
    given = sorted(changes)
    years_before = _event_years(event)
    relations = {k: changes.pop(k) for k in EVENT_RELATIONS if k in changes}
    before = {f: getattr(event, f) for f in _PLACE_AND_TIME_FIELDS}
    before_exdates = list(event.exdates)
    if "image" in changes:
        _image_apply(event, changes.pop("image"))
    if "image_alt" in changes:
        changes["image_alt"] = (changes["image_alt"] or "").strip()
    for name, value in changes.items():
        setattr(event, name, value)
    tracks = relations.get("tracks", list(event.tracks.all()))
    rule, excluded = event_validate(
        branch=event.branch,
        start=event.start,
        end=event.end,
        tracks=tracks,
        stop=event.stop,
        room=event.room,
        rrule=event.rrule,
        exdates=event.exdates,
        title=event.title,
        status=event.status,
        kept_exdates=before_exdates,
        capacity=event.capacity,
        rdates=event.rdates,
        retimed=event.start != before["start"]
        or (before["status"] == Event.Status.DRAFT and event.rrule != before["rrule"]),
    )
    event.rrule, event.exdates = rule, excluded
    event.rdates = rdates_normalised(event.rdates)
    if event.status != Event.Status.CANCELLED:
        event.cancel_reason = ""
    event.full_clean(exclude=["tracks", "audiences", "partners", "created_by"])
    if (
        any(getattr(event, f) != before[f] for f in _PLACE_AND_TIME_FIELDS)
        and before["status"] != Event.Status.DRAFT
    ):
        event.sequence += 1
    event.updated_at = timezone.now()
    event.save()
    for name, values in relations.items():
        getattr(event, name).set(values)
    occurrences_materialise(
        event=event,
        check_conflicts=check_conflicts,
        keep_past=before["status"] != Event.Status.DRAFT,
    )
    details: dict[str, Any] = {"fields": given}
    if event.status == Event.Status.CANCELLED:
        details["reason"] = event.cancel_reason
    _record(
        _STATUS_ACTIONS.get((before["status"], event.status), Change.Action.UPDATED),
        event=event,
        user=user,
        years=years_before | _event_years(event),
        **details,
    )
    _notify_events([event.pk])
    _notify_occurrences(event.occurrences.values_list("pk", flat=True), years=years_before)
    return event


_STATUS_ACTIONS: dict[tuple[str, str], str] = {
    (Event.Status.DRAFT, Event.Status.PUBLISHED): Change.Action.PUBLISHED,
    (Event.Status.DRAFT, Event.Status.CANCELLED): Change.Action.CANCELLED,
    (Event.Status.PUBLISHED, Event.Status.CANCELLED): Change.Action.CANCELLED,
    (Event.Status.CANCELLED, Event.Status.PUBLISHED): Change.Action.RESTORED,
}


def event_publish(*, event: Event, user=None) -> Event:
    if event.status == Event.Status.PUBLISHED:
        return event
    return event_update(event=event, user=user, status=Event.Status.PUBLISHED)


def event_cancel(*, event: Event, reason: str = "", user=None) -> Event:
    """Cancel a whole event. It stays in feeds with STATUS:CANCELLED until it has passed."""
    if event.status == Event.Status.DRAFT:
        raise ValidationError({"status": [_("A draft cannot be cancelled; delete it instead.")]})
    return event_update(
        event=event,
        user=user,
        status=Event.Status.CANCELLED,
        cancel_reason=reason.strip(),
        check_conflicts=False,
    )


@transaction.atomic
def event_delete(*, event: Event, user=None) -> None:
    """Delete an event that has no attendance. One with attendance must be cancelled instead."""
    if Attendance.objects.filter(occurrence__event=event).exists():
        raise ValidationError(
            {
                "event": [
                    _(
                        "This event has recorded attendance and cannot be deleted; cancel it instead."  # noqa: E501
                    )
                ]
            }
        )
    event_id = event.pk
    years = set().union(
        *(o.counted_years for o in event.occurrences.only("local_date", "original_start"))
    )
    _record(Change.Action.DELETED, event=event, user=user, years=years)
    pictures = [f.name for f in (event.image, event.image_thumbnail) if f.name]
    storage = event.image.storage
    event.delete()
    if pictures:
        transaction.on_commit(lambda: _files_delete(storage, pictures))
    _notify_events([event_id])
    _notify_occurrences([], years=years)


# --- occurrences --------------------------------------------------------------------------


def _conflicts(occurrence: Occurrence) -> Occurrence | None:
    """Another active occurrence in the same room, or of the same bookmobile, that overlaps."""
    event = occurrence.event
    room = occurrence.room or event.room
    if occurrence.is_cancelled:
        return None
    if room is None and not event.branch.is_bookmobile:
        return None
    overlapping = (
        Occurrence.objects.filter(start__lt=occurrence.end, end__gt=occurrence.start)
        .exclude(cancelled_q())
        .exclude(event_id=event.pk)
        .select_related("event")
    )
    if event.branch.is_bookmobile:
        overlapping = overlapping.filter(event__branch_id=event.branch_id)
    else:
        overlapping = overlapping.filter(Q(room=room) | Q(room__isnull=True, event__room=room))
    return overlapping.order_by("start").first()


def _slot_map(event: Event, until: datetime) -> dict[date, datetime]:
    excluded = [date.fromisoformat(d) for d in event.exdates]
    if not event.rrule:
        # A single event, or a list of explicit dates, is bounded by itself: it gets all its
        # occurrences however far ahead they are (the nightly horizon job only extends rules).
        until = max([until, event.start, *recurrence.explicit_starts(event.rdates)])
    return {
        start.astimezone(LOCAL_TZ).date(): start
        for start in recurrence.expand(
            start=event.start,
            rule=event.rrule,
            until=until,
            exdates=excluded,
            rdates=event.rdates,
        )
    }


@dataclass
class _Materialising:
    """What one run of ``occurrences_materialise`` changes, gathered by its steps."""

    changed: list[int] = field(default_factory=list)  # occurrences saved with new values
    gone_years: set[int] = field(default_factory=set)  # years of the occurrences deleted
    past_excluded: set[date] = field(default_factory=set)  # the rule's past dates not held
    kept: list[Occurrence] = field(default_factory=list)  # upcoming ones the rule still gives


def occurrences_materialise(
    *,
    event: Event,
    until: datetime | None = None,
    check_conflicts: bool = False,
    keep_past: bool = True,
) -> list[Occurrence]:
    """Bring an event's occurrences in line with its rule up to the horizon.

    Occurrences are matched to the rule by local date, so a change of time carries each date's
    cancellation, move and attendance along. An occurrence the rule no longer has is deleted,
    unless it has attendance or was moved: then it is kept and flagged ``detached``.

    With ``keep_past`` (every change but the creation of an event, or the reshaping of a
    draft) the past stays as it was held: an occurrence that has started is never deleted or
    re-timed; if the rule no longer gives it, it is kept and flagged ``detached``. Dates the new
    rule gives in the past, where nothing was held, become excluded dates of the series, so the
    feeds and the figures show no occurrence that never took place.
    Returns the occurrences created.
    """
    until = until or horizon()
    now = timezone.now()
    slots = _slot_map(event, until)
    existing = _occurrences_by_day(event)
    with_attendance = set(
        Attendance.objects.filter(occurrence__event=event).values_list("occurrence_id", flat=True)
    )
    run = _Materialising()
    for day, occ in existing.items():
        slot = slots.get(day)
        if keep_past and occ.start < now:
            _keep_as_held(occ, day=day, slot=slot, run=run)
        elif slot is None:
            _drop_or_detach(event, occ, day=day, until=until, attended=with_attendance, run=run)
        else:
            _fit_to_slot(occ, slot=slot, duration=event.end - event.start, run=run)
    checked = check_conflicts and event.status != Event.Status.DRAFT
    if checked:
        # A change of time or room, or publishing a draft, can make existing occurrences
        # overlap others; the caller's transaction rolls the change back.
        for occ in run.kept:
            occ.event = event
            _refuse_conflict(occ)
    created = _new_occurrences(
        event, slots=slots, existing=existing, past_before=now if keep_past else None, run=run
    )
    if checked:
        for occ in created:
            _refuse_conflict(occ)
    for occ in created:  # bulk_create skips save(), which sets local_date
        occ.local_date = local_date_of(occ.start)
    Occurrence.objects.bulk_create(created, batch_size=500)
    _touch(run.gone_years.union(*(occ.counted_years for occ in created)), event_id=event.pk)
    _exclude_past_dates(event, run.past_excluded)
    _notify_occurrences(run.changed, years=run.gone_years)
    return created


def _occurrences_by_day(event: Event) -> dict[date, Occurrence]:
    """The event's occurrences by the local date of their original slot (the first of a date)."""
    existing: dict[date, Occurrence] = {}
    for occ in Occurrence.objects.filter(event=event).select_related("event"):
        existing.setdefault(local_date_of(occ.original_start), occ)
    return existing


def _save_changed(occ: Occurrence, fields: list[str], run: _Materialising) -> None:
    occ.updated_at = timezone.now()
    occ.save(update_fields=[*fields, "updated_at"])
    run.changed.append(occ.pk)


def _keep_as_held(
    occ: Occurrence, *, day: date, slot: datetime | None, run: _Materialising
) -> None:
    """An occurrence that has started stays as held; flagged ``detached`` unless the rule
    still gives it at its original time. The rule's other time that day was not held."""
    fits = slot is not None and slot == occ.original_start
    if slot is not None and not fits:
        run.past_excluded.add(day)
    if occ.detached == fits:
        occ.detached = not fits
        _save_changed(occ, ["detached"], run)


def _drop_or_detach(
    event: Event,
    occ: Occurrence,
    *,
    day: date,
    until: datetime,
    attended: set[int],
    run: _Materialising,
) -> None:
    """An upcoming occurrence the rule no longer gives: deleted, or kept as ``detached`` if it
    has attendance or was moved. One beyond this run's horizon of an open series is left."""
    if day > local_date_of(until) and event.rrule and not recurrence.is_bounded(event.rrule):
        return
    if occ.pk in attended or occ.moved:
        if not occ.detached:
            occ.detached = True
            _save_changed(occ, ["detached"], run)
    else:
        run.gone_years |= occ.counted_years
        occ.delete()


def _fit_to_slot(
    occ: Occurrence, *, slot: datetime, duration: timedelta, run: _Materialising
) -> None:
    """An upcoming occurrence the rule gives: attached to its slot, and re-timed to it unless
    it was moved."""
    fields = []
    if occ.detached:
        occ.detached = False
        fields.append("detached")
    if occ.original_start != slot:
        occ.original_start = slot
        fields.append("original_start")
    if not occ.moved and (occ.start != slot or occ.end != slot + duration):
        occ.start, occ.end = slot, slot + duration
        fields += ["start", "end"]
    if fields:
        _save_changed(occ, fields, run)
    run.kept.append(occ)


def _refuse_conflict(occ: Occurrence) -> None:
    other = _conflicts(occ)
    if other is not None:
        raise SchedulingConflict(occurrence=occ, other=other)


def _new_occurrences(
    event: Event,
    *,
    slots: dict[date, datetime],
    existing: dict[date, Occurrence],
    past_before: datetime | None,
    run: _Materialising,
) -> list[Occurrence]:
    """Unsaved occurrences for the rule's dates that have none; a date before ``past_before``
    gets none (it was not held) and becomes an excluded date instead."""
    duration = event.end - event.start
    new: list[Occurrence] = []
    for day, slot in sorted(slots.items()):
        if day in existing:
            continue
        if past_before is not None and slot < past_before:
            run.past_excluded.add(day)
            continue
        new.append(Occurrence(event=event, original_start=slot, start=slot, end=slot + duration))
    return new


def _exclude_past_dates(event: Event, days: set[date]) -> None:
    if days:
        event.exdates = sorted({*event.exdates, *(d.isoformat() for d in days)})
        Event.objects.filter(pk=event.pk).update(exdates=event.exdates)


def occurrences_extend_horizon(*, until: datetime | None = None) -> int:
    """Materialise every open-ended series up to the rolling horizon. Returns how many
    occurrences were created. Beat runs this each night."""
    count = 0
    changed_events = []
    for event in Event.objects.exclude(rrule="").iterator():
        with transaction.atomic():
            made = occurrences_materialise(event=event, until=until)
        if made:
            count += len(made)
            changed_events.append(event.pk)
    if changed_events:
        signals.events_send(Event, changed_events)
    return count


def _bump(event: Event) -> None:
    """Raise SEQUENCE: subscribers must see a change of one occurrence."""
    Event.objects.filter(pk=event.pk).update(sequence=F("sequence") + 1, updated_at=timezone.now())
    event.refresh_from_db(fields=["sequence", "updated_at"])


@transaction.atomic
def occurrence_cancel(*, occurrence: Occurrence, reason: str = "", user=None) -> Occurrence:
    """Cancel one occurrence with a reason. Cancelling it again changes nothing, unless a new
    reason is given: then the reason is corrected (subscribers see it, so SEQUENCE rises)."""
    occurrence = (
        Occurrence.objects.select_for_update().select_related("event").get(pk=occurrence.pk)
    )
    if occurrence.status == Occurrence.Status.CANCELLED:
        reason = (reason or "").strip()
        if reason and reason != occurrence.cancel_reason:
            occurrence.cancel_reason = reason
            occurrence.updated_at = timezone.now()
            occurrence.save(update_fields=["cancel_reason", "updated_at"])
            _bump(occurrence.event)
            _record(
                Change.Action.OCCURRENCE_REASON,
                event=occurrence.event,
                occurrence=occurrence,
                user=user,
                reason=reason,
            )
            _notify_events([occurrence.event_id])
        return occurrence
    if hasattr(occurrence, "attendance"):
        raise ValidationError(
            {
                "occurrence": [
                    _(
                        "Attendance is recorded for this occurrence; it was held and cannot be cancelled."  # noqa: E501
                    )
                ]
            }
        )
    occurrence.status = Occurrence.Status.CANCELLED
    occurrence.cancel_reason = (reason or "").strip()
    occurrence.updated_at = timezone.now()
    occurrence.save(update_fields=["status", "cancel_reason", "updated_at"])
    _bump(occurrence.event)
    _record(
        Change.Action.OCCURRENCE_CANCELLED,
        event=occurrence.event,
        occurrence=occurrence,
        user=user,
        years=occurrence.counted_years,
        start=occurrence.start.astimezone(LOCAL_TZ).isoformat(),
        reason=occurrence.cancel_reason,
    )
    _notify_events([occurrence.event_id])
    _notify_occurrences([occurrence.pk])
    return occurrence


@transaction.atomic
def occurrence_restore(*, occurrence: Occurrence, user=None) -> Occurrence:
    """Undo a cancellation of one occurrence."""
    occurrence = (
        Occurrence.objects.select_for_update().select_related("event").get(pk=occurrence.pk)
    )
    if occurrence.status != Occurrence.Status.CANCELLED:
        return occurrence
    occurrence.status = Occurrence.Status.SCHEDULED
    occurrence.cancel_reason = ""
    other = _conflicts(occurrence)
    if other is not None:
        raise SchedulingConflict(occurrence=occurrence, other=other)
    occurrence.updated_at = timezone.now()
    occurrence.save(update_fields=["status", "cancel_reason", "updated_at"])
    _bump(occurrence.event)
    _record(
        Change.Action.OCCURRENCE_RESTORED,
        event=occurrence.event,
        occurrence=occurrence,
        user=user,
        years=occurrence.counted_years,
        start=occurrence.start.astimezone(LOCAL_TZ).isoformat(),
    )
    _notify_events([occurrence.event_id])
    _notify_occurrences([occurrence.pk])
    return occurrence


@transaction.atomic
def occurrence_move(
    *,
    occurrence: Occurrence,
    start: datetime,
    end: datetime | None = None,
    room: Room | None = None,
    user=None,
) -> Occurrence:
    """Move one occurrence to another time (and optionally room). The series is unchanged."""
    occurrence = (
        Occurrence.objects.select_for_update()
        .select_related("event", "event__branch")
        .get(pk=occurrence.pk)
    )
    errors: dict[str, list[str]] = {}
    _require_aware(errors, "start", start)
    if end is None and not errors:
        end = start + (occurrence.end - occurrence.start)
    _require_aware(errors, "end", end)
    if not errors and end is not None and end <= start:
        errors.setdefault("end", []).append(_("The end must be after the start."))
    if room is not None and room.branch_id != occurrence.event.branch_id:
        errors.setdefault("room", []).append(
            _("“%(room)s” is not a room of %(branch)s.")
            % {"room": room.name, "branch": occurrence.event.branch.name}
        )
    if occurrence.status == Occurrence.Status.CANCELLED:
        errors.setdefault("occurrence", []).append(
            _("A cancelled occurrence cannot be moved; restore it first.")
        )
    if hasattr(occurrence, "attendance"):
        errors.setdefault("occurrence", []).append(
            _("Attendance is recorded for this occurrence; it cannot be moved.")
        )
    if errors:
        raise ValidationError(errors)
    assert end is not None
    left_years = occurrence.counted_years
    left_start = occurrence.start.astimezone(LOCAL_TZ).isoformat()
    occurrence.start, occurrence.end = start, end
    if room is not None:
        occurrence.room = None if room == occurrence.event.room else room
    occurrence.moved = (
        occurrence.start != occurrence.original_start
        or occurrence.end - occurrence.start != occurrence.event.end - occurrence.event.start
        or occurrence.room_id is not None
    )
    other = _conflicts(occurrence)
    if other is not None:
        raise SchedulingConflict(occurrence=occurrence, other=other)
    occurrence.updated_at = timezone.now()
    occurrence.save()
    _bump(occurrence.event)
    _record(
        Change.Action.OCCURRENCE_MOVED,
        event=occurrence.event,
        occurrence=occurrence,
        user=user,
        years=left_years | occurrence.counted_years,
        old_start=left_start,
        new_start=occurrence.start.astimezone(LOCAL_TZ).isoformat(),
    )
    _notify_events([occurrence.event_id])
    _notify_occurrences([occurrence.pk], years=left_years)
    return occurrence


# --- attendance ---------------------------------------------------------------------------


def attendance_validate(
    *,
    occurrence: Occurrence,
    total: Any,
    by_age: dict[str, Any] | None,
    now: datetime | None = None,
) -> dict[str, int] | None:
    errors: dict[str, list[str]] = {}
    now = now or timezone.now()
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        errors.setdefault("total", []).append(
            _("The head count must be a whole number of 0 or more.")
        )
    elif _over_max_count(total):
        errors.setdefault("total", []).append(
            _("The head count can be at most %(max)d.") % {"max": MAX_COUNT}
        )
    groups: dict[str, int] | None = None
    if by_age:
        unknown = set(by_age) - set(Attendance.AGE_GROUPS)
        if unknown:
            errors.setdefault("by_age", []).append(
                _("Unknown age groups: %(groups)s.") % {"groups": ", ".join(sorted(unknown))}
            )
        values = {g: by_age.get(g) or 0 for g in Attendance.AGE_GROUPS}
        if any(not isinstance(v, int) or isinstance(v, bool) or v < 0 for v in values.values()):
            errors.setdefault("by_age", []).append(
                _("Each age group must be a whole number of 0 or more.")
            )
        elif any(_over_max_count(v) for v in values.values()):
            errors.setdefault("by_age", []).append(
                _("Each age group can be at most %(max)d.") % {"max": MAX_COUNT}
            )
        elif not errors.get("total") and sum(values.values()) != total:
            errors.setdefault("by_age", []).append(
                _("The age groups add up to %(sum)d, not to the total of %(total)d.")
                % {"sum": sum(values.values()), "total": total}
            )
        groups = values
    if occurrence.start > now:
        errors.setdefault("occurrence", []).append(
            _("Attendance can only be recorded once the occurrence has started.")
        )
    if occurrence.is_cancelled:
        errors.setdefault("occurrence", []).append(
            _("The occurrence is cancelled; no attendance can be recorded.")
        )
    if occurrence.event.status == Event.Status.DRAFT:
        errors.setdefault("occurrence", []).append(
            _("The event is a draft; publish it before recording attendance.")
        )
    if errors:
        raise ValidationError(errors)
    return groups


@transaction.atomic
def attendance_record(
    *,
    occurrence: Occurrence,
    total: int,
    by_age: dict[str, Any] | None = None,  # unchecked input, validated here
    note: str = "",
    user=None,
    now: datetime | None = None,
    notify: bool = True,
) -> Attendance:
    """Record or correct the head count of an occurrence. A correction keeps the earlier value
    as a revision; recording the same values again changes nothing (safe to retry)."""
    occurrence = (
        Occurrence.objects.select_for_update().select_related("event").get(pk=occurrence.pk)
    )
    groups = attendance_validate(occurrence=occurrence, total=total, by_age=by_age, now=now)
    values = {
        "total": total,
        "note": (note or "").strip(),
        **(groups or dict.fromkeys(Attendance.AGE_GROUPS)),
    }
    by = user if getattr(user, "is_authenticated", False) else None
    current = Attendance.objects.filter(occurrence=occurrence).first()
    if current is not None:
        if all(getattr(current, k) == v for k, v in values.items()):
            return current
        AttendanceRevision.objects.create(
            attendance=current,
            recorded_by=current.recorded_by,
            recorded_at=current.recorded_at,
            superseded_by=by,
            **{k: getattr(current, k) for k in values},
        )
        for k, v in values.items():
            setattr(current, k, v)
        current.recorded_by, current.recorded_at = by, timezone.now()
        current.save()
        action = Change.Action.ATTENDANCE_CORRECTED
    else:
        current = Attendance.objects.create(occurrence=occurrence, recorded_by=by, **values)
        action = Change.Action.ATTENDANCE_RECORDED
    _record(
        action,
        event=occurrence.event,
        occurrence=occurrence,
        user=user,
        years=occurrence.counted_years,
        total=total,
    )
    if notify:
        _notify_occurrences([occurrence.pk])
    return current


@transaction.atomic
def attendance_record_bulk(
    *, items: Sequence[dict[str, Any]], user=None, branch: Branch | None = None
) -> list[Attendance]:
    """Record many head counts at once, all or nothing. ``items`` hold ``occurrence`` (an
    Occurrence), ``total`` and optionally ``by_age`` and ``note``. Errors are reported per item
    index; one notification is sent for the whole batch."""
    errors: dict[str, list[str]] = {}
    results: list[Attendance] = []
    for index, item in enumerate(items):
        occ = item["occurrence"]
        if branch is not None and occ.event.branch_id != branch.pk:
            errors[f"items[{index}].occurrence"] = [
                _("This occurrence is not at %(branch)s.") % {"branch": branch.name}
            ]
            continue
        try:
            with transaction.atomic():
                results.append(
                    attendance_record(
                        occurrence=occ,
                        total=item["total"],
                        by_age=item.get("by_age"),
                        note=item.get("note", ""),
                        user=user,
                        notify=False,
                    )
                )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors[f"items[{index}].{field}"] = messages
    if errors:
        raise ValidationError(errors)
    _notify_occurrences([a.occurrence_id for a in results])
    return results


# --- places: branches, bookmobile stops, rooms (administrators) ---------------------------


def place_save(*, instance: Branch | Stop | Room, **fields: Any) -> Branch | Stop | Room:
    """Create (an unsaved ``instance``) or change a branch, bookmobile stop or room. The
    model's own checks (a unique slug, lengths, a valid email and link, one room of a name per
    branch) and the rules of places: a stop belongs to the bookmobile, and the bookmobile keeps
    its kind while it has stops. Raises ValidationError naming the field; saves nothing then.
    Feed pieces of the events there follow by the feeds' receivers."""
    for name, value in fields.items():
        setattr(instance, name, value)
    errors: dict[str, list[str]] = {}
    if isinstance(instance, Stop) and instance.branch_id and not instance.branch.is_bookmobile:
        errors["branch"] = [_("A stop belongs to the bookmobile.")]
    if (
        isinstance(instance, Branch)
        and instance.pk
        and not instance.is_bookmobile
        and instance.stops.exists()
    ):
        errors["kind"] = [_("The bookmobile has stops; move or delete them first.")]
    try:
        instance.full_clean()
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        instance.save()
    return instance


def place_delete(*, instance: Branch | Stop | Room) -> None:
    """Delete a branch, stop or room that nothing refers to; one that events (or stops and
    rooms of a branch) still use is refused with a ValidationError."""
    try:
        with transaction.atomic():
            instance.delete()
    except ProtectedError:
        raise ValidationError(
            _("Events, stops or rooms still refer to it; move or delete them first.")
        ) from None


def _shift_rule(rule: str, delta: timedelta) -> str:
    """A recurrence rule moved by ``delta``: its UNTIL moves with it (COUNT and the BY* parts
    follow the new start by themselves)."""
    from datetime import UTC  # (an appended function: the module's imports stay as they are)

    if not rule or "UNTIL=" not in rule.upper():
        return rule
    parts = recurrence._parts(rule)
    until = recurrence._parse_until(parts["UNTIL"]) + delta
    parts["UNTIL"] = until.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return ";".join(f"{key}={value}" for key, value in parts.items())


def event_copy(
    *, event: Event, start: datetime, user=None, status: str = Event.Status.DRAFT
) -> Event:
    """A new event like ``event`` starting at ``start``: the same text, place, room, tracks,
    audiences, partners, capacity, co-created flag, kind, venue, barometer type and who started
    it, its recurrence and excluded dates moved
    by as much as the start, its duration kept. A draft unless ``status`` says otherwise;
    the rules of ``event_create`` apply (a clash in the room is refused)."""
    errors: dict[str, list[str]] = {}
    _require_aware(errors, "start", start)
    if status not in (Event.Status.DRAFT, Event.Status.PUBLISHED):
        errors.setdefault("status", []).append(_("A copy is a draft or published."))
    if errors:
        raise ValidationError(errors)
    start = start.astimezone(LOCAL_TZ)
    delta = start - event.start.astimezone(LOCAL_TZ)
    days = start.date() - event.start.astimezone(LOCAL_TZ).date()
    try:
        rule = _shift_rule(event.rrule, delta)
    except recurrence.RecurrenceError as exc:  # a stored rule is valid; kept for safety
        raise ValidationError({"rrule": [str(exc)]}) from exc
    return event_create(
        branch=event.branch,
        title=event.title,
        description=event.description,
        start=start,
        end=start + event.duration,
        all_day=event.all_day,
        tracks=list(event.tracks.all()),
        audiences=list(event.audiences.all()),
        partners=list(event.partners.all()),
        stop=event.stop,
        room=event.room,
        place=event.place,
        co_created=event.co_created,
        kind=event.kind,
        venue=event.venue,
        barometer_type=event.barometer_type,
        initiated_by=event.initiated_by,
        capacity=event.capacity,
        url=event.url,
        rrule=rule,
        exdates=[(date.fromisoformat(d) + days).isoformat() for d in event.exdates or []],
        rdates=[(datetime.fromisoformat(d) + days).isoformat() for d in event.rdates or []],
        status=status,
        user=user,
        image=_picture_copy(event),
        image_alt=event.image_alt,
    )


def _picture_copy(event: Event) -> ContentFile | None:
    """The event's picture as a new upload, so that a copy has files of its own."""
    if not event.image:
        return None
    try:
        with event.image.open("rb") as picture:
            return ContentFile(picture.read(), name="copy.jpg")
    except OSError:  # the file is gone: the copy has no picture
        return None
