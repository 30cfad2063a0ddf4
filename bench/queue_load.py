"""Load benchmark of the queue against a live server on PostgreSQL and Redis (or SQLite).

    python bench/queue_load.py            # the full run (about three minutes)
    python bench/queue_load.py --quick    # a smoke run (under a minute)
    python bench/queue_load.py --sqlite   # the embedded default instead (below)

It sets everything up itself, on this machine only (127.0.0.1):
- a fresh PostgreSQL database `weserve_bench` (127.0.0.1:5432, user postgres), dropped
  again at the end; Redis database 1 (redis://127.0.0.1:6379/1) for the channel layer;
  its own var directory (keys, collected static files) under /tmp;
- `weserve demo` (migrations, static files, the demo offices), a kiosk and a display
  device token for PKMD-PJ (`weserve device-token create`);
- `weserve serve --workers 2 --no-worker` on a free port, as in production: audit
  entries, ticket events and live events all stay switched on.

Then it measures, with its own minimal HTTP/1.1 keep-alive client (asyncio streams: the
client must cost less than the server, and the machine is shared):
  (a) throughput with 50 concurrent clients, each sending its next request as soon as
      the last is answered: GET /api/v1/ping (a trivial JSON endpoint) before and after
      POST /api/v1/offices/PKMD-PJ/tickets; the ticket rate as a share of the trivial one
      (target: at least 50%). During the ticket run a queue keeper cancels all but the
      newest 200 waiting tickets every 0.2 s (QueueKeeper: a very busy office's queue,
      not the thousands 50 clients pile up in seconds); (a') repeats the ticket run with
      the queue left to grow, for comparison;
  (b) latency at a fixed arrival rate of 50 tickets per second, open loop: request i is
      due at start + i/50 s and its latency counts from that moment, so a stalled server
      cannot hide its queue (target: p99 under 50 ms);
  (c) call-to-display latency: 200 display WebSockets on /ws/offices/PKMD-PJ/display/;
      a counter staff member (petugas1, bearer token) opens counter 1, then, over and
      over, a kiosk issues a ticket and the counter calls it; the latency is from sending
      the call-next request to each display receiving its "called" event (target: p99
      under 250 ms);
  (c') the same with three counters calling at the same moment (1, 2 and 4, their demo
      staff signed in): the display board's issue asks for it. How fast a board draws an
      event it received is bench/display_draw.py's (target: p99 under 250 ms).

With --sqlite it measures the embedded default instead: `weserve serve --workers 1` (with
its background worker, as an office runs it) on a fresh SQLite file in its own var
directory, the in-memory channel layer, no PostgreSQL or Redis, and runs (a) without (a')
and (b) at SQLITE_RATE tickets per second, with the SQLite targets below; it also counts
"database is locked" in the server's log. Results go to bench/results/latest-sqlite.json.

Between the phases the harness cancels the waiting tickets straight in the database, so
each phase starts from an empty queue (a real office has tens waiting, not thousands);
within a phase the queue grows as it would, except in (a) (above). Every loop stops by
itself (a duration or a count). It prints a table and writes bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import datetime as dt
import itertools
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from websockets.asyncio.client import connect as ws_connect

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
HOST = "127.0.0.1"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DB_NAME = "weserve_bench"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
REDIS_URL = "redis://127.0.0.1:6379/1"
OFFICE = "PKMD-PJ"
DEMO_USER, DEMO_PASSWORD = "petugas1", "weserve-demo"
# Services of PKMD-PJ's counter 1, which phase (c) calls at; phases (a) and (b) use all.
COUNTER_ONE_SERVICE = "BKK"
SERVICES = ["BKK", "BWE", "BA", "INFO", "OKU", "ADUAN", "PKK", "PWE"]
WORKERS = 2
CLIENTS = 50
RATE = 50.0
DISPLAYS = 200
# Waiting tickets the queue keeper of (a) leaves: a very busy office's queue.
QUEUE_KEPT = 200

TARGET_RATIO = 0.50
TARGET_P99_MS = 50.0
TARGET_DISPLAY_P99_MS = 250.0

# --sqlite: one worker, a kiosk-heavy office's rate, and the embedded default's targets.
SQLITE_WORKERS = 1
SQLITE_RATE = 20.0
SQLITE_TARGET_RATIO = 0.45
SQLITE_TARGET_CLOSED_P99_MS = 500.0  # ticket issue under the 50 clients of (a)
SQLITE_TARGET_P99_MS = 50.0  # (b), at SQLITE_RATE
# The SQLite file of a --sqlite run (set by set_up); None: the run is on PostgreSQL.
SQLITE_DB: Path | None = None


@dataclass(frozen=True)
class Plan:
    warmup: float  # seconds of load before a throughput measurement counts
    measure: float  # seconds each throughput measurement counts
    rate_seconds: float  # seconds of the fixed-rate phase
    calls: int  # calls made in the display phase


FULL = Plan(warmup=5, measure=20, rate_seconds=60, calls=60)
QUICK = Plan(warmup=1, measure=3, rate_seconds=5, calls=5)


# --- A minimal HTTP/1.1 keep-alive client ---------------------------------------------------


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)  # names in lower case

    def json(self) -> Any:
        return json.loads(self.body)


class HttpConnection:
    """One keep-alive connection; requests on it go one after another."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()
        self.reader = self.writer = None

    async def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        for attempt in (1, 2):
            if self.writer is None:
                await self._open()
            try:
                return await self._send(method, path, token, body, headers or {})
            except (ConnectionError, asyncio.IncompleteReadError):
                # The server closed an idle keep-alive connection: reconnect once.
                await self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _send(
        self, method: str, path: str, token: str | None, body: Any, extra: dict[str, str]
    ) -> Response:
        assert self.reader is not None and self.writer is not None
        payload = b"" if body is None else json.dumps(body).encode()
        head = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{self.port}", "Accept: */*"]
        if token:
            head.append(f"Authorization: Bearer {token}")
        head.extend(f"{name}: {value}" for name, value in extra.items())
        if body is not None or method == "POST":
            head.append("Content-Type: application/json")
            head.append(f"Content-Length: {len(payload)}")
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
        await self.writer.drain()
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            data = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                parts.append(await self.reader.readexactly(size + 2))
                if size == 0:
                    break
            data = b"".join(p[:-2] for p in parts)
        else:
            data = b""
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return Response(status, data, headers)


# --- Measurements ------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), linear between closest ranks."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_summary(seconds: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {
        "count": len(ms),
        "p50_ms": percentile(ms, 50),
        "p90_ms": percentile(ms, 90),
        "p99_ms": percentile(ms, 99),
        "max_ms": max(ms) if ms else float("nan"),
        "mean_ms": statistics.fmean(ms) if ms else float("nan"),
    }


RequestMaker = Callable[[HttpConnection], Awaitable[Response]]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: set[int]) -> float:
    """User + system CPU time so far of these processes (from /proc)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


def group_pids(pgid: int) -> set[int]:
    """The processes of one process group (the server and its workers)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) == pgid:
                    found.add(int(entry.name))
    return found


def postgres_pids() -> set[int]:
    """The PostgreSQL backends serving the benchmark database (none on SQLite)."""
    if SQLITE_DB is not None:
        return set()
    rows = bench_sql(
        "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
        (DB_NAME,),
    )
    return {int(r[0]) for r in rows}


class CpuMeter:
    """CPU seconds the server processes and their PostgreSQL backends spend in a window.

    On a shared machine the request rate depends on what else runs; the CPU each request
    costs does much less, so the report gives both.
    """

    def __init__(self, server_pgid: int | None) -> None:
        self.server_pgid = server_pgid
        self.start: tuple[float, float] | None = None
        self.pids: tuple[set[int], set[int]] = (set(), set())
        self.each: dict[int, float] = {}

    def begin(self) -> None:
        if self.server_pgid is None:
            return
        self.pids = (group_pids(self.server_pgid), postgres_pids())
        self.start = (cpu_seconds(self.pids[0]), cpu_seconds(self.pids[1]))
        self.each = {pid: cpu_seconds({pid}) for pid in self.pids[0]}

    def end(self, requests: int) -> dict[str, Any]:
        if self.start is None or not requests:
            return {}
        server = cpu_seconds(self.pids[0]) - self.start[0]
        database = cpu_seconds(self.pids[1]) - self.start[1]
        # Each server process's share of the server's CPU, largest first: the workers
        # should share it about equally (an uneven spread of the clients' connections
        # between them shows here).
        each = sorted(
            (cpu_seconds({pid}) - spent for pid, spent in self.each.items()), reverse=True
        )
        return {
            "server_cpu_ms_per_request": 1000 * server / requests,
            "postgres_cpu_ms_per_request": 1000 * database / requests,
            "server_cpu_shares": [round(e / server, 3) for e in each if server > 0][:4],
        }


def connections_by_process(port: int) -> dict[int, int]:
    """How many client connections each server process holds, by its pid (from `ss`;
    empty where it is missing)."""
    try:
        listing = subprocess.run(  # noqa: S603 - a fixed command line
            ["ss", "-Htnp", "state", "established", f"( sport = :{port} )"],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    return dict(collections.Counter(int(pid) for pid in re.findall(r"pid=(\d+)", listing)))


def connections_per_process(port: int) -> list[int]:
    """How many client connections each server process holds, most first."""
    return sorted(connections_by_process(port).values(), reverse=True)


async def closed_loop(
    port: int,
    make: RequestMaker,
    *,
    clients: int,
    warmup: float,
    measure: float,
    meter: CpuMeter | None = None,
) -> dict[str, Any]:
    """`clients` connections each sending the next request when the last is answered;
    counts the responses completed inside the measuring window."""
    start = time.perf_counter()
    window = (start + warmup, start + warmup + measure)
    done: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0

    async def client() -> None:
        nonlocal errors
        conn = HttpConnection(port)
        try:
            while time.perf_counter() < window[1]:
                sent = time.perf_counter()
                try:
                    response = await make(conn)
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    errors += 1
                    await conn.close()
                    continue
                finished = time.perf_counter()
                if window[0] <= sent and finished <= window[1]:
                    done.append(finished - sent)
                    statuses[response.status] = statuses.get(response.status, 0) + 1
        finally:
            await conn.close()

    async def metering() -> dict[str, Any]:
        if meter is None:
            return {}
        await asyncio.sleep(max(0.0, window[0] - time.perf_counter()))
        meter.begin()
        started = len(done)
        # Off the event loop, so that the clients are not held up while `ss` runs.
        spread = await asyncio.to_thread(connections_per_process, port)
        await asyncio.sleep(max(0.0, window[1] - time.perf_counter()))
        return {**meter.end(len(done) - started), "client_connections_per_process": spread}

    *_clients, cpu = await asyncio.gather(*(client() for _ in range(clients)), metering())
    return {
        "requests_per_second": len(done) / measure,
        "statuses": statuses,
        "errors": errors,
        "latency": latency_summary(done),
        **cpu,
    }


async def open_loop(
    port: int, make: RequestMaker, *, rate: float, seconds: float, pool: int
) -> dict[str, Any]:
    """Requests due at fixed times (rate per second); latency from the due time."""
    connections: asyncio.Queue[HttpConnection] = asyncio.Queue()
    for _ in range(pool):
        connections.put_nowait(HttpConnection(port))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    count = int(rate * seconds)
    start = time.perf_counter() + 0.2

    async def one(due: float) -> None:
        nonlocal errors
        conn = await connections.get()
        try:
            response = await make(conn)
            statuses[response.status] = statuses.get(response.status, 0) + 1
            latencies.append(time.perf_counter() - due)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            errors += 1
            await conn.close()
        finally:
            connections.put_nowait(conn)

    tasks = []
    for i in range(count):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(due)))
    await asyncio.gather(*tasks)
    lateness = time.perf_counter() - (start + (count - 1) / rate)
    while not connections.empty():
        await connections.get_nowait().close()
    return {
        "rate_per_second": rate,
        "seconds": seconds,
        "requests": count,
        "statuses": statuses,
        "errors": errors,
        "latency": latency_summary(latencies),
        "drain_seconds_after_last_due": lateness,
    }


# --- Setting up and tearing down -------------------------------------------------------------


@dataclass
class Server:
    port: int
    env: dict[str, str]
    var_dir: Path
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    kiosk_token: str = ""
    display_token: str = ""
    notes: list[str] = field(default_factory=list)


def weserve_command() -> list[str]:
    script = Path(sys.executable).with_name("weserve")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "weserve"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def admin_sql(sql: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def bench_connection() -> Any:
    """An autocommit connection to the benchmark database, PostgreSQL or SQLite; its
    statements take %s placeholders either way (`bench_execute`)."""
    if SQLITE_DB is not None:
        # The server's own busy timeout: the harness's writes wait for its writers. The
        # queue keeper uses its connection from a worker thread, one call at a time.
        return sqlite3.connect(SQLITE_DB, timeout=20, isolation_level=None, check_same_thread=False)
    return psycopg.connect(DATABASE_URL.replace("postgres://", "postgresql://"), autocommit=True)


def bench_execute(conn: Any, sql: str, params: tuple[Any, ...] = ()) -> Any:
    if isinstance(conn, sqlite3.Connection):
        sql = sql.replace("%s", "?")
    return conn.execute(sql, params)


def bench_sql(sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    conn = bench_connection()
    try:
        cursor = bench_execute(conn, sql, params)
        return cursor.fetchall() if cursor.description else []
    finally:
        conn.close()


def run(cmd: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(  # noqa: S603 - our own command line
        cmd, env=env, cwd=ROOT, capture_output=True, text=True, check=False, timeout=600
    )
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def set_up(log: Callable[[str], None], *, sqlite: bool = False) -> Server:
    """The demo office served by a fresh server: on PostgreSQL and Redis with WORKERS
    workers, or (`sqlite`) the embedded default with its background worker."""
    global SQLITE_DB
    var_dir = Path(tempfile.mkdtemp(prefix="weserve-bench-"))
    env = {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "WESERVE_VAR_DIR": str(var_dir),
        "WESERVE_LOG_LEVEL": "WARNING",
    }
    env.pop("WESERVE_DEBUG", None)
    env.pop("WESERVE_DATA_KEY", None)  # `weserve demo` makes one in the var directory
    server = Server(port=free_port(), env=env, var_dir=var_dir, log_path=var_dir / "serve.log")
    workers, serve_options = WORKERS, ["--no-worker"]
    if sqlite:
        SQLITE_DB = var_dir / "weserve.sqlite3"
        env["DATABASE_URL"] = f"sqlite:///{SQLITE_DB}"
        env.pop("REDIS_URL")  # the in-memory channel layer, Huey's queue in var/
        workers, serve_options = SQLITE_WORKERS, []
    else:
        log(f"creating database {DB_NAME}")
        admin_sql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        admin_sql(f"CREATE DATABASE {DB_NAME}")
    log("loading the demo data (weserve demo)")
    run([*weserve_command(), "demo"], env)
    create = [*weserve_command(), "device-token", "create", "--office", OFFICE, "--kind"]
    server.kiosk_token = run([*create, "kiosk", "--name", "Bench kiosk"], env).strip()
    server.display_token = run([*create, "display", "--name", "Bench display"], env).strip()
    shown = " ".join(["--workers", str(workers), *serve_options])
    log(f"starting weserve serve {shown} on port {server.port}")
    with server.log_path.open("wb") as out:
        server.process = subprocess.Popen(  # noqa: S603 - our own command line
            [
                *weserve_command(),
                "serve",
                "--host",
                HOST,
                "--port",
                str(server.port),
                "--workers",
                str(workers),
                *serve_options,
            ],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as one at the end
        )
    return server


async def wait_until_up(server: Server, timeout: float = 60) -> None:
    deadline = time.perf_counter() + timeout
    conn = HttpConnection(server.port)
    while True:
        if server.process is not None and server.process.poll() is not None:
            raise SystemExit(f"the server exited; see {server.log_path}")
        try:
            if (await conn.request("GET", "/api/v1/ping")).status == 200:
                await conn.close()
                return
        except OSError:
            await conn.close()
        if time.perf_counter() > deadline:
            raise SystemExit(f"the server did not answer in {timeout} s; see {server.log_path}")
        await asyncio.sleep(0.2)


def tear_down(server: Server | None, *, keep: bool) -> None:
    if server is None:
        return
    process = server.process
    if process is not None and process.poll() is None:
        # The group is the one this script created for the server (its workers inside).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
    if not keep:
        if SQLITE_DB is None:
            admin_sql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        shutil.rmtree(server.var_dir, ignore_errors=True)


def clear_queue() -> int:
    """Cancel every waiting ticket (the harness's reset between phases)."""
    rows = bench_sql(
        "UPDATE queueing_ticket SET status = 'cancelled' WHERE status = 'waiting' RETURNING id"
    )
    return len(rows)


def db_counts() -> dict[str, int]:
    def one(sql: str) -> int:
        return int(bench_sql(sql)[0][0])

    return {
        "tickets": one("SELECT count(*) FROM queueing_ticket"),
        "ticket_events_issued": one(
            "SELECT count(*) FROM queueing_ticketevent WHERE kind = 'issued'"
        ),
        "audit_entries_issued": one(
            "SELECT count(*) FROM core_auditlog WHERE action = 'queueing.ticket.issued'"
        ),
        "audit_entries_called": one(
            "SELECT count(*) FROM core_auditlog WHERE action = 'queueing.ticket.called'"
        ),
        # Target: 0. Numbers repeated within an office and day (the database's unique
        # constraint should make this impossible; the benchmark says so itself).
        "duplicate_numbers": one(
            "SELECT count(*) FROM (SELECT 1 FROM queueing_ticket "
            "GROUP BY office_id, day, number HAVING count(*) > 1) d"
        ),
    }


def machine() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    commit = ""
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        commit = subprocess.run(  # noqa: S603
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - read-only
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    if SQLITE_DB is None:
        database = {"postgresql": bench_sql("SHOW server_version")[0][0]}
    else:
        database = {"sqlite": sqlite3.sqlite_version}
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "load_average_at_start": os.getloadavg(),
        "python": platform.python_version(),
        **database,
        "platform": platform.platform(),
        "commit": commit,
    }


# --- The phases ------------------------------------------------------------------------


def ticket_maker(token: str, services: list[str]) -> RequestMaker:
    cycle = itertools.cycle(services)
    path = f"/api/v1/offices/{OFFICE}/tickets"

    def make(conn: HttpConnection) -> Awaitable[Response]:
        return conn.request(
            "POST", path, token=token, body={"service": next(cycle), "priority": "none"}
        )

    return make


def ping_maker(conn: HttpConnection) -> Awaitable[Response]:
    return conn.request("GET", "/api/v1/ping")


class QueueKeeper:
    """Keeps the office's queue at about QUEUE_KEPT waiting during (a): every 0.2 s it
    cancels all but the newest QUEUE_KEPT waiting tickets, straight in the database.

    Fifty clients issuing as fast as they can, with nobody served, pile up thousands of
    waiting tickets in seconds, and every ticket issue counts the people ahead of it:
    a load no office has (a busy one has tens waiting). The keeper's PostgreSQL backend
    is open before the measurement starts, so the CPU it costs is counted with the
    server's; the unbounded queue is measured as well, as (a') in the report.
    """

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.conn = bench_connection()
        self.cancelled = 0
        self.stop = asyncio.Event()

    def _trim(self) -> int:
        # SQLite has OFFSET only after a LIMIT (-1: none); PostgreSQL has no LIMIT -1.
        limit = "LIMIT -1" if SQLITE_DB else ""
        cursor = bench_execute(
            self.conn,
            "UPDATE queueing_ticket SET status = 'cancelled' WHERE id IN ("  # noqa: S608 - constants
            " SELECT id FROM queueing_ticket WHERE status = 'waiting'"
            f" ORDER BY queued_at DESC {limit} OFFSET %s)",
            (self.keep,),
        )
        return cursor.rowcount

    async def run(self) -> None:
        while not self.stop.is_set():
            self.cancelled += await asyncio.to_thread(self._trim)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), 0.2)

    def close(self) -> None:
        self.conn.close()


async def phase_throughput(
    server: Server, plan: Plan, log: Callable[[str], None], *, unbounded_run: bool = True
) -> dict:
    log(
        f"(a) throughput, {CLIENTS} clients: trivial, tickets (queue kept at {QUEUE_KEPT}), "
        "trivial" + (", tickets (queue unbounded)" if unbounded_run else "")
    )
    meter = CpuMeter(server.process.pid if server.process else None)
    common = {
        "clients": CLIENTS,
        "warmup": plan.warmup,
        "measure": plan.measure,
        "meter": meter,
    }
    trivial_before = await closed_loop(server.port, ping_maker, **common)
    clear_queue()
    keeper = QueueKeeper(QUEUE_KEPT)
    keeping = asyncio.create_task(keeper.run())
    try:
        tickets = await closed_loop(
            server.port, ticket_maker(server.kiosk_token, SERVICES), **common
        )
    finally:
        keeper.stop.set()
        await keeping
        keeper.close()
    clear_queue()
    trivial_after = await closed_loop(server.port, ping_maker, **common)
    trivial = statistics.fmean(
        [trivial_before["requests_per_second"], trivial_after["requests_per_second"]]
    )
    result = {
        "trivial_before": trivial_before,
        "tickets": tickets,
        "queue_kept": QUEUE_KEPT,
        "cancelled_by_keeper": keeper.cancelled,
        "trivial_after": trivial_after,
        "ratio": tickets["requests_per_second"] / trivial,
        "target_ratio": SQLITE_TARGET_RATIO if SQLITE_DB else TARGET_RATIO,
    }
    if unbounded_run:
        unbounded = await closed_loop(
            server.port, ticket_maker(server.kiosk_token, SERVICES), **common
        )
        result["tickets_unbounded_queue"] = unbounded
        result["waiting_at_end_of_unbounded_run"] = clear_queue()
        result["ratio_unbounded_queue"] = unbounded["requests_per_second"] / trivial
    key = "server_cpu_ms_per_request"
    if all(key in r for r in (trivial_before, tickets, trivial_after)):
        # What the ratio would be if the server's own CPU were all that limited it.
        trivial_cpu = statistics.fmean([trivial_before[key], trivial_after[key]])
        result["server_cpu_ratio"] = trivial_cpu / tickets[key]
    return result


async def phase_fixed_rate(
    server: Server,
    plan: Plan,
    log: Callable[[str], None],
    *,
    rate: float = RATE,
    target_p99_ms: float = TARGET_P99_MS,
) -> dict:
    log(f"(b) {rate:.0f} tickets per second for {plan.rate_seconds:.0f} s, open loop")
    clear_queue()
    result = await open_loop(
        server.port,
        ticket_maker(server.kiosk_token, SERVICES),
        rate=rate,
        seconds=plan.rate_seconds,
        pool=CLIENTS,
    )
    result["waiting_at_end"] = clear_queue()
    result["target_p99_ms"] = target_p99_ms
    return result


class Displays:
    """DISPLAYS WebSocket clients noting when each "called" event reaches them."""

    def __init__(self, port: int, token: str) -> None:
        self.url = f"ws://{HOST}:{port}/ws/offices/{OFFICE}/display/"
        self.token = token
        self.sockets: list[Any] = []
        self.tasks: list[asyncio.Task[None]] = []
        self.arrivals: dict[str, list[float]] = {}
        self.complete: dict[str, asyncio.Event] = {}
        self.failed = 0

    async def _open_one(self) -> None:
        try:
            ws = await ws_connect(
                self.url,
                additional_headers={"Authorization": f"Bearer {self.token}"},
                open_timeout=20,
                compression=None,
                max_queue=None,
            )
        except (OSError, TimeoutError, Exception):  # noqa: BLE001 - counted and reported
            self.failed += 1
            return
        self.sockets.append(ws)
        self.tasks.append(asyncio.create_task(self._listen(ws)))

    async def open(self, count: int) -> None:
        for start in range(0, count, 25):
            await asyncio.gather(*(self._open_one() for _ in range(min(25, count - start))))

    def expect(self, number: str) -> asyncio.Event:
        self.arrivals[number] = []
        self.complete[number] = asyncio.Event()
        return self.complete[number]

    async def _listen(self, ws: Any) -> None:
        with contextlib.suppress(Exception):
            async for raw in ws:
                now = time.perf_counter()
                event = json.loads(raw)
                if event.get("type") != "called":
                    continue
                number = event.get("ticket", {}).get("number")
                seen = self.arrivals.get(number)
                if seen is None:
                    continue
                seen.append(now)
                if len(seen) >= len(self.sockets):
                    self.complete[number].set()

    async def close(self) -> None:
        for ws in self.sockets:
            with contextlib.suppress(Exception):
                await ws.close()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


@dataclass
class Desk:
    """A staff member at a counter of OFFICE for the display phases: signed in over the
    API, with their own keep-alive connection."""

    user: str
    number: int
    service: str  # what its tickets are issued for
    conn: HttpConnection | None = None
    token: str = ""
    counter_id: int = 0


# (c): one counter; (c'): three counters calling at once (issue 14: "200 displays
# connected and 3 counters calling at once"), their staff as in the demo data, BA and
# INFO being served at all three.
ONE_DESK = (("petugas1", 1, COUNTER_ONE_SERVICE),)
THREE_DESKS = (("petugas1", 1, "BA"), ("penyelia", 2, "INFO"), ("petugas2", 4, "BA"))


async def open_desk(server: Server, desk: Desk) -> None:
    desk.conn = HttpConnection(server.port)
    signed_in = await desk.conn.request(
        "POST", "/api/v1/auth/token", body={"username": desk.user, "password": DEMO_PASSWORD}
    )
    if signed_in.status != 200:
        raise SystemExit(f"sign-in of {desk.user} failed: {signed_in.status} {signed_in.body!r}")
    desk.token = signed_in.json()["token"]
    listing = await desk.conn.request("GET", f"/api/v1/offices/{OFFICE}/counters", token=desk.token)
    desk.counter_id = next(c["id"] for c in listing.json() if c["number"] == desk.number)
    opened = await desk.conn.request(
        "POST", f"/api/v1/counters/{desk.counter_id}/open", token=desk.token
    )
    if opened.status != 200:
        raise SystemExit(f"opening counter {desk.number} failed: {opened.status} {opened.body!r}")


async def phase_display(
    server: Server,
    plan: Plan,
    log: Callable[[str], None],
    desks_spec: tuple[tuple[str, int, str], ...] = ONE_DESK,
) -> dict:
    """Call-to-display latency: `plan.calls` rounds; in each, a ticket is issued for
    every desk, then every desk calls the next ticket at the same moment."""
    where = ", ".join(str(number) for _, number, _ in desks_spec)
    log(f"{DISPLAYS} displays connected, {plan.calls} rounds of calls at counters {where}")
    clear_queue()
    displays = Displays(server.port, server.display_token)
    opened_at = time.perf_counter()
    await displays.open(DISPLAYS)
    connect_seconds = time.perf_counter() - opened_at
    desks = [Desk(user, number, service) for user, number, service in desks_spec]
    for desk in desks:
        await open_desk(server, desk)
    kiosk = HttpConnection(server.port)
    latencies: list[float] = []
    call_latencies: list[float] = []
    missed = 0

    async def call(desk: Desk) -> tuple[str, str, float]:
        assert desk.conn is not None
        sent = time.perf_counter()
        called = await desk.conn.request(
            "POST", f"/api/v1/counters/{desk.counter_id}/call-next", token=desk.token
        )
        call_latencies.append(time.perf_counter() - sent)
        if called.status != 200:
            raise SystemExit(f"call-next at {desk.number}: {called.status} {called.body!r}")
        return called.json()["number"], called.json()["id"], sent

    for _ in range(plan.calls):
        arrived = []
        for desk in desks:
            issued = await kiosk.request(
                "POST",
                f"/api/v1/offices/{OFFICE}/tickets",
                token=server.kiosk_token,
                body={"service": desk.service},
            )
            arrived.append(displays.expect(issued.json()["number"]))
        await asyncio.sleep(0.1)  # the "issued" events go by first, as in an office
        calls = await asyncio.gather(*(call(desk) for desk in desks))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*(a.wait() for a in arrived)), timeout=5)
        for (number, public_id, sent), desk in zip(calls, desks, strict=True):
            seen = displays.arrivals.get(number, [])
            missed += len(displays.sockets) - len(seen)
            latencies.extend(t - sent for t in seen)
            assert desk.conn is not None
            done = await desk.conn.request(
                "POST", f"/api/v1/tickets/{public_id}/complete", token=desk.token
            )
            if done.status != 200:
                raise SystemExit(f"complete failed: {done.status} {done.body!r}")
        await asyncio.sleep(0.2)
    for desk in desks:
        assert desk.conn is not None
        await desk.conn.request(
            "POST", f"/api/v1/counters/{desk.counter_id}/close", token=desk.token
        )
        await desk.conn.close()
    await kiosk.close()
    connected = len(displays.sockets)
    await displays.close()
    return {
        "counters": [number for _, number, _ in desks_spec],
        "displays_connected": connected,
        "displays_failed": displays.failed,
        "connect_seconds": connect_seconds,
        "calls": plan.calls * len(desks),
        "deliveries_missed": missed,
        "call_to_display": latency_summary(latencies),
        "call_next_response": latency_summary(call_latencies),
        "target_p99_ms": TARGET_DISPLAY_P99_MS,
    }


# --- Report ---------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def print_table(results: dict[str, Any]) -> None:
    a, b, c = results["throughput"], results["fixed_rate"], results["display"]
    c3 = results["display_three"]
    trivial = statistics.fmean(
        [a["trivial_before"]["requests_per_second"], a["trivial_after"]["requests_per_second"]]
    )
    rows = [
        ("(a) GET /api/v1/ping, 50 clients", f"{trivial:.0f} req/s", "", ""),
        (
            "(a) POST tickets, 50 clients",
            f"{a['tickets']['requests_per_second']:.0f} req/s",
            f"{a['ratio']:.0%} of trivial",
            f"target ≥ 50%: {verdict(a['ratio'] >= TARGET_RATIO)}",
        ),
        (
            "(a') the same, queue unbounded",
            f"{a['tickets_unbounded_queue']['requests_per_second']:.0f} req/s",
            f"{a['ratio_unbounded_queue']:.0%} of trivial",
            f"{a['waiting_at_end_of_unbounded_run']} waiting at the end",
        ),
        (
            "(b) 50 tickets/s, open loop",
            f"p50 {b['latency']['p50_ms']:.1f} ms",
            f"p99 {b['latency']['p99_ms']:.1f} ms",
            f"target p99 < 50 ms: {verdict(b['latency']['p99_ms'] < TARGET_P99_MS)}",
        ),
        (
            f"(c) call → {c['displays_connected']} displays",
            f"p50 {c['call_to_display']['p50_ms']:.1f} ms",
            f"p99 {c['call_to_display']['p99_ms']:.1f} ms",
            "target p99 < 250 ms: "
            + verdict(
                c["call_to_display"]["p99_ms"] < TARGET_DISPLAY_P99_MS
                and c["deliveries_missed"] == 0
            ),
        ),
        (
            f"(c') 3 counters at once → {c3['displays_connected']}",
            f"p50 {c3['call_to_display']['p50_ms']:.1f} ms",
            f"p99 {c3['call_to_display']['p99_ms']:.1f} ms",
            "target p99 < 250 ms: "
            + verdict(
                c3["call_to_display"]["p99_ms"] < TARGET_DISPLAY_P99_MS
                and c3["deliveries_missed"] == 0
            ),
        ),
    ]
    width = max(len(r[0]) for r in rows)
    print()
    for row in rows:
        print(f"{row[0]:<{width}}  {row[1]:>14}  {row[2]:>18}  {row[3]}")
    if "server_cpu_ratio" in a:
        ping_cpu = statistics.fmean(
            [
                a["trivial_before"]["server_cpu_ms_per_request"],
                a["trivial_after"]["server_cpu_ms_per_request"],
            ]
        )
        print(
            f"\nserver CPU per request: ping {ping_cpu:.2f} ms, ticket "
            f"{a['tickets']['server_cpu_ms_per_request']:.2f} ms "
            f"(+ PostgreSQL {a['tickets']['postgres_cpu_ms_per_request']:.2f} ms): "
            f"a ticket costs the server {1 / a['server_cpu_ratio']:.1f} pings "
            f"(ratio {a['server_cpu_ratio']:.0%})"
        )
        phases = ("trivial_before", "tickets", "trivial_after", "tickets_unbounded_queue")
        shares = [
            "/".join(f"{share:.0%}" for share in a[key].get("server_cpu_shares", [])[:2])
            for key in phases
        ]
        spread = [
            "/".join(str(n) for n in a[key].get("client_connections_per_process", []))
            for key in phases
        ]
        print(
            "the two busiest server processes' shares of its CPU: ping {}, tickets {}, "
            "ping {}, tickets (queue unbounded) {}".format(*shares)
        )
        print(
            "client connections per server process: ping {}, tickets {}, ping {}, "
            "tickets (queue unbounded) {}".format(*spread)
        )
    statuses = a["tickets"]["statuses"], a["tickets_unbounded_queue"]["statuses"], b["statuses"]
    print(
        f"\nticket statuses (a) {statuses[0]}, (a') {statuses[1]}, (b) {statuses[2]}; "
        f"errors (a) {a['tickets']['errors']}, (a') {a['tickets_unbounded_queue']['errors']}, "
        f"(b) {b['errors']}; display deliveries missed {c['deliveries_missed']}, "
        f"(c') {c3['deliveries_missed']}"
    )
    print(f"database after the run: {results['database']}")


def server_log_problems(log_path: Path) -> dict[str, int]:
    """What the server's log says went wrong: "database is locked", tracebacks, and
    access-log lines of 5xx responses."""
    text = log_path.read_text(errors="replace") if log_path.exists() else ""
    return {
        "database_is_locked": text.count("database is locked"),
        "tracebacks": text.count("Traceback (most recent call last)"),
        "5xx_logged": len(re.findall(r'" 5\d\d\b', text)),
    }


def server_errors(statuses: dict[int, int]) -> int:
    return sum(count for status, count in statuses.items() if int(status) >= 500)


def print_sqlite_table(results: dict[str, Any]) -> None:
    a, b, problems = results["throughput"], results["fixed_rate"], results["server_log"]
    trivial = statistics.fmean(
        [a["trivial_before"]["requests_per_second"], a["trivial_after"]["requests_per_second"]]
    )
    ticket_p99 = a["tickets"]["latency"]["p99_ms"]
    errors_5xx = server_errors(a["tickets"]["statuses"]) + server_errors(b["statuses"])
    rows = [
        (f"(a) GET /api/v1/ping, {CLIENTS} clients", f"{trivial:.0f} req/s", "", ""),
        (
            f"(a) POST tickets, {CLIENTS} clients",
            f"{a['tickets']['requests_per_second']:.0f} req/s",
            f"{a['ratio']:.0%} of trivial",
            f"target ≥ {SQLITE_TARGET_RATIO:.0%}: {verdict(a['ratio'] >= SQLITE_TARGET_RATIO)}",
        ),
        (
            f"(a) POST tickets, {CLIENTS} clients",
            f"p50 {a['tickets']['latency']['p50_ms']:.1f} ms",
            f"p99 {ticket_p99:.1f} ms",
            f"target p99 < {SQLITE_TARGET_CLOSED_P99_MS:.0f} ms: "
            + verdict(ticket_p99 < SQLITE_TARGET_CLOSED_P99_MS),
        ),
        (
            f"(b) {SQLITE_RATE:.0f} tickets/s, open loop",
            f"p50 {b['latency']['p50_ms']:.1f} ms",
            f"p99 {b['latency']['p99_ms']:.1f} ms",
            f"target p99 < {SQLITE_TARGET_P99_MS:.0f} ms: "
            + verdict(b["latency"]["p99_ms"] < SQLITE_TARGET_P99_MS),
        ),
        (
            "5xx answers, (a) and (b)",
            str(errors_5xx),
            f"locked in log {problems['database_is_locked']}",
            "target 0: " + verdict(errors_5xx == 0 and problems["database_is_locked"] == 0),
        ),
    ]
    width = max(len(r[0]) for r in rows)
    print()
    for row in rows:
        print(f"{row[0]:<{width}}  {row[1]:>14}  {row[2]:>18}  {row[3]}")
    print(
        f"\nticket statuses (a) {a['tickets']['statuses']}, (b) {b['statuses']}; errors (a) "
        f"{a['tickets']['errors']}, (b) {b['errors']}; server log {problems}; load average "
        f"at start {results['machine']['load_average_at_start']}, at end "
        f"{results['load_average_at_end']}"
    )
    print(f"database after the run: {results['database']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run (under a minute)")
    parser.add_argument(
        "--keep", action="store_true", help="keep the database and var directory afterwards"
    )
    parser.add_argument(
        "--sqlite",
        action="store_true",
        help="the embedded default: SQLite, one worker, no Redis (phases (a) and (b))",
    )
    parser.add_argument("--output", type=Path, help="where the JSON goes")
    args = parser.parse_args()
    output = args.output or RESULTS / ("latest-sqlite.json" if args.sqlite else "latest.json")
    plan = QUICK if args.quick else FULL
    began = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - began:6.1f} s] {message}", flush=True)

    server = None
    try:
        server = set_up(log, sqlite=args.sqlite)
        described = (
            f"weserve serve --workers {SQLITE_WORKERS} (uvicorn) with its background worker, "
            "SQLite (WAL), in-memory channel layer"
            if args.sqlite
            else f"weserve serve --workers {WORKERS} --no-worker (uvicorn), "
            "PostgreSQL with the psycopg pool, Redis channel layer"
        )
        results: dict[str, Any] = {
            "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "mode": ("sqlite " if args.sqlite else "") + ("quick" if args.quick else "full"),
            "plan": asdict(plan),
            "server": described,
            "machine": machine(),
        }

        async def measure() -> None:
            await wait_until_up(server)
            log("server is up")
            if args.sqlite:
                results["throughput"] = await phase_throughput(
                    server, plan, log, unbounded_run=False
                )
                results["fixed_rate"] = await phase_fixed_rate(
                    server, plan, log, rate=SQLITE_RATE, target_p99_ms=SQLITE_TARGET_P99_MS
                )
                return
            results["throughput"] = await phase_throughput(server, plan, log)
            results["fixed_rate"] = await phase_fixed_rate(server, plan, log)
            log("(c) one counter calling")
            results["display"] = await phase_display(server, plan, log)
            log("(c') three counters calling at once")
            results["display_three"] = await phase_display(server, plan, log, THREE_DESKS)

        asyncio.run(measure())
        results["database"] = db_counts()
        results["seconds"] = time.perf_counter() - began
        results["load_average_at_end"] = os.getloadavg()
        if args.sqlite:
            results["server_log"] = server_log_problems(server.log_path)
            print_sqlite_table(results)
        else:
            print_table(results)
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(results, indent=2) + "\n")
        log(f"results written to {output}")
    finally:
        tear_down(server, keep=args.keep)


if __name__ == "__main__":
    main()
