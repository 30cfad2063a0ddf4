"""The counter's rating tablet in Chromium against `weserve serve` with the demo data.

An administrator pairs a rating tablet for counter 1; petugas1 completes a customer at
counter 1 in the console; the tablet, without a reload, asks that customer to rate the
visit; a face sends it, the tablet thanks and goes back to its welcome screen, and the
rating is stored against petugas1. A second customer rates from the phone instead (the
slip's QR link), and the tablet, which was asking them, lets go at once. A third rates
on the tablet, then opens the full Customer Satisfaction Form from the thanks and files
it for the same visit.

Screenshots of every screen (tablet at 1280×800 and 1366×768, a phone; Malay and
English) go to test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import ARTIFACTS, complete_current, settled
from tests.e2e.test_queue_flow import contexts, new_page, sign_in  # noqa: F401

OFFICE = "PKMD-PJ"
COUNTER = 1
LIVE_TIMEOUT_MS = 15_000
# The thanks stays 6 s (feedback.views.THANKS_SECONDS); allow a slow machine.
RESET_TIMEOUT_MS = 20_000


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"test_rating_tablet-{name}.png", full_page=True)


def pair_rating_tablet(admin: Page, tablet: Page) -> None:
    """The administrator adds counter 1's rating tablet; the tablet types its code."""
    sign_in(admin, "admin")
    admin.goto("/devices/new/")
    admin.locator("select[name=kind]").select_option("rating")
    admin.locator("input[name=name]").fill("Tablet kaunter 1 (e2e)")
    option = admin.locator("select[name=counter] option").filter(
        has_text=re.compile(rf"^\s*Kaunter {COUNTER}\b")
    )
    admin.locator("select[name=counter]").select_option(option.first.get_attribute("value"))
    admin.locator("form[action$='/devices/new/'] button[type=submit]").click()
    admin.locator("form[action*='/pairing-code/'] button[type=submit]").click()
    code = admin.get_by_test_id("pairing-code").inner_text().strip()
    tablet.goto("/pair/")
    tablet.locator("input[name=code]").fill(code)
    tablet.locator("form[action='/pair/'] button[type=submit]").click()
    expect(tablet).to_have_url(re.compile(rf"/feedback/{OFFICE}/counter/{COUNTER}/$"))


def issue_as_staff(page: Page, service: str) -> dict:
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        f"/api/v1/offices/{OFFICE}/tickets",
        data={"service": service},
        headers={"X-CSRFToken": token, "Referer": page.url},
    )
    assert response.status == 201, response.text()
    return response.json()


def open_counter(console: Page) -> None:
    console.goto("/counter/")
    choice = console.get_by_test_id("counter-choice").filter(
        has_text=re.compile(rf"\b(Counter|Kaunter) {COUNTER}\b")
    )
    # An earlier test may have left petugas1 at the counter, with a customer called.
    if choice.count():
        open_button = choice.get_by_test_id("open-counter")
        if open_button.count():
            open_button.click()
        else:
            choice.locator("a").first.click()
    expect(
        console.get_by_test_id("call-next").or_(console.get_by_test_id("complete"))
    ).to_be_visible()


def serve_and_complete(console: Page, number: str) -> None:
    """Call customers at counter 1 until `number` comes, completing each; then complete it."""
    current = console.get_by_test_id("ticket-number")
    settling = console.locator("[data-settling]")
    for _ in range(50):
        expect(settling).to_have_count(0)
        if not current.count():
            for _attempt in range(3):
                expect(settling).to_have_count(0)
                settled(console)
                console.get_by_test_id("call-next").click()
                try:
                    expect(current).to_be_visible(timeout=3000)
                    break
                except AssertionError:
                    continue
        expect(current).to_be_visible()
        called = current.inner_text().strip()
        expect(settling).to_have_count(0)
        complete_current(console)
        expect(console.get_by_test_id("call-next")).to_be_visible()
        if called == number:
            return
    raise AssertionError(f"counter {COUNTER} never called {number}")


@pytest.mark.browser
def test_a_customer_rates_the_visit_on_the_counters_tablet_and_from_the_phone(
    browser: Browser,
    live_weserve: str,
    contexts,  # noqa: F811
):
    tablet = new_page(browser, live_weserve, contexts, viewport={"width": 1280, "height": 800})
    admin = new_page(browser, live_weserve, contexts)
    pair_rating_tablet(admin, tablet)
    welcome = tablet.get_by_test_id("tablet-welcome")
    pending = tablet.get_by_test_id("tablet-ticket")
    expect(welcome.or_(pending)).to_be_visible()
    if pending.is_visible():
        # An earlier test (the shared server) completed a customer at counter 1 minutes ago
        # and nobody rated it: the tablet rightly asks about it. That customer answers.
        tablet.get_by_test_id("face-3").click()
        expect(tablet.get_by_test_id("tablet-thanks")).to_be_visible()
    expect(welcome).to_be_visible(timeout=RESET_TIMEOUT_MS)
    expect(tablet.locator("html")).to_have_attribute("lang", "ms")

    console = new_page(browser, live_weserve, contexts, viewport={"width": 1366, "height": 768})
    sign_in(console, "petugas1")
    open_counter(console)
    # Earlier completions at counter 1 may still be waiting for a rating: the tablet
    # welcomes only once none is. Our customer comes next.
    first = issue_as_staff(console, "INFO")
    serve_and_complete(console, first["number"])

    # --- The tablet asks, live: no reload -------------------------------------------------
    rate = tablet.get_by_test_id("tablet-rate")
    expect(rate).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    expect(tablet.get_by_test_id("tablet-ticket")).to_contain_text(first["number"])
    expect(tablet.get_by_test_id("tablet-ticket")).to_contain_text("Tan Mei Ling")
    expect(tablet.get_by_test_id("face-1")).to_contain_text("Sangat Tidak Puas Hati")
    expect(tablet.get_by_test_id("face-5")).to_contain_text("Sangat Puas Hati")
    shot(tablet, "rate-1280x800-ms")
    tablet.set_viewport_size({"width": 1366, "height": 768})
    shot(tablet, "rate-1366x768-ms")
    settled(tablet)  # the screen came with a live refresh
    tablet.get_by_test_id("tablet-language").click()
    expect(tablet.locator("html")).to_have_attribute("lang", "en")
    expect(tablet.get_by_test_id("face-5")).to_contain_text("Very satisfied")
    shot(tablet, "rate-1366x768-en")
    tablet.set_viewport_size({"width": 390, "height": 844})
    shot(tablet, "rate-phone-en")
    tablet.set_viewport_size({"width": 1280, "height": 800})
    shot(tablet, "rate-1280x800-en")

    # A reload shows the same screen (the state is the server's).
    tablet.reload()
    expect(tablet.get_by_test_id("tablet-ticket")).to_contain_text(first["number"])

    # --- A reason, a comment, a face (tapped twice: one rating) ---------------------------
    tablet.get_by_text("Budi bahasa pegawai").click()
    expect(tablet.get_by_test_id("reason-courtesy")).to_be_checked()
    tablet.get_by_test_id("rating-comment").fill("Pegawai sangat membantu")
    tablet.get_by_test_id("face-5").dblclick()
    thanks = tablet.get_by_test_id("tablet-thanks")
    expect(thanks).to_be_visible()
    expect(thanks).to_contain_text("Terima kasih!")
    shot(tablet, "thanks-1280x800-ms")
    expect(tablet.get_by_test_id("tablet-welcome")).to_be_visible(timeout=RESET_TIMEOUT_MS)
    expect(tablet.locator("html")).to_have_attribute("lang", "ms")
    shot(tablet, "welcome-1280x800-ms")

    # --- Stored once, against the staff member who served --------------------------------
    admin.goto("/admin/feedback/rating/")
    row = admin.locator("#result_list tbody tr").filter(has_text=first["number"])
    expect(row).to_have_count(1)
    expect(row).to_contain_text("petugas1")
    expect(row).to_contain_text("Sangat Puas Hati")
    expect(row).to_contain_text("Tablet kaunter")
    row.locator("a").first.click()
    expect(admin.locator("body")).to_contain_text("Budi bahasa pegawai")
    expect(admin.locator("body")).to_contain_text("Pegawai sangat membantu")

    # --- The next customer rates from the phone instead ----------------------------------
    second = issue_as_staff(console, "INFO")
    serve_and_complete(console, second["number"])
    expect(tablet.get_by_test_id("tablet-ticket")).to_contain_text(
        second["number"], timeout=LIVE_TIMEOUT_MS
    )
    phone = new_page(
        browser,
        live_weserve,
        contexts,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    phone.goto(f"/t/{second['id']}/")
    expect(phone.get_by_test_id("ticket-link-rate")).to_be_visible()
    shot(phone, "ticket-page-completed")
    phone.get_by_test_id("ticket-link-rate").click()
    expect(phone.get_by_test_id("rating-form")).to_be_visible()
    shot(phone, "qr-phone-ms")
    phone.get_by_test_id("rating-language").click()
    expect(phone.get_by_test_id("face-4")).to_contain_text("Satisfied")
    shot(phone, "qr-phone-en")
    phone.get_by_test_id("face-4").click()
    expect(phone.get_by_test_id("rating-done")).to_contain_text("Thank you!")
    shot(phone, "qr-phone-thanks-en")
    # Rated from the phone: the tablet stops asking at once.
    expect(tablet.get_by_test_id("tablet-welcome")).to_be_visible(timeout=LIVE_TIMEOUT_MS)

    admin.goto("/admin/feedback/rating/")
    row = admin.locator("#result_list tbody tr").filter(has_text=second["number"])
    expect(row).to_contain_text("Kod QR pada slip")
    expect(row).to_contain_text("petugas1")

    # --- A third customer rates, then says more on the full form from the thanks --------
    third = issue_as_staff(console, "INFO")
    serve_and_complete(console, third["number"])
    expect(tablet.get_by_test_id("tablet-ticket")).to_contain_text(
        third["number"], timeout=LIVE_TIMEOUT_MS
    )
    settled(tablet)  # the screen came with a live refresh: its form is sent by htmx
    tablet.get_by_test_id("face-2").click()
    expect(tablet.get_by_test_id("tablet-thanks")).to_be_visible()
    more = tablet.get_by_test_id("tablet-full-form")
    expect(more).to_contain_text("Borang Kepuasan Pelanggan")
    more.click()
    expect(tablet.get_by_test_id("tablet-form")).to_be_visible()
    expect(tablet.get_by_test_id("tablet-form-ticket")).to_contain_text(third["number"])
    shot(tablet, "full-form-1280x800-ms")
    for code in ("waiting_time", "courtesy", "knowledge", "clarity", "facilities", "overall"):
        tablet.get_by_test_id(f"item_{code}-2").check()
    tablet.locator("textarea[name=comment]").fill("Menunggu lebih sejam")
    tablet.get_by_test_id("tablet-form-send").click()
    expect(tablet.get_by_test_id("tablet-form-thanks")).to_be_visible()
    tablet.get_by_test_id("tablet-form-done").click()
    expect(tablet.get_by_test_id("tablet-welcome")).to_be_visible()

    # Filed against the visit: the supervisor finds it among the office's forms.
    supervisor = new_page(browser, live_weserve, contexts)
    sign_in(supervisor, "penyelia")
    supervisor.goto(f"/feedback/{OFFICE}/forms/?channel=tablet")
    # The newest first.
    supervisor.get_by_test_id("form-row").first.locator("a").first.click()
    expect(supervisor.get_by_test_id("form-facts")).to_contain_text(third["number"])
    expect(supervisor.locator("body")).to_contain_text("Menunggu lebih sejam")
