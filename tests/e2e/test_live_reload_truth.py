"""A screen that follows live state shows, after a reload, what it showed live (as
tests/e2e/test_screens_truth.py and test_display_truth.py check for the queue's screens),
in Chromium against `weserve serve` with the demo data:

- the telephone operator's console (/phone/): a call rings, then the caller hangs up;
- the menu's telephone-message badge (and the Menu button's summary of the menu's
  badges, which is what a phone shows): the operator takes a message for an officer;
- the overdue referrals of the supervisor's live view (/counter/live/, the register's
  LiveSection): a referral past the office's time appears when the referrals stream next
  speaks, and leaves when its officer accepts it;
- the head of department's survey-report badge: the supervisor submits a report.

Each test makes the change elsewhere, waits until the open page shows it without a
reload, reads what the page shows, reloads, and compares. The browser tests share one
server, so every reading is taken relative to what earlier tests left.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import ARTIFACTS, Server, settled
from tests.e2e.test_queue_flow import LIVE_TIMEOUT_MS, contexts, new_page, sign_in  # noqa: F401

OFFICE = "PKMD-PJ"
DESK = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
OFFICER = "Siti Nur Aisyah"  # pegawai1: the officer of the demo's Warga Emas services
MESSAGE_OFFICER = "Rajesh a/l Subramaniam"  # pegawai.aduan


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"test_live_reload_truth-{name}.png", full_page=True)


def reloaded(page: Page, read, ready) -> object:
    """What the page shows after a reload, once `ready` (a locator) is there."""
    page.reload()
    expect(ready).to_be_attached()
    return read(page)


# --- The telephone console ---------------------------------------------------------------

# The console's call list as a person reads it: each call's number, state and buttons.
# How long a call has rung (and whether that is past the 10-second target) moves with
# the clock, not with events: left out.
CALLS_JS = """el => Array.from(el.querySelectorAll('[data-testid=call-row]')).map(row => ({
  call: row.dataset.call,
  status: row.dataset.status,
  number: row.querySelector('.font-medium').textContent.trim(),
  parts: Array.from(row.querySelectorAll('[data-testid]'))
    .map(part => part.dataset.testid)
    .filter(id => id !== 'ring-time' && id !== 'hold-due'),
}))"""


def calls_shown(page: Page) -> list[dict]:
    return page.get_by_test_id("phone-calls").evaluate(CALLS_JS)


def exchange_token(page: Page, name: str) -> str:
    """The administrator adds a telephone exchange to the office; its token shows once."""
    sign_in(page, "admin")
    page.goto("/devices/new/")
    page.locator("select[name=kind]").select_option("exchange")
    page.locator("input[name=name]").fill(name)
    page.locator("input[name=name]").press("Enter")
    return page.get_by_test_id("device-token").inner_text().strip()


def exchange_says(page: Page, token: str, event: str, call_id: str, number: str) -> None:
    reply = page.request.post(
        "/api/v1/telephony/events",
        headers={"Authorization": f"Bearer {token}"},
        data={
            "event_id": f"{call_id}-{event}",
            "event": event,
            "call_id": call_id,
            "from": number,
            "to": "0379550000",
            "direction": "in",
            "extension": "",
            "at": dt.datetime.now(dt.UTC).isoformat(),
        },
    )
    assert reply.status == 200, reply.text()
    assert reply.json()["result"] == "applied"


@pytest.mark.browser
def test_the_telephone_console_shows_after_a_reload_what_it_showed_live(
    browser: Browser,
    live_weserve: str,
    contexts,  # noqa: F811
):
    operator = new_page(browser, live_weserve, contexts, viewport=DESK)
    sign_in(operator, "telefonis")
    operator.goto("/phone/")
    calls = operator.get_by_test_id("phone-calls")
    expect(calls).to_be_visible()
    token = exchange_token(new_page(browser, live_weserve, contexts), "Asterisk (muat semula)")
    ready = calls.locator("[data-testid=call-list], [data-testid=no-calls]").first

    exchange_says(operator, token, "ringing", "E2E.RELOAD.1", "0123000111")
    row = calls.get_by_test_id("call-row").filter(has_text="012-300 0111")
    expect(row).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    expect(row).to_have_attribute("data-status", "ringing")
    live = calls_shown(operator)
    shot(operator, "phone-ringing-live")
    assert reloaded(operator, calls_shown, ready) == live

    exchange_says(operator, token, "hangup", "E2E.RELOAD.1", "0123000111")
    expect(row).to_have_count(0, timeout=LIVE_TIMEOUT_MS)
    live = calls_shown(operator)
    assert reloaded(operator, calls_shown, ready) == live
    shot(operator, "phone-hung-up-reloaded")


# --- The menu's telephone-message badge --------------------------------------------------

BADGES_JS = """() => ({
  message: Array.from(document.querySelectorAll('[data-testid=message-badge]'))
    .map(badge => [badge.dataset.count, badge.hidden, badge.textContent.trim()]),
  menu: Array.from(document.querySelectorAll('[data-menu-toggle] [data-testid=menu-badge]'))
    .map(badge => badge.textContent.trim()),
})"""


def badges_shown(page: Page) -> dict:
    return page.evaluate(BADGES_JS)


def take_a_message(operator: Page, officer: str, caller: str) -> None:
    """The operator logs a call taken without the exchange and leaves the officer a message."""
    operator.goto("/phone/")
    operator.get_by_text("Rekod panggilan yang dijawab tanpa sistem telefon").click()
    operator.locator("#log-number").fill("0177000222")
    operator.locator("#log-name").fill(caller)
    operator.locator("#log-number").press("Enter")
    panel = operator.get_by_test_id("call-panel")
    expect(panel).to_be_visible()
    settled(operator)  # the panel came by htmx: its forms are sent by htmx once wired
    operator.get_by_test_id("message-details").locator("summary").click()
    choice = operator.get_by_test_id("msg-officer").locator("option", has_text=officer)
    operator.get_by_test_id("msg-officer").select_option(choice.get_attribute("value"))
    operator.locator("#msg-name").fill(caller)
    operator.locator("#msg-purpose").fill("Bertanya tentang aduan yang dihantar minggu lepas.")
    operator.locator("#msg-best").fill("Petang")
    operator.get_by_test_id("send-message").click()
    expect(operator.get_by_test_id("message-taken")).to_contain_text(officer)


@pytest.mark.browser
def test_the_message_badge_shows_after_a_reload_what_it_showed_live(
    browser: Browser,
    live_weserve: str,
    contexts,  # noqa: F811
):
    # On a phone the menu is folded behind its button, whose badges sum up the menu's.
    officer = new_page(browser, live_weserve, contexts, viewport=PHONE, is_mobile=True)
    sign_in(officer, "pegawai.aduan")
    officer.goto("/")
    badge = officer.get_by_test_id("message-badge")
    expect(badge).to_have_count(1)
    before = int(badge.get_attribute("data-count") or "0")
    assert badges_shown(officer) == reloaded(officer, badges_shown, badge)

    operator = new_page(browser, live_weserve, contexts, viewport=DESK)
    sign_in(operator, "telefonis")
    take_a_message(operator, MESSAGE_OFFICER, "Puan Chong Mei Ling")

    expect(badge).to_have_attribute("data-count", str(before + 1), timeout=LIVE_TIMEOUT_MS)
    expect(officer.locator("[data-menu-toggle]").get_by_test_id("menu-badge")).to_have_count(1)
    settled(officer)  # the Menu button's summary is redrawn when the badge's swap settles
    live = badges_shown(officer)
    shot(officer, "message-badge-live")
    assert reloaded(officer, badges_shown, badge) == live
    shot(officer, "message-badge-reloaded")


# --- The overdue referrals of the supervisor's live view ---------------------------------


def overdue_shown(page: Page) -> str:
    """The section's words; the minutes past the time move with the clock: left out."""
    text = page.get_by_test_id("live-overdue-section").inner_text()
    return re.sub(r"\b\d+ min\b", "# min", " ".join(text.split()))


def refer_a_walk_in(clerk: Page, name: str) -> int:
    """The clerk registers a walk-in and refers it to pegawai1; the entry's id."""
    clerk.goto("/register/walk-in/")
    clerk.locator("#register-name").fill(name)
    clerk.locator("#register-category").select_option("elderly")
    clerk.locator("#register-service").select_option(index=0)
    clerk.locator("#register-action").select_option("referred")
    clerk.locator("#register-purpose").fill("Bertanya tentang Bantuan Warga Emas")
    clerk.locator("#register-purpose").press("Enter")
    expect(clerk).to_have_url(re.compile(r"/register/entries/\d+/$"))
    settled(clerk)
    clerk.get_by_test_id("referral-search").fill("Warga Emas")
    choice = clerk.locator("label", has_text=OFFICER)
    expect(choice).to_be_visible()
    choice.click()
    clerk.get_by_test_id("referral-submit").click()
    expect(clerk.get_by_test_id("referral-state").first).to_have_attribute("data-state", "pending")
    return int(re.search(r"/register/entries/(\d+)/", clerk.url).group(1))


def let_time_pass(server: Server, entry_id: int, minutes: int) -> None:
    """The referral of the entry was made `minutes` earlier, as if the clock had moved on
    (the server has no clock of its own to move). Nothing is announced: the live view
    learns of it from its next redraw."""
    database = Path(server.env["DATABASE_URL"].removeprefix("sqlite:///"))
    with sqlite3.connect(database, timeout=30) as connection:
        rows = connection.execute(
            "SELECT id, created_at, accept_by FROM register_referral"
            " WHERE entry_id = ? AND status = 'pending'",
            (entry_id,),
        ).fetchall()
        assert len(rows) == 1, rows
        pk, created_at, accept_by = rows[0]
        earlier = dt.timedelta(minutes=minutes)
        connection.execute(
            "UPDATE register_referral SET created_at = ?, accept_by = ? WHERE id = ?",
            (
                (dt.datetime.fromisoformat(created_at) - earlier).isoformat(sep=" "),
                (dt.datetime.fromisoformat(accept_by) - earlier).isoformat(sep=" "),
                pk,
            ),
        )


@pytest.mark.browser
def test_the_live_views_overdue_referrals_show_after_a_reload_what_they_showed_live(
    browser: Browser,
    live_weserve: str,
    weserve_server: Server,
    contexts,  # noqa: F811
):
    supervisor = new_page(browser, live_weserve, contexts, viewport=DESK)
    sign_in(supervisor, "penyelia")
    supervisor.goto("/counter/live/")
    section = supervisor.get_by_test_id("live-overdue-section")
    expect(section).to_be_attached()

    clerk = new_page(browser, live_weserve, contexts, viewport=DESK)
    sign_in(clerk, "petugas1")
    late = "Kamariah binti Osman"
    let_time_pass(weserve_server, refer_a_walk_in(clerk, late), minutes=90)
    # Another referral: the referrals stream speaks, and the section is drawn afresh.
    refer_a_walk_in(clerk, "Lim Ah Kow")
    expect(section).to_contain_text(late, timeout=LIVE_TIMEOUT_MS)
    expect(section.get_by_test_id("overdue-referrals")).to_be_visible()
    live = overdue_shown(supervisor)
    shot(supervisor, "overdue-live")
    assert reloaded(supervisor, overdue_shown, section) == live

    # pegawai1 accepts it: it leaves the section, live.
    officer = new_page(browser, live_weserve, contexts, viewport=DESK)
    sign_in(officer, "pegawai1")
    officer.goto("/referrals/")
    officer.get_by_test_id("inbox-referral").filter(has_text=late).get_by_test_id(
        "referral-accept"
    ).click()
    expect(officer.get_by_test_id("inbox-notice")).to_contain_text(late)
    expect(section).not_to_contain_text(late, timeout=LIVE_TIMEOUT_MS)
    live = overdue_shown(supervisor)
    assert reloaded(supervisor, overdue_shown, section) == live
    shot(supervisor, "overdue-accepted-reloaded")


# --- The head of department's survey-report badge ----------------------------------------


def survey_badge_shown(page: Page) -> dict:
    return page.evaluate(
        """() => ({
          badge: Array.from(document.querySelectorAll('[data-testid=survey-report-badge]'))
            .map(badge => [badge.dataset.count, badge.hidden]),
          menu: Array.from(document.querySelectorAll('[data-menu-toggle] [data-testid=menu-badge]'))
            .map(badge => badge.textContent.trim()),
        })"""
    )


def submit_a_survey_report(supervisor: Page, title: str) -> None:
    """PKMD-PJ's supervisor runs a survey period and submits its report to the head."""
    supervisor.goto(f"/feedback/{OFFICE}/surveys/")
    supervisor.get_by_test_id("survey-new").click()
    supervisor.get_by_test_id("survey-title").fill(title)
    supervisor.get_by_test_id("survey-create").click()
    supervisor.get_by_test_id("survey-source-entered").check()
    supervisor.get_by_test_id("survey-population-number").fill("20")
    supervisor.get_by_test_id("survey-population-note").fill("Daftar pelanggan 2025")
    supervisor.get_by_test_id("survey-population-save").click()
    expect(supervisor.get_by_test_id("survey-target")).to_have_text("19")
    supervisor.get_by_test_id("survey-open").click()
    expect(supervisor.get_by_test_id("survey-state")).to_have_text("Dibuka")
    supervisor.get_by_test_id("survey-close").click()
    supervisor.get_by_test_id("survey-submit-report").click()
    expect(supervisor.get_by_test_id("survey-report-state")).to_contain_text("Dihantar")


@pytest.mark.browser
def test_the_heads_survey_report_badge_shows_after_a_reload_what_it_showed_live(
    browser: Browser,
    live_weserve: str,
    contexts,  # noqa: F811
):
    head = new_page(browser, live_weserve, contexts, viewport=PHONE, is_mobile=True)
    sign_in(head, "ketua.jkmn")
    head.goto("/")
    badge = head.get_by_test_id("survey-report-badge")
    expect(badge).to_have_count(1)
    before = int(badge.get_attribute("data-count") or "0")

    supervisor = new_page(browser, live_weserve, contexts, viewport=DESK)
    sign_in(supervisor, "penyelia")
    title = "Tinjauan Persepsi (muat semula)"
    submit_a_survey_report(supervisor, title)
    try:
        expect(badge).to_have_attribute("data-count", str(before + 1), timeout=LIVE_TIMEOUT_MS)
        settled(head)  # the Menu button's summary is redrawn when the badge's swap settles
        live = survey_badge_shown(head)
        assert reloaded(head, survey_badge_shown, badge) == live
    finally:
        # The head acknowledges it, so the badge is as the later tests expect it.
        head.goto("/feedback/survey-reports/")
        head.get_by_role("link", name=title).click()
        head.get_by_test_id("report-acknowledge").click()
        expect(head.get_by_test_id("report-acknowledged")).to_be_visible()
