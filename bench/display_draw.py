"""How fast a display board draws a call it has received (the browser's half of issue
14's "a call is on the board at once"; bench/queue_load.py phase (c) measures the other
half, from the call to the board's WebSocket).

The embedded default as an office runs it (`weserve serve` on a fresh SQLite file with the
demo data, via queue_load.set_up(sqlite=True)); one board, /display/PKMD-PJ/ at 1920×1080
in headless Chromium (/usr/bin/chromium, through Playwright), its sound on, so the voice
works through its queue while calls arrive. Each round, counters 1, 2 and 4 each take a
ticket and call it in quick succession (the moment the board's test,
tests/e2e/test_display_truth.py, proves correct); the board records, per call, when the
event reached the page and the animation frame that carried the change (display.js
`draws`, exposed as window.__displayState). Then the tickets are completed.

Baseline in the same run and page: the time from a task to the next animation frame of
an idle board (`frame`), sampled as often as the calls. The figure is the draw time; the
ratio to `frame` says how much of it is the board's own work rather than the machine's.
Target: p99 draw under 250 ms (the figure the board's browser test used to assert).

    .venv/bin/python bench/display_draw.py            # 30 rounds (90 calls), about 2 min
    .venv/bin/python bench/display_draw.py --quick    # 5 rounds, under 1 min

Writes bench/results/display-draw-latest.json (--quick: display-draw-quick.json).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import queue_load  # noqa: E402 - the set-up of the embedded default, shared

ROOT = queue_load.ROOT
RESULTS = queue_load.RESULTS
OFFICE = queue_load.OFFICE
PASSWORD = queue_load.DEMO_PASSWORD
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
DESKS = ((1, "petugas1"), (2, "penyelia"), (4, "petugas2"))
SERVICE = "BA"  # served at counters 1, 2 and 4 in the demo
TARGET_DRAW_P99_MS = 250.0
ROUNDS, QUICK_ROUNDS = 30, 5


class Api:
    """The queue API as a counter's staff member uses it (a bearer token)."""

    def __init__(self, base_url: str, username: str) -> None:
        self.base_url = base_url
        self.token = ""
        self.token = self.post("/auth/token", {"username": username, "password": PASSWORD})["token"]

    def call(self, method: str, path: str, body: dict | None = None) -> Any:
        data = json.dumps(body or {}).encode() if method == "POST" else None
        req = urllib.request.Request(self.base_url + "/api/v1" + path, data=data, method=method)  # noqa: S310
        req.add_header("Content-Type", "application/json")
        if self.token:
            req.add_header("Authorization", f"Bearer {self.token}")
        with urllib.request.urlopen(req, timeout=30) as response:  # noqa: S310 - our server
            raw = response.read()
        return json.loads(raw) if raw else None

    def post(self, path: str, body: dict | None = None) -> Any:
        return self.call("POST", path, body)


def wait_until_healthy(base_url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(base_url + "/healthz", timeout=2) as answer:  # noqa: S310
                if answer.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"the server did not answer in {timeout} s")
        time.sleep(0.2)


def board_state(page: Any) -> dict:
    return page.evaluate("window.__displayState")


def wait_for(page: Any, predicate: Any, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        state = board_state(page)
        if predicate(state):
            return state
        if time.monotonic() > deadline:
            raise SystemExit(f"the board never got there: {json.dumps(state)[:1000]}")
        page.wait_for_timeout(20)


FRAME_JS = """() => new Promise((resolve) => setTimeout(() => {
  const start = performance.now();
  requestAnimationFrame(() => resolve(performance.now() - start));
}, 0))"""


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50_ms": round(queue_load.percentile(values, 50), 2),
        "p95_ms": round(queue_load.percentile(values, 95), 2),
        "p99_ms": round(queue_load.percentile(values, 99), 2),
        "max_ms": round(max(values), 2),
    }


def measure(base_url: str, rounds: int, log: Any) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    desks = [(number, Api(base_url, user)) for number, user in DESKS]
    listing = desks[0][1].call("GET", f"/offices/{OFFICE}/counters")
    ids = {c["number"]: c["id"] for c in listing}
    for number, api in desks:
        api.post(f"/counters/{ids[number]}/open")
    draws: list[float] = []
    frames: list[float] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(locale="ms-MY", viewport={"width": 1920, "height": 1080})
        page = context.new_page()
        page.goto(base_url + "/accounts/login/")
        page.locator("input[name=username]").fill("penyelia")
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("input[name=password]").press("Enter")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        page.goto(base_url + f"/display/{OFFICE}/")
        wait_for(page, lambda s: s["connected"] and s["synced"] and s["resyncs"] >= 1)
        page.get_by_role("button", name="Sentuh untuk hidupkan bunyi").click()
        wait_for(page, lambda s: s["soundRunning"])
        for round_number in range(rounds):
            numbers = []
            for number, api in desks:
                api.post(f"/offices/{OFFICE}/tickets", {"service": SERVICE})
                called = api.post(f"/counters/{ids[number]}/call-next")
                numbers.append((api, called))
            wanted = {ticket["number"] for _api, ticket in numbers}
            state = wait_for(
                page,
                lambda s, wanted=wanted: (
                    {d["number"] for d in s["draws"] if d["drawnAt"] is not None} >= wanted
                ),
            )
            for draw in state["draws"]:
                if draw["number"] in wanted:
                    draws.append(draw["drawnAt"] - draw["receivedAt"])
            for api, ticket in numbers:
                api.post(f"/tickets/{ticket['id']}/complete")
            frames.extend(page.evaluate(FRAME_JS) for _ in numbers)
            if (round_number + 1) % 10 == 0:
                log(f"  {round_number + 1} rounds")
        context.close()
        browser.close()
    for number, api in desks:
        api.post(f"/counters/{ids[number]}/close")
    draw, frame = summary(draws), summary(frames)
    return {
        "draw": draw,
        "frame": frame,
        "ratio_p50": round(draw["p50_ms"] / max(frame["p50_ms"], 0.01), 2),
        "ratio_p95": round(draw["p95_ms"] / max(frame["p95_ms"], 0.01), 2),
        "target_draw_p99_ms": TARGET_DRAW_P99_MS,
        "met": draw["p99_ms"] < TARGET_DRAW_P99_MS,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROUNDS} rounds")
    parser.add_argument("--rounds", type=int, default=0, help=f"rounds (default {ROUNDS})")
    parser.add_argument("--keep", action="store_true", help="keep the var directory")
    args = parser.parse_args()
    rounds = args.rounds or (QUICK_ROUNDS if args.quick else ROUNDS)

    def log(line: str) -> None:
        print(line, flush=True)

    server = None
    try:
        server = queue_load.set_up(log, sqlite=True)
        base_url = f"http://{queue_load.HOST}:{server.port}"
        wait_until_healthy(base_url)
        log(f"{rounds} rounds of three calls in quick succession")
        results = {
            "machine": queue_load.machine(),
            "rounds": rounds,
            **measure(base_url, rounds, log),
        }
    finally:
        queue_load.tear_down(server, keep=args.keep)
    draw, frame = results["draw"], results["frame"]
    log(
        f"draw  p50 {draw['p50_ms']} ms  p95 {draw['p95_ms']} ms  p99 {draw['p99_ms']} ms"
        f"  max {draw['max_ms']} ms  ({draw['n']} calls)"
    )
    log(f"frame p50 {frame['p50_ms']} ms  p95 {frame['p95_ms']} ms  (idle board, same page)")
    log(
        f"ratio draw/frame p50 {results['ratio_p50']}  p95 {results['ratio_p95']};"
        f" target p99 draw < {TARGET_DRAW_P99_MS:.0f} ms: {queue_load.verdict(results['met'])}"
    )
    RESULTS.mkdir(exist_ok=True)
    name = "display-draw-quick.json" if args.quick else "display-draw-latest.json"
    (RESULTS / name).write_text(json.dumps(results, indent=2) + "\n")
    log(f"written bench/results/{name}")


if __name__ == "__main__":
    main()
