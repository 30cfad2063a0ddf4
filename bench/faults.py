"""Faults survived: WeServe under load through a killed worker, a PostgreSQL restart, Redis
stopped and a display's network cut, with what clients saw and whether any ticket was lost
or doubled (issue 13, item 7).

    python bench/faults.py            # the full run (about 7 minutes on a quiet machine)
    python bench/faults.py --quick    # a smoke run (about 5 minutes)

It sets everything up itself, on this machine only (127.0.0.1), and tears it down again:
- its OWN PostgreSQL cluster and Redis server on free ports in a temporary directory
  (`initdb` and `postgres` from /usr/lib/postgresql/*/bin, run as the `postgres` user when
  the script runs as root, trust authentication; `redis-server --save "" --appendonly no`),
  so that it can restart and stop them without touching anyone else's;
- then as bench/queue_load.py does (its `set_up`, pointed at that cluster and server): the
  demo data, a kiosk and a display device token, `weserve serve --workers 2 --no-worker`.

The load, all the way through:
- KIOSKS kiosk clients, each issuing a ticket, waiting THINK seconds, issuing the next.
  Every ticket request carries its own `Idempotency-Key`; on an error (no answer, a 5xx,
  409 `request_in_progress`, 429) the kiosk sends the same request with the same key again,
  every RETRY_EVERY seconds, for up to `retry_for` seconds before giving up on that key;
- a counter (petugas1 at counter 1) calling the next ticket every `call_every` seconds and
  completing it, with an Idempotency-Key on each request and the same retries;
- DISPLAYS display clients on /ws/offices/<code>/display/ that do what the board's page
  does (static/weserve/js/display.js): take the snapshot (GET /api/v1/offices/<code>/display)
  on every (re)connect and on a gap in `seq`, apply numbered events, ping every 25 s and
  drop a socket that gives no pong within 10 s, reconnect with a growing back-off, and after
  three failed sockets poll the snapshot every 5 s until a socket has stayed up for 10 s.
  A call counts as shown on a display when a "called" event was applied or a snapshot it
  adopted listed it;
- a queue keeper that cancels all but the newest 200 waiting tickets every second, straight
  in the database (as queue_load.py's QueueKeeper: the kiosks make a queue no office has).

The faults, one after another, each followed by a recovery check:
  worker killed        SIGKILL to one of the two uvicorn worker processes, the one holding
                       the most client connections; uvicorn's supervisor (`weserve serve`'s
                       SpreadWorkers) starts another. `kills` times, 15 s apart (3; 1 quick);
  postgresql restarted a fast shutdown of the cluster, `pg_down` seconds down, started again;
                       `restarts` times, 20 s apart (3; 1 quick);
  redis stopped        redis-server stopped for `redis_down` seconds (30), then started; the
                       displays must keep showing calls meanwhile (by polling if they must);
  display cut          one display's network cut for `cut` seconds (60): it reads nothing
                       (its pings go unanswered, so it drops its socket as the page would),
                       and every reconnect and poll fails; then it reconnects and resyncs.

The recovery check after each fault: the kiosks stop starting new tickets and every key in
flight must end with a ticket (or its retries run out); the counter must have called
again; every display must be on a live socket again and have shown every call so far;
then, straight in the database: every key holds exactly one ticket (a ticket no key
holds was issued twice, or for a key that gave up), every ticket a client was given
exists, the numbers are unique and gapless per series and day. The kiosks then go on.

It prints a table per fault and writes bench/results/faults-latest.json. The figures are
about correctness (lost, doubled, recovered), not speed: the machine is shared.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import datetime as dt
import glob
import itertools
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect as ws_connect

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import queue_load as q  # noqa: E402

OFFICE = q.OFFICE
KIOSKS = 8
DISPLAYS = 4
THINK = 0.5  # seconds a kiosk waits between two customers
RETRY_EVERY = 1.0  # seconds between a kiosk's (or the counter's) retries of one key
REQUEST_TIMEOUT = 15.0  # seconds before a client gives up waiting for an answer
QUEUE_KEPT = 200
# What display.js does (its constants of the same names).
PING_S, PONG_TIMEOUT_S, POLL_S = 25.0, 10.0, 5.0
BACKOFF_START_S, BACKOFF_MAX_S = 1.0, 30.0
FAILS_BEFORE_POLLING, HEALTHY_AFTER_S = 3, 10.0
# Statuses a client tries again with the same key: nothing was promised.
RETRIED_CODES = {"request_in_progress"}
RETRIED_STATUSES = {429, 500, 502, 503, 504}


@dataclass(frozen=True)
class Plan:
    baseline: float  # seconds of load before the first fault
    settle: float  # seconds of load after a fault has ended, before the recovery check
    pg_down: float  # seconds PostgreSQL stays down
    redis_down: float  # seconds Redis stays down
    cut: float  # seconds the display's network is cut
    retry_for: float  # seconds a client retries one key before giving up
    call_every: float  # seconds between the counter's calls
    catch_up: float  # seconds the displays get to show every call, in the check
    kills: int  # workers killed, one after another, in the first fault
    restarts: int  # PostgreSQL restarts, one after another, in the second


# A call every 10 s: the board lists the latest 8 calls, so a display that resyncs after a
# minute's cut can show every call it missed (6 or 7) only if no more than 8 were made.
FULL = Plan(
    baseline=20, settle=20, pg_down=5, redis_down=30, cut=60, retry_for=420, call_every=10,
    catch_up=60, kills=3, restarts=3,
)  # fmt: skip
QUICK = Plan(
    baseline=5, settle=5, pg_down=2, redis_down=10, cut=15, retry_for=30, call_every=3,
    catch_up=45, kills=1, restarts=1,
)  # fmt: skip


def now() -> float:
    return time.monotonic()


# --- Our own PostgreSQL and Redis --------------------------------------------------------------


def as_postgres_user(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run it as the `postgres` user then."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


class OwnPostgres:
    """A PostgreSQL cluster of our own in `base`/pg, on a free port, trust authentication."""

    def __init__(self, base: Path) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
        if not found:
            raise SystemExit("no PostgreSQL server under /usr/lib/postgresql/*/bin")
        self.bin = Path(found[-1]).parent
        self.data = base / "pg"
        self.log_path = base / "postgres.log"
        self.port = q.free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def init(self) -> None:
        self.data.mkdir()
        log = self.log_path.open("ab")
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres", "postgres")
            shutil.chown(self.log_path, "postgres", "postgres")
        subprocess.run(  # noqa: S603 - our own command line
            as_postgres_user(
                [str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres"]
                + ["--auth=trust", "-E", "UTF8", "--no-sync"]
            ),
            stdout=log,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=300,
        )

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own command line
                as_postgres_user(
                    [str(self.bin / "postgres"), "-D", str(self.data), "-p", str(self.port)]
                    + ["-k", str(self.data), "-c", "listen_addresses=127.0.0.1"]
                    + ["-c", "shared_buffers=64MB", "-c", "max_connections=120"]
                ),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = now() + 60
        while True:
            ready = subprocess.run(  # noqa: S603 - our own command line
                [str(self.bin / "pg_isready"), "-h", q.HOST, "-p", str(self.port), "-q"],
                check=False,
            )
            if ready.returncode == 0:
                return
            if self.process.poll() is not None or now() > deadline:
                raise SystemExit(f"our PostgreSQL did not start; see {self.log_path}")
            time.sleep(0.2)

    def postmaster_pid(self) -> int | None:
        with contextlib.suppress(OSError, ValueError, IndexError):
            return int((self.data / "postmaster.pid").read_text().split()[0])
        return None

    def stop(self) -> None:
        """A fast shutdown (what `pg_ctl stop -m fast` sends): sessions are ended."""
        pid = self.postmaster_pid()
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGINT)
        if self.process is not None:
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                if pid is not None:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGQUIT)
                self.process.wait(30)
            self.process = None

    def admin_url(self) -> str:
        return f"postgresql://postgres@{q.HOST}:{self.port}/postgres"


class OwnRedis:
    def __init__(self, base: Path) -> None:
        self.dir = base
        self.port = q.free_port()
        self.log_path = base / "redis.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own command line
                ["redis-server", "--port", str(self.port), "--bind", q.HOST]  # noqa: S607
                + ["--save", "", "--appendonly", "no", "--dir", str(self.dir)],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = now() + 30
        while True:
            with contextlib.suppress(OSError):
                with socket.create_connection((q.HOST, self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            if self.process.poll() is not None or now() > deadline:
                raise SystemExit(f"our Redis did not start; see {self.log_path}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None


# --- What clients saw, per phase ---------------------------------------------------------------


@dataclass
class PhaseStats:
    name: str
    kiosk_requests: int = 0
    kiosk_keys: int = 0
    kiosk_retries: int = 0
    kiosk_replayed: int = 0  # answers marked Idempotent-Replayed
    kiosk_gave_up: int = 0
    kiosk_errors: collections.Counter[str] = field(default_factory=collections.Counter)
    kiosk_longest_outage: float = 0.0
    counter_requests: int = 0
    counter_retries: int = 0
    counter_errors: collections.Counter[str] = field(default_factory=collections.Counter)
    counter_longest_outage: float = 0.0
    calls: int = 0
    display_drops: collections.Counter[str] = field(default_factory=collections.Counter)
    display_connect_failures: collections.Counter[str] = field(default_factory=collections.Counter)
    display_snapshot_failures: collections.Counter[str] = field(default_factory=collections.Counter)
    display_polls: int = 0
    displays_polling: set[int] = field(default_factory=set)
    fault: dict[str, Any] = field(default_factory=dict)
    check: dict[str, Any] = field(default_factory=dict)

    def report(self) -> dict[str, Any]:
        out = {f.name: plain(getattr(self, f.name)) for f in fields(self)}
        for name in ("kiosk_longest_outage", "counter_longest_outage"):
            out[name] = round(out[name], 1)
        return out


def plain(value: Any) -> Any:
    """JSON-ready: counters and dicts with string keys, sets as sorted lists."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, set):
        return sorted(value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


class Connection(q.HttpConnection):
    """queue_load's keep-alive client, except that a request that fails is not sent again
    behind the caller's back: the caller counts the failure and retries itself. A
    connection the server closed while idle (its keep-alive timeout) is opened afresh."""

    async def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> q.Response:
        if self.reader is not None and self.reader.at_eof():
            await self.close()
        if self.writer is None:
            await self._open()
        try:
            return await self._send(method, path, token, body, headers or {})
        except BaseException:
            await self.close()
            raise


def error_kind(exc: BaseException | None = None, response: q.Response | None = None) -> str:
    if response is not None:
        code = ""
        with contextlib.suppress(ValueError, AttributeError, TypeError):
            code = response.json().get("code", "")
        kind = response.headers.get("content-type", "").split(";")[0]
        shown = code or ("html" if kind == "text/html" else kind or "no body")
        return f"{response.status} {shown}"
    if isinstance(exc, TimeoutError):
        return "no answer in 15 s"
    if isinstance(exc, asyncio.IncompleteReadError):
        return "connection closed mid-answer"
    return type(exc).__name__


def retried(response: q.Response) -> bool:
    if response.status in RETRIED_STATUSES:
        return True
    if response.status == 409:
        with contextlib.suppress(ValueError, AttributeError):
            return response.json().get("code") in RETRIED_CODES
    return False


class Bench:
    """The clients, the shared state they report into, and the faults."""

    def __init__(self, server: q.Server, plan: Plan, log: Callable[[str], None]) -> None:
        self.server = server
        self.plan = plan
        self.log = log
        self.phases: list[PhaseStats] = []
        self.stop = asyncio.Event()
        self.kiosks_go = asyncio.Event()
        self.kiosks_go.set()
        self.in_flight = 0  # kiosk keys started and not yet ended
        self.held: dict[str, str] = {}  # ticket number -> the key that holds it
        self.key_tickets: dict[str, set[str]] = collections.defaultdict(set)
        self.gave_up_keys: list[str] = []
        self.displays: list[Display] = []
        self.staff_token = ""
        self.counter_id = 0
        self.counter_ok_at = 0.0  # when the counter last completed a cycle
        self.stats = PhaseStats("start")

    def phase(self, name: str) -> PhaseStats:
        self.stats = PhaseStats(name)
        self.phases.append(self.stats)
        return self.stats

    # --- The kiosks ---

    async def kiosk(self, index: int) -> None:
        conn = Connection(self.server.port)
        services = itertools.cycle(q.SERVICES[index % len(q.SERVICES) :] + q.SERVICES)
        path = f"/api/v1/offices/{OFFICE}/tickets"
        try:
            while not self.stop.is_set():
                await self.kiosks_go.wait()
                if self.stop.is_set():
                    return
                key = str(uuid.uuid4())
                body = {"service": next(services), "priority": "none"}
                self.in_flight += 1
                try:
                    await self._issue(conn, path, key, body)
                finally:
                    self.in_flight -= 1
                await asyncio.sleep(THINK * random.uniform(0.5, 1.5))  # noqa: S311
        finally:
            await conn.close()

    async def _issue(self, conn: Connection, path: str, key: str, body: dict) -> None:
        started = now()
        failing_since: float | None = None
        attempt = 0
        self.stats.kiosk_keys += 1
        while True:
            stats = self.stats
            stats.kiosk_requests += 1
            if attempt:
                stats.kiosk_retries += 1
            attempt += 1
            sent = now()
            response, kind = await self._post(conn, path, self.server.kiosk_token, body, key)
            if response is not None and response.status == 201:
                number = response.json()["number"]
                self.key_tickets[key].add(number)
                self.held.setdefault(number, key)
                if response.headers.get("idempotent-replayed") == "true":
                    stats.kiosk_replayed += 1
                if failing_since is not None:
                    outage = now() - failing_since
                    stats.kiosk_longest_outage = max(stats.kiosk_longest_outage, outage)
                return
            stats.kiosk_errors[kind] += 1
            if failing_since is None:
                failing_since = sent
            if response is not None and not retried(response):
                stats.kiosk_gave_up += 1  # a refusal: retrying cannot help
                self.gave_up_keys.append(key)
                return
            if now() - started > self.plan.retry_for:
                stats.kiosk_gave_up += 1
                self.gave_up_keys.append(key)
                outage = now() - failing_since
                stats.kiosk_longest_outage = max(stats.kiosk_longest_outage, outage)
                return
            await asyncio.sleep(RETRY_EVERY)

    async def _post(
        self, conn: Connection, path: str, token: str, body: Any, key: str
    ) -> tuple[q.Response | None, str]:
        try:
            response = await asyncio.wait_for(
                conn.request(
                    "POST", path, token=token, body=body, headers={"Idempotency-Key": key}
                ),
                REQUEST_TIMEOUT,
            )
        except (OSError, asyncio.IncompleteReadError, ValueError, TimeoutError) as exc:
            await conn.close()
            return None, error_kind(exc)
        return response, error_kind(response=response)

    # --- The counter ---

    async def counter_request(self, conn: Connection, path: str, body: Any = None) -> Any:
        """POST with one key until it is answered other than with a retryable error."""
        key = str(uuid.uuid4())
        failing_since: float | None = None
        attempt = 0
        while not self.stop.is_set():
            stats = self.stats
            stats.counter_requests += 1
            if attempt:
                stats.counter_retries += 1
            attempt += 1
            sent = now()
            response, kind = await self._post(conn, path, self.staff_token, body, key)
            if response is not None and not retried(response):
                if failing_since is not None:
                    outage = now() - failing_since
                    stats.counter_longest_outage = max(stats.counter_longest_outage, outage)
                if response.status >= 400:
                    stats.counter_errors[kind] += 1
                return response
            stats.counter_errors[kind] += 1
            if failing_since is None:
                failing_since = sent
            await asyncio.sleep(RETRY_EVERY)
        return None

    async def counter(self) -> None:
        conn = Connection(self.server.port)
        base = f"/api/v1/counters/{self.counter_id}"
        try:
            while not self.stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stop.wait(), self.plan.call_every)
                if self.stop.is_set():
                    return
                called = await self.counter_request(conn, base + "/call-next")
                if called is None:
                    return
                if called.status == 204:
                    self.counter_ok_at = now()
                    continue
                if called.status == 409 and b"counter_busy" in called.body:
                    # A call whose answer never came: the console shows the ticket at the
                    # counter; the harness looks it up and finishes it.
                    current = await asyncio.to_thread(self.counter_ticket)
                    if current is None:
                        continue
                    ticket_id = current
                elif called.status == 200:
                    self.stats.calls += 1
                    ticket_id = called.json()["id"]
                else:
                    continue
                done = await self.counter_request(conn, f"/api/v1/tickets/{ticket_id}/complete")
                if done is not None and done.status in (200, 409):
                    self.counter_ok_at = now()
        finally:
            await conn.close()

    def counter_ticket(self) -> str | None:
        rows = q.bench_sql(
            "SELECT public_id FROM queueing_ticket WHERE counter_id = %s "
            "AND status IN ('called', 'serving')",
            (self.counter_id,),
        )
        return rows[0][0] if rows else None

    async def open_counter(self) -> None:
        conn = Connection(self.server.port)
        signed_in = await conn.request(
            "POST",
            "/api/v1/auth/token",
            body={"username": q.DEMO_USER, "password": q.DEMO_PASSWORD},
        )
        if signed_in.status != 200:
            raise SystemExit(f"sign-in failed: {signed_in.status} {signed_in.body!r}")
        self.staff_token = signed_in.json()["token"]
        listing = await conn.request(
            "GET", f"/api/v1/offices/{OFFICE}/counters", token=self.staff_token
        )
        self.counter_id = next(c for c in listing.json() if c["number"] == 1)["id"]
        opened = await conn.request(
            "POST", f"/api/v1/counters/{self.counter_id}/open", token=self.staff_token
        )
        if opened.status != 200:
            raise SystemExit(f"opening counter 1 failed: {opened.status} {opened.body!r}")
        await conn.close()

    # --- The queue keeper ---

    async def keeper(self) -> None:
        sql = (
            # status again outside: a ticket called meanwhile stays called
            "UPDATE queueing_ticket SET status = 'cancelled' WHERE status = 'waiting' AND id IN ("
            " SELECT id FROM queueing_ticket WHERE status = 'waiting'"
            " ORDER BY queued_at DESC OFFSET %s)"
        )
        while not self.stop.is_set():
            with contextlib.suppress(Exception):  # PostgreSQL may be down: next time
                await asyncio.to_thread(q.bench_sql, sql, (QUEUE_KEPT,))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), 1.0)


# --- A display client that does what display.js does ---------------------------------------------


class Display:
    def __init__(self, bench: Bench, index: int) -> None:
        self.bench = bench
        self.index = index
        self.url = f"ws://{q.HOST}:{bench.server.port}/ws/offices/{OFFICE}/display/"
        self.snapshot_path = f"/api/v1/offices/{OFFICE}/display"
        self.token = bench.server.display_token
        self.http = Connection(bench.server.port)
        self.seq = 0
        self.seen: dict[str, float] = {}  # ticket number -> wall-clock time first shown
        self.pending: list[dict[str, Any]] = []
        self.fetching = False
        self.resync_retry: asyncio.Task[None] | None = None
        self.resync_delay = BACKOFF_START_S
        self.failures = 0
        self.backoff = BACKOFF_START_S
        self.polling: asyncio.Task[None] | None = None
        self.socket: Any = None
        self.connected = False
        self.healthy = False  # on a socket that has stayed up HEALTHY_AFTER_S
        self.cut_until = 0.0  # while now() < this, the network is cut
        self.tasks: set[asyncio.Task[Any]] = set()

    def cut(self) -> bool:
        return now() < self.cut_until

    def spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    # The snapshot

    async def fetch_snapshot(self) -> dict[str, Any] | None:
        if self.cut():
            await asyncio.sleep(1)
            self.bench.stats.display_snapshot_failures["network cut"] += 1
            return None
        try:
            response = await asyncio.wait_for(
                self.http.request("GET", self.snapshot_path, token=self.token), REQUEST_TIMEOUT
            )
        except (OSError, asyncio.IncompleteReadError, ValueError, TimeoutError) as exc:
            await self.http.close()
            self.bench.stats.display_snapshot_failures[error_kind(exc)] += 1
            return None
        if response.status != 200:
            self.bench.stats.display_snapshot_failures[error_kind(response=response)] += 1
            return None
        return response.json()

    def adopt(self, snap: dict[str, Any]) -> None:
        self.seq = snap["seq"]
        at = time.time()
        for call in snap.get("calls", []):
            self.seen.setdefault(call["number"], at)

    def drain_pending(self) -> None:
        waiting, self.pending = sorted(self.pending, key=lambda e: e["seq"]), []
        for event in waiting:
            self.on_event(event)

    async def resync(self) -> None:
        if self.fetching:
            return
        self.fetching = True
        snap = await self.fetch_snapshot()
        self.fetching = False
        if snap is None:
            delay, self.resync_delay = (
                self.resync_delay,
                min(self.resync_delay * 2, BACKOFF_MAX_S),
            )
            self.resync_retry = self.spawn(self._resync_later(delay))
            return
        self.resync_delay = BACKOFF_START_S
        self.adopt(snap)
        self.drain_pending()

    async def _resync_later(self, delay: float) -> None:
        await asyncio.sleep(delay)
        await self.resync()

    def on_event(self, event: dict[str, Any]) -> None:
        if self.fetching:
            if len(self.pending) < 1000:
                self.pending.append(event)
            return
        if event["seq"] <= self.seq:
            return
        if event["seq"] != self.seq + 1:
            self.pending.append(event)
            self.spawn(self.resync())
            return
        self.seq = event["seq"]
        if event.get("type") == "called":
            self.seen.setdefault(event["ticket"]["number"], time.time())

    # Polling, the fallback

    async def poll_loop(self) -> None:
        self.bench.stats.displays_polling.add(self.index)
        while True:
            if not self.fetching:
                self.fetching = True
                snap = await self.fetch_snapshot()
                self.fetching = False
                self.bench.stats.display_polls += 1
                if snap is not None:
                    if snap["seq"] != self.seq:
                        self.adopt(snap)
                    self.drain_pending()
            await asyncio.sleep(POLL_S)

    def start_polling(self) -> None:
        if self.polling is None:
            self.polling = self.spawn(self.poll_loop())

    def stop_polling(self) -> None:
        if self.polling is not None:
            self.polling.cancel()
            self.polling = None

    # The socket

    async def run(self) -> None:
        while not self.bench.stop.is_set():
            await self.connect_once()
            if self.bench.stop.is_set():
                return
            if self.failures >= FAILS_BEFORE_POLLING:
                self.start_polling()
            delay = self.backoff * random.uniform(0.75, 1.25)  # noqa: S311
            self.backoff = min(self.backoff * 2, BACKOFF_MAX_S)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.bench.stop.wait(), delay)

    async def connect_once(self) -> None:
        stats = self.bench.stats
        if self.cut():
            await asyncio.sleep(1)
            stats.display_connect_failures["network cut"] += 1
            self.failures += 1
            return
        try:
            ws = await ws_connect(
                self.url,
                additional_headers={"Authorization": f"Bearer {self.token}"},
                open_timeout=REQUEST_TIMEOUT,
                close_timeout=2,
                ping_interval=None,  # the page pings itself, as below
                compression=None,
                max_queue=None,
            )
        except Exception as exc:  # noqa: BLE001 - counted: a refused or failed handshake
            stats.display_connect_failures[connect_error(exc)] += 1
            self.failures += 1
            return
        opened_at = now()
        self.socket, self.connected = ws, True
        pong = asyncio.Event()
        helpers = [self.spawn(self._healthy_after(ws)), self.spawn(self._ping(ws, pong))]
        self.spawn(self.resync())  # subscribed first, then the snapshot
        try:
            async for raw in ws:
                if self.cut():
                    continue  # lost in the network
                event = json.loads(raw)
                if event.get("type") == "pong":
                    pong.set()
                elif isinstance(event.get("seq"), int):
                    self.on_event(event)
        except Exception:  # noqa: BLE001, S110 - the close code below says what happened
            pass
        finally:
            for helper in helpers:
                helper.cancel()
            self.socket, self.connected, self.healthy = None, False, False
            code = ws.close_code if ws.close_code is not None else "none"
            reason = "pong timeout" if getattr(ws, "_faults_pong_timeout", False) else ""
            if not self.bench.stop.is_set():  # not the bench's own closing at the end
                self.bench.stats.display_drops[f"{code} {reason}".strip()] += 1
            if now() - opened_at < HEALTHY_AFTER_S:
                self.failures += 1
            with contextlib.suppress(Exception):
                await ws.close()

    async def _healthy_after(self, ws: Any) -> None:
        await asyncio.sleep(HEALTHY_AFTER_S)
        if self.socket is ws:
            self.failures = 0
            self.backoff = BACKOFF_START_S
            self.healthy = True
            self.stop_polling()

    async def _ping(self, ws: Any, pong: asyncio.Event) -> None:
        while True:
            await asyncio.sleep(PING_S)
            pong.clear()
            if not self.cut():
                with contextlib.suppress(Exception):
                    await ws.send(json.dumps({"type": "ping"}))
            try:
                await asyncio.wait_for(pong.wait(), PONG_TIMEOUT_S)
            except TimeoutError:
                ws._faults_pong_timeout = True  # noqa: SLF001 - our own mark
                # No answer: the connection is dead without having said so.
                self.spawn(ws.close())
                return

    async def close(self) -> None:
        if self.socket is not None:
            with contextlib.suppress(Exception):
                await self.socket.close()
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.http.close()


def connect_error(exc: BaseException) -> str:
    status = getattr(getattr(exc, "response", None), "status_code", None)
    if status is not None:
        return f"handshake {status}"
    return error_kind(exc)


# --- The run ---------------------------------------------------------------------------------


def worker_pids(server_pid: int) -> set[int]:
    """The uvicorn worker processes: `weserve serve`'s children started by multiprocessing."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if ppid == server_pid and b"spawn_main" in (entry / "cmdline").read_bytes():
                found.add(int(entry.name))
    return found


def log_problems(path: Path, offset: int) -> dict[str, Any]:
    """What the server's log says from `offset` on: tracebacks and 5xx access lines."""
    with path.open("rb") as log:
        log.seek(offset)
        text = log.read().decode(errors="replace")
    # The last line of each traceback: "package.ErrorName: message".
    errors = collections.Counter(
        name.rsplit(".", 1)[-1]
        for name in re.findall(r"^([A-Za-z_][\w.]*(?:Error|Exception|Timeout)):", text, re.M)
    )
    return {
        "tracebacks": text.count("Traceback (most recent call last)"),
        "5xx_logged": collections.Counter(re.findall(r'" (5\d\d)\b', text)),
        "exceptions": dict(errors.most_common(6)),
    }


class Run:
    def __init__(
        self,
        bench: Bench,
        postgres: OwnPostgres,
        redis: OwnRedis,
        started_wall: dt.datetime,
    ) -> None:
        self.bench = bench
        self.postgres = postgres
        self.redis = redis
        self.started_wall = started_wall
        self.preexisting: set[int] = set()
        self.counted_extra: set[str] = set()
        self.counted_missing: set[tuple[int, str]] = set()

    @property
    def log(self) -> Callable[[str], None]:
        return self.bench.log

    @property
    def plan(self) -> Plan:
        return self.bench.plan

    async def wait_for(self, what: Callable[[], bool], timeout: float) -> float | None:
        """Seconds until `what()` holds (None if it did not within `timeout`)."""
        start = now()
        while not what():
            if now() - start > timeout:
                return None
            await asyncio.sleep(0.25)
        return round(now() - start, 1)

    async def first_ticket_after(self, moment: float, timeout: float) -> float | None:
        """Seconds from `moment` until some kiosk gets a ticket issued after it."""
        count = len(self.bench.held)
        waited = await self.wait_for(lambda: len(self.bench.held) > count, timeout)
        return None if waited is None else round(now() - moment, 1)

    # The faults

    async def kill_worker(self, stats: PhaseStats) -> None:
        """SIGKILL to a worker, `kills` times, 15 s apart: the worker holding the most
        client connections (so most likely to be in the middle of a ticket)."""
        assert self.bench.server.process is not None
        server_pid = self.bench.server.process.pid
        kills = []
        for round_ in range(self.plan.kills):
            if round_:
                await asyncio.sleep(15)
            before = worker_pids(server_pid)
            held = q.connections_by_process(self.bench.server.port)
            victim = max(sorted(before), key=lambda pid: held.get(pid, 0))
            self.log(f"SIGKILL to worker {victim} (workers {sorted(before)})")
            killed_at = now()
            os.kill(victim, signal.SIGKILL)
            replaced = await self.wait_for(
                lambda before=before, victim=victim: (
                    len(worker_pids(server_pid) - {victim}) >= len(before)
                ),
                120,
            )
            kills.append(
                {
                    "killed": victim,
                    "its_client_connections": held.get(victim, 0),
                    "new_worker_process_after_s": replaced,
                    "first_ticket_after_s": await self.first_ticket_after(killed_at, 120),
                }
            )
            self.log(f"worker replaced after {replaced} s")
        stats.fault = {"kills": kills, "workers_after": sorted(worker_pids(server_pid))}

    async def restart_postgres(self, stats: PhaseStats) -> None:
        """A fast shutdown, `pg_down` seconds down, a start: `restarts` times, 20 s apart."""
        restarts = []
        for round_ in range(self.plan.restarts):
            if round_:
                await asyncio.sleep(20)
            self.log(f"PostgreSQL: fast shutdown, {self.plan.pg_down:.0f} s down, start")
            stopped_at = now()
            await asyncio.to_thread(self.postgres.stop)
            down_after = round(now() - stopped_at, 1)
            await asyncio.sleep(self.plan.pg_down)
            await asyncio.to_thread(self.postgres.start)
            up_at = now()
            self.log(f"PostgreSQL up again after {up_at - stopped_at:.1f} s")
            restarts.append(
                {
                    "shutdown_took_s": down_after,
                    "down_s": round(up_at - stopped_at, 1),
                    "first_ticket_after_up_s": await self.first_ticket_after(up_at, 120),
                }
            )
        stats.fault = {"restarts": restarts}

    async def stop_redis(self, stats: PhaseStats) -> None:
        self.log(f"Redis stopped for {self.plan.redis_down:.0f} s")
        calls_before = await asyncio.to_thread(self.called_numbers)
        stopped_at = now()
        await asyncio.to_thread(self.redis.stop)
        await asyncio.sleep(self.plan.redis_down)
        # The calls made while Redis was down, and which displays showed them meanwhile.
        during = sorted(set(await asyncio.to_thread(self.called_numbers)) - set(calls_before))
        shown_during = {d.index: sum(1 for n in during if n in d.seen) for d in self.bench.displays}
        await asyncio.to_thread(self.redis.start)
        up_at = now()
        self.log(f"Redis up again after {up_at - stopped_at:.1f} s")
        first_ticket, live = await asyncio.gather(
            self.first_ticket_after(up_at, 60),
            self.wait_for(lambda: all(d.healthy for d in self.bench.displays), 120),
        )
        stats.fault = {
            "down_s": round(up_at - stopped_at, 1),
            "calls_while_down": len(during),
            "shown_while_down_by_display": shown_during,
            "displays_on_a_socket_again_for_10_s_after_s": live,
            "first_ticket_after_up_s": first_ticket,
        }

    async def cut_display(self, stats: PhaseStats) -> None:
        display = self.bench.displays[0]
        self.log(f"display 0's network cut for {self.plan.cut:.0f} s")
        calls_before = set(await asyncio.to_thread(self.called_numbers))
        display.cut_until = now() + self.plan.cut
        await asyncio.sleep(self.plan.cut)
        restored_at = now()
        during = sorted(set(await asyncio.to_thread(self.called_numbers)) - calls_before)
        self.log(f"display 0's network back; {len(during)} calls were made meanwhile")
        caught_up = await self.wait_for(
            lambda: all(n in display.seen for n in self.called_numbers_cached),
            self.plan.catch_up,
        )
        live = await self.wait_for(lambda: display.healthy, 120)
        stats.fault = {
            "display": 0,
            "cut_s": self.plan.cut,
            "calls_while_cut": len(during),
            "shown_every_call_after_s": caught_up,
            "live_socket_again_after_s": None if live is None else round(now() - restored_at, 1),
        }

    # The checks

    called_numbers_cached: list[str] = []

    def called_numbers(self) -> list[str]:
        """Every ticket called at the counter since the run began (from the database)."""
        rows = q.bench_sql(
            "SELECT number FROM queueing_ticket WHERE counter_id = %s AND called_at >= %s",
            (self.bench.counter_id, self.started_wall),
        )
        self.called_numbers_cached = [r[0] for r in rows]
        return self.called_numbers_cached

    def database_check(self) -> dict[str, Any]:
        rows = q.bench_sql(
            "SELECT t.id, t.number, t.series, t.day, t.seq, t.called_at FROM queueing_ticket t"
            " JOIN organisation_office o ON o.id = t.office_id WHERE o.code = %s",
            (OFFICE,),
        )
        series: dict[tuple[str, Any], list[int]] = collections.defaultdict(list)
        numbers = collections.Counter()
        ours = set()
        for pk, number, letter, day, seq, _called in rows:
            series[(letter, day)].append(seq)
            numbers[(number, day)] += 1
            if pk not in self.preexisting:
                ours.add(number)
        gaps = {
            f"{letter} {day}": sorted(set(range(1, max(seqs) + 1)) - set(seqs))[:10]
            for (letter, day), seqs in series.items()
            if sorted(seqs) != list(range(1, max(seqs) + 1))
        }
        held = set(self.bench.held)
        extra = sorted(ours - held)  # issued, and no key holds it
        lost = sorted(held - ours)  # a client was given it, and it is not there
        keys_with_two = [k for k, v in self.bench.key_tickets.items() if len(v) > 1]
        new_extra = [n for n in extra if n not in self.counted_extra]
        self.counted_extra.update(new_extra)
        return {
            "tickets_in_database": len(rows),
            "tickets_issued_to_keys": len(held),
            "tickets_no_key_holds": new_extra,
            "tickets_lost": lost,
            "keys_given_two_tickets": len(keys_with_two),
            "keys_given_up_so_far": len(self.bench.gave_up_keys),
            "duplicate_numbers": sum(1 for c in numbers.values() if c > 1),
            "series_with_gaps": gaps,
        }

    def displays_missing(self, *, new_only: bool = False) -> dict[int, list[str]]:
        called = self.called_numbers_cached
        return {
            d.index: [
                n
                for n in called
                if n not in d.seen and not (new_only and (d.index, n) in self.counted_missing)
            ]
            for d in self.bench.displays
        }

    def ticket_states(self, numbers: list[str]) -> dict[str, Any]:
        """What the database says of tickets a display never showed."""
        if not numbers:
            return {}
        rows = q.bench_sql(
            "SELECT number, status, called_at FROM queueing_ticket WHERE counter_id = %s "
            "AND called_at >= %s AND number = ANY(%s)",
            (self.bench.counter_id, self.started_wall, numbers),
        )
        return {n: f"{status}, called {at:%H:%M:%S}" for n, status, at in rows}

    def display_delays(self, since: dt.datetime) -> dict[int, float]:
        """The longest time, per display, from a call (its called_at) to the display
        showing it, for the calls made since `since`."""
        rows = q.bench_sql(
            "SELECT number, called_at FROM queueing_ticket WHERE counter_id = %s "
            "AND called_at >= %s",
            (self.bench.counter_id, since),
        )
        out = {}
        for d in self.bench.displays:
            delays = [d.seen[n] - at.timestamp() for n, at in rows if n in d.seen]
            out[d.index] = round(max(delays), 1) if delays else 0.0
        return out

    async def recovery_check(self, stats: PhaseStats, since: dt.datetime) -> None:
        self.log("recovery check: kiosks pause, keys in flight must end")
        check: dict[str, Any] = {}
        self.bench.kiosks_go.clear()
        ended = await self.wait_for(lambda: self.bench.in_flight == 0, self.plan.retry_for + 60)
        check["keys_in_flight_ended_after_s"] = ended
        counter_before = self.bench.counter_ok_at
        check["counter_called_again_after_s"] = await self.wait_for(
            lambda: self.bench.counter_ok_at > counter_before, self.plan.call_every * 3 + 60
        )
        await asyncio.to_thread(self.called_numbers)
        check["displays_live_after_s"] = await self.wait_for(
            lambda: all(d.connected for d in self.bench.displays), 120
        )
        check["displays_showed_every_call_after_s"] = await self.wait_for(
            lambda: not any(self.displays_missing(new_only=True).values()), self.plan.catch_up
        )
        new_missing = {i: m for i, m in self.displays_missing(new_only=True).items() if m}
        for i, m in new_missing.items():
            self.counted_missing.update((i, n) for n in m)
        check["displays_missing_calls"] = new_missing
        check["missing_calls_in_database"] = await asyncio.to_thread(
            self.ticket_states, sorted({n for m in new_missing.values() for n in m})
        )
        check["longest_call_to_display_s"] = await asyncio.to_thread(self.display_delays, since)
        check["database"] = await asyncio.to_thread(self.database_check)
        check["server_log"] = log_problems(self.bench.server.log_path, stats.fault.pop("_log", 0))
        stats.check = check
        self.log(f"checked: {json.dumps(check['database'])[:300]}")
        self.bench.kiosks_go.set()

    async def phase(self, name: str, fault: Any) -> None:
        stats = self.bench.phase(name)
        since = dt.datetime.now(dt.UTC)
        offset = self.bench.server.log_path.stat().st_size
        self.log(f"--- {name}")
        began = now()
        if fault is None:
            await asyncio.sleep(self.plan.baseline)
        else:
            await fault(stats)
            await asyncio.sleep(self.plan.settle)
        stats.fault["_log"] = offset
        await self.recovery_check(stats, since)
        stats.fault["phase_s"] = round(now() - began, 1)


async def main_async(
    server: q.Server, plan: Plan, log: Callable[[str], None], pg: OwnPostgres, redis: OwnRedis
) -> list[dict[str, Any]]:
    await q.wait_until_up(server)
    log("server is up")
    bench = Bench(server, plan, log)
    run = Run(bench, pg, redis, dt.datetime.now(dt.UTC))
    run.preexisting = {int(r[0]) for r in q.bench_sql("SELECT id FROM queueing_ticket")}
    await bench.open_counter()
    bench.displays = [Display(bench, i) for i in range(DISPLAYS)]
    tasks = [asyncio.create_task(d.run()) for d in bench.displays]
    tasks += [asyncio.create_task(bench.kiosk(i)) for i in range(KIOSKS)]
    tasks += [asyncio.create_task(bench.counter()), asyncio.create_task(bench.keeper())]
    try:
        await run.phase("baseline", None)
        await run.phase("worker killed", run.kill_worker)
        await run.phase("postgresql restarted", run.restart_postgres)
        await run.phase("redis stopped", run.stop_redis)
        await run.phase("display cut", run.cut_display)
    finally:
        bench.stop.set()
        bench.kiosks_go.set()
        await asyncio.wait(tasks, timeout=30)
        for display in bench.displays:
            await display.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return [p.report() for p in bench.phases]


# --- Report ----------------------------------------------------------------------------------


def kinds(counter: dict[str, int]) -> str:
    return (
        ", ".join(f"{k} ×{v}" for k, v in sorted(counter.items(), key=lambda kv: -kv[1])) or "none"
    )


def print_report(phases: list[dict[str, Any]]) -> None:
    print()
    for p in phases:
        c, db = p["check"], p["check"]["database"]
        missing = sum(len(m) for m in c["displays_missing_calls"].values())
        print(f"== {p['name']}: {p['fault']}")
        print(
            f"   kiosk: {p['kiosk_requests']} requests for {p['kiosk_keys']} keys, "
            f"{p['kiosk_retries']} retries, {p['kiosk_replayed']} replayed, "
            f"{p['kiosk_gave_up']} gave up; longest outage {p['kiosk_longest_outage']} s; "
            f"errors: {kinds(p['kiosk_errors'])}"
        )
        print(
            f"   counter: {p['counter_requests']} requests, {p['calls']} calls, "
            f"{p['counter_retries']} retries, longest outage {p['counter_longest_outage']} s; "
            f"errors: {kinds(p['counter_errors'])}"
        )
        print(
            f"   displays: drops {kinds(p['display_drops'])}; connect failures "
            f"{kinds(p['display_connect_failures'])}; snapshot failures "
            f"{kinds(p['display_snapshot_failures'])}; polled {p['display_polls']} times "
            f"(displays {p['displays_polling']}); longest call→display "
            f"{c['longest_call_to_display_s']} s"
        )
        print(
            f"   tickets lost {len(db['tickets_lost'])}, no key holds "
            f"{len(db['tickets_no_key_holds'])} {db['tickets_no_key_holds'][:10]}, keys given "
            f"two {db['keys_given_two_tickets']}, duplicate numbers "
            f"{db['duplicate_numbers']}, gaps {db['series_with_gaps'] or 'none'}; "
            f"calls a display missed {missing} {c['displays_missing_calls'] or ''}"
        )
        print(
            f"   recovery: keys ended {c['keys_in_flight_ended_after_s']} s, counter "
            f"{c['counter_called_again_after_s']} s, displays live "
            f"{c['displays_live_after_s']} s, every call shown "
            f"{c['displays_showed_every_call_after_s']} s; server log {c['server_log']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run, shorter phases")
    parser.add_argument("--output", type=Path, help="where the JSON goes")
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    output = args.output or q.RESULTS / (
        "faults-quick.json" if args.quick else "faults-latest.json"
    )
    began = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - began:6.1f} s] {message}", flush=True)

    base = Path(tempfile.mkdtemp(prefix="weserve-faults-"))
    base.chmod(0o755)  # the postgres user works in it
    pg, redis, server = OwnPostgres(base), OwnRedis(base), None
    try:
        log(f"our own PostgreSQL on port {pg.port} and Redis on port {redis.port} in {base}")
        pg.init()
        pg.start()
        redis.start()
        q.PG_ADMIN_URL = pg.admin_url()
        q.DB_NAME = "weserve_faults"
        q.DATABASE_URL = f"postgres://postgres@{q.HOST}:{pg.port}/{q.DB_NAME}"
        q.REDIS_URL = f"redis://{q.HOST}:{redis.port}/0"
        load_at_start = os.getloadavg()
        server = q.set_up(log)
        machine = {**q.machine(), "load_average_at_start": load_at_start}
        phases = asyncio.run(main_async(server, plan, log, pg, redis))
        results = {
            "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "mode": "quick" if args.quick else "full",
            "plan": asdict(plan),
            "clients": {"kiosks": KIOSKS, "displays": DISPLAYS, "think_s": THINK},
            "machine": machine,
            "load_average_at_end": os.getloadavg(),
            "seconds": round(time.perf_counter() - began),
            "phases": phases,
        }
        print_report(phases)
        print(f"\nload average at start {load_at_start}, at end {results['load_average_at_end']}")
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(results, indent=2, default=str) + "\n")
        log(f"results written to {output}")
    finally:
        with contextlib.suppress(Exception):
            q.tear_down(server, keep=False)
        redis.stop()
        pg.stop()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
