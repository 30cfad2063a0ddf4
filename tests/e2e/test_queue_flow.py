"""A customer's whole visit across four screens, on a live `weserve serve` with demo data.

An administrator pairs a kiosk; the customer takes a number there and follows it on a
phone; a counter clerk calls it at the console; the office TV and the phone show the
call as it happens, without a reload.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import ARTIFACTS, LIVE_TIMEOUT_MS, complete_current, settled

DEMO_PASSWORD = "weserve-demo"
OFFICE = "PKMD-PJ"
# Counter 1 of the demo office serves general enquiries (INFO), among others.
SERVICE = "INFO"
COUNTER = 1


@pytest.fixture
def contexts(browser: Browser, live_weserve: str) -> Iterator[list[BrowserContext]]:
    """Open browser contexts (a fresh profile each); closed after the test."""
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def new_page(
    browser: Browser, base_url: str, opened: list[BrowserContext], **options: object
) -> Page:
    context = browser.new_context(base_url=base_url, locale="ms-MY", **options)
    context.set_default_timeout(15_000)
    opened.append(context)
    return context.new_page()


def sign_in(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("input[name=password]").press("Enter")
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def shot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"test_queue_flow-{name}.png"
    page.screenshot(path=path, full_page=True)
    return path


def pairing_code_for_a_new_kiosk(admin: Page) -> str:
    """The administrator adds a kiosk device and makes its one-time pairing code."""
    sign_in(admin, "admin")
    admin.goto("/devices/new/")
    admin.locator("select[name=kind]").select_option("kiosk")
    admin.locator("input[name=name]").fill("Kiosk e2e")
    admin.locator("form[action$='/devices/new/'] button[type=submit]").click()
    admin.locator("form[action*='/pairing-code/'] button[type=submit]").click()
    return admin.get_by_test_id("pairing-code").inner_text().strip()


@pytest.mark.browser
def test_ticket_from_the_kiosk_is_called_at_the_counter_and_shown_on_the_tv_and_phone(
    browser: Browser, live_weserve: str, page: Page, contexts: list[BrowserContext]
) -> None:
    # --- The kiosk: paired once by an administrator, then no sign-in ---------------------
    code = pairing_code_for_a_new_kiosk(new_page(browser, live_weserve, contexts))
    kiosk = page
    kiosk.set_viewport_size({"width": 1280, "height": 800})
    kiosk.goto("/pair/")
    kiosk.locator("input[name=code]").fill(code)
    kiosk.locator("form[action='/pair/'] button[type=submit]").click()
    expect(kiosk).to_have_url(re.compile(rf"/kiosk/{OFFICE}/$"))
    expect(kiosk.get_by_test_id("kiosk-preview")).to_have_count(0)
    # Printing stays off here: headless Chromium has no printer to print the slip on.
    kiosk.goto(f"/kiosk/{OFFICE}/?print=0")
    expect(kiosk.locator("html")).to_have_attribute("lang", "ms")

    tile = kiosk.locator(f'[data-testid="kiosk-service"][data-service="{SERVICE}"]')
    waiting_before = int(tile.get_attribute("data-waiting") or "0")

    # The customer switches to English with one touch, picks the service, needs no priority.
    kiosk.get_by_test_id("kiosk-language").click()
    expect(kiosk.locator("html")).to_have_attribute("lang", "en")
    tile.click()
    expect(kiosk.get_by_test_id("kiosk-issue-form")).to_be_visible()
    settled(kiosk)  # the form came by htmx: sent by htmx, the second tap is refused
    kiosk.get_by_test_id("priority-none").dblclick()  # a double tap still takes one number

    slip = kiosk.get_by_test_id("slip")
    expect(slip).to_be_visible()
    number = kiosk.get_by_test_id("slip-number").inner_text().strip()
    assert re.fullmatch(r"[A-Z]\d{3}", number), number
    expect(kiosk.get_by_test_id("kiosk-ticket-number")).to_have_text(number)
    expect(kiosk.get_by_test_id("slip-service")).to_have_text("General Enquiries")
    qr_url = kiosk.locator("[data-qr-url]").get_attribute("data-qr-url") or ""
    ticket_path = re.sub(r"^https?://[^/]+", "", qr_url)
    assert re.fullmatch(r"/t/[\w-]{32,}/", ticket_path), qr_url
    shot(kiosk, "kiosk-slip")

    # The kiosk gets ready for the next customer by itself ("Done" does it at once).
    kiosk.get_by_test_id("kiosk-done").click()
    expect(kiosk.locator("html")).to_have_attribute("lang", "ms")
    expect(kiosk.locator('[data-screen="services"]')).to_be_visible()
    expect(tile).to_have_attribute("data-waiting", str(waiting_before + 1))

    # --- The phone: the page behind the QR code ------------------------------------------
    phone = new_page(
        browser,
        live_weserve,
        contexts,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    # Once its socket opens, the page reads the ticket from the API and redraws it.
    with phone.expect_response(re.compile(r"/api/v1/tickets/")):
        phone.goto(ticket_path)
    expect(phone.get_by_test_id("ticket-number")).to_have_text(number)
    expect(phone.locator('[data-when="waiting"]')).to_be_visible()
    # Its socket is open.
    expect(phone.locator("[data-live-dot=live]")).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    # One estimated-wait line, and never "0 min" (nor "shortly" while no counter serving
    # it is open: counter 1 opens below, unless an earlier test left it open).
    wait = phone.locator("[data-wait]:visible")
    expect(wait).to_have_count(1)
    expect(wait).to_have_text(
        re.compile(
            r"^\s*([1-9]\d* min|You will be called shortly"
            r"|No counter is open for this service right now)\s*$"
        )
    )
    shot(phone, "phone-waiting")

    # --- The office TV ---------------------------------------------------------------------
    tv = new_page(browser, live_weserve, contexts, viewport={"width": 1920, "height": 1080})
    sign_in(tv, "penyelia")
    tv.goto(f"/display/{OFFICE}/")
    expect(tv.get_by_test_id("display-board")).to_be_visible()

    # --- The counter console: petugas1 opens counter 1 and calls ----------------------------
    console = new_page(browser, live_weserve, contexts, viewport={"width": 1280, "height": 900})
    sign_in(console, "petugas1")
    console.goto("/counter/")
    choice = console.get_by_test_id("counter-choice").filter(
        has_text=re.compile(rf"\b(Counter|Kaunter) {COUNTER}\b")
    )
    open_button = choice.get_by_test_id("open-counter")
    if open_button.count():
        open_button.click()
    else:  # the demo left petugas1 at the counter already
        choice.locator("a").first.click()
    call_next = console.get_by_test_id("call-next")
    called = ""
    # Customers who came earlier for counter 1's services are called first; serve them.
    settling = console.locator("[data-settling]")
    current = console.get_by_test_id("ticket-number")

    def press_call_next() -> None:
        # Right after the page opens, its live refresh may redraw the button under the
        # click; a person would simply press again, and so does the test.
        for _attempt in range(3):
            expect(settling).to_have_count(0)
            settled(console)
            call_next.click()
            try:
                expect(current).to_be_visible(timeout=3000)
                return
            except AssertionError:
                continue
        expect(current).to_be_visible()

    for _ in range(50):
        press_call_next()
        called = current.inner_text().strip()
        if called == number:
            break
        expect(settling).to_have_count(0)
        complete_current(console)
        expect(call_next).to_be_visible()
    assert called == number, f"counter {COUNTER} never called {number}"
    expect(console.get_by_test_id("greeting")).to_contain_text(number)
    shot(console, "console-called")

    # --- The call shows up on the TV and on the phone, live ------------------------------
    expect(tv.get_by_test_id("hero-number")).to_have_text(number, timeout=LIVE_TIMEOUT_MS)
    expect(tv.get_by_test_id("hero-counter")).to_contain_text(str(COUNTER))
    shot(tv, "tv-called")

    called_block = phone.get_by_test_id("ticket-called")
    expect(called_block).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    expect(called_block).to_have_text(
        re.compile(rf"(Please go to counter|Sila ke kaunter) {COUNTER}\b", re.I)
    )
    expect(phone.locator('[data-when="waiting"]')).to_be_hidden()
    shot(phone, "phone-called")
