"""The perception survey in Chromium against `weserve serve` with the demo data.

PKMD-PJ's supervisor creates a survey period from the default questionnaire, enters the
population with its source (Krejcie & Morgan then asks for 19 of 20) and opens it. A
customer opens the period's QR link on a phone, sends it with the age missing (refused
in Malay, every choice kept), completes it and is thanked. The supervisor sees the
progress (1 of 19), opens the Perception Survey Data Report, closes the period and
submits the report; the head of department (JKMN Selangor) sees it in their queue with
the menu's badge, acknowledges it and records a follow-up action.

Screenshots at 1366×768, 1920×1080 and a 390×844 phone, in Malay and English, go to
test-artifacts/ for a person to look at; every survey page is scanned with axe.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_accessibility import Scanner, speak
from tests.e2e.test_queue_flow import contexts, new_page, sign_in  # noqa: F401

SIZES = {"1366": (1366, 768), "1920": (1920, 1080), "phone": (390, 844)}


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"test_perception_survey-{name}.png", full_page=True)


def answer_every_statement(page: Page, score: int) -> int:
    labels = page.locator(f"label:has(input[type=radio][value='{score}'])")
    count = labels.count()
    for index in range(count):
        labels.nth(index).click()
    return count


@pytest.mark.browser
def test_a_customer_answers_and_the_supervisor_reports_to_the_head(
    browser: Browser,
    live_weserve: str,
    contexts,  # noqa: F811
):
    scanner = Scanner()
    supervisor = new_page(browser, live_weserve, contexts, viewport={"width": 1366, "height": 768})
    sign_in(supervisor, "penyelia")
    supervisor.goto("/")
    supervisor.get_by_role("link", name="Tinjauan persepsi").first.click()
    expect(supervisor).to_have_url(re.compile(r"/feedback/PKMD-PJ/surveys/$"))
    scanner.scan(supervisor, "survey list")
    supervisor.get_by_test_id("survey-new").click()
    scanner.scan(supervisor, "survey create")
    supervisor.get_by_test_id("survey-title").fill("Tinjauan Persepsi Pelanggan (ujian)")
    supervisor.get_by_test_id("survey-create").click()
    expect(supervisor.get_by_test_id("survey-questionnaire")).to_contain_text("Ketaraan")
    supervisor.get_by_test_id("survey-source-entered").check()
    supervisor.get_by_test_id("survey-population-number").fill("20")
    supervisor.get_by_test_id("survey-population-note").fill("Daftar pelanggan 2025")
    supervisor.get_by_test_id("survey-population-save").click()
    expect(supervisor.get_by_test_id("survey-target")).to_have_text("19")
    supervisor.get_by_test_id("survey-open").click()
    expect(supervisor.get_by_test_id("survey-state")).to_have_text("Dibuka")
    detail_url = supervisor.url
    public_url = supervisor.get_by_test_id("survey-public-link").inner_text().strip()
    public_path = re.sub(r"^https?://[^/]+", "", public_url)

    # The questionnaire as customers see it, in both languages and three sizes.
    for size, (width, height) in SIZES.items():
        viewer = new_page(
            browser, live_weserve, contexts, viewport={"width": width, "height": height}
        )
        for language in ("ms", "en"):
            viewer.goto(f"{public_path}?lang={language}")
            expect(viewer.get_by_test_id("survey-form")).to_be_visible()
            shot(viewer, f"form-{language}-{size}")
            if size == "phone":
                scanner.scan(viewer, "survey questionnaire")

    customer = new_page(
        browser,
        live_weserve,
        contexts,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    customer.goto(public_path)
    expect(customer.locator("html")).to_have_attribute("lang", "ms")
    assert answer_every_statement(customer, 4) == 15
    customer.get_by_test_id("survey-category").select_option("recipient")
    customer.get_by_test_id("survey-submit").click()
    # Refused: the age is missing; every answer is still chosen.
    expect(customer.locator("#s-age-error")).to_be_visible()
    expect(customer.locator("input[type=radio][value='4']:checked")).to_have_count(15)
    expect(customer.get_by_test_id("survey-category")).to_have_value("recipient")
    shot(customer, "refused-ms-phone")
    customer.get_by_test_id("survey-age").select_option("30_39")
    customer.get_by_test_id("survey-submit").click()
    expect(customer.get_by_test_id("survey-thanks")).to_be_visible()
    shot(customer, "thanks-ms-phone")
    scanner.scan(customer, "survey thanks")

    # The supervisor sees the progress towards the sample size and opens the report.
    supervisor.goto(detail_url)
    expect(supervisor.get_by_test_id("survey-achieved")).to_have_text("1")
    expect(supervisor.get_by_test_id("survey-percent")).to_have_text("5%")
    expect(supervisor.get_by_test_id("survey-adequacy")).to_contain_text("belum mencukupi")
    shot(supervisor, "plan-ms-1366")
    scanner.scan(supervisor, "survey period")
    supervisor.get_by_test_id("survey-report-link").click()
    expect(supervisor.get_by_test_id("report-overall-mean")).to_have_text("4.00")
    expect(supervisor.get_by_test_id("report-overall-satisfied")).to_have_text("100.0%")
    expect(supervisor.locator("svg[role=img]")).to_have_count(3)
    shot(supervisor, "report-ms-1366")
    scanner.scan(supervisor, "survey report")
    report_url = supervisor.url
    speak(supervisor, live_weserve, "en")
    supervisor.goto(report_url)
    expect(supervisor.get_by_test_id("report-adequacy")).to_contain_text("not yet adequate")
    shot(supervisor, "report-en-1366")
    scanner.scan(supervisor, "survey report")
    supervisor.goto(detail_url)
    shot(supervisor, "plan-en-1366")
    scanner.scan(supervisor, "survey period")
    supervisor.set_viewport_size({"width": 390, "height": 844})
    supervisor.goto(report_url)
    shot(supervisor, "report-en-phone")
    speak(supervisor, live_weserve, "ms")
    supervisor.goto(report_url)
    shot(supervisor, "report-ms-phone")
    supervisor.set_viewport_size({"width": 1920, "height": 1080})
    supervisor.goto(report_url)
    shot(supervisor, "report-ms-1920")
    supervisor.set_viewport_size({"width": 1366, "height": 768})

    # Closed and submitted to the head of department.
    supervisor.goto(detail_url)
    supervisor.get_by_test_id("survey-close").click()
    supervisor.get_by_test_id("survey-submit-report").click()
    expect(supervisor.get_by_test_id("survey-report-state")).to_contain_text("Dihantar")

    head = new_page(browser, live_weserve, contexts, viewport={"width": 1366, "height": 768})
    sign_in(head, "ketua.jkmn")
    head.goto("/")
    expect(head.get_by_test_id("survey-report-badge").first).to_have_attribute("data-count", "1")
    head.get_by_role("link", name=re.compile("Laporan tinjauan")).first.click()
    expect(head.get_by_test_id("survey-inbox")).to_be_visible()
    shot(head, "inbox-ms-1366")
    scanner.scan(head, "survey inbox")
    head.get_by_role("link", name="Tinjauan Persepsi Pelanggan (ujian)").click()
    scanner.scan(head, "survey report file")
    head.get_by_test_id("report-acknowledge").click()
    expect(head.get_by_test_id("report-acknowledged")).to_be_visible()
    head.get_by_test_id("follow-up-text").fill("Bincang dalam mesyuarat pengurusan bulan depan.")
    head.get_by_test_id("follow-up-save").click()
    expect(head.get_by_test_id("follow-ups")).to_contain_text("mesyuarat pengurusan")
    shot(head, "file-ms-1366")
    speak(head, live_weserve, "en")
    head.reload()
    shot(head, "file-en-1366")
    head.goto("/feedback/survey-reports/combined/")
    expect(head.get_by_test_id("combined-offices")).to_contain_text("Petaling Jaya")
    shot(head, "combined-en-1366")
    scanner.scan(head, "survey combined")
    head.set_viewport_size({"width": 390, "height": 844})
    head.goto("/feedback/survey-reports/")
    shot(head, "inbox-en-phone")

    supervisor.goto(detail_url)
    expect(supervisor.get_by_test_id("survey-follow-ups")).to_contain_text("mesyuarat")
    assert scanner.findings == {}, scanner.findings
