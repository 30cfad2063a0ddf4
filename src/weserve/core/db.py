"""Database helpers for the few hand-written statements on hot paths."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection


@contextmanager
def prepared_cursor() -> Iterator[Any]:
    """A cursor whose statements PostgreSQL parses and plans once per connection.

    Django's PostgreSQL cursors bind parameters on the client (WeServe keeps that
    default: some ORM queries repeat a parameter in GROUP BY, which server-side binding
    cannot match), so every statement reaches the server as new text and is planned
    afresh. This cursor binds on the server, and psycopg prepares a statement once it
    has run a few times on the connection (`prepare_threshold`); the pool keeps the
    connections, so a hot statement is planned once per connection. It is still Django's
    cursor wrapper: errors are Django's, and the test suite's query counting sees it.
    Elsewhere (SQLite) it is Django's ordinary cursor.
    """
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    import psycopg

    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    # django-stubs types these as taking a CursorWrapper; Django wraps a DB-API cursor.
    wrapped = (
        connection.make_debug_cursor(raw)  # type: ignore[arg-type]
        if connection.queries_logged
        else connection.make_cursor(raw)  # type: ignore[arg-type]
    )
    with wrapped as cursor:
        yield cursor
