"""Keep the feeds' derived data current: rebuild an event's piece when the core reports a
change, and, when a branch, stop, room, track or audience is saved or deleted, drop the pieces
that name it and raise the feeds' reference generation in the same transaction, so that no
cached feed outlives the data it was built from (``feeds.cache.generation``). No business
rules: what changed is decided by ``events.services``; this only refreshes copies."""

from __future__ import annotations

import logging

from django.core.signals import setting_changed
from django.db.models import Q
from django.db.models.signals import post_delete, post_save

from events.models import Audience, Branch, Change, Partner, Room, Stop, Track
from events.signals import events_changed

from .cache import generation_bump, generation_forget
from .pieces import pieces_invalidate, pieces_refresh

logger = logging.getLogger(__name__)


def on_events_changed(sender, event_ids=(), **kwargs) -> None:
    """After commit: nothing may escape (the write is done and answered as such). A piece that
    is not rebuilt now is rebuilt on the next read, which finds it older than its event. The
    generation is raised too, for changes that record no ``Change`` (the nightly occurrence
    horizon); a service's change has raised it in its transaction already."""
    try:
        pieces_refresh(event_ids=event_ids)
        generation_bump()
    except Exception:
        logger.exception("feeds: could not rebuild pieces of events %s", list(event_ids)[:20])


_REFERENCES = {
    Branch: lambda obj: Q(event__branch=obj),
    Stop: lambda obj: Q(event__stop=obj),
    Room: lambda obj: Q(event__room=obj) | Q(event__occurrences__room=obj),
    Track: lambda obj: Q(event__tracks=obj),
    Audience: None,  # only in calendar names, which are not in pieces
    # not in pieces; on the event page and in the API's kept pages (pages.cache,
    # events.api.page_cache), which follow the generation
    Partner: None,
}


def on_reference_changed(sender, instance, **kwargs) -> None:
    """Inside the saving transaction: a failure here rolls the save back with it."""
    condition = _REFERENCES.get(sender)
    if condition is not None and instance.pk is not None:
        pieces_invalidate(condition(instance))
    generation_bump()


def on_change_recorded(sender, **kwargs) -> None:
    """A service wrote an ``events.Change``: this process reads the generation again on its
    next request instead of waiting for its copy to age (``feeds.cache.generation``)."""
    generation_forget()


def on_setting_changed(sender, setting, **kwargs) -> None:
    """Tests change SITE_URL or the feed window: the stamp is made afresh."""
    if setting.startswith(("FEED_", "SITE_URL")):
        generation_forget()


def connect() -> None:
    setting_changed.connect(on_setting_changed, dispatch_uid="feeds.setting_changed")
    events_changed.connect(on_events_changed, dispatch_uid="feeds.on_events_changed")
    post_save.connect(on_change_recorded, sender=Change, dispatch_uid="feeds.change_recorded")
    for model in _REFERENCES:
        uid = f"feeds.reference.{model.__name__}"
        post_save.connect(on_reference_changed, sender=model, dispatch_uid=uid + ".save")
        post_delete.connect(on_reference_changed, sender=model, dispatch_uid=uid + ".delete")
