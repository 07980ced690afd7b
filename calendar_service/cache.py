"""A Redis cache that fails soft: when Redis is away, the site keeps working, uncached.

Everything this service keeps in the cache can be rebuilt (finished feeds, progress of jobs,
the marks that coalesce recompute requests, idempotency keys, sessions are in the database).
So a cache operation that cannot reach Redis is logged and answered as a miss: ``get`` gives
the default, ``add``/``set``/``touch``/``delete`` say False, ``incr`` raises ``ValueError`` as
for a missing key, ``get_many`` gives nothing. Short socket timeouts keep a request from waiting
long on a Redis that does not answer, and after a failure Redis is left alone for
``PAUSE_SECONDS`` (one log line, and no timeout per operation, while it is down).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

logger = logging.getLogger(__name__)

PAUSE_SECONDS = 5.0
_MISSING = object()


class FailSoftRedisCache(RedisCache):
    """``django.core.cache.backends.redis.RedisCache`` that treats an unreachable Redis as a
    cache miss. Socket timeouts default to 0.5 s and no retries (OPTIONS may override)."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 0.5)
        options.setdefault("retry", Retry(NoBackoff(), 0))
        super().__init__(server, {**params, "OPTIONS": options})
        self._lock = threading.Lock()
        self._paused_until = 0.0

    def _call(self, operation: str, fallback: Any, method, *args, **kwargs):
        if time.monotonic() < self._paused_until:
            return fallback
        try:
            return method(*args, **kwargs)
        except RedisError as exc:
            with self._lock:
                first = time.monotonic() >= self._paused_until
                self._paused_until = time.monotonic() + PAUSE_SECONDS
            if first:
                logger.warning(
                    "cache: Redis unavailable (%s on %s); serving uncached for %ss",
                    type(exc).__name__,
                    operation,
                    PAUSE_SECONDS,
                )
            return fallback

    @property
    def available(self) -> bool:
        """False while Redis is being left alone after a failure."""
        return time.monotonic() >= self._paused_until

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", False, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._call("set", None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        value = self._call("incr", _MISSING, super().incr, key, delta, version)
        if value is _MISSING:
            raise ValueError(f"Key '{key}' not found (cache unavailable).")
        return value

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        self._call("delete_many", None, super().delete_many, keys, version)

    def clear(self):
        return self._call("clear", False, super().clear)
