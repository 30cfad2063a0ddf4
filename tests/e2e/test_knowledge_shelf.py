"""The reference shelf in Chromium against `weserve serve` with the demo data: a counter
staff member presses "/" on a staff page, searches, opens the article and acknowledges
it, and the supervisor's list no longer shows them. Then the shelf, an article and the
public charter page at 1366×768, 1920×1080 and a phone, in Malay and English, for a
person to look at (test-artifacts/test_knowledge_shelf-*.png)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_queue_flow import contexts, new_page, sign_in  # noqa: F401

PKW_BKK = re.compile(r"PKW: Bantuan Kanak-Kanak")


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"test_knowledge_shelf-{name}.png", full_page=True)


@pytest.mark.browser
def test_counter_staff_find_read_and_acknowledge_an_article(
    browser: Browser,
    live_weserve: str,
    contexts,  # noqa: F811
):
    supervisor = new_page(browser, live_weserve, contexts, viewport={"width": 1366, "height": 768})
    sign_in(supervisor, "penyelia")
    supervisor.goto("/shelf/acknowledgements/")
    unread = supervisor.get_by_test_id("unread-list")
    expect(unread.locator('[data-user="petugas1"]').first).to_be_visible()

    staff = new_page(browser, live_weserve, contexts, viewport={"width": 1366, "height": 768})
    sign_in(staff, "petugas1")
    staff.goto("/")
    staff.locator("body").press("/")
    expect(staff).to_have_url(re.compile(r"/shelf/search/$"))
    box = staff.get_by_test_id("shelf-q")
    expect(box).to_be_focused()
    box.fill("sijil kelahiran")
    box.press("Enter")
    staff.get_by_role("link", name=PKW_BKK).click()
    expect(staff.get_by_test_id("article-title")).to_have_text(PKW_BKK)
    article_id = re.search(r"/shelf/articles/(\d+)/", staff.url).group(1)
    expect(staff.get_by_text("Dokumen yang perlu dibawa")).to_be_visible()
    staff.get_by_test_id("acknowledge").click()
    expect(staff.get_by_test_id("acknowledged")).to_be_visible()

    supervisor.reload()
    row = f'[data-user="petugas1"][data-article="{article_id}"]'
    expect(supervisor.locator(row)).to_have_count(0)
    # The operator has not read it yet: the list still names them for this article.
    expect(
        supervisor.locator(f'[data-user="telefonis"][data-article="{article_id}"]')
    ).to_have_count(1)
    shot(supervisor, "acknowledgements")


SIZES = {"1366": (1366, 768), "1920": (1920, 1080), "phone": (390, 844)}


@pytest.mark.browser
@pytest.mark.parametrize("language", ["ms", "en"])
def test_screens_of_the_shelf(browser: Browser, live_weserve: str, contexts, language):  # noqa: F811
    for size, (width, height) in SIZES.items():
        page = new_page(
            browser, live_weserve, contexts, viewport={"width": width, "height": height}
        )
        page.context.add_cookies(
            [{"name": "weserve_language", "value": language, "url": live_weserve}]
        )
        page.goto("/charter/PKMD-PJ/")
        expect(page.get_by_test_id("charter")).to_be_visible()
        shot(page, f"charter-{language}-{size}")
        sign_in(page, "petugas2")
        page.goto("/shelf/")
        expect(page.get_by_test_id("article-list")).to_be_visible()
        shot(page, f"shelf-{language}-{size}")
        page.get_by_role(
            "link", name=re.compile(r"PKW: (Bantuan Warga Emas|Older Persons)")
        ).click()
        expect(page.get_by_test_id("article-title")).to_be_visible()
        shot(page, f"article-{language}-{size}")
        page.goto("/shelf/search/?q=OKU")
        shot(page, f"search-{language}-{size}")
