"""The queue's screens tell the truth (issue 14, items 4, 5 and 6, and its bad input),
as a person sees them in Chromium, against `weserve serve` with the demo data.

- An unpaired kiosk or display says what it is and how to pair it, in both languages.
- With no open counter for a service (PKMD-PJ's OKU registration is served by counters 3
  and 5 only, which no other browser test opens), the kiosk tile, the slip and the phone
  say so, never "shortly"; when a counter opens, the phone changes by itself.
- The office's setting, changed in the admin, makes the kiosk warn first or refuse.
- The console's transfer list marks closed counters; an outcome note over its limit is
  refused with a message and kept for shortening.

Screenshots (test-artifacts/test_screens_truth-*.png) at the sizes offices have, in
Malay and English.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import ARTIFACTS, complete_current, settled
from tests.e2e.test_display_truth import Api
from tests.e2e.test_queue_flow import pairing_code_for_a_new_kiosk, sign_in

OFFICE = "PKMD-PJ"
UNSERVED_SERVICE = "OKU"  # counters 3 and 5 serve it in the demo
UNSERVED_COUNTERS = (3, 5)
UNSERVED = {
    "ms": "Tiada kaunter dibuka untuk perkhidmatan ini sekarang",
    "en": "No counter is open for this service right now",
}
LIVE_TIMEOUT_MS = 15_000
SCREENS = {"1366x768": (1366, 768), "1920x1080": (1920, 1080), "portrait": (1080, 1920)}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def contexts(browser: Browser, live_weserve: str) -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def new_page(
    browser: Browser,
    base_url: str,
    opened: list[BrowserContext],
    *,
    language: str = "ms",
    **options: object,
) -> Page:
    context = browser.new_context(base_url=base_url, locale="ms-MY", **options)
    if language != "ms":  # the staff pages' language choice (a cookie)
        context.add_cookies([{"name": "weserve_language", "value": language, "url": base_url}])
    context.set_default_timeout(15_000)
    opened.append(context)
    return context.new_page()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"test_screens_truth-{name}.png", full_page=True)


def assert_fits(page: Page) -> None:
    """Nothing runs off the right-hand edge."""
    wide, seen = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert wide <= seen, f"{page.url}: {wide}px wide in a {seen}px window"


def close_counters(api: Api, numbers: tuple[int, ...]) -> dict[int, int]:
    """Close the counters (the supervisor may), so nobody serves their services; their ids."""
    listing = api.ok("GET", f"/offices/{OFFICE}/counters")
    ids = {c["number"]: c["id"] for c in listing}
    for counter in listing:
        if counter["number"] in numbers and counter["state"] != "closed":
            assert counter["state"] in ("idle", "paused"), counter
            api.ok("POST", f"/counters/{counter['id']}/close")
    return {n: ids[n] for n in numbers}


def set_office_policy(admin: Page, label: str) -> None:
    """The administrator chooses what the kiosk does, in the admin's office page."""
    admin.goto("/admin/organisation/office/")
    admin.get_by_role("link", name=re.compile(rf"^{OFFICE}\b")).first.click()
    admin.locator("select[name=kiosk_unserved]").select_option(label=label)
    admin.locator("input[name=_save]").click()
    expect(admin.locator(".messagelist, .errornote").first).to_be_visible()
    expect(admin.locator(".errornote")).to_have_count(0)


@pytest.mark.browser
@pytest.mark.parametrize("screen", ["kiosk", "display"])
def test_an_unpaired_screen_says_what_it_is_and_how_to_pair_it(
    browser: Browser, live_weserve: str, contexts: list[BrowserContext], screen: str
) -> None:
    for size, (width, height) in SCREENS.items():
        if screen == "display" and size == "portrait":
            continue
        page = new_page(
            browser, live_weserve, contexts, viewport={"width": width, "height": height}
        )
        page.goto(f"/{screen}/{OFFICE}/")
        expect(page).to_have_url(re.compile(rf"/{screen}/{OFFICE}/$"))  # not the sign-in
        expect(page.locator("input[name=password]")).to_have_count(0)
        unpaired = page.get_by_test_id("unpaired")
        expect(unpaired).to_have_attribute("data-screen", screen)
        what = "Kiosk nombor giliran" if screen == "kiosk" else "Papan paparan giliran"
        expect(page.get_by_test_id("unpaired-ms")).to_contain_text(what)
        expect(page.get_by_test_id("unpaired-ms")).to_contain_text("belum digandingkan")
        what = "Queue number kiosk" if screen == "kiosk" else "Queue display board"
        expect(page.get_by_test_id("unpaired-en")).to_contain_text(what)
        expect(page.get_by_test_id("unpaired-en")).to_contain_text("not paired yet")
        for language in ("ms", "en"):
            expect(page.get_by_test_id(f"unpaired-{language}")).to_contain_text(
                f"{live_weserve}/pair/"
            )
        expect(page.get_by_test_id("unpaired-pair")).to_be_visible()
        assert_fits(page)
        shot(page, f"unpaired-{screen}-{size}")
    page.get_by_test_id("unpaired-pair").click()
    expect(page).to_have_url(re.compile(r"/pair/$"))
    expect(page.locator("input[name=code]")).to_be_visible()


@pytest.mark.browser
def test_no_open_counter_is_said_on_the_tile_the_slip_and_the_phone_until_one_opens(
    browser: Browser, live_weserve: str, contexts: list[BrowserContext]
) -> None:
    supervisor = Api(live_weserve, "penyelia")
    ids = close_counters(supervisor, UNSERVED_COUNTERS)
    code = pairing_code_for_a_new_kiosk(new_page(browser, live_weserve, contexts))
    kiosk = new_page(browser, live_weserve, contexts, viewport={"width": 1920, "height": 1080})
    kiosk.goto("/pair/")
    kiosk.locator("input[name=code]").fill(code)
    kiosk.locator("form[action='/pair/'] button[type=submit]").click()
    expect(kiosk).to_have_url(re.compile(rf"/kiosk/{OFFICE}/$"))

    tile = kiosk.locator(f'[data-testid="kiosk-service"][data-service="{UNSERVED_SERVICE}"]')
    for language in ("ms", "en"):
        kiosk.goto(f"/kiosk/{OFFICE}/?print=0" + ("&lang=en" if language == "en" else ""))
        expect(tile).to_have_attribute("data-served-now", "false")
        expect(tile.get_by_test_id("kiosk-service-unserved")).to_have_text(UNSERVED[language])
        expect(tile).not_to_contain_text(re.compile(r"(about|sekitar) \d+ min|shortly|sebentar"))
        assert_fits(kiosk)
        shot(kiosk, f"kiosk-tiles-unserved-{language}")
    # The office issues anyway (its default), and the slip says why nobody calls yet.
    tile.click()
    expect(kiosk.get_by_test_id("kiosk-issue-form")).to_be_visible()
    settled(kiosk)  # the form came by htmx
    expect(kiosk.get_by_test_id("kiosk-unserved-warning")).to_have_count(0)
    kiosk.get_by_test_id("priority-none").click()
    expect(kiosk.get_by_test_id("slip-unserved")).to_contain_text(UNSERVED["en"])
    expect(kiosk.get_by_test_id("slip-wait")).to_have_count(0)
    shot(kiosk, "slip-unserved-en")
    qr_url = kiosk.locator("[data-qr-url]").get_attribute("data-qr-url") or ""
    ticket_path = re.sub(r"^https?://[^/]+", "", qr_url)

    phone = new_page(browser, live_weserve, contexts, viewport=PHONE, is_mobile=True)
    with phone.expect_response(re.compile(r"/api/v1/tickets/")):
        phone.goto(ticket_path)
    expect(phone.get_by_test_id("ticket-unserved")).to_have_text(UNSERVED["en"])
    expect(phone.locator("[data-when-next]")).to_be_hidden()
    expect(phone.get_by_test_id("ticket-wait-shortly")).to_be_hidden()
    assert_fits(phone)
    shot(phone, "phone-unserved-en")
    phone.get_by_test_id("ticket-language").click()
    expect(phone.get_by_test_id("ticket-unserved")).to_have_text(UNSERVED["ms"])
    assert_fits(phone)
    shot(phone, "phone-unserved-ms")

    # Counter 3 opens: the phone learns it by itself; the customer now has a real wait.
    supervisor.ok("POST", f"/counters/{ids[3]}/open")
    try:
        expect(phone.get_by_test_id("ticket-unserved")).to_be_hidden(timeout=LIVE_TIMEOUT_MS)
        shown = phone.locator("[data-wait]:visible")
        expect(shown).to_have_count(1)
        expect(shown).to_have_text(
            re.compile(r"^\s*([1-9]\d* minit|Anda akan dipanggil sebentar lagi)\s*$")
        )
        shot(phone, "phone-served-ms")
        kiosk.goto(f"/kiosk/{OFFICE}/?print=0")
        expect(tile).to_have_attribute("data-served-now", "true")
        expect(tile.get_by_test_id("kiosk-service-unserved")).to_have_count(0)
        # The tile and a slip taken now give the same figure (item 5).
        said = tile.get_by_test_id("kiosk-service-wait").inner_text().split(" · ", 1)[1]
        tile.click()
        expect(kiosk.get_by_test_id("kiosk-issue-form")).to_be_visible()
        settled(kiosk)
        kiosk.get_by_test_id("priority-none").click()
        expect(kiosk.get_by_test_id("slip-wait")).to_have_text(said)
        assert not re.search(r"sekitar 0 minit", kiosk.content())
        shot(kiosk, "slip-served-ms")
    finally:
        supervisor.call("POST", f"/counters/{ids[3]}/close")


@pytest.mark.browser
def test_the_admin_makes_the_kiosk_warn_first_or_refuse_on_the_page_and_the_api(
    browser: Browser, live_weserve: str, contexts: list[BrowserContext]
) -> None:
    supervisor = Api(live_weserve, "penyelia")
    close_counters(supervisor, UNSERVED_COUNTERS)
    admin = new_page(browser, live_weserve, contexts, language="en")
    sign_in(admin, "admin")
    preview = new_page(browser, live_weserve, contexts, viewport={"width": 1366, "height": 768})
    sign_in(preview, "penyelia")  # the supervisor's preview runs the kiosk's rules
    step = f"/kiosk/{OFFICE}/services/{UNSERVED_SERVICE}/?print=0"
    try:
        set_office_policy(admin, "Warn the customer first, then issue if they still want it")
        for language in ("ms", "en"):
            preview.goto(step + ("&lang=en" if language == "en" else ""))
            expect(preview.get_by_test_id("kiosk-unserved-warning")).to_contain_text(
                UNSERVED[language]
            )
            expect(preview.get_by_test_id("priority-none")).to_be_enabled()
            assert_fits(preview)
            shot(preview, f"kiosk-warn-{language}")

        set_office_policy(admin, "Refuse to issue it")
        for language in ("ms", "en"):
            query = "&lang=en" if language == "en" else ""
            preview.goto(f"/kiosk/{OFFICE}/?print=0{query}")
            tile = preview.locator(f'[data-service="{UNSERVED_SERVICE}"]')
            expect(tile).to_have_attribute("data-refused", "")
            expect(tile).to_contain_text(UNSERVED[language])
            expect(tile.locator("xpath=ancestor-or-self::a")).to_have_count(0)
            assert_fits(preview)
            shot(preview, f"kiosk-refuse-tiles-{language}")
            response = preview.goto(step + query)
            assert response is not None and response.status == 409
            expect(preview.get_by_test_id("kiosk-message")).to_contain_text(UNSERVED[language])
            shot(preview, f"kiosk-refuse-{language}")
        # (The API remembers an office for a few seconds, decision 16; no API call of
        # this office came in that long before the setting changed.)
        status, body = supervisor.call(
            "POST", f"/offices/{OFFICE}/tickets", {"service": UNSERVED_SERVICE}
        )
        assert status == 409
        assert body is not None and body["code"] == "no_open_counter"
        assert set(body) == {"detail", "code"} and body["detail"].startswith(UNSERVED["ms"])
    finally:
        set_office_policy(admin, "Issue the ticket, saying no counter is open for it")


@pytest.mark.browser
@pytest.mark.parametrize("language", ["ms", "en"])
def test_the_console_marks_closed_counters_and_refuses_an_overlong_outcome(
    browser: Browser, live_weserve: str, contexts: list[BrowserContext], language: str
) -> None:
    supervisor = Api(live_weserve, "penyelia")
    ids = close_counters(supervisor, UNSERVED_COUNTERS)
    console = new_page(
        browser, live_weserve, contexts, language=language, viewport={"width": 1366, "height": 768}
    )
    sign_in(console, "penyelia")
    console.goto(f"/counter/{ids[3]}/")
    try:
        console.locator("form[action$='/counter/open/'] button[type=submit]").click()
        expect(console.get_by_test_id("call-next")).to_be_visible()
        # Counter 3 is open now, so the office issues for OKU whatever its setting (which
        # the API remembers for a few seconds: decision 16).
        supervisor.ok("POST", f"/offices/{OFFICE}/tickets", {"service": UNSERVED_SERVICE})
        # The live refresh after opening may redraw the button under the click; a person
        # would press again, and so does the test (as test_queue_flow does).
        for _attempt in range(3):
            expect(console.locator("[data-settling]")).to_have_count(0)
            settled(console)
            console.get_by_test_id("call-next").click()
            try:
                expect(console.get_by_test_id("ticket-number")).to_be_visible(timeout=3000)
                break
            except AssertionError:
                continue
        expect(console.get_by_test_id("ticket-number")).to_be_visible()

        closed = "ditutup" if language == "ms" else "closed"
        counter_five = console.locator(f'#transfer-to option[value="counter:{ids[5]}"]')
        expect(counter_five).to_have_text(re.compile(rf"— {closed}$"))
        expect(counter_five).to_have_attribute("data-closed", "")

        note = ("Borang BKK diberi; " * 13).strip()
        console.get_by_test_id("outcome").fill(note)
        # Clicks right after an action's answer are taken for a double click (console.js).
        settling = console.locator("[data-settling]")
        expect(settling).to_have_count(0)
        settled(console)
        console.get_by_test_id("complete").click()
        error = console.get_by_test_id("console-error")
        limit = {
            "ms": "paling banyak 200 aksara; catatan ini ada 246",
            "en": "at most 200 characters; it has 246",
        }[language]
        expect(error).to_contain_text(limit)
        expect(console.get_by_test_id("outcome")).to_have_value(note)
        expect(console.get_by_test_id("ticket-number")).to_be_visible()  # still at the counter
        assert_fits(console)
        shot(console, f"console-outcome-refused-{language}")

        console.get_by_test_id("outcome").fill(note[:120])
        expect(settling).to_have_count(0)
        complete_current(console)
        expect(console.get_by_test_id("no-customer")).to_be_visible()
    finally:
        supervisor.call("POST", f"/counters/{ids[3]}/close")
