"""The register entry panel on the counter console, in Chromium against `weserve serve`:
a refused entry keeps what was typed, Enter saves, and the entry shows masked."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import ARTIFACTS, complete_current, console_refreshed, settled
from tests.e2e.test_queue_flow import contexts, new_page, sign_in  # noqa: F401

OFFICE = "PKMD-PJ"
COUNTER = 1


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"test_register_panel-{name}.png", full_page=True)


def issue_as_staff(page: Page, service: str) -> str:
    """A ticket issued by the signed-in staff member through the API (session + CSRF)."""
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        f"/api/v1/offices/{OFFICE}/tickets",
        data={"service": service},
        headers={"X-CSRFToken": token, "Referer": page.url},
    )
    assert response.status == 201, response.text()
    return response.json()["number"]


def serve_at_counter(console: Page, service: str) -> str:
    """Open counter 1 as the signed-in clerk (or find it open), issue a ticket for the
    service and call tickets until it is at the counter; its number."""
    console.goto("/counter/")
    choice = console.get_by_test_id("counter-choice").filter(
        has_text=re.compile(rf"\b(Counter|Kaunter) {COUNTER}\b")
    )
    # An earlier test may have left petugas1 at the counter: /counter/ is then the
    # console itself, with that test's customer still called (served below).
    if choice.count():
        open_button = choice.get_by_test_id("open-counter")
        if open_button.count():
            open_button.click()
        else:
            choice.locator("a").first.click()
    expect(
        console.get_by_test_id("call-next").or_(console.get_by_test_id("complete"))
    ).to_be_visible()
    number = issue_as_staff(console, service)
    current = console.get_by_test_id("ticket-number")
    settling = console.locator("[data-settling]")

    def press_call_next() -> None:
        # Right after the page opens, its live refresh may redraw the button under the
        # click; a person would simply press again, and so does the test.
        for _attempt in range(3):
            expect(settling).to_have_count(0)
            settled(console)
            console.get_by_test_id("call-next").click()
            try:
                expect(current).to_be_visible(timeout=3000)
                return
            except AssertionError:
                continue
        expect(current).to_be_visible()

    for _ in range(50):
        expect(settling).to_have_count(0)
        if not current.count():
            press_call_next()
        if current.inner_text().strip() == number:
            break
        expect(settling).to_have_count(0)
        complete_current(console)
        expect(console.get_by_test_id("call-next")).to_be_visible()
    assert current.inner_text().strip() == number
    return number


@pytest.mark.browser
def test_the_counter_registers_the_customer_it_serves(
    browser: Browser,
    live_weserve: str,
    contexts,  # noqa: F811
):
    console = new_page(browser, live_weserve, contexts, viewport={"width": 1366, "height": 768})
    sign_in(console, "petugas1")
    serve_at_counter(console, "INFO")
    settling = console.locator("[data-settling]")
    panel = console.get_by_test_id("register-panel")
    expect(panel.get_by_test_id("register-form")).to_be_visible()
    settled(console)  # the panel loads by htmx; its form is sent by htmx once wired
    panel.locator("#register-name").fill("Siti binti Ahmad")
    panel.locator("#register-mykad").fill("1234")
    panel.locator("#register-category").select_option("single_parent")
    panel.locator("#register-action").select_option("form_issued")
    panel.locator("#register-form_1").select_option("BKK-01")
    panel.locator("#register-quantity_1").fill("2")
    panel.locator("#register-purpose").fill("Mahu memohon bantuan kanak-kanak")
    expect(settling).to_have_count(0)
    panel.locator("#register-purpose").press("Enter")

    # Refused: the message is beside the field, and nothing typed is lost.
    expect(panel.get_by_test_id("register-invalid")).to_be_visible()
    expect(panel.locator("#register-mykad_error")).to_contain_text("MyKad")
    expect(panel.locator("#register-name")).to_have_value("Siti binti Ahmad")
    expect(panel.locator("#register-purpose")).to_have_value("Mahu memohon bantuan kanak-kanak")
    shot(console, "register-refused")

    panel.locator("#register-mykad").fill("850101-14-5123")
    # The console ignores a second press right after an answer (its double-click guard).
    expect(settling).to_have_count(0)
    panel.locator("#register-mykad").press("Enter")
    saved = panel.get_by_test_id("register-saved")
    expect(saved).to_be_visible()
    expect(panel).to_contain_text("******-**-5123")
    expect(panel).not_to_contain_text("850101")
    expect(panel).to_contain_text("BKK-01 × 2")
    shot(console, "register-saved")

    # The live console keeps the saved panel while the customer is still at the counter.
    console_refreshed(console, lambda: issue_as_staff(console, "INFO"))
    expect(console.get_by_test_id("register-saved")).to_be_visible()
    console.get_by_test_id("complete").click()
    expect(console.get_by_test_id("register-panel")).to_have_count(0)
