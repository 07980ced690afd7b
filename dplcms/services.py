"""The dpl-cms sync: fetch the website's instances, check them, map them, and apply them through
the domain's services (``events.services``), so that every rule, SEQUENCE and feed update is
the one staff edits get. Then removals, and the write-back of this service's links.

Who owns what: dpl-cms owns an imported event's title, description, dates, place and state;
this service owns tracks, audiences, kind and venue, co-creation and partners, initiative links
and attendance, set once when the event is imported and never touched by a re-sync.

A run is idempotent: an instance whose digest is unchanged calls no service, so a second
identical run makes no Change rows, no new SEQUENCE and no new feed ETag."""

from __future__ import annotations

import gc
import logging
import uuid as uuid_module
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from events import services as events_services
from events import signals
from events.clock import LOCAL_TZ, local_today
from events.models import Audience, Branch, Event, Occurrence, Partner, Track

from .client import DplAuthError, DplClient, DplError
from .models import (
    ConnectorSettings,
    ImportedInstance,
    ImportedSeries,
    MappingRule,
    StagedInstance,
    SyncRun,
)
from .validate import CANCELLED, Instance, InstanceError, instance_parse

log = logging.getLogger(__name__)

REMOVED_REASON = "Fjernet fra bibliotekets hjemmeside"  # shown to citizens: Danish, like feeds
CANCELLED_REASON = "Aflyst på bibliotekets hjemmeside"
STALE_RUN = timedelta(minutes=30)  # a run still "running" after this is taken as lost
STAGED_LEFTOVER = timedelta(days=1)  # staged rows this old were left by a run that died
STAGE_BATCH = 500  # instances written to the staging table at once
SERIES_BATCH = 100  # series read back from it at once
NOTIFY_BATCH = 500  # events whose feed pieces and figures are brought up to date at once


def is_configured() -> bool:
    return bool(settings.DPL_CMS_URL)


# --- the outcome of a run -------------------------------------------------------------------


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    cancelled: int = 0
    unchanged: int = 0
    queued: int = 0
    failed: int = 0
    removed: int = 0
    written_back: int = 0
    listed: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)

    def error(self, message: str, *, uuid: str | None = None, failed: int = 1) -> None:
        self.failed += failed
        self.errors.append({"uuid": uuid or "", "message": message})

    def notice(self, message: str, *, uuid: str | None = None) -> None:
        self.errors.append({"uuid": uuid or "", "message": message, "level": "notice"})


# --- mapping: branches and rules ------------------------------------------------------------


@dataclass
class Mapping:
    branches: dict[str, Branch]
    rules: dict[tuple[str, str], MappingRule]

    @classmethod
    def load(cls) -> Mapping:
        branches: dict[str, Branch] = {}
        for branch in Branch.objects.exclude(dpl_cms_names=""):
            for line in branch.dpl_cms_names.splitlines():
                if line.strip():
                    branches.setdefault(line.strip().casefold(), branch)
        rules = {
            (rule.source, rule.name.strip().casefold()): rule
            for rule in MappingRule.objects.prefetch_related("tracks", "audiences")
        }
        return cls(branches, rules)

    def branch_of(self, instance: Instance) -> Branch | None:
        for name in instance.branches:
            branch = self.branches.get(name.strip().casefold())
            if branch is not None:
                return branch
        return None

    def matching(self, instance: Instance) -> list[MappingRule]:
        keys = [(MappingRule.Source.CATEGORY, c) for c in instance.categories]
        keys += [(MappingRule.Source.TAG, t) for t in instance.tags]
        found = [self.rules.get((source, name.strip().casefold())) for source, name in keys]
        return [rule for rule in found if rule is not None]

    def tagging(self, instances: Iterable[Instance]) -> tuple[list[Track], list[Audience], str]:
        tracks: dict[int, Track] = {}
        audiences: dict[int, Audience] = {}
        kind = ""
        for instance in instances:
            for rule in self.matching(instance):
                tracks.update({t.pk: t for t in rule.tracks.all()})
                audiences.update({a.pk: a for a in rule.audiences.all()})
                kind = kind or rule.kind
        return list(tracks.values()), list(audiences.values()), kind


# --- grouping -------------------------------------------------------------------------------


def series_split(key: str, members: list[Instance]) -> dict[str, list[Instance]]:
    """The groups of one series' instances (sorted by start): a series has at most one
    instance a local day (the domain matches occurrences to their dates by day); a second one
    that day becomes a group of its own, keyed by its own UUID."""
    groups: dict[str, list[Instance]] = {}
    days: set = set()
    for member in members:
        day = member.start_at.astimezone(LOCAL_TZ).date()
        if day in days:
            groups[f"{key}/{member.uuid}"] = [member]
        else:
            days.add(day)
            groups.setdefault(key, []).append(member)
    return groups


# --- applying one group ---------------------------------------------------------------------


def _instance_rows(uuids: list[str]) -> dict[str, ImportedInstance]:
    rows = ImportedInstance.objects.filter(uuid__in=uuids).select_related("occurrence", "series")
    return {str(row.uuid): row for row in rows}


def _keep(row: ImportedInstance | None, series: ImportedSeries, instance: Instance):
    """Save what the website says of one instance (its row, created if new)."""
    if row is None:
        row = ImportedInstance(uuid=instance.uuid, series=series)
    row.series = series
    row.title, row.start, row.state = instance.title, instance.start_at, instance.state
    row.data, row.digest, row.removed = instance.as_data(), instance.digest(), False
    row.save()
    return row


def group_apply(*, key: str, members: list[Instance], mapping: Mapping, outcome: Outcome) -> None:
    """Bring one series in line with the website, in one transaction."""
    rows = _instance_rows([m.uuid for m in members])
    series = ImportedSeries.objects.filter(key=key).select_related("event").first()
    if series is None:
        known = next((row.series for row in rows.values()), None)
        series = known or ImportedSeries.objects.create(key=key)
    if series.event_id is None:
        _queued_apply(series=series, members=members, rows=rows, mapping=mapping, outcome=outcome)
        return
    changed = [
        m
        for m in members
        if m.uuid not in rows or rows[m.uuid].digest != m.digest() or rows[m.uuid].removed
    ]
    outcome.unchanged += len(members) - len(changed)
    if changed:
        assert series.event is not None
        _event_apply(series=series, event=series.event, members=members, rows=rows, outcome=outcome)


def _queued_apply(
    *,
    series: ImportedSeries,
    members: list[Instance],
    rows: dict[str, ImportedInstance],
    mapping: Mapping,
    outcome: Outcome,
) -> None:
    """A series without an event: created once its branch is known and a rule gives it a track
    (on import, or when a rule was added since); otherwise it waits in the queue."""
    branch = mapping.branch_of(members[0]) or series.branch
    tracks, audiences, kind = mapping.tagging(members)
    for member in members:
        _keep(rows.get(member.uuid), series, member)
    reasons = []
    if branch is None:
        reasons.append(
            _("No branch here has the website's name “%(names)s”.")
            % {"names": ", ".join(members[0].branches) or "-"}
        )
    if not tracks:
        reasons.append(_("No mapping rule gives it a track."))
    if reasons:
        series.branch, series.queue_reason = branch, " ".join(reasons)[:300]
        series.website_url = members[0].url
        series.save()
        outcome.queued += len(members)
        return
    assert branch is not None
    event = series_publish(
        series=series,
        branch=branch,
        tracks=tracks,
        audiences=audiences,
        kind=kind,
        outcome=outcome,
    )
    outcome.created += event.occurrences.count()


def _slots(members: list[Instance]) -> tuple[datetime, datetime, list[str]]:
    first = members[0]
    return first.start_at, first.end_at, [m.start for m in members[1:]]


def series_publish(
    *,
    series: ImportedSeries,
    branch: Branch,
    tracks: list[Track],
    audiences: list[Audience],
    kind: str = "",
    user=None,
    outcome: Outcome | None = None,
) -> Event:
    """Make the event of a series from what the website said of its instances, published,
    with the tracks, audiences and kind given (by the rules, or by staff in the queue)."""
    outcome = outcome or Outcome()
    rows = list(series.instances.filter(removed=False).order_by("start"))
    members = [Instance.from_data(row.data) for row in rows]
    if not members:
        raise ValidationError(_("The website no longer lists this event."))
    start, end, rdates = _slots(members)
    first = members[0]
    # Kind and venue are this service's: set once here, never by a re-sync.
    venue = Event.Venue.ONLINE if first.online else Event.Venue.LIBRARY
    if branch.is_bookmobile:
        venue = Event.Venue.COMMUNITY
    event = events_services.event_create(
        branch=branch,
        title=first.title,
        description=first.description,
        start=start,
        end=end,
        all_day=first.all_day,
        rdates=rdates,
        tracks=tracks,
        audiences=audiences,
        partners=list(Partner.objects.filter(name__in=first.partners)),
        place=first.place,
        url=first.url,
        capacity=first.capacity,
        kind=kind or Event.Kind.ARRANGEMENT,
        venue=venue,
        status=Event.Status.PUBLISHED,
        user=user,
        check_conflicts=False,
    )
    series.event, series.branch, series.queue_reason = event, branch, ""
    series.website_url = first.url
    series.save()
    by_start = {o.original_start: o for o in event.occurrences.all()}
    for row, member in zip(rows, members, strict=True):
        row.occurrence = by_start.get(member.start_at)
        row.save(update_fields=["occurrence"])
        if row.occurrence is not None:
            _occurrence_follow(row.occurrence, member, outcome=outcome, user=user)
        if first.online:
            outcome.notice(
                _("Online on the website: imported with the venue online."), uuid=str(row.uuid)
            )
    return event


def _occurrence_follow(
    occurrence: Occurrence, member: Instance, *, outcome: Outcome, user=None
) -> bool:
    """The occurrence takes the instance's time and state (a move, a cancellation, a
    restoration), through the domain's services. True when something changed."""
    occurrence.refresh_from_db()
    changed = False
    if member.cancelled and occurrence.status != Occurrence.Status.CANCELLED:
        try:
            events_services.occurrence_cancel(
                occurrence=occurrence, reason=CANCELLED_REASON, user=user
            )
        except ValidationError as exc:
            outcome.error(_error_text(exc), uuid=member.uuid, failed=0)
            return False
        outcome.cancelled += 1
        return True
    if (
        not member.cancelled
        and occurrence.status == Occurrence.Status.CANCELLED
        and occurrence.cancel_reason in (CANCELLED_REASON, REMOVED_REASON)
    ):
        events_services.occurrence_restore(occurrence=occurrence, user=user)
        occurrence.refresh_from_db()
        changed = True
    if (occurrence.start, occurrence.end) != (member.start_at, member.end_at):
        if occurrence.status == Occurrence.Status.CANCELLED:
            return changed
        try:
            events_services.occurrence_move(
                occurrence=occurrence, start=member.start_at, end=member.end_at, user=user
            )
        except ValidationError as exc:
            outcome.error(_error_text(exc), uuid=member.uuid, failed=0)
            return changed
        changed = True
    return changed


def _error_text(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return " ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)


def _event_fields(event: Event, members: list[Instance], known_starts: list[datetime]) -> dict:
    """What of the event itself the website changed: its text and place (from its first
    instance), and its dates (a new instance adds one)."""
    first = members[0]
    changes: dict[str, Any] = {}
    for name, value in (
        ("title", first.title),
        ("description", first.description),
        ("place", first.place),
        ("url", first.url),
    ):
        if getattr(event, name) != value:
            changes[name] = value
    starts = sorted(set(known_starts))
    if starts and starts[0] != event.start:
        changes["start"], changes["end"] = starts[0], starts[0] + event.duration
    rdates = events_services.rdates_normalised(starts[1:])
    if rdates != event.rdates:
        changes["rdates"] = rdates
    return changes


def _event_apply(
    *,
    series: ImportedSeries,
    event: Event,
    members: list[Instance],
    rows: dict[str, ImportedInstance],
    outcome: Outcome,
) -> None:
    """An imported event: its text and dates, then each instance's occurrence."""
    known = list(
        Occurrence.objects.filter(dpl_instance__series=series).values_list(
            "original_start", flat=True
        )
    )
    new = [m for m in members if m.uuid not in rows or rows[m.uuid].occurrence_id is None]
    changes = _event_fields(event, members, known + [m.start_at for m in new])
    if changes:
        event = events_services.event_update(event=event, check_conflicts=False, **changes)
    by_start = {o.original_start: o for o in event.occurrences.all()}
    for member in members:
        row = rows.get(member.uuid)
        unchanged = row is not None and row.digest == member.digest() and not row.removed
        if unchanged:
            continue
        row = _keep(row, series, member)
        if row.occurrence_id is None:
            row.occurrence = by_start.get(member.start_at)
            row.save(update_fields=["occurrence"])
            if row.occurrence is None:
                outcome.error(_("No occurrence could be made for it."), uuid=member.uuid)
                continue
            _occurrence_follow(row.occurrence, member, outcome=outcome)
            outcome.created += 1
            continue
        assert row.occurrence is not None
        cancelled_before = outcome.cancelled
        _occurrence_follow(row.occurrence, member, outcome=outcome)
        if outcome.cancelled == cancelled_before:
            outcome.updated += 1  # its text, time or state changed on the website


# --- removals -------------------------------------------------------------------------------


def removals_apply(*, token: uuid_module.UUID, since: datetime, outcome: Outcome) -> None:
    """Instances the website no longer lists (from ``since`` on): an upcoming one is cancelled
    here; a past one is kept, flagged "removed from the website", with its attendance. Found
    by an anti-join against this run's staged rows (``token``), in the database."""
    now = timezone.now()
    listed = StagedInstance.objects.filter(token=token, uuid=OuterRef("uuid"))
    gone = (
        ImportedInstance.objects.filter(removed=False, start__gte=since)
        .filter(~Exists(listed))
        .select_related("occurrence")
        .order_by("pk")
    )
    for row in gone.iterator(chunk_size=STAGE_BATCH):
        with transaction.atomic():
            occurrence = row.occurrence
            if occurrence is not None and occurrence.start > now:
                if occurrence.status != Occurrence.Status.CANCELLED:
                    events_services.occurrence_cancel(occurrence=occurrence, reason=REMOVED_REASON)
                outcome.cancelled += 1
            else:
                outcome.removed += 1
            row.removed = True
            row.save(update_fields=["removed"])


# --- write-back -----------------------------------------------------------------------------


def links_of(event: Event) -> tuple[str, str]:
    """This service's page of an event, and its staff page (written back as external_data)."""
    site = settings.SITE_URL.rstrip("/")
    admin = reverse("admin:events_event_change", args=[event.pk])
    return site + event.get_absolute_url(), site + admin


def write_back(*, client: DplClient, outcome: Outcome) -> None:
    """PATCH external_data {url, admin_url} where it was never written or has changed since,
    and, when an administrator turned it on, the state Cancelled of occurrences cancelled here.
    A failure is reported and tried again next run."""
    write_state = ConnectorSettings.get().write_state
    rows = (
        ImportedInstance.objects.filter(removed=False, series__event__isnull=False)
        .select_related("series__event", "occurrence__event")
        .order_by("pk")
    )
    for row in rows.iterator(chunk_size=STAGE_BATCH):  # rows held at once: one chunk
        event = row.series.event
        assert event is not None
        url, admin_url = links_of(event)
        body: dict[str, Any] = {}
        if (row.written_url, row.written_admin_url) != (url, admin_url):
            body["external_data"] = {"url": url, "admin_url": admin_url}
        cancelled_here = write_state and row.occurrence is not None and row.occurrence.is_cancelled
        if cancelled_here and CANCELLED not in (row.state, row.written_state):
            body["state"] = CANCELLED
        if not body:
            continue
        try:
            client.patch(uuid=str(row.uuid), body=body)
        except DplAuthError as exc:
            outcome.error(str(exc), uuid=str(row.uuid), failed=0)
            return
        except DplError as exc:
            outcome.error(str(exc), uuid=str(row.uuid), failed=0)
            continue
        if "external_data" in body:
            row.written_url, row.written_admin_url = url, admin_url
        if "state" in body:
            row.written_state = CANCELLED
        row.save(update_fields=["written_url", "written_admin_url", "written_state"])
        outcome.written_back += 1


# --- a run ----------------------------------------------------------------------------------


Progress = Callable[[int, str], None]


def instances_stage(
    *, client: DplClient, since_date, outcome: Outcome, token: uuid_module.UUID, run=None
) -> int:
    """Every listed instance checked as the list streams in, and written to the staging table
    (``StagedInstance``, this run's ``token``) in batches of ``STAGE_BATCH``: at most one batch
    is held here at a time, however long the list. The bad ones are reported (by UUID) and
    staged without data (a bad one is listed, so not "removed"). Returns how many listed
    instances had a UUID."""
    batch: list[StagedInstance] = []
    staged = 0

    def flush() -> None:
        StagedInstance.objects.bulk_create(batch, batch_size=STAGE_BATCH)
        batch.clear()
        # The ORM's insert leaves reference cycles (query, compiler) that hold the batch until
        # the cyclic collector's oldest generation runs, which can be many batches later: so
        # memory would still grow with the list. A full collection a batch (some ms) frees it.
        gc.collect()

    for item in client.events(from_date=since_date):
        outcome.listed += 1
        try:
            instance = instance_parse(item)
        except InstanceError as exc:
            outcome.error(str(exc), uuid=exc.uuid)
            listed_uuid = _uuid_or_none(exc.uuid)
            if listed_uuid is not None:
                batch.append(StagedInstance(token=token, run=run, uuid=listed_uuid))
        else:
            batch.append(
                StagedInstance(
                    token=token,
                    run=run,
                    uuid=instance.uuid,
                    series=instance.series,
                    start=instance.start_at,
                    data=instance.as_data(),
                )
            )
        if len(batch) >= STAGE_BATCH:
            staged += len(batch)
            flush()
    staged += len(batch)
    if batch:
        flush()
    return staged


def _uuid_or_none(value: str | None) -> uuid_module.UUID | None:
    try:
        return uuid_module.UUID(str(value)) if value else None
    except ValueError:
        return None


def staged_groups(*, token: uuid_module.UUID) -> Iterator[tuple[str, list[Instance]]]:
    """This run's good instances, series by series (in the order of their keys), each series
    split into its groups (``series_split``). Reads ``SERIES_BATCH`` series at a time (keyset
    pagination on the series key), so memory holds one batch of series, not the list."""
    good = StagedInstance.objects.filter(token=token, data__isnull=False)
    last: str | None = None
    while True:
        page = good if last is None else good.filter(series__gt=last)
        keys = list(
            page.order_by("series").values_list("series", flat=True).distinct()[:SERIES_BATCH]
        )
        if not keys:
            return
        last = keys[-1]
        rows = (
            good.filter(series__in=keys)
            .order_by("series", "start", "uuid")
            .values_list("series", "data")
        )
        members: list[Instance] = []
        current = ""
        for series, data in rows.iterator(chunk_size=STAGE_BATCH):
            if series != current and members:
                yield from series_split(current, members).items()
                members = []
            current = str(series)
            members.append(Instance.from_data(data or {}))  # never None: data__isnull=False
        if members:
            yield from series_split(current, members).items()
        gc.collect()  # what applying these series left in reference cycles (see above)


def staged_series_count(*, token: uuid_module.UUID) -> int:
    return (
        StagedInstance.objects.filter(token=token, data__isnull=False)
        .values("series")
        .distinct()
        .count()
    )


def staged_clean(*, token: uuid_module.UUID | None = None) -> None:
    """Delete a run's staged rows; and those left by a run that died (older than a day)."""
    if token is not None:
        StagedInstance.objects.filter(token=token).delete()
    StagedInstance.objects.filter(created_at__lt=timezone.now() - STAGED_LEFTOVER).delete()


def sync(
    *,
    client: DplClient | None = None,
    progress: Progress | None = None,
    run: SyncRun | None = None,
) -> Outcome:
    """One sync. Raises DplError when the list cannot be read (nothing is changed then).

    Memory does not grow with the list: it is staged in the database as it streams in
    (``instances_stage``), applied series by series from there (``staged_groups``), and the
    removals are found by an anti-join (``removals_apply``); the staged rows are deleted at
    the end. The domain's notifications of the events changed (feed pieces, status figures)
    are sent in batches (``events.signals.deferred``), not after each series' commit."""
    client = client or DplClient.from_settings()
    progress = progress or (lambda percent, message: None)
    outcome = Outcome()
    since_date = local_today() - timedelta(days=settings.DPL_CMS_PAST_DAYS)
    since = datetime.combine(since_date, datetime.min.time(), tzinfo=LOCAL_TZ)
    token = uuid_module.uuid4()
    staged_clean()
    try:
        progress(5, _("Reading the website's events"))
        listed = instances_stage(
            client=client, since_date=since_date, outcome=outcome, token=token, run=run
        )
        if not listed and ImportedInstance.objects.filter(removed=False, start__gte=since).exists():
            raise DplError(
                _("The website listed no events at all; nothing was cancelled. Check the website.")
            )
        mapping = Mapping.load()
        total = max(staged_series_count(token=token), 1)
        with signals.deferred(limit=NOTIFY_BATCH):
            for index, (key, members) in enumerate(staged_groups(token=token)):
                try:
                    with transaction.atomic():
                        group_apply(key=key, members=members, mapping=mapping, outcome=outcome)
                except ValidationError as exc:
                    for member in members:
                        outcome.error(_error_text(exc), uuid=member.uuid)
                if index % 50 == 0:
                    done = 70 * min(index, total) // total
                    progress(10 + done, _("Applying the website's events"))
            progress(80, _("Cancelling what the website no longer lists"))
            removals_apply(token=token, since=since, outcome=outcome)
    finally:
        staged_clean(token=token)
    progress(90, _("Writing this service's links back to the website"))
    write_back(client=client, outcome=outcome)
    return outcome


def run_create(*, trigger: str, user=None) -> SyncRun:
    return SyncRun.objects.create(
        trigger=trigger, created_by=user if getattr(user, "is_authenticated", False) else None
    )


def _claim(run_id: int) -> SyncRun | None:
    """Mark the run running unless another one runs (then this one fails, saying so)."""
    now = timezone.now()
    with transaction.atomic():
        ConnectorSettings.get()
        ConnectorSettings.objects.select_for_update().get(pk=1)
        run = SyncRun.objects.select_for_update().get(pk=run_id)
        if run.state != SyncRun.State.PENDING:
            return None
        busy = (
            SyncRun.objects.filter(state=SyncRun.State.RUNNING, started_at__gte=now - STALE_RUN)
            .exclude(pk=run.pk)
            .exists()
        )
        if busy:
            run.state, run.finished_at = SyncRun.State.FAILED, now
            run.message = _("Another sync was running; this one did not start.")
            run.save()
            return None
        run.state, run.started_at = SyncRun.State.RUNNING, now
        run.save()
    return run


def run_execute(
    *, run_id: int, client: DplClient | None = None, progress: Progress | None = None
) -> SyncRun:
    """Run a sync for a SyncRun row, keeping its progress, counts and errors (and telling
    ``progress``, e.g. its job's, as it goes)."""
    run = _claim(run_id)
    if run is None:
        return SyncRun.objects.get(pk=run_id)

    def keep(percent: int, message: str) -> None:
        SyncRun.objects.filter(pk=run_id).update(progress=percent, message=message[:500])
        if progress is not None:
            progress(percent, message)

    try:
        outcome = sync(client=client, progress=keep, run=run)
    except DplError as exc:
        run.state, run.message = SyncRun.State.FAILED, str(exc)[:500]
        run.errors = [{"uuid": "", "message": str(exc)}]
    else:
        run.state, run.progress, run.message = SyncRun.State.SUCCEEDED, 100, _("Done")
        for name in SyncRun.COUNTS:
            setattr(run, name, getattr(outcome, name))
        run.listed, run.errors = outcome.listed, outcome.errors[:1000]
    run.finished_at = timezone.now()
    run.save()
    return run


def run_due(*, now: datetime | None = None) -> bool:
    """Whether the schedule should start a run: configured, and none started in the last
    DPL_CMS_SYNC_MINUTES (a lost run counts as finished after STALE_RUN)."""
    if not is_configured():
        return False
    now = now or timezone.now()
    recent = now - timedelta(minutes=settings.DPL_CMS_SYNC_MINUTES) + timedelta(seconds=30)
    return not SyncRun.objects.filter(
        Q(created_at__gte=recent) | Q(state=SyncRun.State.RUNNING, started_at__gte=now - STALE_RUN)
    ).exists()


def queue() -> Any:
    """The review queue ("Mangler spor"): series waiting for a branch or a track, with
    something still listed by the website."""
    return (
        ImportedSeries.objects.filter(event__isnull=True, instances__removed=False)
        .distinct()
        .select_related("branch")
    )


def runs_prune(cutoff: datetime) -> int:
    """Delete the runs that finished before ``cutoff`` (the jobs' sweep calls this with
    ``JOB_KEEP_DAYS``), always keeping the latest run for the status page. Answers how many
    went."""
    latest = SyncRun.objects.order_by("-created_at", "-pk").values_list("pk", flat=True).first()
    old = SyncRun.objects.filter(finished_at__lt=cutoff)
    if latest is not None:
        old = old.exclude(pk=latest)
    count, _ = old.delete()
    return count
