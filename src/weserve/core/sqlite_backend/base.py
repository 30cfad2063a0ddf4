"""Django's SQLite backend, with one writer at a time inside the process.

Django's ASGI handler runs the sync views of different requests on different threads,
each with its own connection. SQLite has one write lock per database, and a connection
that finds it taken sleeps in SQLite's busy handler (1, 2, 5, ... up to 100 ms) and
tries again: under load the lock goes to whichever thread happens to wake at the right
moment, requests wait seconds, and after the busy timeout they fail with "database is
locked". So here a thread first takes a lock shared by every connection of the process
to the same database file, and only then SQLite's: the process's writers queue on a
lock that wakes the next one as soon as it is free, and never meet SQLite's busy handler
among themselves. Reads take no lock: in WAL mode readers never wait for the writer.

Other processes (the background worker, `weserve shell`) still meet the server through
SQLite's busy timeout; their transactions are IMMEDIATE too (settings.py), so they wait
at BEGIN and never fail on upgrading a read lock half-way through.

It also keeps closed connections open for the next request: under ASGI every
request runs in a new context, so Django opens and closes a connection per request, and
opening one (its PRAGMAs) and closing it (the last one to close checkpoints the WAL
into the database and deletes it) took about a quarter of a ticket issue's time.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

from django.db.backends.sqlite3 import base
from django.db.utils import OperationalError

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()
# Idle connections per database file, kept for reuse; more than this are closed. As many
# as a worker has requests in flight at once (each on its own thread and connection): with
# 8 kept, 50 kiosks issuing at once opened and closed a connection for most tickets, 0.8 ms
# of CPU each (measured in-process, session 11). An idle connection holds little memory
# (its page cache only fills with pages it reads: the worker's size did not change with 64).
IDLE_CONNECTIONS = 64
_idle: dict[str, list[sqlite3.Connection]] = {}
# Statements with their %s placeholders turned into SQLite's ? (Django's cursor does it
# with a regular expression on every execute: a few microseconds a statement, and a
# ticket issue sends ten). Texts the code writes repeat; past this many (texts with
# values written into them are new every time) the memory starts again.
CONVERTED_TEXTS = 1000
_converted: dict[str, str] = {}


def write_lock(name: str) -> threading.Lock:
    """The process's write lock for the database file `name`."""
    with _locks_guard:
        return _locks.setdefault(name, threading.Lock())


def close_idle_connections() -> None:
    """Close the connections kept for reuse (tests, before their database file goes)."""
    with _locks_guard:
        idle = [conn for conns in _idle.values() for conn in conns]
        _idle.clear()
    for conn in idle:
        conn.close()


class DatabaseWrapper(base.DatabaseWrapper):
    """Takes the process's write lock before SQLite's, and lets go when SQLite does."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held_write_lock: threading.Lock | None = None

    def lock_writes(self) -> None:
        """Take the process's write lock for this connection (once; it may hold it)."""
        if self._held_write_lock is not None:
            return
        lock = write_lock(self.settings_dict["NAME"])
        # As long as SQLite itself would wait; past that, the error it would give.
        timeout = float(self.settings_dict["OPTIONS"].get("timeout", 5))
        if not lock.acquire(timeout=timeout):
            raise OperationalError(
                f"database is locked (other threads of this process wrote for {timeout:g} s)"
            )
        self._held_write_lock = lock

    def unlock_writes_if_done(self) -> None:
        """Let go of the write lock unless a transaction is still open."""
        if self._held_write_lock is None:
            return
        if self.connection is not None and self.connection.in_transaction:
            return
        lock, self._held_write_lock = self._held_write_lock, None
        lock.release()

    def get_new_connection(self, conn_params: dict[str, Any]) -> sqlite3.Connection:
        with _locks_guard:
            idle = _idle.get(self.settings_dict["NAME"])
            if idle:
                return idle.pop()
        connection: sqlite3.Connection = super().get_new_connection(conn_params)
        return connection

    def _start_transaction_under_autocommit(self) -> None:
        # Every atomic block starts here. With `transaction_mode: IMMEDIATE` its BEGIN
        # takes SQLite's write lock, so even a read-only atomic block waits for the
        # writer: taking the process's lock first makes it wait no longer.
        self.lock_writes()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # Django's, not in the stubs
        finally:
            self.unlock_writes_if_done()  # only if BEGIN failed

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]  # Django's, not in the stubs
        finally:
            # A failed COMMIT (a deferred constraint) leaves the transaction open for
            # the rollback that follows: the lock goes with the transaction, not before.
            self.unlock_writes_if_done()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]  # Django's, not in the stubs
        finally:
            self.unlock_writes_if_done()

    def _close(self) -> None:
        # Closing ends any transaction (SQLite rolls it back), also a connection closed
        # inside an atomic block, which Django then no longer rolls back itself.
        try:
            if not self._keep_idle():
                super()._close()  # type: ignore[misc]  # Django's, not in the stubs
        finally:
            if self._held_write_lock is not None:
                lock, self._held_write_lock = self._held_write_lock, None
                lock.release()

    def _keep_idle(self) -> bool:
        """Keep the connection for reuse, unless a transaction is open or it failed."""
        conn = self.connection
        if conn is None or conn.in_transaction or self.errors_occurred:
            return False
        with _locks_guard:
            idle = _idle.setdefault(self.settings_dict["NAME"], [])
            if len(idle) >= IDLE_CONNECTIONS:
                return False
            idle.append(conn)
        return True

    def create_cursor(self, name: str | None = None) -> Any:
        cursor = self.connection.cursor(factory=LockingCursor)
        cursor.db = self
        return cursor


class LockingCursor(base.SQLiteCursorWrapper):
    """Takes the write lock for a write made outside a transaction.

    In autocommit mode (an `update()` or a `save()` outside `atomic`) each statement is
    its own transaction and takes SQLite's write lock as it runs. It cannot deadlock,
    but it would wait in SQLite's busy handler, polling, while this process's
    transactions hand their lock from one to the next: under load it could miss every
    gap until the busy timeout ends it with "database is locked". Queued on the
    process's lock, it takes its turn. Inside a transaction a statement needs nothing:
    the transaction holds the lock.
    """

    db: DatabaseWrapper
    # The rows of a write with RETURNING, read at once (see execute); None otherwise.
    _returned: list[Any] | None = None

    def _writes_alone(self, query: str) -> bool:
        # Only SELECT is sure to read; anything else queues (a WITH that only reads
        # waits its turn needlessly: harmless, and rare outside transactions).
        return not self.connection.in_transaction and query.lstrip()[:6].upper() != "SELECT"

    def convert_query(self, query: str, *, param_names: Any = None) -> str:
        """Django's conversion of the placeholders, remembered per text (`_converted`)."""
        if param_names is not None:
            return str(super().convert_query(query, param_names=param_names))  # type: ignore[misc]  # Django's, not in the stubs
        converted = _converted.get(query)
        if converted is None:
            converted = str(super().convert_query(query))  # type: ignore[misc]  # as above
            if len(_converted) >= CONVERTED_TEXTS:
                _converted.clear()
            _converted[query] = converted
        return converted

    def execute(self, query: str, params: Any = None) -> Any:
        self._returned = None
        if not self._writes_alone(query):
            return super().execute(query, params)
        self.db.lock_writes()
        try:
            super().execute(query, params)
            if self.description is not None:
                # An INSERT ... RETURNING ends, and in autocommit mode commits, only
                # once its rows are read: read them while the lock is held.
                self._returned = super().fetchall()
            return self
        finally:
            self.db.unlock_writes_if_done()

    def executemany(self, query: str, param_list: Any) -> Any:
        self._returned = None
        if not self._writes_alone(query):
            return super().executemany(query, param_list)
        self.db.lock_writes()
        try:
            return super().executemany(query, param_list)
        finally:
            self.db.unlock_writes_if_done()

    def fetchone(self) -> Any:
        if self._returned is None:
            return super().fetchone()
        return self._returned.pop(0) if self._returned else None

    def fetchmany(self, size: int | None = None) -> list[Any]:
        if self._returned is None:
            return super().fetchmany(self.arraysize if size is None else size)
        size = self.arraysize if size is None else size
        rows, self._returned = self._returned[:size], self._returned[size:]
        return rows

    def fetchall(self) -> list[Any]:
        if self._returned is None:
            return super().fetchall()
        rows, self._returned = self._returned, []
        return rows

    def __next__(self) -> Any:
        if self._returned is None:
            return super().__next__()
        if not self._returned:
            raise StopIteration
        return self._returned.pop(0)
