"""A supervisor signs in on the demo office, in Malay first, then in English."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

# The demo's password for every sign-in (README); a demo database is never production.
DEMO_PASSWORD = "weserve-demo"


@pytest.mark.browser
def test_supervisor_signs_in_in_malay_then_switches_to_english_and_sees_the_counters(
    page, screenshot
):
    page.goto("/")

    # Not signed in: the sign-in page, in Malay (Django's own Malay label for the password).
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator("html")).to_have_attribute("lang", "ms")
    expect(page.get_by_text("Kata laluan").first).to_be_visible()
    screenshot("sign-in-ms")

    page.locator("input[name=username]").fill("penyelia")
    password = page.locator("input[name=password]")
    password.fill(DEMO_PASSWORD)
    password.press("Enter")

    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator("html")).to_have_attribute("lang", "ms")
    expect(page.get_by_test_id("current-office").first).to_contain_text("PKMD-PJ")
    screenshot("home-ms")

    page.get_by_test_id("lang-en").first.click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    main = page.locator("main")
    for number in range(1, 6):
        expect(main.get_by_text(re.compile(rf"\bCounter {number}\b")).first).to_be_visible()
    screenshot("home-en")

    # The choice sticks: the next page comes in English too.
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")
