"""Helpers for tests that run real concurrent clients in threads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connections


def in_thread(fn: Callable[..., Any]) -> Callable[..., Any]:
    """`fn` for a worker thread: its database connections are closed when it returns
    (a thread's own connections would otherwise outlive the test's database)."""

    def run(*args: Any) -> Any:
        try:
            return fn(*args)
        finally:
            connections.close_all()

    return run
