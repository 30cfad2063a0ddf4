"""A few seconds' memory, per process, for slowly changing reads on the queue's hot path.

Issuing a ticket reads the office (with its opening hours and holidays), the service, and
for the wait estimate the counters and recent service times. None of these change from
one ticket to the next, so the ticket endpoint reuses them for QUEUE_CACHE_SECONDS
(default 5; 0 turns the memory off, as the test suite does). An edit to opening hours, a
service or a counter therefore reaches new tickets at most that many seconds later; what
must be exact (the number, people ahead, whether the office is open at this instant)
is always read or worked out afresh. Ages are read from the project's clock, so tests
move time rather than wait.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Hashable
from typing import TypeVar

from django.conf import settings

from weserve.core import clock

T = TypeVar("T")

_entries: dict[Hashable, tuple[dt.datetime, object]] = {}
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
    now = clock.now()
    with _lock:
        hit = _entries.get(key)
    # A clock set back (an administrator's correction) makes an entry look young for
    # ever: it is then as stale as an old one.
    if hit is not None and dt.timedelta(0) <= now - hit[0] < dt.timedelta(seconds=ttl):
        return hit[1]  # type: ignore[return-value]
    value = load()
    if value is not None:
        with _lock:
            if len(_entries) >= MAX_ENTRIES:
                _entries.clear()
            _entries[key] = (now, value)
    return value


def clear() -> None:
    with _lock:
        _entries.clear()
