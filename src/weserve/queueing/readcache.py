"""A few seconds' memory, per process, for slowly changing reads on the queue's hot path.

Issuing a ticket reads the office (with its opening hours and holidays), the service, and
for the wait estimate the counters and recent service times. None of these change from
one ticket to the next, so the ticket endpoint reuses them for QUEUE_CACHE_SECONDS
(default 5; 0 turns the memory off, as the test suite does). An edit to opening hours, a
service or a counter therefore reaches new tickets at most that many seconds later; what
must be exact (the number, people ahead, whether the office is open at this instant)
is always read or worked out afresh. docs/performance.md has the measurements.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import TypeVar

from django.conf import settings

T = TypeVar("T")

_entries: dict[Hashable, tuple[float, object]] = {}
_lock = threading.Lock()
# Keys come from request paths (office and service codes): never more than this many.
MAX_ENTRIES = 1000


def cache_seconds() -> float:
    return float(getattr(settings, "QUEUE_CACHE_SECONDS", 5))


def remember(key: Hashable, load: Callable[[], T]) -> T:
    """`load()`, or what it returned for `key` less than cache_seconds() ago.

    None is never remembered, so an unknown code costs a query each time rather than
    filling the memory with codes nobody has.
    """
    ttl = cache_seconds()
    if ttl <= 0:
        return load()
    now = time.monotonic()
    hit = peek(key)
    if hit is not None:
        return hit  # type: ignore[return-value]
    value = load()
    if value is not None:
        with _lock:
            if len(_entries) >= MAX_ENTRIES:
                _entries.clear()
            _entries[key] = (now, value)
    return value


def peek(key: Hashable) -> object | None:
    """What `remember` would return for `key` now without loading, or None (nothing is
    loaded): for code that must not touch the database (the server's event loop)."""
    with _lock:
        hit = _entries.get(key)
    if hit is None or time.monotonic() - hit[0] >= cache_seconds():
        return None
    return hit[1]


def clear() -> None:
    with _lock:
        _entries.clear()
