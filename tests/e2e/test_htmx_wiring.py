"""What an htmx swap brings into a page works the moment it is there (head.html's
htmx-config, defaultSettleDelay 0), in Chromium against `weserve serve`: a press in the
same instant is sent by htmx. With htmx's default, the new content was wired 20 ms later
and such a press went to the browser instead (a link opened as a new page, a form sent
without htmx), or was lost (a search typed into); CI once caught a test doing just that."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_queue_flow import sign_in

OFFICE = "PKMD-PJ"

# In one task: draw the kiosk's next screen as its tile does (htmx GET into
# #kiosk-screen), then press that screen's Back link at once.
SWAP_THEN_PRESS = """async (url) => {
  window.__samePage = true;
  await htmx.ajax("GET", url, {target: "#kiosk-screen", swap: "innerHTML"});
  document.querySelector('[data-testid="kiosk-back"]').click();
}"""


@pytest.mark.browser
def test_a_link_a_swap_just_brought_is_followed_by_htmx_at_once(page: Page) -> None:
    sign_in(page, "penyelia")  # the supervisor's preview of the kiosk
    page.goto(f"/kiosk/{OFFICE}/?print=0")
    tile = page.locator('[data-testid="kiosk-service"][data-service="INFO"]')
    url = tile.get_attribute("href")
    assert url

    page.evaluate(SWAP_THEN_PRESS, url)

    # Back on the services screen, drawn into this page by htmx: no page was loaded.
    expect(page.locator('[data-screen="services"]')).to_be_visible()
    expect(page.get_by_test_id("kiosk-issue-form")).to_have_count(0)
    assert page.evaluate("() => window.__samePage === true")
