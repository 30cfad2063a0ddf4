"""A referral end to end (issue 15, PT-2.5), in Chromium against `weserve serve` with the
demo data: the counter serves a ticket, fills the register entry and refers the customer
to pegawai1; pegawai1's menu badge appears without a reload; pegawai1 accepts and closes
the referral from the inbox; the counter's panel shows it closed, live.

Also the screenshots of the panel and the inbox, in Malay and English, at 1366×768,
1920×1080 and on a phone (test-artifacts/test_referrals-*.png)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import ARTIFACTS, console_refreshed, settled
from tests.e2e.test_queue_flow import LIVE_TIMEOUT_MS, contexts, new_page, sign_in  # noqa: F401
from tests.e2e.test_register_panel import issue_as_staff, serve_at_counter

CUSTOMER = "Rosnah binti Ismail"
VIEWPORTS = {"1366": (1366, 768), "1920": (1920, 1080), "phone": (390, 844)}


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"test_referrals-{name}.png", full_page=True)


def in_language(context: BrowserContext, base_url: str, language: str) -> None:
    context.add_cookies([{"name": "weserve_language", "value": language, "url": base_url}])


def screenshots(page: Page, base_url: str, path: str, name: str) -> None:
    """The page at each size, in Malay and English; then back to Malay at 1366×768."""
    for language in ("ms", "en"):
        in_language(page.context, base_url, language)
        for label, (width, height) in VIEWPORTS.items():
            page.set_viewport_size({"width": width, "height": height})
            page.goto(path)
            expect(page.locator("html")).to_have_attribute("lang", language)
            shot(page, f"{name}-{language}-{label}")
    in_language(page.context, base_url, "ms")
    page.set_viewport_size({"width": 1366, "height": 768})


@pytest.mark.browser
def test_the_counter_refers_to_pegawai1_who_accepts_and_closes_it(
    browser: Browser,
    live_weserve: str,
    contexts,  # noqa: F811
):
    # The officer is signed in first, on the home page: the badge must come by itself.
    officer = new_page(browser, live_weserve, contexts, viewport={"width": 1366, "height": 768})
    sign_in(officer, "pegawai1")
    officer.goto("/")
    badge = officer.get_by_test_id("referral-badge")
    expect(badge).to_have_count(1)
    before = int(badge.get_attribute("data-count") or "0")

    console = new_page(browser, live_weserve, contexts, viewport={"width": 1366, "height": 768})
    sign_in(console, "petugas1")
    number = serve_at_counter(console, "INFO")
    settling = console.locator("[data-settling]")

    # Completing before the customer is registered asks first (the office's default).
    expect(settling).to_have_count(0)
    console.get_by_test_id("complete").click()
    asked = console.get_by_test_id("complete-confirm-box")
    expect(asked).to_contain_text(number)
    expect(console.get_by_test_id("ticket-number")).to_have_text(number)
    # The question stays through the console's live refreshes (another customer comes).
    console_refreshed(console, lambda: issue_as_staff(console, "BKK"))
    expect(asked).to_be_visible()
    shot(console, "complete-asks")

    panel = console.get_by_test_id("register-panel")
    panel.locator("#register-name").fill(CUSTOMER)
    panel.locator("#register-category").select_option("elderly")
    panel.locator("#register-action").select_option("referred")
    panel.locator("#register-purpose").fill("Bertanya tentang Bantuan Warga Emas untuk ibu")
    expect(settling).to_have_count(0)
    panel.locator("#register-purpose").press("Enter")
    expect(panel.get_by_test_id("register-saved")).to_be_visible()

    # The directory: search by the service pegawai1 handles, choose, refer.
    section = panel.get_by_test_id("referral-section")
    # The console takes nothing in the moment after it redraws (console.js's settling).
    expect(settling).to_have_count(0)
    section.get_by_test_id("referral-search").fill("Warga Emas")
    choice = section.locator("label", has_text="Siti Nur Aisyah")
    expect(choice).to_be_visible()
    expect(section.get_by_test_id("officer-choice")).to_have_count(1)
    choice.click()
    section.get_by_test_id("referral-note").fill("Ibu pelanggan uzur; perlu penjelasan BWE.")
    shot(console, "panel-choosing")
    expect(settling).to_have_count(0)
    section.get_by_test_id("referral-submit").click()
    status = console.get_by_test_id("referral-status")
    expect(status.get_by_test_id("referral-state")).to_have_attribute("data-state", "pending")
    expect(status).to_contain_text("Siti Nur Aisyah")

    # pegawai1's badge goes up without a reload (the referrals stream).
    expect(badge).to_have_attribute("data-count", str(before + 1), timeout=LIVE_TIMEOUT_MS)
    expect(badge).to_be_visible()
    shot(officer, "badge")

    officer.get_by_role("link", name=re.compile(r"Rujukan")).first.click()
    expect(officer).to_have_url(re.compile(r"/referrals/$"))
    row = officer.get_by_test_id("inbox-referral").filter(has_text=CUSTOMER)
    expect(row).to_contain_text(number)
    expect(row).to_contain_text("Ibu pelanggan uzur")
    row.get_by_test_id("referral-accept").click()
    expect(officer.get_by_test_id("inbox-notice")).to_contain_text(CUSTOMER)
    expect(
        console.get_by_test_id("referral-status").get_by_test_id("referral-state")
    ).to_have_attribute("data-state", "accepted", timeout=LIVE_TIMEOUT_MS)

    screenshots(officer, live_weserve, "/referrals/", "inbox")

    row = officer.get_by_test_id("inbox-referral").filter(has_text=CUSTOMER)
    row.get_by_test_id("referral-close").click()
    expect(row.get_by_test_id("outcome-error")).to_be_visible()  # an outcome is needed
    settled(officer)  # the inbox was drawn again: its forms are sent by htmx once wired
    row.get_by_test_id("referral-outcome-input").fill("Syarat BWE diterangkan; borang diberi.")
    row.get_by_test_id("referral-close").click()
    expect(officer.get_by_test_id("inbox-notice")).to_contain_text(CUSTOMER)
    expect(officer.get_by_test_id("inbox-closed")).to_contain_text("Syarat BWE diterangkan")

    # The counter's panel shows the referral closed, with its outcome, without a reload.
    status = console.get_by_test_id("referral-status")
    expect(status.get_by_test_id("referral-state")).to_have_attribute(
        "data-state", "closed", timeout=LIVE_TIMEOUT_MS
    )
    expect(status).to_contain_text("Syarat BWE diterangkan")
    shot(console, "panel-closed")
    screenshots(console, live_weserve, "/counter/", "panel")

    # The customer is in the register now: Complete completes at once.
    expect(settling).to_have_count(0)
    console.get_by_test_id("complete").click()
    expect(console.get_by_test_id("call-next")).to_be_visible()
