"""Whole answers kept while the data they were built from has not changed: a small helper for
anything (API pages, HTML pages) that, like the feeds, can be keyed by what it shows and by
the feeds' *generation* (``feeds.cache.generation``: database state, written in the same
transaction as every change of an event, occurrence, head count, branch, stop, room, track,
audience or partner, and known in each process without a round trip per request).

A caller names what it answers with an *identity* (everything the answer depends on apart from
the data: path, normalised query, language, host, who may see what) and asks ``get``; on a
miss it builds the answer and ``put``\\ s it with the ``stamp`` it took *before* building, so
that a change committed meanwhile is never hidden behind an older stamp. A caller that reads
something of the data on every request (the API reads the keys and versions of a page's rows)
adds it to the stamp. An entry is valid only
for the stamp it was built with:

* in this process, a bounded memo (least recently used, at most ``memo_entries`` entries and
  ``memo_bytes`` bytes) answers a warm request without touching Redis or the database;
* in the shared cache, one entry per identity (never one per generation, so Redis stays
  bounded: a change overwrites the entry instead of adding one), read when the memo misses.

A change reaches every process at most ``FEED_GENERATION_MAX_AGE_MS`` after its commit, and
the process that wrote it at once (see ``feeds.cache``)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.cache import cache

from . import cache as feed_cache
from .memo import BoundedMemo, body_size

__all__ = ["BoundedMemo", "GenerationCache", "Kept"]


@dataclass(frozen=True)
class Kept:
    stamp: str
    body: bytes
    content_type: str


class GenerationCache:
    def __init__(
        self,
        namespace: str,
        *,
        timeout: int = 60 * 60,
        memo_entries: int = 256,
        memo_bytes: int = 32 * 1024 * 1024,
    ) -> None:
        self.namespace = namespace
        self.timeout = timeout
        self._memo: BoundedMemo[Kept] = BoundedMemo(memo_entries, memo_bytes, body_size)

    def key(self, identity: str) -> str:
        digest = hashlib.blake2b(identity.encode(), digest_size=16).hexdigest()
        return f"{self.namespace}:{digest}"

    @staticmethod
    def generation() -> str:
        """The feeds' generation as this process knows it: read it before anything else of
        the data, never after."""
        return feed_cache.generation()

    @staticmethod
    def stamp(generation: str, extra: str = "") -> str:
        """What an answer is kept with (``Kept.stamp``): the generation read first, and
        what else the caller read of the data (if anything)."""
        return f"{generation}|{extra}"

    def get(self, identity: str, stamp: str) -> Kept | None:
        """The answer kept for ``identity`` with this ``stamp`` (from ``stamp()``), or None."""
        current = stamp
        key = self.key(identity)
        kept = self._memo.get(key)
        if kept is not None and kept.stamp == current:
            return kept
        shared = cache.get(key)
        if isinstance(shared, Kept) and shared.stamp == current:
            self._memo.put(key, shared)
            return shared
        return None

    def put(self, identity: str, kept: Kept) -> None:
        key = self.key(identity)
        self._memo.put(key, kept)
        cache.set(key, kept, self.timeout)

    def clear(self) -> None:
        """Forget this process's copies (tests; the shared entries go stale with
        ``feeds.cache.clear``)."""
        self._memo.clear()
