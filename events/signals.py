"""Notifications the domain core sends after a write has committed.

The core knows nothing of feeds or status figures; ``feeds`` and ``tasks`` connect receivers
here to keep their derived data (serialized calendar pieces, status figures) up to date.
The services send these from ``transaction.on_commit``, never inside an open transaction.
"""

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.dispatch import Signal

# Sent with ``event_ids`` (a list of ints): events whose published form may have changed.
events_changed = Signal()

# Sent with ``occurrence_ids`` (a list of ints): occurrences whose counted figures may have
# changed (attendance recorded or corrected, cancelled, moved, event cancelled); and ``years``
# (a list of ints, maybe empty): local years that counted occurrences deleted since (an event
# deleted, or occurrences its new rule no longer has).
occurrences_changed = Signal()


# --- sending, or collecting for one send (bulk work) ------------------------------------------

_collecting = threading.local()


@dataclass
class _Collected:
    limit: int
    event_ids: set[int] = field(default_factory=set)
    occurrence_ids: set[int] = field(default_factory=set)
    years: set[int] = field(default_factory=set)

    def flush(self) -> None:
        from .models import Event, Occurrence

        events, self.event_ids = sorted(self.event_ids), set()
        occurrences, self.occurrence_ids = sorted(self.occurrence_ids), set()
        years, self.years = sorted(self.years), set()
        if events:
            events_changed.send(sender=Event, event_ids=events)
        if occurrences or years:
            occurrences_changed.send(sender=Occurrence, occurrence_ids=occurrences, years=years)


def events_send(sender, event_ids: Iterable[int]) -> None:
    """Send ``events_changed`` (after commit), or collect it inside ``deferred()``."""
    collected = getattr(_collecting, "current", None)
    if collected is None:
        events_changed.send(sender=sender, event_ids=list(event_ids))
        return
    collected.event_ids.update(event_ids)
    if len(collected.event_ids) >= collected.limit:
        collected.flush()


def occurrences_send(sender, occurrence_ids: Iterable[int], years: Iterable[int] = ()) -> None:
    """Send ``occurrences_changed`` (after commit), or collect it inside ``deferred()``."""
    collected = getattr(_collecting, "current", None)
    if collected is None:
        occurrences_changed.send(
            sender=sender, occurrence_ids=list(occurrence_ids), years=list(years)
        )
        return
    collected.occurrence_ids.update(occurrence_ids)
    collected.years.update(years)
    if len(collected.occurrence_ids) >= collected.limit:
        collected.flush()


@contextmanager
def deferred(*, limit: int = 500) -> Iterator[None]:
    """Bulk work that commits many small transactions in a row (an import): inside this block
    (in this thread) the notifications of what committed are not sent after each commit but
    collected, and sent together, once ``limit`` ids have gathered and when the block ends
    (also when it ends with an error: what committed must still reach feeds and figures). The
    receivers then rebuild the feed pieces of all those events and request the status figures'
    update once, instead of once per transaction. A rolled-back transaction's notification is
    never collected (it is sent from ``transaction.on_commit``). Nested blocks join the
    outermost one."""
    if getattr(_collecting, "current", None) is not None:
        yield
        return
    collected = _collecting.current = _Collected(limit=limit)
    try:
        yield
    finally:
        _collecting.current = None
        collected.flush()
