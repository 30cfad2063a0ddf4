"""The display board tells the truth (issue 14, items 1-3), in Chromium against the
browser tests' `weserve serve` (conftest), which the second test stops and starts again on
the same port.

1. A board that followed the live events and a board loaded afresh show the same counters,
   states, tickets and "Now calling" after every console action of a random walk.
2. A board that lost its server says so within 5 s, keeps what it showed, invents
   nothing, and hides the banner once it has resynced.
3. A call is drawn as soon as its event arrives, while the voice is still busy with the
   calls before it; only the voice waits its turn. (How fast: bench/display_draw.py.)
"""

from __future__ import annotations

import json
import random
import urllib.error
import urllib.request
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LIVE_TIMEOUT_MS, Server, _artifact

OFFICE = "PKMD-PJ"
BOARD = f"/display/{OFFICE}/"
PASSWORD = "weserve-demo"
STEPS = 40
# Demo counters of PKMD-PJ and who works them; BA and INFO are served at all three.
DESKS = ((1, "petugas1"), (2, "penyelia"), (4, "petugas2"))
SHARED_SERVICES = ("BA", "INFO")


@pytest.fixture
def server(weserve_server: Server) -> Server:
    """The browser tests' own `weserve serve` (conftest), stopped and started again here."""
    return weserve_server


class Api:
    """The queue API as a counter's staff member uses it (a bearer token)."""

    def __init__(self, base_url: str, username: str) -> None:
        self.base_url = base_url
        self.token = ""
        status, body = self.call(
            "POST", "/auth/token", {"username": username, "password": PASSWORD}
        )
        assert status == 200, body
        self.token = body["token"]

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict | None]:
        data = json.dumps(body or {}).encode() if method == "POST" else None
        req = urllib.request.Request(self.base_url + "/api/v1" + path, data=data, method=method)  # noqa: S310
        req.add_header("Content-Type", "application/json")
        if self.token:
            req.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(req, timeout=10) as response:  # noqa: S310 - our server
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            return exc.code, json.loads(raw) if raw else None

    def ok(self, method: str, path: str, body: dict | None = None) -> dict | None:
        status, answer = self.call(method, path, body)
        assert status in (200, 201, 204), (path, status, answer)
        return answer


@dataclass
class Desk:
    """A counter as the test works it, and what the test itself did there (the oracle)."""

    number: int
    api: Api
    id: int = 0
    open: bool = False
    paused: bool = False
    ticket: dict | None = None
    last_call: int = 0
    recalled: bool = False
    no_shows: list[dict] = field(default_factory=list)

    def expected_state(self) -> str:
        if not self.open:
            return "closed"
        if self.ticket is not None:
            return "serving" if self.ticket["status"] == "serving" else "calling"
        return "paused" if self.paused else "idle"


def desks_of(base_url: str) -> list[Desk]:
    """The desks, each counter closed as the test's oracle begins: a counter an earlier
    test left open and free is closed; one left with a customer is an error there."""
    desks = [Desk(number, Api(base_url, user)) for number, user in DESKS]
    listing = {c["number"]: c for c in desks[0].api.ok("GET", f"/offices/{OFFICE}/counters")}
    for desk in desks:
        counter = listing[desk.number]
        desk.id = counter["id"]
        assert counter["state"] in ("closed", "idle", "paused"), (
            f"an earlier browser test left a customer at counter {desk.number}: {counter}"
        )
        if counter["state"] != "closed":
            desk.api.ok("POST", f"/counters/{desk.id}/close")
    return desks


def sign_in(page, base_url: str) -> None:
    page.goto(base_url + "/accounts/login/")
    page.locator("input[name=username]").fill("penyelia")
    password = page.locator("input[name=password]")
    password.fill(PASSWORD)
    password.press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def open_board(browser, base_url: str, *, lang: str = "", width: int = 1920, height: int = 1080):
    context = browser.new_context(locale="ms-MY", viewport={"width": width, "height": height})
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, base_url)
    page.goto(base_url + BOARD + (f"?lang={lang}" if lang else ""))
    wait_for(page, lambda s: s["connected"] and s["synced"] and s["resyncs"] >= 1)
    return page


def board_state(page) -> dict:
    return page.evaluate("window.__displayState")


def wait_for(page, predicate, timeout_ms: int = 15_000) -> dict:
    waited = 0
    while True:
        state = board_state(page)
        if predicate(state):
            return state
        if waited >= timeout_ms:
            raise AssertionError(f"the board never got there: {json.dumps(state)[:2000]}")
        page.wait_for_timeout(100)
        waited += 100


# What a person sees on the board, read from the page: the hero, and per counter its
# state (attribute and words) and ticket (attribute and digits on screen).
READ_BOARD = """() => {
  const root = document.querySelector('[data-display-board]');
  const hero = root.querySelector('[data-hero]');
  const text = (el) => (el ? el.textContent.trim() : '');
  return {
    now_calling: {
      ticket: hero.getAttribute('data-current-ticket'),
      counter: hero.getAttribute('data-current-counter'),
      number_shown: text(root.querySelector('[data-hero-number]')),
      counter_shown: text(root.querySelector('[data-hero-counter]')),
    },
    counters: Array.from(root.querySelectorAll('[data-counter-id]')).map((row) => ({
      id: row.getAttribute('data-counter-id'),
      state: row.getAttribute('data-state'),
      ticket: row.getAttribute('data-ticket'),
      state_shown: text(row.querySelector('[data-counter-state]')),
      ticket_shown: text(row.querySelector('[data-counter-ticket]')),
    })),
  };
}"""


def read_board(page) -> dict:
    return page.evaluate(READ_BOARD)


def act(desk: Desk, desks: list[Desk], rng: random.Random, step: int, done: list[str]) -> str:
    """One console action at a desk, chosen at random among those its state allows; half
    the time one not tried yet, so that a short walk meets every kind of action."""
    api, cid = desk.api, desk.id

    def pick(options: list[str]) -> str:
        untried = [o for o in options if o not in done]
        return rng.choice(untried if untried and rng.random() < 0.5 else options)

    if not desk.open:
        api.ok("POST", f"/counters/{cid}/open")
        desk.open, desk.paused = True, False
        return "open"
    t = desk.ticket
    if t is None:
        choice = pick(["call", "call", "call", "pause", "resume", "close", "reinstate"])
        if choice == "pause":
            api.ok("POST", f"/counters/{cid}/pause")
            desk.paused = True
        elif choice == "resume":
            api.ok("POST", f"/counters/{cid}/resume")
            desk.paused = False
        elif choice == "close":
            api.ok("POST", f"/counters/{cid}/close")
            desk.open = desk.paused = False
        elif choice == "reinstate" and desk.no_shows:
            api.ok("POST", f"/tickets/{desk.no_shows.pop()['id']}/reinstate")
        elif desk.paused:
            api.ok("POST", f"/counters/{cid}/resume")
            desk.paused, choice = False, "resume"
        else:
            called = api.ok("POST", f"/counters/{cid}/call-next")
            if called is None:  # nobody waits for this counter: a customer takes a number
                api.ok(
                    "POST", f"/offices/{OFFICE}/tickets", {"service": rng.choice(SHARED_SERVICES)}
                )
                called = api.ok("POST", f"/counters/{cid}/call-next")
            desk.ticket, desk.last_call, choice = called, step, "call"
            desk.recalled = False
        return choice
    choice = pick(["recall", "start", "complete", "no_show", "transfer"])
    path = f"/tickets/{t['id']}"
    if choice == "no_show" and t["status"] == "called" and not desk.recalled:
        choice = "recall"  # as at the console: a no-show only after calling again
    if choice == "recall" and t["status"] == "called":
        desk.ticket, desk.last_call = api.ok("POST", f"{path}/recall"), step
        desk.recalled = True
    elif choice == "start" and t["status"] == "called":
        desk.ticket = api.ok("POST", f"{path}/start")
    elif choice == "no_show" and t["status"] == "called":
        desk.no_shows.append(api.ok("POST", f"{path}/no-show"))
        desk.ticket = None
    elif choice == "transfer":
        if rng.random() < 0.5:
            other = rng.choice([d for d in desks if d is not desk])
            api.ok("POST", f"{path}/transfer", {"counter": other.id})
        else:
            api.ok("POST", f"{path}/transfer", {"service": rng.choice(SHARED_SERVICES)})
        desk.ticket = None
    else:
        api.ok("POST", f"{path}/complete")
        desk.ticket, choice = None, "complete"
    return choice


def close_all(desks: list[Desk]) -> None:
    for desk in desks:
        if desk.ticket is not None:
            desk.api.ok("POST", f"/tickets/{desk.ticket['id']}/complete")
            desk.ticket = None
        if desk.open:
            desk.api.ok("POST", f"/counters/{desk.id}/close")
            desk.open = desk.paused = False


@pytest.mark.browser
def test_a_board_following_events_shows_what_a_fresh_board_shows_after_every_action(
    browser, server: Server, request
):
    desks = desks_of(server.url)
    followed = open_board(browser, server.url)
    fresh = open_board(browser, server.url)
    resyncs = board_state(followed)["resyncs"]
    rng = random.Random(14)
    done: list[str] = []
    try:
        for step in range(1, STEPS + 1):
            desk = rng.choice(desks)
            done.append(act(desk, desks, rng, step, done))
            where = f"step {step}: {done[-1]} at counter {desk.number} ({done})"

            fresh.reload()
            target = wait_for(fresh, lambda s: s["connected"] and s["resyncs"] >= 1)["seq"]
            wait_for(followed, lambda s, target=target: s["seq"] >= target)
            seen_fresh, seen_followed = read_board(fresh), read_board(followed)
            assert seen_followed == seen_fresh, where

            # And both follow the rule, as the test itself saw the counters.
            rows = {int(r["id"]): r for r in seen_fresh["counters"]}
            for d in desks:
                row = rows[d.id]
                assert row["state"] == d.expected_state(), where
                assert row["ticket"] == (d.ticket["number"] if d.ticket else ""), where
                assert row["ticket_shown"] == (d.ticket["number"] if d.ticket else "—"), where
            current = [d for d in desks if d.ticket is not None]
            hero = seen_fresh["now_calling"]
            if current:
                latest = max(current, key=lambda d: d.last_call)
                assert hero["ticket"] == hero["number_shown"] == latest.ticket["number"], where
                assert hero["counter"] == str(latest.id), where
                assert hero["counter_shown"].endswith(f" {latest.number}"), where
            else:
                assert (hero["ticket"], hero["number_shown"]) == ("", "—"), where
        # The followed board got there by the events alone, never by a snapshot.
        assert board_state(followed)["resyncs"] == resyncs
        assert {"call", "recall", "start", "complete", "no_show", "transfer"} <= {*done}
        assert {"pause", "resume", "close"} <= {*done}
    finally:
        followed.screenshot(path=_artifact(request, "followed"), full_page=True)
        close_all(desks)
        followed.context.close()
        fresh.context.close()


@pytest.mark.browser
def test_a_board_that_lost_its_server_says_so_keeps_its_calls_and_recovers(
    browser, server: Server, request
):
    desks = desks_of(server.url)
    one, two = desks[0], desks[1]
    for desk in (one, two):
        desk.api.ok("POST", f"/counters/{desk.id}/open")
        desk.open = True
    one.api.ok("POST", f"/offices/{OFFICE}/tickets", {"service": "BA"})
    one.ticket = one.api.ok("POST", f"/counters/{one.id}/call-next")
    board = open_board(browser, server.url)
    banner = board.get_by_text("Sambungan terputus. Menyambung semula…")
    try:
        expect(board.get_by_test_id("hero-number")).to_have_text(one.ticket["number"])
        expect(banner).to_be_hidden()
        before = read_board(board)
        announced = len(board_state(board)["announcements"])

        server.signal_stop()
        expect(banner).to_be_visible(timeout=5_000)
        expect(board.get_by_test_id("display-board")).to_have_attribute("data-state", "offline")
        board.screenshot(path=_artifact(request, "offline"), full_page=True)
        server.wait_stopped()
        # Still said once the board has fallen back to polling a server that is not there;
        # everything already shown stays, and nothing new appears.
        wait_for(board, lambda s: s["mode"] == "polling", timeout_ms=30_000)
        expect(banner).to_be_visible()
        assert read_board(board) == before

        server.start()
        # Changed while the board was away: it learns of it from the snapshot.
        two.api.ok("POST", f"/offices/{OFFICE}/tickets", {"service": "INFO"})
        two.ticket = two.api.ok("POST", f"/counters/{two.id}/call-next")
        expect(banner).to_be_hidden(timeout=40_000)
        expect(board.get_by_test_id("hero-number")).to_have_text(two.ticket["number"])
        fresh = open_board(browser, server.url)
        assert read_board(board) == read_board(fresh)
        fresh.context.close()
        # Nothing shown before is announced again; the one call made meanwhile may be.
        again = board_state(board)["announcements"][announced:]
        assert [a["number"] for a in again] in ([], [two.ticket["number"]]), again
    finally:
        if server.process is None:
            server.start()
        close_all(desks)
        board.context.close()


@pytest.mark.browser
def test_calls_in_quick_succession_are_drawn_at_once_while_the_voice_takes_turns(
    browser, server: Server, request
):
    desks = desks_of(server.url)
    for desk in desks:
        desk.api.ok("POST", f"/counters/{desk.id}/open")
        desk.open = True
        desk.api.ok("POST", f"/offices/{OFFICE}/tickets", {"service": "BA"})
    board = open_board(browser, server.url)
    # The sound is on, as on an office TV once someone has touched it: the real chime
    # and clips play through headless Chromium's audio output.
    board.get_by_role("button", name="Sentuh untuk hidupkan bunyi").click()
    wait_for(board, lambda s: s["soundRunning"])
    hero = board.get_by_test_id("hero-number")
    try:
        numbers = []
        for desk in desks:
            desk.ticket = desk.api.ok("POST", f"/counters/{desk.id}/call-next")
            number = desk.ticket["number"]
            numbers.append(number)
            # On the board while the announcements before it are still being spoken: the
            # drawing does not wait for the voice. (How fast it draws is measured by
            # bench/display_draw.py, not asserted here.)
            expect(hero).to_have_text(number, timeout=LIVE_TIMEOUT_MS)
            expect(board.locator(f'[data-counter-id="{desk.id}"]')).to_have_attribute(
                "data-ticket", number
            )
            state = board_state(board)
            spoken = [a for a in state["announcements"] if a["number"] in numbers]
            assert [a["number"] for a in spoken] == numbers
            assert all(a["endedAt"] is None for a in spoken), spoken
        board.screenshot(path=_artifact(request, "three-calls"), full_page=True)

        # Each call was drawn once, in the order called, in a frame after its event came.
        state = wait_for(
            board,
            lambda s: (
                sum(d["drawnAt"] is not None for d in s["draws"] if d["number"] in numbers)
                >= len(numbers)
            ),
        )
        draws = [d for d in state["draws"] if d["number"] in numbers]
        assert [d["number"] for d in draws] == numbers
        assert all(d["type"] == "called" for d in draws), draws
        assert all(d["receivedAt"] <= d["drawnAt"] for d in draws), draws

        # The voice took them in turn: chime and both languages, one call after another.
        # Proven once the last has begun after the others ended: its own end adds nothing.
        state = wait_for(
            board,
            lambda s: any(a["startedAt"] for a in s["announcements"] if a["number"] == numbers[-1]),
            timeout_ms=90_000,
        )
        spoken = [a for a in state["announcements"] if a["number"] in numbers]
        assert [a["number"] for a in spoken] == numbers
        assert all(a["endedAt"] and "clips" in a["spoken"] for a in spoken[:-1]), spoken
        for earlier, later in zip(spoken, spoken[1:], strict=False):
            assert later["startedAt"] >= earlier["endedAt"]
    finally:
        close_all(desks)
        board.context.close()
