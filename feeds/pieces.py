"""Per-event serialized pieces: built, kept current and read back in feed order.

Pieces are rebuilt when the core reports a change (``events_changed``, connected in
``feeds/apps.py``) and, as a safety net, on read whenever a piece is missing or older than its
event (``source_updated_at`` differs from ``updated_at``) or was built by another recipe.
All reads of events go through ``events.selectors``: drafts never get a piece.

Bulk work stays off the request path (issue 19). A change that makes every piece stale at once
(a new ``SITE_URL``, a new ``BUILDER_VERSION``, a renamed branch of 20,000 events) would cost a
request seconds to minutes: 50,000 pieces take about 50 s to build, longer than gunicorn's
timeout. So a read rebuilds the missing pieces and those of changed events for at most
``INLINE_BUDGET_SECONDS``, and one batch (``INLINE_BATCH``) of those only built by another
recipe (their events' data is current: only the recipe moved), answers the rest from the
pieces as they were (a renamed branch or the old site address for a few minutes,
never a missing event unless its piece never existed), and says so (``Pieces.complete``): the
view then keeps that body for a few seconds only (``feeds.cache.INCOMPLETE_SECONDS``) and asks
Celery to rebuild every stale piece (``feeds.tasks``), after which the generation moves on and
every feed is built afresh. Without a worker, the budget of a request every few seconds per feed
rebuilds the next stale pieces until none are left.

A calendar is read in two steps: the events of its window with the sizes of their pieces and
the facts the trim needs (``pieces_for_window``), then, after trimming to ``FEED_MAX_BYTES`` by
those sizes, the text of only the events kept (``pieces_fill``), whose stale pieces are the
only ones a request rebuilds. A cold calendar of 50,000 events so reads about 1 MB of text, not
50 MB.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from django.conf import settings
from django.db.models import BooleanField, ExpressionWrapper, F, Max, Min, Prefetch, Q
from django.db.models.functions import Length

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


def _stale_by_urgency(pieces: Pieces) -> tuple[list[int], list[int]]:
    """Stale pieces among the kept events: those that must be rebuilt before serving (missing
    ones, then of changed events), and those only of another recipe."""
    missing, changed, other_recipe = [], [], []
    for pk, size, is_fresh, same_source in zip(
        pieces.event_ids, pieces.sizes, pieces.fresh, pieces.same_source, strict=True
    ):
        if is_fresh:
            continue
        if size is None:
            missing.append(pk)
        elif not same_source:
            changed.append(pk)
        else:
            other_recipe.append(pk)
    return missing + changed, other_recipe


def _fresh_pieces():
    return EventPiece.objects.filter(recipe=recipe(), source_updated_at=F("event__updated_at"))


# A piece that does not exist yet is counted at this size when trimming before it is built.
MISSING_PIECE_BYTES = 1000


@dataclass(frozen=True)
class Pieces:
    """The events of a feed window in start order, first as what they take (sizes and facts,
    no text: ``pieces_for_window``), then with their text (``pieces_fill``)."""

    first_start: datetime | None
    last_modified: datetime | None
    # the events, in start order: id, size of its piece in bytes (None: no piece yet), whether
    # it ended before ``now`` (see pieces_trim), whether it is a series, whether its piece is
    # current, whether it was built from the event as it is (only the recipe differs)
    event_ids: tuple[int, ...] = ()
    sizes: tuple[int | None, ...] = ()
    ended: tuple[bool, ...] = ()
    series: tuple[bool, ...] = ()
    fresh: tuple[bool, ...] = ()
    same_source: tuple[bool, ...] = ()
    # after pieces_fill: the text and digest of each event's piece, in the same order
    data: tuple[bytes, ...] = ()
    digests: tuple[str, ...] = ()
    # False when some stale pieces were left for the rebuild job (their old text is in data)
    complete: bool = True
    # How many events were left out to keep the feed under FEED_MAX_BYTES (pieces_trim).
    trimmed_past: int = 0
    trimmed_future: int = 0

    @property
    def size(self) -> int:
        return sum(MISSING_PIECE_BYTES if s is None else s for s in self.sizes)

    def keep(self, kept: list[int], **changes) -> Pieces:
        """These pieces with only the events at the indexes ``kept``."""

        def pick(values: tuple) -> tuple:
            return tuple(values[i] for i in kept) if values else values

        return replace(
            self,
            event_ids=pick(self.event_ids),
            sizes=pick(self.sizes),
            ended=pick(self.ended),
            series=pick(self.series),
            fresh=pick(self.fresh),
            same_source=pick(self.same_source),
            data=pick(self.data),
            digests=pick(self.digests),
            **changes,
        )


def pieces_trim(pieces: Pieces, *, room: int) -> Pieces:
    """Leave events out until the pieces fit in ``room`` bytes: first the single events that
    ended before today (the past part of the window), oldest first; then, if still too large,
    the single events furthest ahead. A series counts as current (it goes on, or its last dates
    are near) and is left out last. No query: it works on the pieces' sizes, so a feed of
    50,000 events reads the text of only those it keeps (issue 19: Google Calendar stops
    reading a calendar near 1 MB, so a larger one is better shorter). Counts add up over
    repeated trims."""
    order = range(len(pieces.event_ids))
    singles = [i for i in order if not pieces.series[i]]
    past = [i for i in singles if pieces.ended[i]]  # oldest first
    future = [i for i in reversed(singles) if not pieces.ended[i]]  # furthest first
    series = [i for i in reversed(order) if pieces.series[i]]
    size, dropped = pieces.size, set()
    trimmed = {"past": pieces.trimmed_past, "future": pieces.trimmed_future}
    for kind, candidates in (("past", past), ("future", future), ("future", series)):
        for i in candidates:
            if size <= room:
                break
            piece = pieces.sizes[i]
            size -= MISSING_PIECE_BYTES if piece is None else piece
            dropped.add(i)
            trimmed[kind] += 1
    return pieces.keep(
        [i for i in order if i not in dropped],
        trimmed_past=trimmed["past"],
        trimmed_future=trimmed["future"],
    )


def pieces_for_window(
    *, selection: selectors.Selection, start: datetime, end: datetime, now: datetime | None = None
) -> Pieces:
    """The public events of a selection that have an occurrence in [start, end), in start
    order, with the sizes of their pieces but not their text (one query and one aggregate):
    trim them (``pieces_trim``), then read the text of those kept (``pieces_fill``)."""
    # Visibility on the events themselves, the window on the occurrences alone (no second
    # look-up of every event inside the subquery).
    in_window = selectors.event_filter(
        selectors.visible_events(), selection=selection, start=start, end=end
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
    rows = list(
        in_window.order_by("start", "pk").values_list(
            "pk", Length("feed_piece__vevent"), ended, series, fresh, same_source
        )
    )
    summary = in_window.aggregate(first=Min("start"), modified=Max("updated_at"))
    columns = list(zip(*rows, strict=True)) if rows else [()] * 6
    return Pieces(
        first_start=summary["first"],
        last_modified=summary["modified"],
        event_ids=tuple(columns[0]),
        sizes=tuple(columns[1]),
        ended=tuple(bool(v) for v in columns[2]),
        series=tuple(bool(v) for v in columns[3]),
        fresh=tuple(bool(v) for v in columns[4]),
        same_source=tuple(bool(v) for v in columns[5]),
    )


def pieces_fill(pieces: Pieces, *, room: int | None = None) -> Pieces:
    """The pieces with their text: trimmed to ``room`` bytes first (by the sizes), the stale
    ones among those kept rebuilt within the request's budget, then the text and digests of
    the kept ones read in one query, and trimmed again by the exact sizes. An event whose piece
    could not be built yet is left out."""
    if room is not None and pieces.size > room:
        pieces = pieces_trim(pieces, room=room)
    missing_or_changed, other_recipe = _stale_by_urgency(pieces)
    complete = True
    if missing_or_changed or other_recipe:
        # A missing piece cannot be served and a changed event's would be wrong: those are
        # rebuilt within the request's budget. A piece of another recipe (a bulk invalidation:
        # a new SITE_URL or builder) still has its event's current data and is served as it
        # is: one batch of them a request, the rebuild job does the rest.
        done = _refresh_within(missing_or_changed, INLINE_BUDGET_SECONDS)
        if done == len(missing_or_changed) and other_recipe:
            done += _refresh_within(other_recipe[:INLINE_BATCH], 0.0)
        complete = done == len(missing_or_changed) + len(other_recipe)
    text = {
        pk: (bytes(data), digest)
        for pk, data, digest in EventPiece.objects.filter(
            event_id__in=pieces.event_ids
        ).values_list("event_id", "vevent", "digest")
    }
    kept = [i for i, pk in enumerate(pieces.event_ids) if pk in text]
    pieces = replace(
        pieces,
        sizes=tuple(len(text[pk][0]) if pk in text else None for pk in pieces.event_ids),
        data=tuple(text[pk][0] if pk in text else b"" for pk in pieces.event_ids),
        digests=tuple(text[pk][1] if pk in text else "" for pk in pieces.event_ids),
    ).keep(kept, complete=complete)
    if room is not None and pieces.size > room:
        pieces = pieces_trim(pieces, room=room)
    return pieces


def piece_for_event(event: Event) -> bytes:
    """The current piece of one public event (rebuilt if stale)."""
    data = _fresh_pieces().filter(event_id=event.pk).values_list("vevent", flat=True).first()
    if data is None:
        pieces_refresh(event_ids=[event.pk])
        data = EventPiece.objects.filter(event_id=event.pk).values_list("vevent", flat=True).first()
    return bytes(data or b"")
