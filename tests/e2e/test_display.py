"""The display board in a real browser: a call flashes and is announced once, and neither
a reconnect nor a lost message brings an old announcement back."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LIVE_TIMEOUT_MS
from weserve.queueing import voice

DEMO_PASSWORD = "weserve-demo"
BOARD = "/display/PKMD-PJ/"
SOCKET = "**/ws/offices/PKMD-PJ/display/"
SNAPSHOT = "/api/v1/offices/PKMD-PJ/display"  # what a polling board fetches
# Counter 4 of the demo office (enquiries, complaints, general aid): other browser tests
# work at counter 1, so this one stays out of their way.
COUNTER_NUMBER = 4
SERVICE = "INFO"


class Api:
    """The queue API as a program sees it, with a bearer token."""

    def __init__(self, base_url: str, username: str) -> None:
        self.base_url = base_url
        self.token = self.call(
            "POST", "/auth/token", {"username": username, "password": DEMO_PASSWORD}
        )[1]["token"]

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict | None]:
        data = json.dumps(body if body is not None else {}).encode() if method == "POST" else None
        req = urllib.request.Request(self.base_url + "/api/v1" + path, data=data, method=method)  # noqa: S310
        req.add_header("Content-Type", "application/json")
        if getattr(self, "token", None):
            req.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(req, timeout=10) as response:  # noqa: S310 - our server
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            return exc.code, json.loads(raw) if raw else None


@pytest.fixture
def counter4(live_weserve: str) -> Iterator[tuple[Api, int]]:
    """Counter 4 of PKMD-PJ, opened by petugas2 for the test and closed afterwards."""
    api = Api(live_weserve, "petugas2")
    counters = {c["number"]: c for c in api.call("GET", "/offices/PKMD-PJ/counters")[1]}
    counter_id = counters[COUNTER_NUMBER]["id"]
    status, body = api.call("POST", f"/counters/{counter_id}/open")
    assert status == 200, body
    yield api, counter_id
    api.call("POST", f"/counters/{counter_id}/close")


def sign_in(page, username: str = "penyelia") -> None:
    page.goto("/accounts/login/")
    page.locator("input[name=username]").fill(username)
    password = page.locator("input[name=password]")
    password.fill(DEMO_PASSWORD)
    password.press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def board_state(page) -> dict:
    return page.evaluate("window.__displayState")


def wait_for(page, predicate, timeout_ms: int = 15_000) -> dict:
    """Poll the board's read-only state (the page's CSP forbids string evaluation)."""
    waited = 0
    while True:
        state = board_state(page)
        if predicate(state):
            return state
        if waited >= timeout_ms:
            raise AssertionError(f"the board never got there: {json.dumps(state)[:2000]}")
        page.wait_for_timeout(100)
        waited += 100


def call_next(api: Api, counter_id: int) -> dict:
    status, issued = api.call("POST", "/offices/PKMD-PJ/tickets", {"service": SERVICE})
    assert status == 201, issued
    status, called = api.call("POST", f"/counters/{counter_id}/call-next")
    assert status == 200, called
    return called


def finish(api: Api, ticket: dict) -> None:
    api.call("POST", f"/tickets/{ticket['id']}/complete")


@pytest.mark.browser
def test_a_call_flashes_is_announced_once_and_a_reconnect_replays_nothing(
    page, screenshot, counter4
):
    api, counter_id = counter4
    sockets = []

    def through(route) -> None:
        # Pass everything through; keeping the route lets the test cut the connection.
        route.connect_to_server()
        sockets.append(route)

    page.route_web_socket(SOCKET, through)
    page.set_viewport_size({"width": 1920, "height": 1080})
    sign_in(page)
    page.goto(BOARD)
    expect(page.get_by_test_id("display-board")).to_be_visible()
    wait_for(page, lambda s: s["connected"] and s["resyncs"] >= 1)
    before = len(board_state(page)["announcements"])

    ticket = call_next(api, counter_id)
    number = ticket["number"]

    expect(page.get_by_test_id("hero-number")).to_have_text(number, timeout=LIVE_TIMEOUT_MS)
    expect(page.get_by_test_id("hero-counter")).to_contain_text(str(COUNTER_NUMBER))
    expect(page.locator("[data-hero]")).to_have_attribute("data-flash", "")
    row = page.locator(f'[data-counter-id="{counter_id}"]')
    expect(row).to_have_attribute("data-state", "calling")
    expect(row).to_contain_text(number)
    screenshot("called")

    # A recall right after the call: queued behind it, never cutting it off.
    assert api.call("POST", f"/tickets/{ticket['id']}/recall")[0] == 200
    state = wait_for(
        page,
        lambda s: (
            len(s["announcements"]) == before + 2
            and all(a["endedAt"] for a in s["announcements"][before:])
        ),
        timeout_ms=40_000,
    )
    first, second = state["announcements"][before:]
    assert (first["type"], first["number"], first["counter"]) == ("called", number, COUNTER_NUMBER)
    assert (second["type"], second["number"]) == ("recalled", number)
    assert second["seq"] == first["seq"] + 1
    assert second["startedAt"] >= first["endedAt"]
    # What the page composed from its table is exactly what the server's rules say.
    for language in ("ms", "en"):
        assert first["parts"][language] == voice.announcement_parts(
            number, COUNTER_NUMBER, language
        )
    expect(page.locator("[data-hero]")).not_to_have_attribute("data-flash", "")

    # Cut the socket: the board reconnects by itself, resyncs, and says nothing again.
    connections, resyncs = state["connections"], state["resyncs"]
    sockets[-1].close()
    state = wait_for(
        page,
        lambda s: s["connected"] and s["connections"] > connections and s["resyncs"] > resyncs,
        timeout_ms=20_000,
    )
    page.wait_for_timeout(2000)
    state = board_state(page)
    assert len(state["announcements"]) == before + 2
    assert state["floor"] >= second["seq"]
    expect(page.get_by_test_id("hero-number")).to_have_text(number)
    screenshot("after-reconnect")

    # And it is live again: the next call is announced.
    finish(api, ticket)
    following = call_next(api, counter_id)
    state = wait_for(page, lambda s: len(s["announcements"]) == before + 3)
    assert state["announcements"][-1]["number"] == following["number"]
    assert state["announcements"][-1]["seq"] > state["floor"] - 1
    finish(api, following)


@pytest.mark.browser
def test_a_lost_event_makes_the_board_resync_and_show_the_call_without_a_late_announcement(
    page, counter4
):
    api, counter_id = counter4
    dropped = []

    def lossy(route) -> None:
        server = route.connect_to_server()

        def from_server(message) -> None:
            event = json.loads(message) if isinstance(message, str) else {}
            if event.get("type") == "called" and not dropped:
                dropped.append(event)  # the network ate it
                return
            route.send(message)

        server.on_message(from_server)
        route.on_message(lambda message: server.send(message))

    page.route_web_socket(SOCKET, lossy)
    sign_in(page)
    page.goto(BOARD)
    wait_for(page, lambda s: s["connected"] and s["resyncs"] >= 1)
    before = board_state(page)
    count = len(before["announcements"])

    ticket = call_next(api, counter_id)
    # The next event on the stream reveals the gap.
    assert api.call("POST", f"/tickets/{ticket['id']}/start")[0] == 200

    state = wait_for(page, lambda s: s["resyncs"] > before["resyncs"] and s["seq"] > before["seq"])
    assert dropped and dropped[0]["ticket"]["number"] == ticket["number"]
    row = page.locator(f'[data-counter-id="{counter_id}"]')
    expect(row).to_contain_text(ticket["number"], timeout=LIVE_TIMEOUT_MS)
    expect(row).to_have_attribute("data-state", "serving")
    page.wait_for_timeout(1500)
    state = board_state(page)
    assert len(state["announcements"]) == count
    assert state["floor"] >= dropped[0]["seq"]
    finish(api, ticket)


@pytest.mark.browser
def test_a_board_whose_socket_keeps_dropping_polls_and_still_announces_each_call_once(
    page, counter4
):
    api, counter_id = counter4

    def refuse(route) -> None:
        # Accepted, then dropped at once, every time: a proxy that does not pass WebSockets.
        route.close()

    page.route_web_socket(SOCKET, refuse)
    sign_in(page)
    page.goto(BOARD)
    state = wait_for(page, lambda s: s["mode"] == "polling", timeout_ms=30_000)
    count = len(state["announcements"])

    ticket = call_next(api, counter_id)

    expect(page.get_by_test_id("hero-number")).to_have_text(
        ticket["number"], timeout=LIVE_TIMEOUT_MS
    )
    state = wait_for(page, lambda s: len(s["announcements"]) == count + 1)
    announced = state["announcements"][-1]
    assert (announced["number"], announced["source"]) == (ticket["number"], "poll")
    # Later polls see the same call again and stay quiet: the board has read the first
    # of them once it asks again (one poll at a time).
    for _ in range(2):
        with page.expect_response(
            lambda response: response.url.endswith(SNAPSHOT), timeout=LIVE_TIMEOUT_MS
        ):
            pass
    assert len(board_state(page)["announcements"]) == count + 1
    finish(api, ticket)
