"""The full-feed cache: a generation read from the database, one shared entry per feed and a
small in-process copy.

Every finished feed is cached under its format and selection, stamped with the day (the window
moves daily) and the feed *generation*. The generation is database state, written in the same
transaction as the change it reflects: the latest ``events.Change`` (every service that changes
an event or occurrence writes one) and ``ReferenceGeneration`` (raised when a branch, stop,
room, track or audience is saved). An entry whose stamp is not the current one is rebuilt and
overwrites it, so the shared cache (Redis) holds one entry per feed, never a copy per change.

Knowing the generation costs no round trip per request (issue 19): each process keeps the value
it read last and reads it again (one small query on primary keys) when it is older than
``FEED_GENERATION_MAX_AGE_MS`` (250 ms by default). The process that writes a change forgets
its copy at once (``generation_forget``, from ``feeds.receivers``), so its own next request sees
the change; every other process sees it at most that long after the commit. So a change reaches
the next poll within a quarter of a second plus the time to build the feed, whatever happened to
Redis, while a warm or conditional request touches neither the database nor Redis. Why not
pub/sub or a counter in Redis: the generation would then depend on a message arriving or on
Redis being there, and a lost message would serve a stale feed until the next change; a bounded
age needs neither and costs at most four tiny queries a second per process.

Bodies are also kept in this process (bounded, one per URL) so that a warm request does not copy
megabytes out of the shared cache.

The ETag is a hash of the body (for a calendar: of its head and the digests of its pieces,
which identifies it as well without hashing megabytes), so it changes exactly when the body
does: a new generation or a new day rebuilds the feed, and if nothing in it changed the ETag
stays the same.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import F
from django.utils.http import http_date

from events.models import Change

from .memo import BoundedMemo, body_size
from .models import ReferenceGeneration

ENTRY_TIMEOUT = 60 * 60 * 26
# An entry built while some of its pieces were still stale (a bulk rebuild under way) is kept
# this long only, so the next requests do not each build the feed again (each build of a large
# calendar costs about a second) while the budgets of later ones still catch up.
INCOMPLETE_SECONDS = 5.0
# While one process builds a feed whose entry is outdated, the others answer the previous entry
# for at most this long (a mark in the shared cache), instead of each building it too.
BUILD_MARK_SECONDS = 30
# A feed with no entry at all (a cold cache): while another process builds it, wait this long
# for its entry before building it too (the build takes well under a second when alone; two
# builds of the same large calendar at once only slow each other down).
BUILD_WAIT_SECONDS = 1.0
BUILD_WAIT_STEP = 0.05
MEMO_MAX_ENTRIES = 64
MEMO_MAX_BYTES = 128 * 1024 * 1024


@dataclass(frozen=True)
class FeedEntry:
    body: bytes
    etag: str
    last_modified: int  # seconds since the epoch
    last_modified_http: str
    content_type: str
    filename: str = ""
    # The generation and day the body was built for (set by ``cached``).
    stamp: str = ""
    # False while some of its pieces could not be rebuilt within the request's budget
    # (``feeds.pieces``): answered, and kept only until ``expires`` (INCOMPLETE_SECONDS).
    complete: bool = True
    expires: float = 0.0  # time.time(); only for an incomplete entry

    def current(self, stamp: str) -> bool:
        return self.stamp == stamp and (self.complete or self.expires > time.time())


# How many of the latest changes the generation sums. On PostgreSQL ids are handed out when a
# row is written, not when it commits, so a change can commit after one with a higher id: the
# highest id stays the same, but the sum of the highest few ids changes when it commits.
RECENT_CHANGES = 256

_salt = "0"  # replaced by clear(): a cold cache for tests and the benchmark


# In this process: (monotonic time read, generation, stamp made from it or "").
_known: tuple[float, str, str] | None = None


def _current() -> tuple[float, str, str]:
    global _known
    now = time.monotonic()
    known = _known
    if known is None or now - known[0] >= settings.FEED_GENERATION_MAX_AGE_MS / 1000:
        known = _known = (now, generation_read(), "")
    return known


def generation() -> str:
    """The feeds' generation, as this process read it at most ``FEED_GENERATION_MAX_AGE_MS``
    ago (see the module's docstring)."""
    return _current()[1]


def stamp(extra: Callable[[], str]) -> str:
    """``generation|extra()``, where ``extra`` (the day and the pieces' recipe) is asked again
    only when the generation is: the whole check of a warm request costs a few microseconds."""
    global _known
    read_at, value, made = _current()
    if not made:
        made = f"{value}|{extra()}"
        _known = (read_at, value, made)
    return made


def generation_forget() -> None:
    """Read the generation again on the next request (this process wrote a change)."""
    global _known
    _known = None


def generation_read() -> str:
    """The feeds' generation: the latest changes (highest id, and the sum of the highest
    ``RECENT_CHANGES`` ids) and the reference counter. One query, on primary keys only."""
    change = connection.ops.quote_name(Change._meta.db_table)
    counter = connection.ops.quote_name(ReferenceGeneration._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT MAX(id), SUM(id), "
            f"(SELECT value FROM {counter} WHERE id = 1) "
            f"FROM (SELECT id FROM {change} ORDER BY id DESC LIMIT %s) recent",
            [RECENT_CHANGES],
        )
        latest, recent, references = cursor.fetchone()
    return f"{latest or 0}.{recent or 0}.{references or 0}.{_salt}"


def generation_bump() -> None:
    """Raise the reference counter, inside the caller's transaction (a branch, stop, room,
    track or audience was saved or deleted)."""
    if not ReferenceGeneration.objects.filter(pk=1).update(value=F("value") + 1):
        ReferenceGeneration.objects.get_or_create(pk=1)
        ReferenceGeneration.objects.filter(pk=1).update(value=F("value") + 1)
    generation_forget()


def body_etag(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def make_entry(
    *,
    identity: str,
    body: bytes,
    modified: int,
    content_type: str,
    filename: str = "",
    etag: str | None = None,
    complete: bool = True,
) -> FeedEntry:
    """An entry for a freshly built body. Last-Modified is the data's own modification time
    and only moves forward: if the body changed but no event in it is newer (an event left
    the feed), it is the previous value plus one second. ``identity`` names the feed without
    generation or day (format and selection). ``etag`` may be given when it was derived from
    the body's parts (see views._build_calendar); by default it hashes the body."""
    etag = etag or body_etag(body)
    lm_key = "feeds:lm:" + hashlib.sha1(identity.encode(), usedforsecurity=False).hexdigest()
    previous = cache.get(lm_key)
    if previous is not None and previous[0] == etag:
        modified = previous[1]
    elif previous is not None:
        modified = max(modified, previous[1] + 1)
    cache.set(lm_key, (etag, modified), timeout=None)
    return FeedEntry(
        body, etag, modified, http_date(modified), content_type, filename, complete=complete
    )


memo: BoundedMemo[FeedEntry] = BoundedMemo(MEMO_MAX_ENTRIES, MEMO_MAX_BYTES, body_size)


def entry_key(identity: str) -> str:
    """The shared cache's key of a feed: one per format and selection, overwritten when the
    generation or the day changes (never one per generation: Redis stays bounded)."""
    return "feeds:entry:" + hashlib.sha1(identity.encode(), usedforsecurity=False).hexdigest()


def cached(identity: str, stamp: str, build) -> FeedEntry:
    """The entry of the feed ``identity`` for ``stamp`` (generation and day): from this
    process, from the shared cache, or built now by ``build()`` and stored in both, in place of
    any older one.

    Only one process builds a feed at a time when an older entry exists: the others answer
    that previous entry meanwhile (for at most ``BUILD_MARK_SECONDS``; a build takes well under
    a second, so a change still reaches every poll about a second after its commit), so a new
    generation does not make every worker build the same large calendar at once; with no entry at
    all, the others wait up to ``BUILD_WAIT_SECONDS`` for it. An incomplete entry (pieces still
    being rebuilt, see ``feeds.pieces``) is current for ``INCOMPLETE_SECONDS`` only."""
    key = entry_key(identity)
    entry = memo.get(key)
    if entry is not None and entry.current(stamp):
        return entry
    entry = cache.get(key)
    if entry is None or not entry.current(stamp):
        mark = key + ":building"
        building = cache.add(mark, 1, BUILD_MARK_SECONDS)
        if not building and entry is not None:
            return entry  # another process is building it: the previous entry meanwhile
        if not building:
            entry = _wait_for(key, stamp)
            if entry is not None:
                memo.put(key, entry)
                return entry
        try:
            entry = replace(build(), stamp=stamp)
            if not entry.complete:
                entry = replace(entry, expires=time.time() + INCOMPLETE_SECONDS)
            # An incomplete entry is stored as long as a complete one (it is replaced, never
            # duplicated): once it is no longer current, it is what the other processes answer
            # while one builds the next, instead of each building it.
            cache.set(key, entry, timeout=ENTRY_TIMEOUT)
        finally:
            if building:
                cache.delete(mark)
    memo.put(key, entry)
    return entry


def _wait_for(key: str, stamp: str) -> FeedEntry | None:
    """The entry another process is building, if it arrives within ``BUILD_WAIT_SECONDS``."""
    deadline = time.monotonic() + BUILD_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(BUILD_WAIT_STEP)
        entry = cache.get(key)
        if entry is not None and entry.current(stamp):
            return entry
    return None


def clear() -> None:
    """Forget every cached feed in this process, and make the shared entries stale for it
    (tests and the benchmark use this for a cold cache; no flush of a shared Redis)."""
    global _salt
    memo.clear()
    generation_forget()
    _salt = str(time.time_ns())
