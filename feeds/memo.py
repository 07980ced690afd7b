"""A process's own copies of answers: a least-recently-used map bounded in entries and bytes.

The feeds (``feeds.cache``), the kept API pages and their light queries
(``feeds.generation_cache``, ``events.api.page_cache``) and the anonymous HTML pages
(``pages.cache``) each keep one, so that a warm request is answered without Redis or the
database. Thread-safe: gunicorn's sync workers serve one request at a time, but the test
servers and ``runserver`` use threads."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


def body_size(value) -> int:
    """The size of an entry with a ``body`` (bytes)."""
    return len(value.body)


class BoundedMemo(Generic[V]):
    """At most ``max_entries`` values and ``max_bytes`` bytes (as ``size`` measures a value;
    no byte bound without ``size``); the least recently used go first."""

    def __init__(
        self,
        max_entries: int,
        max_bytes: int | None = None,
        size: Callable[[V], int] | None = None,
    ) -> None:
        if (max_bytes is None) != (size is None):
            raise ValueError("a byte bound needs a size, and a size a byte bound")
        self.max_entries, self.max_bytes, self._size = max_entries, max_bytes, size
        self._lock = threading.Lock()
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._bytes = 0

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: V) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None and self._size is not None:
                self._bytes -= self._size(old)
            self._items[key] = value
            if self._size is not None:
                self._bytes += self._size(value)
            while len(self._items) > self.max_entries or (
                self.max_bytes is not None and self._bytes > self.max_bytes
            ):
                _key, dropped = self._items.popitem(last=False)
                if self._size is not None:
                    self._bytes -= self._size(dropped)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._items)

    @property
    def bytes(self) -> int:
        """What the values measure together (0 without ``size``)."""
        return self._bytes
