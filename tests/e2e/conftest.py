"""Browser tests: Debian Chromium, through Playwright, against a real `weserve serve`.

pytest-django's live_server speaks no WebSocket, so the server is `weserve serve` in a
subprocess, on a file SQLite database in a fresh var/ directory filled by `weserve demo`,
exactly as the README's quick start leaves it.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# A busy CI machine (the other test worker, Chromium) once kept a restarted server from
# answering within a minute; as long as tests/core/test_serve.py allows.
START_TIMEOUT_SECONDS = 180
# One /healthz answer may be slow (its first one reads the migrations from disk); asking
# again every 2 s only piled more requests onto a server still busy with the first.
HEALTH_ANSWER_SECONDS = 15
# A change travels service → channel layer → WebSocket → screen; allow a slow CI machine.
LIVE_TIMEOUT_MS = 15_000
# What a fresh install must not inherit from the test run around it.
_OWN_CONFIG = ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")


@pytest.fixture(scope="package", autouse=True)
def _django_beside_playwright() -> Iterator[None]:
    # Playwright's sync API runs an event loop in the test thread; Django would then refuse
    # ORM calls made from a test. Allowed for these tests only, and put back afterwards.
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if before is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture(scope="package")
def chromium() -> Path:
    if CHROMIUM.exists():
        return CHROMIUM
    message = f"Chromium is not at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("WESERVE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{message}, and WESERVE_REQUIRE_BROWSER=1 makes browser tests mandatory")
    pytest.skip(f"{message}: browser tests skipped")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _health(url: str) -> str | None:
    """None when `url` answers 200; otherwise what it said, for the failure message."""
    try:
        with urllib.request.urlopen(url, timeout=HEALTH_ANSWER_SECONDS) as response:  # noqa: S310 - our own server
            return None if response.status == 200 else f"{response.status}"
    except urllib.error.HTTPError as exc:
        return f"{exc.code} {exc.read()[:500]!r}"
    except OSError as exc:
        return repr(exc)


class Server:
    """A `weserve serve` on a file SQLite database in a fresh var/ directory filled by
    `weserve demo`; stoppable and started again on the same port (a board that lost its
    server, tests/e2e/test_display_truth.py)."""

    def __init__(self, var_dir: Path) -> None:
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("WESERVE_") and key not in _OWN_CONFIG
        }
        self.env["WESERVE_VAR_DIR"] = str(var_dir)
        self.env["DATABASE_URL"] = f"sqlite:///{var_dir / 'weserve.sqlite3'}"
        self.log_path = var_dir / "serve.log"
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        demo = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "weserve", "demo"],
            env=self.env,
            capture_output=True,
            text=True,
            # Well under a minute alone; a busy shared machine took over ten.
            timeout=1800,
        )
        if demo.returncode != 0:
            pytest.fail(f"`weserve demo` failed:\n{demo.stdout}\n{demo.stderr}")

    def start(self) -> None:
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "weserve", "serve", "--host", "127.0.0.1"]
                + ["--port", str(self.port)],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while (answer := _health(f"{self.url}/healthz")) is not None:
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    f"`weserve serve` did not become healthy (last /healthz: {answer}):\n"
                    f"{self.log_path.read_text()}"
                )
            time.sleep(0.1)

    def signal_stop(self) -> None:
        """SIGTERM is the graceful stop: the server also stops its background worker."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)

    def wait_stopped(self) -> None:
        assert self.process is not None
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


@pytest.fixture(scope="package")
def weserve_server(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The one `weserve serve` of the browser tests, holding the demo data. Tests that stop
    it start it again before they end."""
    server = Server(tmp_path_factory.mktemp("e2e-var"))
    server.start()
    try:
        yield server
    finally:
        if server.process is not None:
            server.signal_stop()
            server.wait_stopped()


@pytest.fixture(scope="package")
def live_weserve(weserve_server: Server) -> str:
    """The base URL of the `weserve serve` holding the demo data."""
    return weserve_server.url


@pytest.fixture(scope="package")
def browser(chromium: Path) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


def _artifact(request: pytest.FixtureRequest, step: str = "") -> Path:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / (f"{name}-{step}.png" if step else f"{name}.png")


@pytest.fixture
def page(browser, live_weserve: str, request: pytest.FixtureRequest) -> Iterator[object]:
    """A fresh browser profile, as a person in Malaysia would bring (Malay first)."""
    context = browser.new_context(
        base_url=live_weserve, locale="ms-MY", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    new_page = context.new_page()
    try:
        yield new_page
    finally:
        # The last screen of every test, passed or failed, for a person to look at.
        new_page.screenshot(path=_artifact(request), full_page=True)
        context.close()


@pytest.fixture
def screenshot(page, request: pytest.FixtureRequest) -> Callable[[str], Path]:
    """Save the page now as test-artifacts/<test>-<step>.png."""

    def take(step: str) -> Path:
        path = _artifact(request, step)
        page.screenshot(path=path, full_page=True)
        return path

    return take


def complete_current(console) -> None:
    """Complete the ticket at the counter; a customer not in the register is completed
    anyway once the console has asked (the register's completion prompt)."""
    from playwright.sync_api import expect

    settled(console)
    console.get_by_test_id("complete").click()
    confirm = console.get_by_test_id("complete-confirm")
    expect(confirm.or_(console.get_by_test_id("call-next"))).to_be_visible()
    if confirm.count():
        expect(console.locator("[data-settling]")).to_have_count(0)
        settled(console)
        confirm.click()


def settled(page) -> None:
    """Wait until htmx has no request in flight and has finished every swap on the page.

    Before anything a test does with what a swap (an action's answer, a live refresh)
    brought. htmx 2 wires the `hx-*` attributes of swapped-in content when the swap
    settles (htmx:load; app.js's menu badges are drawn then too): typing into a field
    or pressing a button before that sends nothing, or submits the form without htmx.
    The site settles at once (head.html's htmx-config, defaultSettleDelay 0) since CI
    caught the operator typing into the directory search in htmx's default 20 ms; this
    also waits out a request still in flight (a live refresh about to redraw the part),
    and a page just reached until it has loaded (htmx wires a page up then)."""
    page.wait_for_load_state()
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )


def console_refreshed(console, act: Callable[[], object]) -> None:
    """Do `act`, which makes the counter console's live stream speak, and wait until the
    console has fetched itself again (console.js's refresher) and drawn the answer."""
    from urllib.parse import urlsplit

    def refresh(response) -> bool:
        request = response.request
        return (
            request.method == "GET"
            and urlsplit(response.url).path == "/counter/"
            and request.headers.get("hx-request") == "true"
        )

    with console.expect_response(refresh, timeout=LIVE_TIMEOUT_MS):
        act()
    settled(console)
