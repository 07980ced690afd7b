"""Notifications the domain core sends after a write has committed.

The core knows nothing of feeds or status figures; ``feeds`` and ``tasks`` connect receivers
here to keep their derived data (serialized calendar pieces, status figures) up to date.
The services send these from ``transaction.on_commit``, never inside an open transaction.
"""

from django.dispatch import Signal

# Sent with ``event_ids`` (a list of ints): events whose published form may have changed.
events_changed = Signal()

# Sent with ``occurrence_ids`` (a list of ints): occurrences whose counted figures may have
# changed (attendance recorded or corrected, cancelled, moved, event cancelled); and ``years``
# (a list of ints, maybe empty): local years that counted occurrences deleted since (an event
# deleted, or occurrences its new rule no longer has).
occurrences_changed = Signal()
