"""Per-event serialized pieces: built, kept current and read back in feed order.

Pieces are rebuilt when the core reports a change (``events_changed``, connected in
``feeds/apps.py``) and, as a safety net, on read whenever a piece is missing or older than its
event (``source_updated_at`` differs from ``updated_at``) or was built by another recipe.
All reads of events go through ``events.selectors``: drafts never get a piece.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import BooleanField, ExpressionWrapper, F, Max, Min, Prefetch, Q

from events import recurrence, selectors
from events.models import Event, Occurrence

from . import builders
from .links import absolute
from .models import EventPiece

BATCH = 500


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
    """Drop the pieces matching ``condition`` (e.g. of a branch that was renamed); they are
    rebuilt on the next read."""
    deleted, _ = EventPiece.objects.filter(condition).delete()
    return deleted


def _fresh_pieces():
    return EventPiece.objects.filter(recipe=recipe(), source_updated_at=F("event__updated_at"))


@dataclass(frozen=True)
class Pieces:
    data: list[bytes]
    digests: list[str]
    first_start: datetime | None
    last_modified: datetime | None


def pieces_for_window(*, selection: selectors.Selection, start: datetime, end: datetime) -> Pieces:
    """The current pieces of the public events of a selection that have an occurrence in
    [start, end), in start order, rebuilding stale ones first."""
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
    rows_query = in_window.order_by("start", "pk").values_list(
        "pk", "feed_piece__vevent", "feed_piece__digest", fresh
    )
    rows = list(rows_query)
    stale = [pk for pk, _data, _digest, is_fresh in rows if not is_fresh]
    if stale:
        pieces_refresh(event_ids=stale)
        rows = list(rows_query.all())
    summary = in_window.aggregate(first=Min("start"), modified=Max("updated_at"))
    return Pieces(
        data=[row[1] for row in rows if row[1] is not None],
        digests=[row[2] for row in rows if row[1] is not None],
        first_start=summary["first"],
        last_modified=summary["modified"],
    )


def piece_for_event(event: Event) -> bytes:
    """The current piece of one public event (rebuilt if stale)."""
    data = _fresh_pieces().filter(event_id=event.pk).values_list("vevent", flat=True).first()
    if data is None:
        pieces_refresh(event_ids=[event.pk])
        data = EventPiece.objects.filter(event_id=event.pk).values_list("vevent", flat=True).first()
    return bytes(data or b"")
