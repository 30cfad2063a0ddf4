"""Writers at once on the embedded default (SQLite): threads of one server process and a
second process, through the real services, with no "database is locked" and no write lost.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from tests.factories import build_office_tree, kiosk_for, make_user
from tests.threads import in_thread, sqlite_file_database
from weserve.core.audit import log_action
from weserve.core.models import AuditLog
from weserve.core.roles import Role
from weserve.organisation.models import Counter
from weserve.queueing import services
from weserve.queueing.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)

ISSUERS, TICKETS_EACH = 16, 10
COUNTERS = 3
AUTOCOMMIT_WRITERS, WRITES_EACH = 3, 10


@pytest.fixture(autouse=True)
def _sqlite_only():
    if connection.vendor != "sqlite":
        pytest.skip("the write lock is SQLite's")


def _open_counters(tree, count: int) -> list[tuple[Counter, object]]:
    Counter.objects.filter(office=tree.pj).update(is_active=False)
    counters = []
    for n in range(count):
        counter = Counter.objects.create(office=tree.pj, number=20 + n)
        counter.services.set(tree.services.values())
        user = make_user(f"kaunter{n}", tree.pj, Role.COUNTER_STAFF)
        services.open_counter(counter, acting_user=user)
        counters.append((counter, user))
    return counters


def test_threads_issuing_calling_and_writing_at_once_never_need_sqlites_busy_timeout(tmp_path):
    # SQLite's busy timeout is 0 here: a thread that met another's write lock in SQLite
    # would fail at once with "database is locked". The process's writers must queue
    # on its own lock instead: transactions (issue, call, complete), single writes
    # outside a transaction (an audit entry, an INSERT ... RETURNING), and reads beside.
    with sqlite_file_database(tmp_path / "weserve.sqlite3", busy_timeout_ms=0):
        tree = build_office_tree()
        bkk = tree.services["BKK"]
        counters = _open_counters(tree, COUNTERS)
        kiosk = kiosk_for(tree.pj)
        workers = ISSUERS + COUNTERS + AUTOCOMMIT_WRITERS + 1
        barrier = threading.Barrier(workers)
        issuing_done = threading.Event()

        @in_thread
        def issue(_i: int) -> list[str]:
            barrier.wait()
            return [
                services.issue_ticket_at_kiosk(kiosk, tree.pj, bkk).ticket.number
                for _ in range(TICKETS_EACH)
            ]

        @in_thread
        def serve(pair) -> list[int]:
            counter, user = pair
            served = []
            barrier.wait()
            while True:
                ticket = services.call_next(counter, acting_user=user)
                if ticket is None:
                    if issuing_done.is_set():
                        return served
                    time.sleep(0.001)  # nobody waits yet: let the issuers in
                    continue
                services.complete(ticket, acting_user=user)
                served.append(ticket.pk)

        @in_thread
        def write_alone(i: int) -> int:
            barrier.wait()
            for n in range(WRITES_EACH):
                log_action("tests.sqlite.write", office=tree.pj, data={"writer": i, "n": n})
                Counter.objects.filter(pk=counters[i % COUNTERS][0].pk).update(is_active=True)
            return WRITES_EACH

        @in_thread
        def read() -> int:
            barrier.wait()
            seen = 0
            while not issuing_done.is_set():
                seen = Ticket.objects.filter(office=tree.pj).count()
                time.sleep(0.001)
            return seen

        with ThreadPoolExecutor(max_workers=workers) as pool:
            issuers = [pool.submit(issue, i) for i in range(ISSUERS)]
            servers = [pool.submit(serve, pair) for pair in counters]
            writers = [pool.submit(write_alone, i) for i in range(AUTOCOMMIT_WRITERS)]
            reader = pool.submit(read)
            try:
                numbers = [n for future in issuers for n in future.result()]
            finally:
                issuing_done.set()
            served = [pk for future in servers for pk in future.result()]
            written = sum(future.result() for future in writers)
            reader.result()

        total = ISSUERS * TICKETS_EACH
        assert sorted(numbers) == [f"A{i:03d}" for i in range(1, total + 1)]
        assert len(served) == len(set(served))
        assert Ticket.objects.filter(office=tree.pj).count() == total
        assert Ticket.objects.filter(office=tree.pj, status="completed").count() == len(served)
        assert AuditLog.objects.filter(action="tests.sqlite.write").count() == written


SECOND_PROCESS = textwrap.dedent(
    """
    import os
    import sys
    from weserve.core.audit import log_action
    from weserve.organisation.models import Device, Office, Service
    from weserve.queueing import services

    office_pk, service_pk, count = map(int, os.environ["OTHER_WRITES"].split())
    office = Office.objects.get(pk=office_pk)
    service = Service.objects.get(pk=service_pk)
    kiosk = Device.objects.filter(office=office, kind="kiosk").order_by("pk").first()
    print("ready", flush=True)
    sys.stdin.readline()
    for n in range(count):
        services.issue_ticket_at_kiosk(kiosk, office, service)
        log_action("tests.sqlite.other_process", office=office, data={"n": n})
    print("done", flush=True)
    """
)


def test_a_second_process_writing_at_the_same_time_waits_for_the_servers_writers(tmp_path):
    # The background worker (`weserve run_huey`) and `weserve shell` are other processes:
    # they meet the server's writers through SQLite's busy timeout, at BEGIN IMMEDIATE,
    # and must wait their turn rather than fail.
    path = tmp_path / "weserve.sqlite3"
    with sqlite_file_database(path):
        tree = build_office_tree()
        bkk = tree.services["BKK"]
        kiosk = kiosk_for(tree.pj)
        other_count, threads, each = 60, 8, 15
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{path}",
            "DJANGO_SETTINGS_MODULE": "weserve.settings",
            "WESERVE_VAR_DIR": str(tmp_path / "var"),
            "OTHER_WRITES": f"{tree.pj.pk} {bkk.pk} {other_count}",
        }
        other = subprocess.Popen(  # noqa: S603 - our own command line
            [sys.executable, "-m", "weserve", "shell", "--no-imports", "-c", SECOND_PROCESS],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            # Its first writes wait for its "go", so that both sides write at once.
            lines = iter(other.stdout.readline, "")
            assert any(line.strip() == "ready" for line in lines), "the second process died"
            barrier = threading.Barrier(threads)

            @in_thread
            def issue(_i: int) -> list[str]:
                barrier.wait()
                return [
                    services.issue_ticket_at_kiosk(kiosk, tree.pj, bkk).ticket.number
                    for _ in range(each)
                ]

            with ThreadPoolExecutor(max_workers=threads) as pool:
                other.stdin.write("go\n")
                other.stdin.flush()
                numbers = [n for batch in pool.map(issue, range(threads)) for n in batch]
            out, err = other.communicate(timeout=120)
        finally:
            if other.poll() is None:
                other.kill()
                other.wait()

        assert other.returncode == 0, err
        assert "database is locked" not in err
        assert out.strip() == "done"
        total = other_count + threads * each
        assert len(numbers) == threads * each
        assert sorted(Ticket.objects.filter(office=tree.pj).values_list("number", flat=True)) == [
            f"A{i:03d}" for i in range(1, total + 1)
        ]
        assert AuditLog.objects.filter(action="tests.sqlite.other_process").count() == other_count
