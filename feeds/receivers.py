"""Keep the feeds' derived data current: rebuild an event's piece when the core reports a
change, drop the pieces that name a renamed branch, stop, room or track, and bump the feed
generation so that no cached feed outlives the data it was built from. No business rules:
what changed is decided by ``events.services``; this only refreshes copies."""

from __future__ import annotations

import logging

from django.db.models import Q
from django.db.models.signals import post_delete, post_save

from events.models import Audience, Branch, Room, Stop, Track
from events.signals import events_changed

from .cache import generation_bump
from .pieces import pieces_invalidate, pieces_refresh

logger = logging.getLogger(__name__)


def on_events_changed(sender, event_ids=(), **kwargs) -> None:
    try:
        pieces_refresh(event_ids=event_ids)
    except Exception:  # the write has committed; a stale piece is rebuilt on the next read
        logger.exception("feeds: could not rebuild pieces of events %s", list(event_ids)[:20])
    finally:
        generation_bump()


_REFERENCES = {
    Branch: lambda obj: Q(event__branch=obj),
    Stop: lambda obj: Q(event__stop=obj),
    Room: lambda obj: Q(event__room=obj) | Q(event__occurrences__room=obj),
    Track: lambda obj: Q(event__tracks=obj),
    Audience: None,  # only in calendar names, which are not in pieces
}


def on_reference_changed(sender, instance, **kwargs) -> None:
    condition = _REFERENCES.get(sender)
    if condition is not None and instance.pk is not None:
        pieces_invalidate(condition(instance))
    generation_bump()


def connect() -> None:
    events_changed.connect(on_events_changed, dispatch_uid="feeds.on_events_changed")
    for model in _REFERENCES:
        uid = f"feeds.reference.{model.__name__}"
        post_save.connect(on_reference_changed, sender=model, dispatch_uid=uid + ".save")
        post_delete.connect(on_reference_changed, sender=model, dispatch_uid=uid + ".delete")
