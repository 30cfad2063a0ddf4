"""The register for its readers in Chromium (issue 15 item 4, PT-1.8): the supervisor
registers a walk-in and refers it to pegawai1 from the entry's page, finds the visit on the
register's search page (MyKad masked), downloads the CSV and opens the day's PDF.

Screenshots of the search page and the walk-in page, in Malay and English, at 1366×768,
1920×1080 and on a phone (test-artifacts/test_register_book-*.png)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_queue_flow import contexts, new_page, sign_in  # noqa: F401

CUSTOMER = "Zainab binti Harun"
OFFICE = "PKMD-PJ"
VIEWPORTS = {"1366": (1366, 768), "1920": (1920, 1080), "phone": (390, 844)}


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"test_register_book-{name}.png", full_page=True)


def in_language(context: BrowserContext, base_url: str, language: str) -> None:
    context.add_cookies([{"name": "weserve_language", "value": language, "url": base_url}])


@pytest.mark.browser
def test_a_supervisor_finds_a_walk_in_exports_it_and_prints_the_day(
    browser: Browser,
    live_weserve: str,
    contexts,  # noqa: F811
):
    page = new_page(browser, live_weserve, contexts, viewport={"width": 1366, "height": 768})
    sign_in(page, "penyelia")

    # A walk-in, saved from the keyboard (Enter), then referred to pegawai1.
    page.goto("/register/walk-in/")
    page.locator("#register-name").fill(CUSTOMER)
    page.locator("#register-mykad").fill("850101-14-5123")
    page.locator("#register-category").select_option("single_parent")
    page.locator("#register-service").select_option(index=0)
    page.locator("#register-action").select_option("referred")
    page.locator("#register-purpose").fill("Bertanya tentang bantuan")
    page.locator("#register-purpose").press("Enter")
    expect(page).to_have_url(re.compile(r"/register/entries/\d+/$"))
    expect(page.get_by_test_id("register-saved")).to_be_visible()
    page.get_by_test_id("referral-search").fill("Warga Emas")
    choice = page.locator("label", has_text="Siti Nur Aisyah")  # pegawai1
    expect(choice).to_be_visible()
    expect(page.get_by_test_id("officer-choice")).to_have_count(1)
    choice.click()
    page.get_by_test_id("referral-submit").click()
    expect(page.get_by_test_id("referral-state").first).to_have_attribute("data-state", "pending")

    # The register: the menu's entry opens today's register of the office.
    page.goto("/register/")
    expect(page).to_have_url(re.compile(rf"/register/offices/{OFFICE}/"))
    page.locator("#register-filter-q").fill("Zainab")
    page.get_by_test_id("register-filter-submit").click()
    rows = page.get_by_test_id("register-entry")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(CUSTOMER)
    expect(rows.first).to_contain_text("******-**-5123")
    expect(page.get_by_test_id("register-entries")).not_to_contain_text("850101")

    with page.expect_download() as download:
        page.get_by_test_id("export-csv").click()
    body = open(download.value.path(), encoding="utf-8-sig").read()  # noqa: PTH123, SIM115
    assert CUSTOMER in body and "******-**-5123" in body and "850101" not in body

    href = page.get_by_test_id("print-day").get_attribute("href")
    assert href is not None
    pdf = page.request.get(href, timeout=120_000)  # WeasyPrint's first print is slow
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")

    # Screenshots, looked at by a person: the search page and the walk-in form.
    for language in ("ms", "en"):
        in_language(page.context, live_weserve, language)
        for label, (width, height) in VIEWPORTS.items():
            page.set_viewport_size({"width": width, "height": height})
            page.goto(f"/register/offices/{OFFICE}/?q=Zainab")
            expect(page.locator("html")).to_have_attribute("lang", language)
            expect(page.get_by_test_id("register-entry")).to_have_count(1)
            shot(page, f"search-{language}-{label}")
            page.goto("/register/walk-in/")
            shot(page, f"walk-in-{language}-{label}")


@pytest.mark.browser
def test_a_clerk_finds_a_returning_customer_from_the_mykad_and_uses_the_earlier_details(
    browser: Browser,
    live_weserve: str,
    contexts,  # noqa: F811
):
    returning, mykad = "Hamidah binti Yusof", "770707-07-7077"
    clerk = new_page(browser, live_weserve, contexts, viewport={"width": 1366, "height": 768})
    sign_in(clerk, "petugas1")
    clerk.goto("/register/walk-in/")
    clerk.locator("#register-name").fill(returning)
    clerk.locator("#register-mykad").fill(mykad)
    clerk.locator("#register-category").select_option("elderly")
    clerk.locator("#register-service").select_option(index=0)
    clerk.locator("#register-action").select_option("info")
    clerk.locator("#register-purpose").fill("Bertanya tentang Bantuan Warga Emas")
    clerk.locator("#register-purpose").press("Enter")
    expect(clerk).to_have_url(re.compile(r"/register/entries/\d+/$"))

    # She comes back: the clerk types the number and asks, from the keyboard; only the
    # number is sent.
    clerk.goto("/register/walk-in/")
    clerk.locator("#register-name").fill("(belum tahu)")
    clerk.locator("#register-mykad").fill("770707077077")
    clerk.locator("#register-mykad").press("Tab")
    expect(clerk.get_by_test_id("returning-find")).to_be_focused()
    with clerk.expect_request(re.compile(r"/register/returning/$")) as asked:
        clerk.keyboard.press("Enter")
    sent = asked.value.post_data or ""
    assert "mykad=770707077077" in sent and "name=" not in sent and "purpose=" not in sent
    visits = clerk.get_by_test_id("returning-visits")
    expect(visits).to_contain_text(returning)
    expect(visits).to_contain_text("******-**-7077")
    expect(visits).not_to_contain_text("770707")
    for language in ("ms", "en"):
        in_language(clerk.context, live_weserve, language)
        for label, (width, height) in VIEWPORTS.items():
            clerk.set_viewport_size({"width": width, "height": height})
            clerk.goto("/register/walk-in/")
            clerk.locator("#register-mykad").fill(mykad)
            clerk.get_by_test_id("returning-find").click()
            expect(clerk.get_by_test_id("returning-visit").first).to_be_visible()
            shot(clerk, f"returning-{language}-{label}")
    in_language(clerk.context, live_weserve, "ms")
    clerk.set_viewport_size({"width": 1366, "height": 768})

    # "Use" copies the earlier name and category; the purpose is next.
    visit = clerk.get_by_test_id("returning-visit").filter(has_text=returning).first
    visit.get_by_test_id("returning-use").click()
    expect(clerk.locator("#register-name")).to_have_value(returning)
    expect(clerk.locator("#register-category")).to_have_value("elderly")
    expect(clerk.locator("#register-purpose")).to_be_focused()

    # A number that cannot be a MyKad is said so, under the field (a 422).
    clerk.locator("#register-mykad").fill("12ab")
    clerk.get_by_test_id("returning-find").click()
    expect(clerk.get_by_test_id("returning-error")).to_contain_text("850101-14-5123")
    expect(clerk.get_by_test_id("returning-visits")).to_have_count(0)
    shot(clerk, "returning-refused-ms-1366")
