"""A few seconds of memory per Lambda instance for reads whose answer is the same for every caller.

What it is for: a partition hot by reads that sharding cannot spread (every page of a population
list reads every shard; GSI3 `ACTIVE`, the browse without a city, is the case). With a TTL of T
seconds, each instance reads a page shape at most once per T: the partition sees
`instances x shapes / T` reads a second, whatever the request rate (docs/scale.md). The price is
that a new or changed listing reaches a page's cached copy up to T seconds late.

Only answers that do not depend on the caller may go in, and only the stored data (never a response
with a cursor: cursors are encrypted with a fresh nonce per response).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

# Enough for the first pages of every common browse shape; the oldest entry makes room.
MAX_ENTRIES = 256


class InstanceCache:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: dict[Hashable, tuple[float, Any]] = {}
        self._max = max_entries
        self._lock = threading.Lock()
        self.hits = 0

    def get_or_load(self, key: Hashable, ttl_seconds: float, load: Callable[[], T]) -> T:
        """The value stored under `key` if younger than `ttl_seconds`, else `load()` (stored). A TTL of
        0 or less: always `load()`, nothing stored."""
        if ttl_seconds <= 0:
            return load()
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and now - entry[0] < ttl_seconds:
                self.hits += 1
                return entry[1]
        value = load()
        with self._lock:
            self._entries.pop(key, None)
            while len(self._entries) >= self._max:
                self._entries.pop(next(iter(self._entries)))
            self._entries[key] = (time.monotonic(), value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = 0
