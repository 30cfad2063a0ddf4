"""The public complaint form (BAP) in Chromium against `weserve serve` with the demo data.

A person opens PKMD-PJ's complaint form without signing in, sends it with the
description missing (the page keeps what was typed and says what is wrong, in Malay),
completes it and gets the acknowledgement with the reference and the access code; the
supervisor (penyelia) finds it in the office's complaint list and acknowledges it.

Screenshots at 1366×768, 1920×1080 and a 390×844 phone, in Malay and English, go to
test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_queue_flow import contexts, new_page, sign_in  # noqa: F401

FORM = "/feedback/PKMD-PJ/complaint/"
SIZES = {"1366": (1366, 768), "1920": (1920, 1080), "phone": (390, 844)}


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"test_complaint_form-{name}.png", full_page=True)


def test_a_person_files_a_complaint_and_the_supervisor_acknowledges_it(
    browser: Browser,
    live_weserve: str,
    contexts,  # noqa: F811
):
    for size, (width, height) in SIZES.items():
        for language in ("ms", "en"):
            viewer = new_page(
                browser, live_weserve, contexts, viewport={"width": width, "height": height}
            )
            viewer.goto(f"{FORM}?lang={language}")
            expect(viewer.get_by_test_id("complaint-form")).to_be_visible()
            shot(viewer, f"form-{language}-{size}")

    person = new_page(
        browser,
        live_weserve,
        contexts,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    person.goto(FORM)
    expect(person.locator("html")).to_have_attribute("lang", "ms")
    person.get_by_test_id("complaint-category").select_option("delay")
    person.get_by_test_id("complaint-against-service").check()
    person.get_by_test_id("complaint-service").select_option("BKK")
    person.get_by_test_id("complaint-name").fill("Siti Aminah")
    person.get_by_test_id("complaint-phone").fill("012-345 6789")
    person.get_by_test_id("complaint-submit").click()
    # Refused: the description is missing; what was typed is still there.
    expect(person.locator("#c-description-error")).to_be_visible()
    expect(person.get_by_test_id("complaint-name")).to_have_value("Siti Aminah")
    expect(person.get_by_test_id("complaint-category")).to_have_value("delay")
    shot(person, "refused-ms-phone")
    person.get_by_test_id("complaint-description").fill(
        "Permohonan bantuan saya belum diproses selepas tiga bulan."
    )
    person.get_by_test_id("complaint-submit").click()
    expect(person.get_by_test_id("complaint-received")).to_be_visible()
    reference = person.get_by_test_id("complaint-reference").inner_text().strip()
    assert re.fullmatch(r"BAP-PKMD-PJ-\d{4}-\d{6}", reference)
    code = person.get_by_test_id("complaint-access-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{10}", code)
    expect(person.get_by_test_id("complaint-sms")).to_have_value(re.compile(reference))
    shot(person, "received-ms-phone")
    person.goto(person.url.replace("lang=ms", "lang=en"))
    shot(person, "received-en-phone")

    supervisor = new_page(browser, live_weserve, contexts, viewport={"width": 1366, "height": 768})
    sign_in(supervisor, "penyelia")
    supervisor.goto("/feedback/PKMD-PJ/complaints/")
    supervisor.get_by_role("link", name=reference).click()
    expect(supervisor.get_by_test_id("complaint-state")).to_have_text("Baharu")
    shot(supervisor, "file-ms-1366")
    supervisor.get_by_test_id("complaint-action-acknowledge").click()
    expect(supervisor.get_by_test_id("complaint-state")).to_have_text("Diakui terima")
    supervisor.goto("/feedback/PKMD-PJ/complaints/")
    shot(supervisor, "list-ms-1366")
