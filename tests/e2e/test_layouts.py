"""Layouts at the screen sizes offices have (issue 14, item 7).

Every public and staff screen (sign-in, pairing, the kiosk's three steps, the mobile
ticket page, the TV display, the counter console, the supervisor's live view and the main
staff pages) is drawn at 1366×768 and 1920×1080, the public ones also on a 390×844 phone
and the kiosk also upright (1080×1920), in Malay and English. Each drawing is saved
(test-artifacts/layouts/<screen>-<size>-<language>.png) for a person to look at, and the
test fails on what a person would see as broken:

- the page wider than the window (a horizontal scroll bar);
- text cut off: an element that hides its overflow (overflow hidden or clip, an ellipsis,
  a line clamp) while its content is wider or taller than the box, so a service name, a
  heading or a table header loses its end ("Bantuan Kanak-Kan…", "Perkhidmatar");
- on the big screens, a table that has to be scrolled sideways to see its right-hand
  columns ("TERLA…", "0 m" at the console).

One page per screen and language is loaded once and resized through the sizes, as a
window is; the screenshots are of the whole page.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import ARTIFACTS, settled
from tests.e2e.test_display_truth import Api
from tests.e2e.test_queue_flow import pairing_code_for_a_new_kiosk, sign_in

OFFICE = "PKMD-PJ"
LANGUAGES = ("ms", "en")
LANGUAGE_COOKIE = "weserve_language"
DESKTOP = {"1366x768": (1366, 768), "1920x1080": (1920, 1080)}
PHONE = {"phone": (390, 844)}
PORTRAIT = {"portrait": (1080, 1920)}
SHOTS = ARTIFACTS / "layouts"
# petugas1 works counter 1 in the demo (general enquiries among its services); the test
# calls there so the TV has a call and earlier calls, draws the console with a customer
# called and others waiting, and closes the counter again.
CLERK = "petugas1"
COUNTER = 1
SERVICE = "INFO"
EARLIER_CALLS = 4  # as many as the TV shows
WAITING = 2
# Meant to move or to be read by a screen reader only: the display's ticker scrolls its
# line through a window on purpose, and .sr-only text is clipped to nothing by design.
NOT_CLIPPING = (".ticker-window", ".ticker", ".sr-only")

# What a person would see as broken, gathered from the page as drawn now.
FIND_FAULTS = """([notClipping, tablesMustFit]) => {
  const faults = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth + 1) {
    faults.push(`the page is ${doc.scrollWidth}px wide in a ${doc.clientWidth}px window`);
  }
  const name = (el) => {
    const classes = (el.getAttribute('class') || '').trim().split(/\\s+/).slice(0, 3);
    const test = el.getAttribute('data-testid');
    return el.tagName.toLowerCase() + (test ? `[data-testid=${test}]` : '')
      + (classes[0] ? '.' + classes.join('.') : '');
  };
  const words = (el) => (el.innerText || el.textContent || '').replace(/\\s+/g, ' ').trim();
  for (const el of document.body.querySelectorAll('*')) {
    if (!(el instanceof HTMLElement)) continue;
    if (['INPUT', 'SELECT', 'TEXTAREA', 'OPTION', 'SCRIPT', 'STYLE'].includes(el.tagName)) continue;
    if (notClipping.some((selector) => el.closest(selector))) continue;
    if (!el.checkVisibility({visibilityProperty: true})) continue;
    if (!words(el)) continue;
    // Visually hidden on purpose (a skip link until focused, a caption for screen readers).
    if (el.clientWidth <= 1 || el.clientHeight <= 1) continue;
    const style = getComputedStyle(el);
    const hidesX = ['hidden', 'clip'].includes(style.overflowX);
    const hidesY = ['hidden', 'clip'].includes(style.overflowY);
    const scrollsX = ['auto', 'scroll'].includes(style.overflowX);
    const wide = el.scrollWidth > el.clientWidth + 1;
    const tall = el.scrollHeight > el.clientHeight + 1;
    const text = words(el).slice(0, 80);
    const sizes = (full, box) => `${full}px in ${box}px`;
    if ((hidesX || style.textOverflow === 'ellipsis') && wide) {
      const seen = sizes(el.scrollWidth, el.clientWidth);
      faults.push(`${name(el)} cuts its text at the side (${seen}): "${text}"`);
    } else if (hidesY && tall) {
      const seen = sizes(el.scrollHeight, el.clientHeight);
      faults.push(`${name(el)} cuts its text at the bottom (${seen}): "${text}"`);
    } else if (tablesMustFit && scrollsX && wide && el.querySelector('table')) {
      const seen = sizes(el.scrollWidth, el.clientWidth);
      faults.push(`${name(el)} hides a table's right-hand columns (${seen}): "${text}"`);
    }
  }
  return faults;
}"""


# On an upright kiosk the tiles share the screen's height: what is left empty below the
# last one is at most this share of the window (it was half).
KIOSK_EMPTY_BELOW = """() => {
  const tiles = [...document.querySelectorAll('[data-testid=kiosk-service]')];
  const bottom = Math.max(...tiles.map((tile) => tile.getBoundingClientRect().bottom));
  return (document.documentElement.clientHeight - bottom) / document.documentElement.clientHeight;
}"""
MOST_EMPTY_BELOW = 0.1


class Layouts:
    """Draws pages at sizes, saves each drawing and gathers the faults found."""

    def __init__(self) -> None:
        self.faults: dict[str, list[str]] = {}
        self.shots: list[Path] = []
        self.seconds: list[tuple[str, float]] = []
        SHOTS.mkdir(parents=True, exist_ok=True)

    def check(self, page: Page, screen: str, sizes: dict[str, tuple[int, int]]) -> None:
        settled(page)  # what a swap brought (the kiosk's screens) is drawn as it stays
        language = page.evaluate("() => document.documentElement.lang") or "?"
        for size, (width, height) in sizes.items():
            began = time.monotonic()
            page.set_viewport_size({"width": width, "height": height})
            # Two frames: the resize is laid out and painted before the page is read.
            page.evaluate(
                "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
            )
            key = f"{screen}-{size}-{language}"
            found = page.evaluate(FIND_FAULTS, [list(NOT_CLIPPING), size in DESKTOP])
            if screen == "kiosk-services" and size == "portrait":
                empty = page.evaluate(KIOSK_EMPTY_BELOW)
                if empty > MOST_EMPTY_BELOW:
                    found.append(f"the tiles leave {empty:.0%} of the upright screen empty below")
            if found:
                self.faults[key] = found
            path = SHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', key)}.png"
            page.screenshot(path=path, full_page=True)
            self.shots.append(path)
            self.seconds.append((key, time.monotonic() - began))


@pytest.fixture
def contexts(browser: Browser, live_weserve: str) -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def person(
    browser: Browser,
    base_url: str,
    opened: list[BrowserContext],
    username: str | None = None,
    **options: object,
) -> Page:
    """A fresh context at the first size, signed in as `username` (None: the public)."""
    options.setdefault("viewport", {"width": 1366, "height": 768})
    context = browser.new_context(base_url=base_url, locale="ms-MY", **options)
    context.set_default_timeout(15_000)
    opened.append(context)
    page = context.new_page()
    if username:
        sign_in(page, username)
    return page


def speak(page: Page, base_url: str, language: str) -> None:
    """The staff pages' language choice (a cookie)."""
    page.context.add_cookies([{"name": LANGUAGE_COOKIE, "value": language, "url": base_url}])


def staff_pages(page: Page) -> list[str]:
    """The main menu's pages for this person (the Django admin has its own look)."""
    page.goto("/")
    links = page.locator("nav .nav-link").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    return [url for url in dict.fromkeys(["/", *links]) if url and not url.startswith("/admin")]


def slug(url: str) -> str:
    return url.strip("/").replace("/", "-") or "home"


@pytest.mark.browser
def test_every_screen_fits_its_window_without_clipped_text_at_office_sizes(
    browser: Browser, live_weserve: str, contexts: list[BrowserContext]
) -> None:
    layouts = Layouts()
    everywhere = {**DESKTOP, **PHONE}

    # --- A member of the public: sign-in, pairing, a screen not paired yet ------------------
    public = person(browser, live_weserve, contexts)
    for language in LANGUAGES:
        speak(public, live_weserve, language)
        for screen, url in (("sign-in", "/accounts/login/"), ("pair", "/pair/")):
            public.goto(url)
            layouts.check(public, screen, everywhere)
    public.goto(f"/kiosk/{OFFICE}/")  # says what it is in both languages at once
    expect(public.get_by_test_id("unpaired")).to_be_visible()
    layouts.check(public, "unpaired-kiosk", {**everywhere, **PORTRAIT})

    # --- The kiosk, paired as offices pair it: services, priority, slip ---------------------
    code = pairing_code_for_a_new_kiosk(person(browser, live_weserve, contexts))
    kiosk = person(browser, live_weserve, contexts)
    kiosk.goto("/pair/")
    kiosk.locator("input[name=code]").fill(code)
    kiosk.locator("form[action='/pair/'] button[type=submit]").click()
    expect(kiosk).to_have_url(re.compile(rf"/kiosk/{OFFICE}/$"))
    kiosk_sizes = {**DESKTOP, **PORTRAIT, **PHONE}
    ticket_path = ""
    for language in LANGUAGES:
        # No printer in headless Chromium: printing stays off.
        kiosk.goto(f"/kiosk/{OFFICE}/?print=0" + ("&lang=en" if language == "en" else ""))
        expect(kiosk.locator("html")).to_have_attribute("lang", language)
        layouts.check(kiosk, "kiosk-services", kiosk_sizes)
        kiosk.locator(f'[data-testid="kiosk-service"][data-service="{SERVICE}"]').click()
        expect(kiosk.get_by_test_id("kiosk-issue-form")).to_be_visible()
        layouts.check(kiosk, "kiosk-priority", kiosk_sizes)
        kiosk.get_by_test_id("priority-none").click()
        expect(kiosk.get_by_test_id("slip")).to_be_visible()
        layouts.check(kiosk, "kiosk-slip", kiosk_sizes)
        qr_url = kiosk.locator("[data-qr-url]").get_attribute("data-qr-url") or ""
        ticket_path = re.sub(r"^https?://[^/]+", "", qr_url)

    # --- The customer's phone: the page behind the slip's QR code ---------------------------
    phone = person(
        browser,
        live_weserve,
        contexts,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    for language in LANGUAGES:
        phone.goto(f"{ticket_path}?lang={language}")
        expect(phone.get_by_test_id("ticket-number")).to_be_visible()
        layouts.check(phone, "mobile-ticket", {**PHONE, **DESKTOP})

    # --- Calls at counter 1, so the TV has a call and earlier calls to show -----------------
    clerk_api = Api(live_weserve, CLERK)
    counters = {c["number"]: c for c in clerk_api.ok("GET", f"/offices/{OFFICE}/counters")}
    counter_id = counters[COUNTER]["id"]
    if counters[COUNTER]["state"] == "closed":
        clerk_api.ok("POST", f"/counters/{counter_id}/open")
    called = None
    try:
        for _ in range(EARLIER_CALLS + 1):
            clerk_api.ok("POST", f"/offices/{OFFICE}/tickets", {"service": SERVICE})
            if called is not None:
                clerk_api.ok("POST", f"/tickets/{called['id']}/complete")
            called = clerk_api.ok("POST", f"/counters/{counter_id}/call-next")
        assert called is not None
        for _ in range(WAITING):  # and customers waiting, for the console's table
            clerk_api.ok("POST", f"/offices/{OFFICE}/tickets", {"service": SERVICE})

        # --- The office TV, the counter console, the supervisor's pages ---------------------
        supervisor = person(browser, live_weserve, contexts, "penyelia")
        for language in LANGUAGES:
            supervisor.goto(f"/display/{OFFICE}/?lang={language}")
            expect(supervisor.get_by_test_id("hero-number")).to_have_text(called["number"])
            expect(supervisor.locator(".previous-item")).to_have_count(EARLIER_CALLS)
            layouts.check(supervisor, "display", DESKTOP)

        clerk = person(browser, live_weserve, contexts, CLERK)
        for language in LANGUAGES:
            speak(clerk, live_weserve, language)
            clerk.goto(f"/counter/{counter_id}/")
            expect(clerk.get_by_test_id("ticket-number")).to_have_text(called["number"])
            expect(clerk.get_by_test_id("waiting")).to_be_visible()
            layouts.check(clerk, "console", DESKTOP)

        pages = staff_pages(supervisor)
        assert "/counter/live/" in pages, pages
        for language in LANGUAGES:
            speak(supervisor, live_weserve, language)
            for url in pages:
                supervisor.goto(url)
                layouts.check(supervisor, "staff-" + slug(url), DESKTOP)
    finally:
        # Serve whoever waits for the counter (the slips and customers above among them),
        # so the tests after this one find nobody of this test's ahead of theirs.
        for _ in range(60):
            if called is not None:
                clerk_api.ok("POST", f"/tickets/{called['id']}/complete")
            called = clerk_api.ok("POST", f"/counters/{counter_id}/call-next")
            if called is None:
                break
        clerk_api.ok("POST", f"/counters/{counter_id}/close")

    # --- The administrator's own pages ------------------------------------------------------
    admin = person(browser, live_weserve, contexts, "admin")
    for language in LANGUAGES:
        speak(admin, live_weserve, language)
        for url in ("/devices/", "/devices/new/"):
            admin.goto(url)
            layouts.check(admin, "admin-" + slug(url), DESKTOP)

    report = "\n".join(
        f"{key}:\n  " + "\n  ".join(found) for key, found in sorted(layouts.faults.items())
    )
    (SHOTS / "faults.txt").write_text(
        (report or "none")
        + "\n\nseconds per drawing:\n"
        + "\n".join(f"{key} {seconds:.2f}" for key, seconds in layouts.seconds)
    )
    assert len(layouts.shots) > 80, len(layouts.shots)
    assert not layouts.faults, f"layout faults ({len(layouts.faults)} drawings):\n{report}"
