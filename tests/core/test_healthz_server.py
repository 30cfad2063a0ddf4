"""/healthz of a real `weserve serve`, as a load balancer meets it when something is
wrong: an answer within 2 s that names what (issue 13, item 6)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.core.test_healthz import closed_port
from tests.core.test_serve import free_port
from tests.core.test_settings import run_weserve, weserve_env

NOBODY = 65534


def timed_get(url: str) -> tuple[int, dict, float]:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - ours
            status, body = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read()
    return status, json.loads(body), time.monotonic() - started


@contextmanager
def started(env: dict[str, str], log: Path, as_user: list[str] | None = None) -> Iterator[str]:
    """`weserve serve` once it answers HTTP at all (whatever /healthz says)."""
    port = free_port()
    command = [sys.executable, "-m", "weserve", "serve", "--no-worker", "--port", str(port)]
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S603
            [*(as_user or []), *command], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, log.read_text()
            try:
                urllib.request.urlopen(f"{base}/api/v1/ping", timeout=2)  # noqa: S310
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_healthz_says_postgresql_is_down_within_two_seconds(tmp_path):
    url = f"postgres://weserve@127.0.0.1:{closed_port()}/weserve"
    env = weserve_env(
        tmp_path,
        WESERVE_DATA_KEY=Fernet.generate_key().decode(),
        WESERVE_DEBUG="1",
        DATABASE_URL=url,
    )
    began = time.monotonic()
    with started(env, tmp_path / "serve.log") as base:
        up_after = time.monotonic() - began
        status, body, took = timed_get(f"{base}/healthz")

    assert status == 503
    assert body["failing"] == ["database"]
    assert took < 2
    # Nor does the server wait out the connection pool's 10 s before it starts.
    assert up_after < 10


@pytest.mark.skipif(
    os.geteuid() == 0 and shutil.which("setpriv") is None,
    reason="as root, the server runs as nobody through setpriv (util-linux)",
)
def test_healthz_says_a_read_only_database_file_cannot_be_written():
    # The server's user may read the file but not write it. As root (who may write any
    # file), the server runs as nobody.
    var_dir = Path(tempfile.mkdtemp(prefix="weserve-ro-"))
    try:
        var_dir.chmod(0o777)
        env = weserve_env(
            var_dir,
            WESERVE_DATA_KEY=Fernet.generate_key().decode(),
            WESERVE_SECRET_KEY="read-only-test",
            WESERVE_DEBUG="1",
        )
        assert run_weserve(["migrate", "--noinput", "-v0"], env, timeout=180).returncode == 0
        database = var_dir / "weserve.sqlite3"
        database.chmod(0o444)
        as_nobody = None
        if os.geteuid() == 0:
            as_nobody = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
        with started(env, var_dir / "serve.log", as_nobody) as base:
            status, body, took = timed_get(f"{base}/healthz")
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)

    assert status == 503
    assert body["failing"] == ["database_writable"]
    assert body["checks"]["database"] is True
    assert took < 2
