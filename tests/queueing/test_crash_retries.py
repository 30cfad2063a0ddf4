"""A server killed mid-load (SIGKILL) and started again: kiosks retrying each ticket
with its own Idempotency-Key get exactly one ticket per key, within seconds of the
restart, and the numbers stay gapless (issue 13, item 3; docs/architecture.md, decision
31).

A real `weserve serve` in a subprocess, on the database the suite runs on: PostgreSQL's
test database (the ticket issue's hot path), or a file SQLite database made for it.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from tests.core.test_serve import free_port, get
from tests.core.test_settings import run_weserve, weserve_env
from weserve.core.idempotency import LEASE

pytestmark = pytest.mark.django_db(transaction=True)

REPO = Path(__file__).resolve().parents[2]
CLIENTS = 12
ISSUES_EACH = 8
KILL_AFTER = CLIENTS * ISSUES_EACH // 3
# After the server is back, a retry may wait out a claim's lease, no longer.
BACK_WITHIN_SECONDS = LEASE.total_seconds() + 5

SETUP = """
import django
django.setup()
from tests.factories import build_office_tree
from weserve.organisation.devices import create_device
tree = build_office_tree()
print(create_device(tree.pj, "kiosk", "Kiosk 1")[1])
"""


@dataclass
class Issue:
    """One ticket a kiosk wants, sent with its own key until it gets one."""

    key: str = field(default_factory=lambda: uuid.uuid4().hex)
    tickets: list[str] = field(default_factory=list)
    statuses: list[int | str] = field(default_factory=list)
    done_at: float | None = None


@dataclass
class Server:
    env: dict[str, str]
    port: int
    log: Path
    process: subprocess.Popen | None = None

    def start(self) -> float:
        """Start `weserve serve`; when it answers /healthz again."""
        with self.log.open("a") as out:
            self.process = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "weserve", "serve", "--no-worker", "--port", str(self.port)],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while True:
            assert self.process.poll() is None, self.log.read_text()
            try:
                if get(f"http://127.0.0.1:{self.port}/healthz")[0] == 200:
                    return time.monotonic()
            except OSError:
                pass
            assert time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.1)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextmanager
def database(tmp_path: Path, env: dict[str, str]) -> Iterator[tuple[str, object]]:
    """The server's DATABASE_URL, and a function that runs a query on it here."""
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        url = (
            f"postgres://{quote(s['USER'] or '')}:{quote(s['PASSWORD'] or '')}"
            f"@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
        )

        def query(sql: str) -> list[tuple]:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchall()

        yield url, query
        return
    path = tmp_path / "weserve.sqlite3"
    url = f"sqlite:///{path}"
    migrated = run_weserve(["migrate", "--noinput"], {**env, "DATABASE_URL": url}, timeout=180)
    assert migrated.returncode == 0, migrated.stderr

    def query(sql: str) -> list[tuple]:
        with sqlite3.connect(path) as db:
            return db.execute(sql).fetchall()

    yield url, query


def kiosk_client(port: int, token: str, issues: list[Issue], issued: list[int]) -> None:
    """Issue each ticket, sending it again with the same key on any error, as a kiosk."""
    conn: http.client.HTTPConnection | None = None
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    body = json.dumps({"service": "BKK"})
    for issue in issues:
        deadline = time.monotonic() + 60
        while issue.done_at is None and time.monotonic() < deadline:
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request(
                    "POST",
                    "/api/v1/offices/PKMD-PJ/tickets",
                    body,
                    {**headers, "Idempotency-Key": issue.key},
                )
                response = conn.getresponse()
                answer = response.read()
                issue.statuses.append(response.status)
                if response.status == 201:
                    issue.tickets.append(json.loads(answer)["id"])
                    issue.done_at = time.monotonic()
                    issued.append(1)
                    continue
            except (OSError, http.client.HTTPException) as exc:
                issue.statuses.append(type(exc).__name__)
                if conn is not None:
                    conn.close()
                conn = None
            time.sleep(0.1)  # the kiosk's pause before it tries again
    if conn is not None:
        conn.close()


def test_a_server_killed_mid_load_issues_one_ticket_per_key_and_lets_retries_in(tmp_path):
    env = weserve_env(
        tmp_path,
        WESERVE_DATA_KEY=os.environ["WESERVE_DATA_KEY"],
        # Static files from the source: nothing to collect.
        WESERVE_DEBUG="1",
    )
    with database(tmp_path, env) as (url, query):
        env["DATABASE_URL"] = url
        made = subprocess.run(  # noqa: S603
            [sys.executable, "-c", SETUP],
            env={**env, "DJANGO_SETTINGS_MODULE": "weserve.settings"},
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert made.returncode == 0, made.stderr
        token = made.stdout.split()[-1]
        server = Server(env, free_port(), tmp_path / "serve.log")
        plans = [[Issue() for _ in range(ISSUES_EACH)] for _ in range(CLIENTS)]
        issued: list[int] = []
        try:
            server.start()
            clients = [
                threading.Thread(target=kiosk_client, args=(server.port, token, plan, issued))
                for plan in plans
            ]
            for client in clients:
                client.start()
            deadline = time.monotonic() + 30
            while len(issued) < KILL_AFTER:
                assert time.monotonic() < deadline, server.log.read_text()
                time.sleep(0.01)
            server.kill()
            killed_at = time.monotonic()
            back_at = server.start()
            for client in clients:
                client.join(90)
            tickets = query("SELECT public_id, day, seq FROM queueing_ticket")
        finally:
            server.stop()

    issues = [issue for plan in plans for issue in plan]
    # Every key got exactly one ticket, and the ticket is in the database.
    assert all(len(issue.tickets) == 1 for issue in issues), [i.statuses for i in issues]
    answered = {issue.tickets[0] for issue in issues}
    assert len(answered) == len(issues)
    # No ticket was issued twice for one key: nothing in the database beyond the answers.
    assert len(tickets) == len(issues)
    assert {public_id for public_id, _day, _seq in tickets} == answered
    # Numbered without a gap (each business day from 1, should the test cross midnight).
    days: dict[object, list[int]] = {}
    for _public_id, day, seq in tickets:
        days.setdefault(day, []).append(seq)
    assert all(sorted(seqs) == list(range(1, len(seqs) + 1)) for seqs in days.values())
    # The kill did interrupt the load, and retries got in within seconds of the restart.
    interrupted = [issue for issue in issues if len(issue.statuses) > 1]
    assert interrupted, "the server was killed after every ticket was issued"
    late = [issue.statuses for issue in issues if issue.done_at > back_at + BACK_WITHIN_SECONDS]
    assert late == [], f"killed at {killed_at:.1f}, back at {back_at:.1f}"
