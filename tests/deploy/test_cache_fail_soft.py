"""The Redis cache fails soft: with nothing listening, every operation answers as a miss, at
once, and nothing raises into the request."""

from __future__ import annotations

import socket
import time

import pytest

from calendar_service.cache import FailSoftRedisCache


def _dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"  # closed again: nothing listens there


def test_every_operation_is_a_miss_when_redis_is_away():
    cache = FailSoftRedisCache(_dead_url(), {})
    began = time.monotonic()

    assert cache.get("k", "default") == "default"
    assert cache.add("k", 1) is False
    cache.set("k", 1)
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("k") is False
    assert cache.delete("k") is False
    assert cache.touch("k") is False
    cache.delete_many(["a"])
    assert cache.set_many({"a": 1}) == ["a"]
    assert cache.get_or_set("k", 5) == 5
    with pytest.raises(ValueError, match="not found"):
        cache.incr("counter")

    assert time.monotonic() - began < 2
    assert cache.available is False


def test_the_timeouts_are_short_by_default():
    cache = FailSoftRedisCache(_dead_url(), {})
    options = cache._cache._pool_options

    assert options["socket_connect_timeout"] == 0.5
    assert options["socket_timeout"] == 0.5
