"""The telephone desk end to end (issue 17, PT-3.1, PT-3.4, PT-3.5, PT-3.8, PY-3.5), in
Chromium against `weserve serve` with the demo data: pegawai1 sets herself out in one
click; the exchange (a device the administrator adds) reports a call ringing; the
operator sees it on the console without a reload, answers, finds pegawai1 in the
directory (out), takes a message; pegawai1 sees it in her inbox and records the
call-back.

Also the screenshots of the console, the inbox and the report, in Malay and English, at
1366×768 and on a phone (test-artifacts/test_telephone_desk-*.png)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import ARTIFACTS, settled
from tests.e2e.test_queue_flow import LIVE_TIMEOUT_MS, contexts, new_page, sign_in  # noqa: F401

VIEWPORTS = {"1366": (1366, 768), "phone": (390, 844)}
OFFICER = "Siti Nur Aisyah"


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"test_telephone_desk-{name}.png", full_page=True)


def in_language(context: BrowserContext, base_url: str, language: str) -> None:
    context.add_cookies([{"name": "weserve_language", "value": language, "url": base_url}])


def screenshots(page: Page, base_url: str, path: str, name: str) -> None:
    for language in ("ms", "en"):
        in_language(page.context, base_url, language)
        for label, (width, height) in VIEWPORTS.items():
            page.set_viewport_size({"width": width, "height": height})
            page.goto(path)
            expect(page.locator("html")).to_have_attribute("lang", language)
            shot(page, f"{name}-{language}-{label}")
    in_language(page.context, base_url, "ms")
    page.set_viewport_size({"width": 1366, "height": 768})


def exchange_token(page: Page) -> str:
    """The administrator adds the office's telephone exchange; its token shows once."""
    sign_in(page, "admin")
    page.goto("/devices/new/")
    page.locator("select[name=kind]").select_option("exchange")
    page.locator("input[name=name]").fill("Asterisk ujian")
    page.locator("input[name=name]").press("Enter")
    return page.get_by_test_id("device-token").inner_text().strip()


@pytest.mark.browser
def test_a_call_rings_is_answered_and_a_message_reaches_the_officer_who_is_out(
    browser: Browser,
    live_weserve: str,
    contexts,  # noqa: F811
):
    officer = new_page(browser, live_weserve, contexts, viewport={"width": 1366, "height": 768})
    sign_in(officer, "pegawai1")
    officer.goto("/messages/")
    officer.get_by_test_id("presence-out").click()
    expect(officer.get_by_test_id("presence-out")).to_have_attribute("aria-pressed", "true")

    admin = new_page(browser, live_weserve, contexts)
    token = exchange_token(admin)

    operator = new_page(browser, live_weserve, contexts, viewport={"width": 1366, "height": 768})
    sign_in(operator, "telefonis")
    operator.goto("/phone/")
    expect(operator.get_by_test_id("phone-calls")).to_be_visible()

    # The exchange: a call rings.
    now = dt.datetime.now(dt.UTC).isoformat()
    reply = admin.request.post(
        "/api/v1/telephony/events",
        headers={"Authorization": f"Bearer {token}"},
        data={
            "event_id": "e2e-1",
            "event": "ringing",
            "call_id": "E2E.1",
            "from": "0123456789",
            "to": "0379550000",
            "direction": "in",
            "extension": "",
            "at": now,
        },
    )
    assert reply.status == 200, reply.text()
    assert reply.json()["result"] == "applied"

    row = operator.get_by_test_id("call-row").filter(has_text="012-345 6789")
    expect(row).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    expect(row.get_by_test_id("ring-time")).to_contain_text("Berdering")
    shot(operator, "ringing")
    settled(operator)  # the row came with a live refresh of the list
    row.get_by_test_id("answer").click()
    panel = operator.get_by_test_id("call-panel")
    expect(panel).to_have_attribute("data-status", "answered")
    settled(operator)

    operator.get_by_test_id("directory-q").fill("Siti")
    person = operator.get_by_test_id("directory-person").filter(has_text=OFFICER)
    expect(person).to_have_attribute("data-presence", "out")
    expect(person.get_by_test_id("transfer")).to_have_count(0)
    shot(operator, "directory-out")

    operator.get_by_test_id("message-details").locator("summary").click()
    choice = operator.get_by_test_id("msg-officer").locator("option", has_text=OFFICER)
    operator.get_by_test_id("msg-officer").select_option(choice.get_attribute("value"))
    operator.locator("#msg-name").fill("Encik Lim Boon Hock")
    operator.locator("#msg-purpose").fill("Bertanya tentang kad OKU yang belum diterima.")
    operator.locator("#msg-best").fill("Pagi")
    operator.get_by_test_id("send-message").click()
    expect(operator.get_by_test_id("message-taken")).to_contain_text(OFFICER)
    shot(operator, "message-taken")

    # The officer's badge and inbox.
    officer.goto("/messages/")
    message = officer.get_by_test_id("message").filter(has_text="Encik Lim Boon Hock")
    expect(message).to_contain_text("kad OKU")
    expect(officer.get_by_test_id("message-badge").first).to_have_attribute(
        "data-count", re.compile(r"[1-9]")
    )
    shot(officer, "inbox")
    message.get_by_test_id("call-back-outcome").select_option("reached")
    message.get_by_test_id("record-call-back").click()
    done = officer.get_by_test_id("message").filter(has_text="Encik Lim Boon Hock")
    expect(done.get_by_test_id("called-back")).to_be_visible()

    officer.get_by_test_id("presence-in").click()
    screenshots(officer, live_weserve, "/messages/", "inbox")
    screenshots(operator, live_weserve, "/phone/", "console")
    supervisor = new_page(browser, live_weserve, contexts)
    sign_in(supervisor, "penyelia")
    screenshots(supervisor, live_weserve, "/phone/report/", "report")
    screenshots(supervisor, live_weserve, "/phone/staffing/", "staffing")
