"""Per-event serialized pieces: built, kept current and read back in feed order.

Pieces are rebuilt when the core reports a change (``events_changed``, connected in
``feeds/apps.py``) and, as a safety net, on read whenever a piece is missing or older than its
event (``source_updated_at`` differs from ``updated_at``) or was built by another recipe.
All reads of events go through ``events.selectors``: drafts never get a piece.

Bulk work stays off the request path (issue 19). A change that makes every piece stale at once
(a new ``SITE_URL``, a new ``BUILDER_VERSION``, a renamed branch of 20,000 events) would cost a
request seconds to minutes: 50,000 pieces take about 50 s to build, longer than gunicorn's
timeout. So a read rebuilds stale pieces for at most ``INLINE_BUDGET_SECONDS`` (missing pieces
first, then those of changed events, then those only built by another recipe), answers the
rest from the pieces as they were (a renamed branch or the old site address for a few minutes,
never a missing event unless its piece never existed), and says so (``Pieces.complete``): the
view then does not cache that body and asks Celery to rebuild every stale piece
(``feeds.tasks``), after which the generation moves on and every feed is built afresh. Without
a worker, each request's budget rebuilds the next stale pieces until none are left.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from django.conf import settings
from django.db.models import BooleanField, ExpressionWrapper, F, Max, Min, Prefetch, Q

from events import recurrence, selectors
from events.models import Event, Occurrence

from . import builders
from .links import absolute
from .models import EventPiece

BATCH = 500
# What one request may spend rebuilding stale pieces, in batches of INLINE_BATCH.
INLINE_BUDGET_SECONDS = 0.5
INLINE_BATCH = 50


def site_url() -> str:
    """The base of every link inside a feed: settings.SITE_URL, https unless on loopback.
    Never the request's host: feeds are cached and shared between requests."""
    return absolute("")


def recipe() -> str:
    """What a piece depends on besides its event: the builder version, the site URL and where
    pictures are served (a picture itself is part of its event: changing it changes
    ``updated_at``)."""
    raw = f"{builders.BUILDER_VERSION}|{site_url()}|{settings.MEDIA_URL}"
    return hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()[:16]


def image_url(event: Event) -> str:
    """The absolute URL of an event's picture (the large JPEG), or ""."""
    return absolute(event.image.url) if event.image else ""


def feed_image(event: Event) -> builders.FeedImage | None:
    """An event's picture for an RSS/Atom item, or None."""
    thumbnail = event.thumbnail_size
    if not event.image or thumbnail is None or not event.image_width or not event.image_height:
        return None
    try:
        length = event.image.size
    except OSError:  # the file is missing (restored database without media): length unknown
        length = 0
    return builders.FeedImage(
        url=image_url(event),
        length=length,
        width=event.image_width,
        height=event.image_height,
        alt=event.image_alt,
        thumbnail_url=absolute(event.image_thumbnail.url),
        thumbnail_width=thumbnail[0],
        thumbnail_height=thumbnail[1],
    )


def _events_with_occurrences(event_ids: Iterable[int]):
    return (
        selectors.event_list(selection=selectors.Selection())
        .filter(pk__in=list(event_ids))
        .prefetch_related(
            Prefetch("occurrences", queryset=Occurrence.objects.select_related("room"))
        )
    )


def pieces_refresh(*, event_ids: Iterable[int]) -> int:
    """Rebuild the pieces of these events; drop those of events no longer public (drafts,
    deleted). Returns how many pieces were written."""
    ids = sorted(set(event_ids))
    written = 0
    base, current = site_url(), recipe()
    for offset in range(0, len(ids), BATCH):
        chunk = ids[offset : offset + BATCH]
        pieces = []
        for event in _events_with_occurrences(chunk):
            data = builders.event_vevents(
                event,
                list(event.occurrences.all()),
                site_url=base,
                recurrence=recurrence,
                image_url=image_url(event),
            ).encode("utf-8")
            pieces.append(
                EventPiece(
                    event=event,
                    source_updated_at=event.updated_at,
                    recipe=current,
                    vevent=data,
                    digest=piece_digest(data),
                )
            )
        EventPiece.objects.filter(event_id__in=set(chunk) - {p.event_id for p in pieces}).delete()
        EventPiece.objects.bulk_create(
            pieces,
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=["event"],
            update_fields=["source_updated_at", "recipe", "vevent", "digest", "built_at"],
        )
        written += len(pieces)
    return written


def piece_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def pieces_invalidate(condition: Q) -> int:
    """Mark the pieces matching ``condition`` stale (e.g. of a branch that was renamed): they
    are rebuilt on the next read, within its budget, or by the rebuild job; until then their
    text as it was stands in for them (see the module's docstring)."""
    return EventPiece.objects.filter(condition).update(recipe="")


def pieces_rebuild_stale() -> int:
    """Rebuild every missing or stale piece of a public event (the rebuild job). Returns how
    many pieces were written."""
    current = recipe()
    rows = selectors.event_list(selection=selectors.Selection()).values_list(
        "pk", "feed_piece__recipe", "feed_piece__source_updated_at", "updated_at"
    )
    stale = [
        pk
        for pk, piece_recipe, source, updated in rows.iterator(chunk_size=5000)
        if piece_recipe != current or source != updated
    ]
    return pieces_refresh(event_ids=stale)


def _refresh_within(stale: list[int], budget: float) -> int:
    """Rebuild pieces of ``stale`` in order, at least one batch and then until ``budget``
    seconds are spent; how many."""
    started, done = time.monotonic(), 0
    while done < len(stale) and (done == 0 or time.monotonic() - started < budget):
        chunk = stale[done : done + INLINE_BATCH]
        pieces_refresh(event_ids=chunk)
        done += len(chunk)
    return done


def _with_rebuilt(rows: list, rebuilt: list[int]) -> list:
    """The rows with the text and digest of the pieces just rebuilt (one query for those only,
    not the whole window again)."""
    fresh = {
        pk: (data, digest)
        for pk, data, digest in EventPiece.objects.filter(event_id__in=rebuilt).values_list(
            "event_id", "vevent", "digest"
        )
    }
    return [
        (row[0], *fresh[row[0]], True, True, *row[5:]) if row[0] in fresh else row for row in rows
    ]


def _most_urgent_first(rows) -> list[int]:
    """Stale pieces of the rows: missing ones, then of changed events, then of another recipe."""
    missing, changed, other_recipe = [], [], []
    for pk, data, _digest, is_fresh, same_source, *_when in rows:
        if is_fresh:
            continue
        if data is None:
            missing.append(pk)
        elif not same_source:
            changed.append(pk)
        else:
            other_recipe.append(pk)
    return missing + changed + other_recipe


def _fresh_pieces():
    return EventPiece.objects.filter(recipe=recipe(), source_updated_at=F("event__updated_at"))


@dataclass(frozen=True)
class Pieces:
    data: list[bytes]
    digests: list[str]
    first_start: datetime | None
    last_modified: datetime | None
    # False when some stale pieces were left for the rebuild job (their old text is in data)
    complete: bool = True
    # the events of ``data``, in the same order (start order): id, whether it ended before
    # ``now`` (its first occurrence; see pieces_trim), whether it is a series
    event_ids: tuple[int, ...] = ()
    ended: tuple[bool, ...] = ()
    series: tuple[bool, ...] = ()
    # How many events were left out to keep the feed under FEED_MAX_BYTES (pieces_trim).
    trimmed_past: int = 0
    trimmed_future: int = 0

    @property
    def size(self) -> int:
        return sum(len(d) for d in self.data)


def pieces_trim(pieces: Pieces, *, room: int) -> Pieces:
    """Leave events out until the pieces fit in ``room`` bytes: first the single events that
    ended before today (the past part of the window), oldest first; then, if still too large,
    the single events furthest ahead. A series counts as current (it goes on, or its last dates
    are near) and is left out last. No query: the pieces come in start order with what it needs
    (issue 19: Google Calendar stops reading a calendar near 1 MB, so a larger one is better
    shorter)."""
    order = range(len(pieces.data))
    singles = [i for i in order if not pieces.series[i]]
    past = [i for i in singles if pieces.ended[i]]  # oldest first
    future = [i for i in reversed(singles) if not pieces.ended[i]]  # furthest first
    series = [i for i in reversed(order) if pieces.series[i]]
    size, dropped = pieces.size, set()
    trimmed = {"past": 0, "future": 0}
    for kind, candidates in (("past", past), ("future", future), ("future", series)):
        for i in candidates:
            if size <= room:
                break
            size -= len(pieces.data[i])
            dropped.add(i)
            trimmed[kind] += 1
    kept = [i for i in order if i not in dropped]
    return replace(
        pieces,
        data=[pieces.data[i] for i in kept],
        digests=[pieces.digests[i] for i in kept],
        event_ids=tuple(pieces.event_ids[i] for i in kept),
        ended=tuple(pieces.ended[i] for i in kept),
        series=tuple(pieces.series[i] for i in kept),
        trimmed_past=trimmed["past"],
        trimmed_future=trimmed["future"],
    )


def pieces_for_window(
    *, selection: selectors.Selection, start: datetime, end: datetime, now: datetime | None = None
) -> Pieces:
    """The current pieces of the public events of a selection that have an occurrence in
    [start, end), in start order, rebuilding stale ones first within the request's budget."""
    in_window = Event.objects.filter(
        pk__in=selectors.occurrence_list(selection=selection, start=start, end=end).values(
            "event_id"
        )
    )
    current = recipe()
    fresh = ExpressionWrapper(
        Q(feed_piece__recipe=current, feed_piece__source_updated_at=F("updated_at")),
        output_field=BooleanField(),
    )
    same_source = ExpressionWrapper(
        Q(feed_piece__source_updated_at=F("updated_at")), output_field=BooleanField()
    )
    # For trimming (pieces_trim), as booleans: no datetime to convert per row.
    ended = ExpressionWrapper(Q(end__lte=now or start), output_field=BooleanField())
    series = ExpressionWrapper(~Q(rrule=""), output_field=BooleanField())
    rows_query = in_window.order_by("start", "pk").values_list(
        "pk",
        "feed_piece__vevent",
        "feed_piece__digest",
        fresh,
        same_source,
        ended,
        series,
    )
    rows = list(rows_query)
    stale = _most_urgent_first(rows)
    complete = True
    if stale:
        done = _refresh_within(stale, INLINE_BUDGET_SECONDS)
        complete = done == len(stale)
        rows = _with_rebuilt(rows, stale[:done])
    summary = in_window.aggregate(first=Min("start"), modified=Max("updated_at"))
    return Pieces(
        data=[row[1] for row in rows if row[1] is not None],
        digests=[row[2] for row in rows if row[1] is not None],
        first_start=summary["first"],
        last_modified=summary["modified"],
        complete=complete,
        event_ids=tuple(row[0] for row in rows if row[1] is not None),
        ended=tuple(bool(row[5]) for row in rows if row[1] is not None),
        series=tuple(bool(row[6]) for row in rows if row[1] is not None),
    )


def piece_for_event(event: Event) -> bytes:
    """The current piece of one public event (rebuilt if stale)."""
    data = _fresh_pieces().filter(event_id=event.pk).values_list("vevent", flat=True).first()
    if data is None:
        pieces_refresh(event_ids=[event.pk])
        data = EventPiece.objects.filter(event_id=event.pk).values_list("vevent", flat=True).first()
    return bytes(data or b"")
