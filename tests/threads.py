"""Helpers for tests that run real concurrent clients in threads."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from django.db import connection, connections

from weserve.core.sqlite_backend.base import close_idle_connections


def in_thread(fn: Callable[..., Any]) -> Callable[..., Any]:
    """`fn` for a worker thread: its database connections are closed when it returns
    (a thread's own connections would otherwise outlive the test's database)."""

    def run(*args: Any) -> Any:
        try:
            return fn(*args)
        finally:
            connections.close_all()

    return run


@contextmanager
def sqlite_file_database(path: Path, *, busy_timeout_ms: int | None = None) -> Iterator[Path]:
    """The SQLite test database copied to the file `path` and used instead, for the
    length of the block, by this thread's and new threads' connections.

    pytest-django's SQLite test database lives in memory with one cache shared by every
    connection, whose table locks fail at once instead of waiting: not what WeServe
    runs on. The copy is a file in WAL mode, as in production. `busy_timeout_ms` sets
    SQLite's busy timeout (the `timeout` option) for the connections made meanwhile.
    Use with `django_db(transaction=True)`: what the block writes stays in the file.
    """
    connection.ensure_connection()
    memory = connection.connection
    with closing(sqlite3.connect(path)) as copy:
        memory.backup(copy)
        copy.execute("PRAGMA journal_mode=WAL")
    # One dict, shared by the connections of every thread (Django's own test database
    # creation switches NAME the same way).
    settings_dict = connection.settings_dict
    saved = settings_dict["NAME"], settings_dict["OPTIONS"]
    settings_dict["NAME"] = str(path)
    if busy_timeout_ms is not None:
        init = settings_dict["OPTIONS"].get("init_command", "")
        settings_dict["OPTIONS"] = {
            **settings_dict["OPTIONS"],
            "init_command": f"{init}; PRAGMA busy_timeout = {busy_timeout_ms}",
        }
    # Closing the in-memory connection would destroy the test database: set it aside.
    connection.connection = None
    try:
        yield path
    finally:
        connection.close()
        close_idle_connections()
        settings_dict["NAME"], settings_dict["OPTIONS"] = saved
        connection.connection = memory
