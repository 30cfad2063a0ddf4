"""The display board: who may open it, what it shows, and the charter and notices page."""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import issue_ticket
from weserve.core.clock import MALAYSIA
from weserve.core.errors import DomainError
from weserve.core.models import AuditLog
from weserve.organisation.devices import create_device
from weserve.organisation.models import Counter
from weserve.queueing import events, notices, services, voice
from weserve.queueing.models import Announcement, ClientCharter

BOARD = "/display/PKMD-PJ/"
NOTICES = "/display/PKMD-PJ/notices/"


def device_client(office, kind: str) -> Client:
    _device, token = create_device(office, kind, "")
    client = Client()
    client.cookies[settings.DEVICE_COOKIE_NAME] = token
    return client


@pytest.fixture
def tv(tree) -> Client:
    """The browser of PKMD-PJ's paired display board."""
    return device_client(tree.pj, "display")


def text_of(page: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</(p|ol|ul)>', page, re.S)
    assert match, f"{testid} not on the page"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())


def page_data(response) -> dict:
    match = re.search(
        r'<script id="display-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match
    return json.loads(match.group(1))


def call(tree, users, counter_number: int, *services_codes: str):
    """Issue tickets and call the first of them at a counter, through the real services."""
    counter = Counter.objects.get(office=tree.pj, number=counter_number)
    for code in services_codes:
        issue_ticket(tree.pj, tree.services[code])
    if not counter.sessions.filter(closed_at__isnull=True).exists():
        # One person per counter: the clerk at counter 1, the supervisor elsewhere.
        opener = users["petugas"] if counter_number == 1 else users["penyelia"]
        services.open_counter(counter, acting_user=opener)
    return services.call_next(counter, acting_user=users["penyelia"])


# --- Who may open the board -------------------------------------------------------------


def test_a_paired_display_of_the_office_opens_its_board_without_signing_in(tree, clock, tv):
    response = tv.get(BOARD)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="display-board"' in page
    assert 'data-testid="display-preview"' not in page


def test_another_offices_display_gets_404(tree, clock):
    assert device_client(tree.jb, "display").get(BOARD).status_code == 404


def test_a_kiosk_of_the_office_may_not_open_the_board(tree, clock):
    assert device_client(tree.pj, "kiosk").get(BOARD).status_code == 403


def test_an_unknown_office_is_404(tree, clock, tv, client_for):
    assert tv.get("/display/NOWHERE/").status_code == 404
    assert client_for("penyelia").get("/display/NOWHERE/").status_code == 404
    assert Client().get("/display/NOWHERE/").status_code == 404


@pytest.mark.parametrize("who", ["penyelia", "admin", "petugas"])
def test_staff_of_the_office_may_preview_the_board(tree, clock, client_for, who):
    response = client_for(who).get(BOARD)
    assert response.status_code == 200
    assert 'data-testid="display-preview"' in response.content.decode()


@pytest.mark.parametrize(("who", "status"), [("telefonis", 403), ("jb_penyelia", 404)])
def test_other_staff_may_not_open_the_board(tree, clock, client_for, who, status):
    assert client_for(who).get(BOARD).status_code == status


def test_an_unpaired_browser_says_it_is_the_display_and_how_to_pair_it(tree, clock):
    response = Client().get(BOARD)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="unpaired" data-screen="display"' in page
    assert "Papan paparan giliran" in page and "Queue display board" in page
    assert "Skrin ini belum digandingkan." in page and "This screen is not paired yet." in page
    assert page.count("http://testserver/pair/") == 2
    assert 'href="/accounts/login/?next=%2Fdisplay%2FPKMD-PJ%2F"' in page
    assert 'name="password"' not in page
    assert "display.js" not in page  # nothing tries to follow a board it may not see
    assert Client().get("/display/NOPE/").status_code == 404


def test_the_ticker_data_follows_the_same_rules(tree, clock, tv, client_for):
    assert tv.get("/display/PKMD-PJ/notices.json").status_code == 200
    assert client_for("petugas").get("/display/PKMD-PJ/notices.json").status_code == 200
    assert client_for("jb_penyelia").get("/display/PKMD-PJ/notices.json").status_code == 404
    assert device_client(tree.pj, "kiosk").get("/display/PKMD-PJ/notices.json").status_code == 403
    assert Client().get("/display/PKMD-PJ/notices.json").status_code == 401


# --- What the board shows ---------------------------------------------------------------


def test_the_board_starts_from_the_snapshot_with_the_latest_call_large(tree, users, clock, tv):
    call(tree, users, 1, "BKK", "BKK", "OKU")
    clock.shift(minutes=1)
    second = call(tree, users, 2)

    response = tv.get(BOARD)
    page = response.content.decode()

    assert text_of(page, "hero-number") == second.number == "A002"
    assert "Kaunter 2" in text_of(page, "hero-counter")
    assert text_of(page, "previous-calls") == "A001 Kaunter 1"
    rows = text_of(page, "counter-list")
    assert "Kaunter 1 Memanggil A001" in rows
    assert "Kaunter 2 Memanggil A002" in rows
    waiting = text_of(page, "waiting-list")
    assert "B Pendaftaran OKU 1" in waiting
    assert "A Bantuan Kanak-Kanak 0" in waiting
    data = page_data(response)
    assert data["snapshot"]["seq"] == events.current_seq(tree.pj)
    assert [c["number"] for c in data["snapshot"]["calls"]] == ["A002", "A001"]


def test_the_board_with_no_calls_yet_shows_a_dash(tree, clock, tv):
    page = tv.get(BOARD).content.decode()
    assert text_of(page, "hero-number") == "\u2014"


def test_the_board_gives_the_page_the_reading_table_and_clip_urls(tree, clock, tv):
    data = page_data(tv.get(BOARD))
    assert data["voice"]["lead"] == {"ms": ["ms/nombor"], "en": ["en/number"]}
    assert data["voice"]["counters"]["ms"]["12"] == ["ms/dua", "ms/belas"]
    assert set(voice.announcement_parts("A012", 3, "ms")) <= set(data["voice"]["urls"])
    assert data["socket_path"] == "/ws/offices/PKMD-PJ/display/"
    assert data["snapshot_url"] == "/api/v1/offices/PKMD-PJ/display"


def test_the_board_renders_the_charter_and_active_announcements_in_both_languages(
    tree, users, clock, tv
):
    pj = tree.pj
    notices.save_charter(
        pj,
        text_ms="Kami melayan anda dengan mesra.",
        text_en="We serve you kindly.",
        show_wait_target=True,
        acting_user=users["penyelia"],
    )
    now = dt.datetime(2026, 11, 25, 10, 0, tzinfo=MALAYSIA)
    notices.create_announcement(
        pj, text_ms="Pejabat tutup esok.", text_en="Closed tomorrow.", acting_user=users["penyelia"]
    )
    notices.create_announcement(
        pj,
        text_ms="Notis akan datang.",
        active_from=now + dt.timedelta(hours=2),
        acting_user=users["penyelia"],
    )
    notices.create_announcement(
        pj,
        text_ms="Notis lama.",
        active_from=now - dt.timedelta(days=2),
        active_until=now - dt.timedelta(days=1),
        acting_user=users["penyelia"],
    )

    response = tv.get(BOARD)
    ticker = text_of(response.content.decode(), "ticker")

    assert "Kami melayan anda dengan mesra." in ticker
    assert "We serve you kindly." in ticker
    assert "within 15 minutes" in ticker
    assert "Pejabat tutup esok." in ticker and "Closed tomorrow." in ticker
    assert "Notis akan datang." not in ticker
    assert "Notis lama." not in ticker
    # The page is handed the one still to come, to start it on time without a reload.
    texts = [item["text_ms"] for item in page_data(response)["ticker"]]
    assert "Notis akan datang." in texts
    assert "Notis lama." not in texts


def test_the_waiting_time_target_can_be_left_off_the_board(tree, users, clock, tv):
    notices.save_charter(
        tree.pj, text_ms="Piagam.", text_en="Charter.", show_wait_target=False, acting_user=None
    )
    ticker = text_of(tv.get(BOARD).content.decode(), "ticker")
    assert "Piagam." in ticker
    assert "minutes" not in ticker


def test_one_touch_switches_the_board_to_english(tree, clock, tv):
    malay = tv.get(BOARD).content.decode()
    assert '<html lang="ms"' in malay
    assert 'data-testid="display-lang-en"' in malay
    english = tv.get(BOARD + "?lang=en").content.decode()
    assert '<html lang="en"' in english
    assert "Now calling" in english
    assert 'data-testid="display-lang-ms"' in english


def test_the_board_needs_no_more_queries_with_more_calls(
    tree, users, clock, tv, django_assert_max_num_queries
):
    call(tree, users, 1, "BKK")
    with django_assert_max_num_queries(40) as few:
        tv.get(BOARD)
    for _ in range(4):
        services.complete(
            Counter.objects.get(office=tree.pj, number=1).tickets.get(status="called"),
            acting_user=users["penyelia"],
        )
        call(tree, users, 1, "BKK")
    with django_assert_max_num_queries(len(few.captured_queries)):
        tv.get(BOARD)


# --- Charter and announcements: services ------------------------------------------------


def test_saving_the_charter_is_audited_and_tells_the_displays(
    tree, users, clock, django_capture_on_commit_callbacks
):
    before = events.current_seq(tree.pj)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        charter = notices.save_charter(
            tree.pj,
            text_ms="Mesra.",
            text_en="Kind.",
            show_wait_target=True,
            acting_user=users["penyelia"],
        )
    assert events.current_seq(tree.pj) == before + 1
    assert len(callbacks) == 1
    entry = AuditLog.objects.get(action="queueing.charter.saved")
    assert entry.user == users["penyelia"]
    assert entry.office_code == "PKMD-PJ"
    assert entry.data["text_en"] == "Kind."
    assert charter.target_wait_minutes == tree.pj.charter_wait_minutes


def test_there_is_one_charter_per_office(tree, users, clock):
    for text in ("Satu.", "Dua."):
        notices.save_charter(
            tree.pj, text_ms=text, text_en=text, show_wait_target=True, acting_user=None
        )
    assert ClientCharter.objects.filter(office=tree.pj).count() == 1
    assert ClientCharter.objects.get(office=tree.pj).text_ms == "Dua."


def test_an_announcement_that_ends_before_it_starts_is_refused(tree, users, clock):
    start = dt.datetime(2026, 12, 1, 9, 0, tzinfo=MALAYSIA)
    with pytest.raises(DomainError) as refused:
        notices.create_announcement(
            tree.pj,
            text_ms="Salah.",
            active_from=start,
            active_until=start - dt.timedelta(hours=1),
            acting_user=users["penyelia"],
        )
    assert refused.value.status == 422
    assert not Announcement.objects.exists()


def test_a_charter_without_malay_text_is_refused(tree, clock):
    with pytest.raises(DomainError):
        notices.save_charter(
            tree.pj, text_ms="  ", text_en="Only English.", show_wait_target=True, acting_user=None
        )
    assert not ClientCharter.objects.exists()


# --- The Penyelia's page ----------------------------------------------------------------


def test_penyelia_opens_the_notices_page(tree, clock, client_for):
    response = client_for("penyelia").get(NOTICES)
    assert response.status_code == 200
    assert 'data-testid="charter-form"' in response.content.decode()


@pytest.mark.parametrize(
    ("who", "status"), [("petugas", 403), ("admin", 403), ("telefonis", 403), ("jb_penyelia", 404)]
)
def test_only_penyelia_of_the_office_edit_the_notices(tree, clock, client_for, who, status):
    client = client_for(who)
    assert client.get(NOTICES).status_code == status
    saved = client.post(NOTICES, {"text_ms": "X", "text_en": "Y", "show_wait_target": "on"})
    assert saved.status_code == status
    added = client.post(NOTICES + "announcements/", {"text_ms": "X", "order": "0"})
    assert added.status_code == status
    assert not ClientCharter.objects.exists()
    assert not Announcement.objects.exists()


def test_the_notices_page_needs_a_sign_in(tree, clock):
    response = Client().get(NOTICES)
    assert response.status_code == 302


def test_penyelia_saves_the_charter_through_the_page(tree, users, clock, client_for):
    response = client_for("penyelia").post(
        NOTICES,
        {"text_ms": "Kami komited.", "text_en": "We are committed.", "show_wait_target": "on"},
    )
    assert response.status_code == 302
    charter = ClientCharter.objects.get(office=tree.pj)
    assert (charter.text_ms, charter.text_en, charter.show_wait_target) == (
        "Kami komited.",
        "We are committed.",
        True,
    )
    assert charter.updated_by == users["penyelia"]
    assert AuditLog.objects.filter(action="queueing.charter.saved", user=users["penyelia"]).exists()


def test_a_charter_form_without_malay_says_so_and_saves_nothing(tree, clock, client_for):
    response = client_for("penyelia").post(
        NOTICES + "?", {"text_ms": "", "text_en": "English only.", "show_wait_target": "on"}
    )
    assert response.status_code == 422
    assert "Tulis Piagam Pelanggan dalam Bahasa Melayu." in response.content.decode()
    assert "English only." in response.content.decode()  # what was typed is kept
    assert not ClientCharter.objects.exists()


def test_penyelia_adds_edits_and_removes_an_announcement(tree, users, clock, client_for):
    client = client_for("penyelia")
    added = client.post(
        NOTICES + "announcements/",
        {
            "text_ms": "Cuti umum esok.",
            "text_en": "Public holiday tomorrow.",
            "active_from": "2026-11-25T08:00",
            "active_until": "2026-11-26T17:00",
            "order": "1",
        },
    )
    assert added.status_code == 302
    announcement = Announcement.objects.get(office=tree.pj)
    assert announcement.active_from == dt.datetime(2026, 11, 25, 8, 0, tzinfo=MALAYSIA)
    listed = client.get(NOTICES).content.decode()
    assert "Cuti umum esok." in listed
    assert "Sedang dipaparkan" in listed

    edit_url = f"{NOTICES}announcements/{announcement.pk}/"
    assert client.get(edit_url).status_code == 200
    edited = client.post(edit_url, {"text_ms": "Cuti umum lusa.", "text_en": "", "order": "2"})
    assert edited.status_code == 302
    announcement.refresh_from_db()
    assert (announcement.text_ms, announcement.order, announcement.active_until) == (
        "Cuti umum lusa.",
        2,
        None,
    )

    removed = client.post(f"{edit_url}delete/")
    assert removed.status_code == 302
    # Taken off the board but kept, marked ended: the app never hard-deletes records.
    announcement.refresh_from_db()
    assert not announcement.is_active()
    assert "Tamat" in client.get(NOTICES).content.decode()
    actions = list(
        AuditLog.objects.filter(action__startswith="queueing.announcement.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "queueing.announcement.created",
        "queueing.announcement.updated",
        "queueing.announcement.deleted",
    ]
    deleted = AuditLog.objects.get(action="queueing.announcement.deleted")
    assert deleted.data["text_ms"] == "Cuti umum lusa."
    assert deleted.user == users["penyelia"]


def test_an_announcement_form_with_its_end_before_its_start_says_so(tree, clock, client_for):
    response = client_for("penyelia").post(
        NOTICES + "announcements/",
        {
            "text_ms": "Salah masa.",
            "active_from": "2026-11-26T10:00",
            "active_until": "2026-11-26T09:00",
            "order": "0",
        },
    )
    assert response.status_code == 422
    assert "Masa tamat mesti selepas masa mula." in response.content.decode()
    assert not Announcement.objects.exists()


def test_an_announcement_form_with_a_bad_date_says_so(tree, clock, client_for):
    response = client_for("penyelia").post(
        NOTICES + "announcements/", {"text_ms": "Tarikh.", "active_from": "esok", "order": "0"}
    )
    assert response.status_code == 422
    assert "Masukkan tarikh dan masa" in response.content.decode()


def test_another_offices_announcement_is_404(tree, users, clock, client_for):
    theirs = notices.create_announcement(
        tree.jb, text_ms="Johor sahaja.", acting_user=users["jb_penyelia"]
    )
    client = client_for("penyelia")
    assert client.get(f"{NOTICES}announcements/{theirs.pk}/").status_code == 404
    assert client.post(
        f"/display/PKMD-JB/notices/announcements/{theirs.pk}/delete/"
    ).status_code == (404)
    assert client.post(f"{NOTICES}announcements/{theirs.pk}/delete/").status_code == 404
    assert Announcement.objects.filter(pk=theirs.pk).exists()


def test_the_ticker_data_lists_what_the_board_shows(tree, users, clock, tv):
    notices.save_charter(
        tree.pj, text_ms="Piagam.", text_en="Charter.", show_wait_target=True, acting_user=None
    )
    notices.create_announcement(tree.pj, text_ms="Notis.", acting_user=users["penyelia"])
    items = tv.get("/display/PKMD-PJ/notices.json").json()["items"]
    assert [i["kind"] for i in items] == ["charter", "target", "announcement"]
    assert items[0]["text_en"] == "Charter."


def test_an_office_that_wrote_nothing_yet_gets_a_welcome_line(tree, clock, tv):
    ticker = text_of(tv.get(BOARD).content.decode(), "ticker")
    assert "Selamat datang ke Pejabat PKMD-PJ." in ticker
    assert "Welcome to Office PKMD-PJ." in ticker


def test_pairing_a_display_browser_lands_on_its_board(tree, clock, users):
    from weserve.organisation.devices import create_pairing_code

    device, _token = create_device(tree.pj, "display", "TV in the hall")
    code = create_pairing_code(device, acting_user=users["admin"])

    response = Client().post("/pair/", {"code": code})

    assert response.status_code == 302
    assert response["Location"] == BOARD


def test_the_menu_leads_a_penyelia_to_the_notices_of_the_office_they_work_in(
    tree, clock, client_for
):
    client = client_for("penyelia")
    assert client.get("/display/notices/")["Location"] == NOTICES
    assert client.get("/display/")["Location"] == BOARD
    home = client.get("/").content.decode()
    assert 'href="/display/notices/"' in home
    assert 'href="/display/notices/"' not in client_for("petugas").get("/").content.decode()
