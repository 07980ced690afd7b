"""The generation of the published data, for other interfaces that keep copies of their own.

The feeds key their bodies by it (``feeds.cache``): it changes in the transaction of every
change to an event or occurrence and of every save of a branch, stop, room, track, audience or
partner, and each process knows it with no round trip per request (it reads it again at most
``FEED_GENERATION_MAX_AGE_MS`` after the last read, and at once after a change it wrote
itself). The public pages key their copies by it too (``pages/cache.py``).
"""

from __future__ import annotations

from .cache import generation as _generation


def data_generation() -> str:
    """The current generation, as this process knows it (see the module's docstring)."""
    return _generation()
