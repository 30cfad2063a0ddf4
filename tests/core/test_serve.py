"""`weserve serve` as an operator runs it: a real process, real HTTP, real signals."""

from __future__ import annotations

import http.client
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect as ws_connect

from tests.core.test_settings import run_weserve, weserve_env
from weserve.core.management.commands.serve import worker_sockets

# How long a server may take to start, stop or replace a worker before a test gives up.
# Only a failing run waits this out; a loaded CI machine (two test workers, Chromium, the
# browser tests' server) took over 30 s to start `serve --migrate` and failed it.
PATIENCE_SECONDS = 180


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(
    url: str, headers: dict[str, str] | None = None, *, timeout: float = 5
) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - our own server
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict[str, str]:
    """A fresh install, migrated and with its static files collected."""
    var_dir = tmp_path_factory.mktemp("serve-var")
    env = weserve_env(var_dir, WESERVE_DATA_KEY=Fernet.generate_key().decode())
    for step in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        result = run_weserve(step, env, timeout=180)
        assert result.returncode == 0, result.stderr
    return env


@contextmanager
def serving(
    env: dict[str, str], *args: str, ready: str = "/healthz"
) -> Iterator[tuple[str, subprocess.Popen, Path]]:
    port = free_port()
    log = Path(env["WESERVE_VAR_DIR"]) / f"serve-{port}.log"
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "weserve", "serve", "--port", str(port), *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + PATIENCE_SECONDS
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if get(f"{base}{ready}")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield base, process, log
    finally:
        if process.poll() is None:
            # Gracefully first, so a background worker is never left behind.
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(PATIENCE_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it has exited all the same.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z")


def test_serve_answers_pages_and_static_files_and_logs_each_request(installed):
    manifest = json.loads(
        (Path(installed["WESERVE_VAR_DIR"]) / "static/staticfiles.json").read_text()
    )
    hashed_css = manifest["paths"]["admin/css/base.css"]

    with serving(installed, "--no-worker") as (base, process, log):
        health_status, health_body = get(f"{base}/healthz")
        static_status, _ = get(f"{base}/static/{hashed_css}")
        login_status, login_body = get(f"{base}/accounts/login/")
        process.send_signal(signal.SIGTERM)
        assert process.wait(PATIENCE_SECONDS) == 0

    assert health_status == 200
    assert json.loads(health_body)["failing"] == []
    assert static_status == 200
    assert login_status == 200
    assert b'name="password"' in login_body
    output = log.read_text()
    assert re.search(r'127\.0\.0\.1:\d+ - "GET /healthz HTTP/1\.1" 200', output)
    assert '"GET /accounts/login/ HTTP/1.1" 200' in output
    assert "WeServe dihentikan." in output


def test_collected_static_files_are_compressed_except_source_maps(installed):
    static = Path(installed["WESERVE_VAR_DIR"]) / "static"
    manifest = json.loads((static / "staticfiles.json").read_text())["paths"]
    for name in ("weserve/js/app.js", "weserve/css/app.css", "ninja/redoc.standalone.js"):
        for stored in (name, manifest[name]):
            assert (static / f"{stored}.br").exists(), stored
            assert (static / f"{stored}.gz").exists(), stored
    maps = [name for name in manifest if name.endswith(".map")]
    assert maps
    for name in maps:
        for stored in (name, manifest[name]):
            assert (static / stored).exists(), stored
            assert not (static / f"{stored}.br").exists(), stored
            assert not (static / f"{stored}.gz").exists(), stored


def test_serve_hands_websockets_to_the_live_screens(installed):
    with serving(installed, "--no-worker") as (base, process, log):
        try:
            address = base.replace("http", "ws") + "/ws/tickets/unknown/"
            with ws_connect(address, open_timeout=PATIENCE_SECONDS):
                pass
        except InvalidStatus:
            pass  # the screen may refuse an unknown ticket: the handshake reached it all the same
        process.send_signal(signal.SIGTERM)
        process.wait(PATIENCE_SECONDS)

    # A server without WebSocket support would log a plain "GET" here instead.
    assert re.search(r'"WebSocket /ws/tickets/unknown/" \d{3}', log.read_text())


def test_serve_starts_the_background_worker_and_stops_it_on_sigterm(installed):
    with serving(installed) as (_base, process, log):
        deadline = time.monotonic() + PATIENCE_SECONDS
        while not (found := re.search(r"Background worker started \[(\d+)\]", log.read_text())):
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        worker_pid = int(found.group(1))
        assert pid_alive(worker_pid)

        process.send_signal(signal.SIGTERM)
        assert process.wait(PATIENCE_SECONDS) == 0

    assert not pid_alive(worker_pid)
    assert f"Background worker stopped [{worker_pid}]" in log.read_text()


def test_serve_stops_cleanly_on_ctrl_c(installed):
    with serving(installed, "--no-worker") as (_base, process, log):
        process.send_signal(signal.SIGINT)
        assert process.wait(PATIENCE_SECONDS) == 0

    assert "WeServe dihentikan." in log.read_text()


def test_serve_believes_forwarded_addresses_only_from_trusted_proxies(installed):
    forwarded = {"X-Forwarded-For": "203.0.113.9"}

    with serving(installed, "--no-worker") as (base, process, log):
        get(f"{base}/healthz", forwarded)
        process.send_signal(signal.SIGTERM)
        process.wait(PATIENCE_SECONDS)
    assert "203.0.113.9" not in log.read_text()

    trusting = {**installed, "WESERVE_TRUSTED_PROXIES": "127.0.0.1/32"}
    with serving(trusting, "--no-worker") as (base, process, log):
        get(f"{base}/healthz", forwarded)
        process.send_signal(signal.SIGTERM)
        process.wait(PATIENCE_SECONDS)
    assert re.search(r'203\.0\.113\.9:\d+ - "GET /healthz', log.read_text())


def test_serve_says_how_to_collect_static_files_when_they_are_missing(tmp_path):
    env = weserve_env(tmp_path, WESERVE_DATA_KEY=Fernet.generate_key().decode())

    result = run_weserve(["serve", "--no-worker"], env)

    assert result.returncode != 0
    assert "jalankan `weserve demo` atau `weserve collectstatic`" in result.stderr


def sockets_on(port: int, state: str) -> set[str]:
    """Inodes of the TCP sockets on our side of `port` in `state` (as in /proc/net/tcp:
    "01" established, "0A" listening)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as rows:
            next(rows)
            for row in rows:
                fields = row.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
                    inodes.add(fields[9])
    return inodes


def held_by(pids: list[int], inodes: set[str]) -> dict[int, int]:
    """How many of these sockets each process holds (as `ss -tnp` finds owners)."""
    counts = {}
    for pid in pids:
        try:
            links = [os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()]
        except OSError:
            links = []
        counts[pid] = sum(1 for link in links if link[8:-1] in inodes)
    return counts


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_serve_spreads_connections_opened_together_between_its_workers(installed):
    # Forty keep-alive connections opened at once, as kiosks and screens reconnecting
    # after a restart, or a proxy, open them: with one socket shared by the workers,
    # whichever worker was waiting could take them all and leave the other idle.
    with serving_two_workers(installed) as (_base, port, workers, _process, _log):
        with busy(port, threads=6):
            clients = opened_together(port, 40)
        try:
            request = b"GET /api/v1/ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
            for client in clients:
                client.sendall(request)
            for client in clients:
                assert client.recv(4096).startswith(b"HTTP/1.1 200")
            held = held_by(workers, sockets_on(port, "01"))
        finally:
            for client in clients:
                client.close()

    per_worker = sorted(held.values())
    assert sum(per_worker) == 40, held
    # Spread by the kernel: each worker takes about half (fewer than 8 of 40 by chance
    # would happen once in tens of thousands of runs).
    assert per_worker[0] >= 8, per_worker


@pytest.mark.skipif(not hasattr(socket, "SO_REUSEPORT"), reason="a socket per worker")
def test_connections_made_before_the_workers_start_wait_for_each_worker():
    # The server's sockets listen before its workers have started: a client connecting
    # meanwhile (the first of a burst, while one worker is still importing Django) is
    # queued for the worker the kernel picks, not refused, and not all sent to whichever
    # worker listened first.
    port = free_port()
    sockets = worker_sockets("127.0.0.1", port, 2)
    clients = opened_together(port, 40)
    try:
        refused = [c for c in clients if c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)]
        assert refused == []
        queued = []
        for sock in sockets:
            sock.setblocking(False)
            count = 0
            while True:
                try:
                    accepted, _address = sock.accept()
                except BlockingIOError:
                    break
                accepted.close()
                count += 1
            queued.append(count)
    finally:
        for sock in sockets + clients:
            sock.close()

    assert sum(queued) == 40, queued
    assert min(queued) >= 8, queued


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_serve_answers_every_connection_after_a_worker_died(installed):
    # Each worker accepts from a socket of its own: the one started in place of a dead
    # worker must take its socket over, or the connections the kernel puts there wait.
    with serving_two_workers(installed) as (base, port, first, process, log):
        os.kill(first[0], signal.SIGKILL)
        deadline = time.monotonic() + PATIENCE_SECONDS
        while first[0] in children(process.pid) or len(children(process.pid)) < 2:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        wait_for_listening_workers(process.pid, port)
        # A connection left in the dead worker's queue would wait for ever; a loaded
        # machine may take some seconds to answer one (5 s timed out once under load).
        answered = [get(f"{base}/api/v1/ping", timeout=PATIENCE_SECONDS)[0] for _ in range(40)]

    assert answered == [200] * 40


@contextmanager
def serving_two_workers(
    installed: dict[str, str],
) -> Iterator[tuple[str, int, list[int], subprocess.Popen, Path]]:
    """`weserve serve --workers 2` once both workers listen: its address, port, workers'
    process ids, process and log."""
    env = {**installed, "REDIS_URL": "redis://127.0.0.1:6379/15"}
    with serving(env, "--workers", "2", "--no-worker", ready="/api/v1/ping") as (
        base,
        process,
        log,
    ):
        port = int(base.rsplit(":", 1)[1])
        yield base, port, wait_for_listening_workers(process.pid, port), process, log


def wait_for_listening_workers(pid: int, port: int) -> list[int]:
    """The server's two workers, once each listens."""
    deadline = time.monotonic() + PATIENCE_SECONDS
    while True:
        workers = children(pid)
        listening = held_by(workers, sockets_on(port, "0A"))
        if len(workers) == 2 and all(listening.values()):
            return workers
        assert time.monotonic() < deadline, listening
        time.sleep(0.2)


@contextmanager
def busy(port: int, threads: int) -> Iterator[None]:
    """The server kept busy answering pings on `threads` keep-alive connections."""
    stop = threading.Event()

    def load() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        while not stop.is_set():
            conn.request("GET", "/api/v1/ping")
            conn.getresponse().read()
        conn.close()

    workers = [threading.Thread(target=load) for _ in range(threads)]
    for worker in workers:
        worker.start()
    time.sleep(1)
    try:
        yield
    finally:
        stop.set()
        for worker in workers:
            worker.join()


def opened_together(port: int, count: int) -> list[socket.socket]:
    """`count` connections opened at the same moment (non-blocking connects in a burst)."""
    clients = []
    for _ in range(count):
        client = socket.socket()
        client.setblocking(False)
        client.connect_ex(("127.0.0.1", port))
        clients.append(client)
    for client in clients:
        select.select([], [client], [], 5)
        client.setblocking(True)
        client.settimeout(5)
    return clients


def children(pid: int) -> list[int]:
    """The server's worker processes (the children that run Python's multiprocessing
    spawn: not the resource tracker)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat[1]) == pid and b"spawn_main" in cmdline:
            found.append(int(proc.name))
    return found


def test_a_server_process_keeps_what_start_up_made_out_of_full_collections(installed):
    # Under load, the collector's full collections walked everything Django's start-up
    # made, every two or three seconds, and the worker served nobody meanwhile (0.16 s on
    # average, up to 0.33 s: session 6, timed with gc.callbacks). A worker loading the app
    # freezes it.
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import gc, weserve.asgi; print(gc.get_freeze_count())"],
        env=installed,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.split()[-1]) > 50_000


def test_serve_refuses_a_port_that_is_not_a_port(installed):
    result = run_weserve(["serve", "--port", "70000"], installed)

    assert result.returncode != 0
    assert "--port" in result.stderr


def test_serve_says_the_port_is_taken_instead_of_starting_half_way(installed):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = run_weserve(["serve", "--port", str(port)], installed)

    assert result.returncode != 0
    assert f"Tidak dapat mendengar pada 127.0.0.1 port {port}" in result.stderr
    assert "Background worker started" not in result.stdout + result.stderr


def test_serve_refuses_a_database_with_unapplied_migrations_in_one_line(tmp_path):
    # Debug mode serves static files from the source, so nothing needs collecting.
    env = weserve_env(tmp_path, WESERVE_DATA_KEY=Fernet.generate_key().decode(), WESERVE_DEBUG="1")

    result = run_weserve(["serve", "--no-worker"], env)

    assert result.returncode != 0
    refusal = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(refusal) == 1, result.stderr
    assert "belum dijalankan: jalankan `weserve migrate`" in refusal[0]
    assert "weserve serve --migrate" in refusal[0]
    assert "WeServe di http" not in result.stdout


def test_serve_with_migrate_applies_them_then_serves(tmp_path):
    env = weserve_env(tmp_path, WESERVE_DATA_KEY=Fernet.generate_key().decode(), WESERVE_DEBUG="1")

    with serving(env, "--no-worker", "--migrate") as (base, process, log):
        status, body = get(f"{base}/healthz")
        process.send_signal(signal.SIGTERM)
        process.wait(PATIENCE_SECONDS)

    assert status == 200
    assert json.loads(body)["checks"]["migrations"] is True
    assert "Menjalankan" in log.read_text()
