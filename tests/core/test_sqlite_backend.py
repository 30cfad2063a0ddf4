"""The SQLite backend's write lock: taken by writers only, never left behind."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import IntegrityError, connection, transaction

from tests.threads import in_thread, sqlite_file_database
from weserve.core.models import AuditLog
from weserve.core.sqlite_backend.base import write_lock

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def database(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the write lock is SQLite's")
    # SQLite's busy timeout 0: a writer that met another in SQLite would fail at once.
    with sqlite_file_database(tmp_path / "weserve.sqlite3", busy_timeout_ms=0) as path:
        yield write_lock(str(path))


def _entry(action: str) -> AuditLog:
    return AuditLog.objects.create(action=action, at="2026-11-25T02:00:00Z")


def test_a_transaction_holds_the_lock_from_begin_to_commit_through_nested_blocks(database):
    with transaction.atomic():
        assert database.locked()
        with transaction.atomic():
            _entry("tests.inner")
        assert database.locked()
    assert not database.locked()
    assert AuditLog.objects.filter(action="tests.inner").exists()


def test_an_exception_inside_atomic_rolls_back_and_lets_go_of_the_lock(database):
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        _entry("tests.rolled_back")
        with pytest.raises(IntegrityError), transaction.atomic():
            AuditLog.objects.create(action=None)  # a failed savepoint keeps the transaction
        assert database.locked()
        1 / 0  # noqa: B018

    assert not database.locked()
    assert not AuditLog.objects.filter(action="tests.rolled_back").exists()


def test_closing_the_connection_inside_atomic_lets_go_of_the_lock(database):
    with transaction.atomic():
        _entry("tests.closed")
        assert database.locked()
        connection.close()
        assert not database.locked()
    assert not database.locked()
    assert not AuditLog.objects.filter(action="tests.closed").exists()


def test_reads_take_no_lock_while_another_thread_writes(database):
    inside, finish = threading.Event(), threading.Event()

    @in_thread
    def write() -> None:
        with transaction.atomic():
            _entry("tests.long")
            inside.set()
            finish.wait()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        inside.wait()
        # If reads queued behind the writer, this would wait for `finish`, i.e. forever
        # (until the lock's timeout raised "database is locked").
        assert AuditLog.objects.filter(action="tests.long").count() == 0
        assert database.locked()
    finally:
        finish.set()
        writer.join()
    assert AuditLog.objects.filter(action="tests.long").count() == 1


def test_a_write_outside_a_transaction_waits_for_another_threads_transaction(database):
    inside, finish = threading.Event(), threading.Event()
    created: list[AuditLog] = []
    failures: list[BaseException] = []

    @in_thread
    def write_in_transaction() -> None:
        with transaction.atomic():
            _entry("tests.first")
            inside.set()
            finish.wait()

    @in_thread
    def write_alone() -> None:
        try:
            created.append(_entry("tests.second"))  # INSERT ... RETURNING, autocommit
        except BaseException as exc:  # noqa: BLE001 - asserted below
            failures.append(exc)

    first = threading.Thread(target=write_in_transaction)
    first.start()
    inside.wait()
    second = threading.Thread(target=write_alone)
    second.start()
    time.sleep(0.2)  # gives the second writer time to reach the database (not asserted)
    finish.set()
    first.join()
    second.join()

    assert failures == []
    assert created[0].pk is not None
    assert not database.locked()
    assert list(AuditLog.objects.order_by("pk").values_list("action", flat=True)) == [
        "tests.first",
        "tests.second",
    ]


def test_a_closed_connection_is_kept_for_the_next_one_closed_mid_transaction_is_not(database):
    connection.ensure_connection()
    kept = connection.connection
    connection.close()
    connection.ensure_connection()
    assert connection.connection is kept  # no new connection, no PRAGMAs again

    with transaction.atomic():
        _entry("tests.dropped")
        dropped = connection.connection
        connection.close()
    connection.ensure_connection()
    assert connection.connection is not dropped
    assert not connection.connection.in_transaction
    assert not AuditLog.objects.filter(action="tests.dropped").exists()


def test_placeholders_are_converted_as_djangos_cursor_converts_them_also_when_remembered():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's placeholders")
    from django.db.backends.sqlite3.base import SQLiteCursorWrapper

    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        texts = ["SELECT %s, '%%s', %s", "SELECT 1", "UPDATE t SET a = %s WHERE b LIKE 'x%%'"]
        for text in texts * 2:  # the second time from memory
            assert cursor.convert_query(text) == SQLiteCursorWrapper.convert_query(cursor, text)
        named = "SELECT %(a)s, %(b)s"
        assert cursor.convert_query(named, param_names=["a", "b"]) == "SELECT :a, :b"
        cursor.execute("SELECT %s, '%%s'", [7])
        assert cursor.fetchone() == (7, "%s")
