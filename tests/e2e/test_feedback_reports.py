"""The feedback reports in Chromium against `weserve serve` with the demo data (issue 16,
item 4): the supervisor of PKMD-PJ opens the Customer Satisfaction Analysis Report and
the Customer Feedback Report (SMP16) for the demo's month, sees their charts and tables,
and follows each PDF and XLSX link (a real PDF and a real workbook come back); the head
of JKMN Selangor opens the same reports for the state with every office below it.

Screenshots at 1366×768 and a 390×844 phone, in Malay and English, go to test-artifacts/
for a person to look at.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_queue_flow import contexts, new_page, sign_in  # noqa: F401
from weserve.core.clock import MALAYSIA

OFFICE = "PKMD-PJ"
SIZES = {"1366": (1366, 768), "phone": (390, 844)}
REPORTS = {"satisfaction": "satisfaction-report", "feedback": "feedback-report"}


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"test_feedback_reports-{name}.png", full_page=True)


def period() -> str:
    today = dt.datetime.now(tz=MALAYSIA).date()
    start = today - dt.timedelta(days=35)
    return f"?start={start.isoformat()}&end={today.isoformat()}"


@pytest.mark.browser
def test_the_reports_open_with_charts_and_their_pdf_and_xlsx_download(
    browser: Browser,
    live_weserve: str,
    contexts,  # noqa: F811
):
    for size, (width, height) in SIZES.items():
        page = new_page(
            browser, live_weserve, contexts, viewport={"width": width, "height": height}
        )
        sign_in(page, "penyelia")
        for language in ("ms", "en"):
            page.context.add_cookies(
                [{"name": "weserve_language", "value": language, "url": live_weserve}]
            )
            for report, testid in REPORTS.items():
                page.goto(f"/feedback/{OFFICE}/reports/{report}/{period()}")
                body = page.get_by_test_id(testid)
                expect(body).to_be_visible()
                expect(page.locator("html")).to_have_attribute("lang", language)
                # The demo's ratings and complaints give charts (labelled SVG) and rows.
                expect(body.locator("svg[role=img]").first).to_be_visible()
                shot(page, f"{report}-{language}-{size}")
    page = new_page(browser, live_weserve, contexts, viewport={"width": 1366, "height": 768})
    sign_in(page, "penyelia")
    for report in REPORTS:
        page.goto(f"/feedback/{OFFICE}/reports/{report}/{period()}")
        for link, magic in (("report-pdf", b"%PDF"), ("report-xlsx", b"PK")):
            with page.expect_download() as download:
                page.get_by_test_id(link).click()
            path = download.value.path()
            assert path is not None
            with open(path, "rb") as handle:
                assert handle.read(4).startswith(magic), (report, link)
    # The head of JKMN Selangor: the state's report, per office and combined.
    head = new_page(browser, live_weserve, contexts, viewport={"width": 1366, "height": 768})
    sign_in(head, "ketua.jkmn")
    head.goto(f"/feedback/JKMN-SGR/reports/satisfaction/{period()}")
    expect(head.get_by_test_id("report-by-office")).to_be_visible()
    expect(head.get_by_test_id("report-by-office")).to_contain_text(OFFICE)
    shot(head, "satisfaction-head-1366")
