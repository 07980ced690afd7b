"""The one bounded memo every process-level copy uses (feeds, kept API pages and their light
queries, anonymous HTML pages): least recently used go first, bounded in entries and bytes."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from feeds.memo import BoundedMemo, body_size


@dataclass(frozen=True)
class Entry:
    body: bytes


def test_the_least_recently_used_entry_goes_first_when_the_count_is_reached():
    memo = BoundedMemo(2)
    memo.put("a", 1)
    memo.put("b", 2)
    assert memo.get("a") == 1  # "a" used: "b" is now the oldest
    memo.put("c", 3)

    assert [memo.get(k) for k in "abc"] == [1, None, 3]
    assert len(memo) == 2


def test_the_bytes_are_bounded_and_counted_again_when_an_entry_is_replaced():
    memo = BoundedMemo(10, 10, body_size)
    memo.put("a", Entry(b"x" * 4))
    memo.put("b", Entry(b"x" * 4))
    memo.put("a", Entry(b"x" * 2))  # replaced, not added: 6 bytes
    assert memo.bytes == 6

    memo.put("c", Entry(b"x" * 5))  # 11 bytes: the oldest ("b") goes

    assert memo.get("b") is None
    assert memo.get("a") == Entry(b"xx")
    assert memo.get("c") == Entry(b"xxxxx")
    assert memo.bytes == 7


def test_an_entry_larger_than_the_bound_is_not_kept_and_clear_forgets_everything():
    memo = BoundedMemo(10, 10, body_size)
    memo.put("a", Entry(b"x" * 3))
    memo.put("huge", Entry(b"x" * 11))
    assert memo.get("huge") is None
    assert memo.get("a") is None  # everything went to make room
    assert memo.bytes == 0

    memo.put("b", Entry(b"x"))
    memo.clear()
    assert memo.get("b") is None
    assert len(memo) == 0
    assert memo.bytes == 0


def test_a_byte_bound_needs_a_size():
    with pytest.raises(ValueError, match="a byte bound needs a size"):
        BoundedMemo(10, 10)
