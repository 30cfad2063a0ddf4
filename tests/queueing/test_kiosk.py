"""The ticket kiosk: services open now, the priority step, the slip, access and retries."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import issue_ticket
from tests.queueing.conftest import open_counters
from weserve.core.clock import MALAYSIA
from weserve.organisation.devices import create_device
from weserve.organisation.models import Counter, OfficeHoliday, Service
from weserve.queueing.models import Ticket, TicketEvent

START = "/kiosk/PKMD-PJ/"
ISSUE = "/kiosk/PKMD-PJ/tickets/"


def device_client(office, kind: str) -> Client:
    _device, token = create_device(office, kind, "")
    client = Client()
    client.cookies[settings.DEVICE_COOKIE_NAME] = token
    return client


@pytest.fixture
def kiosk(tree) -> Client:
    """The browser of PKMD-PJ's paired kiosk."""
    return device_client(tree.pj, "kiosk")


def text_of(page: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</', page, re.S)
    assert match, f"{testid} not on the page"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).split())


def issue(
    client: Client, service: str = "BKK", priority: str = "none", language: str = "ms", **headers
):
    return client.post(
        ISSUE, {"service": service, "priority": priority, "language": language}, **headers
    )


# --- Step 1: the services open now ------------------------------------------------------


def test_kiosk_offers_only_services_of_the_office_that_an_active_counter_serves(tree, clock, kiosk):
    pj = tree.pj
    nobody_serves = Service.objects.create(code="NONE", prefix="X", name_ms="X", name_en="X")
    nobody_serves.offices.add(pj)
    not_offered_here = Service.objects.create(code="AWAY", prefix="Y", name_ms="Y", name_en="Y")
    retired = Service.objects.create(
        code="OLD", prefix="Z", name_ms="Z", name_en="Z", is_active=False
    )
    retired.offices.add(pj)
    idle_counter_only = Service.objects.create(code="IDLE", prefix="W", name_ms="W", name_en="W")
    idle_counter_only.offices.add(pj)
    closed_counter = Counter.objects.create(office=pj, number=9, is_active=False)
    closed_counter.services.set([idle_counter_only])
    Counter.objects.get(office=pj, number=1).services.add(not_offered_here, retired)

    page = kiosk.get(START).content.decode()

    offered = re.findall(r'data-service="([A-Z]+)"', page)
    assert offered == ["BKK", "OKU", "INFO"]
    assert "Bantuan Kanak-Kanak" in page


def test_kiosk_starts_in_malay_and_one_touch_switches_to_english(tree, clock, kiosk):
    malay = kiosk.get(START).content.decode()
    assert "Bantuan Kanak-Kanak" in malay
    assert '<html lang="ms"' in malay
    toggle = re.search(r'href="([^"]+)"[^>]*data-testid="kiosk-language"', malay).group(1)

    english = kiosk.get(html.unescape(toggle)).content.decode()

    assert '<html lang="en"' in english
    assert "Children&#x27;s Aid" in english
    # The choice travels with the customer to the next step.
    service_link = re.search(r'href="([^"]+)"[^>]*data-service="BKK"', english).group(1)
    assert "lang=en" in service_link


def test_kiosk_shows_how_many_wait_for_each_service(tree, clock, kiosk):
    open_counters(tree.pj, 1)
    issue_ticket(tree.pj, tree.services["OKU"])
    issue_ticket(tree.pj, tree.services["OKU"])

    page = kiosk.get(START + "?lang=en").content.decode()

    tile = re.search(r'data-service="OKU".*?</a>', page, re.S).group(0)
    assert "2 waiting" in tile
    assert re.search(r"about \d+ min", tile)


# --- Step 2: priority -------------------------------------------------------------------


def test_priority_step_offers_no_oku_elderly_and_pregnant_with_a_fresh_request_key(
    tree, clock, kiosk
):
    first = kiosk.get(START + "services/BKK/?lang=en").content.decode()
    second = kiosk.get(START + "services/BKK/?lang=en").content.decode()

    assert "Do you need priority service?" in first
    for value in ("none", "oku", "elderly", "pregnant"):
        assert f'data-testid="priority-{value}"' in first
    assert "Senior citizen (60+)" in first
    key = re.compile(r"hx-headers='\{\"Idempotency-Key\": \"([\w-]+)\"\}'")
    first_key = key.search(first).group(1)
    second_key = key.search(second).group(1)
    assert len(first_key) >= 20
    assert first_key != second_key


def test_priority_step_for_a_service_not_offered_here_is_404(tree, clock, kiosk):
    away = Service.objects.create(code="AWAY", prefix="Y", name_ms="Y", name_en="Y")
    away.offices.add(tree.jb)
    assert kiosk.get(START + "services/AWAY/").status_code == 404
    assert kiosk.get(START + "services/NOPE/").status_code == 404


# --- Step 3: the ticket and its slip ----------------------------------------------------


def test_kiosk_issues_a_ticket_in_the_chosen_language_and_shows_its_slip(tree, clock, kiosk):
    open_counters(tree.pj, 1, 2)
    issue_ticket(tree.pj, tree.services["BKK"])
    clock.shift(minutes=5)

    response = issue(kiosk, language="en", HTTP_HX_REQUEST="true")

    assert response.status_code == 201
    ticket = Ticket.objects.get(number="A002")
    assert ticket.language == "en"
    assert ticket.priority == "none"
    page = response.content.decode()
    assert text_of(page, "slip-number") == "A002"
    assert text_of(page, "slip-service") == "Children's Aid"
    assert text_of(page, "slip-office") == "Office PKMD-PJ"
    assert text_of(page, "slip-ahead") == "1"
    # Both of the office's counters serve it, so the one customer ahead holds nobody up.
    assert text_of(page, "slip-wait") == "You will be called shortly"
    # Issued at 10:05 in Petaling Jaya (02:05 UTC): the slip shows Malaysian time.
    assert text_of(page, "slip-issued") == "25 Nov 2026, 10:05"
    assert 'data-testid="slip-priority"' not in page
    # htmx gets the screen alone, which then prints and resets by itself.
    assert "<html" not in page
    assert 'data-screen="issued"' in page


@pytest.mark.parametrize(
    ("language", "shortly", "about"),
    [
        ("ms", "Anda akan dipanggil sebentar lagi", r"sekitar (\d+) minit"),
        ("en", "You will be called shortly", r"about (\d+) min"),
    ],
)
def test_slip_says_you_will_be_called_shortly_rather_than_about_0_min(
    tree, clock, kiosk, language, shortly, about
):
    open_counters(tree.pj, 1, 2)
    first = issue(kiosk, language=language).content.decode()

    assert text_of(first, "slip-ahead") == "0"
    assert text_of(first, "slip-wait") == shortly
    assert not re.search(about, first)

    # Two counters serve it: the third customer waits for one of them to finish.
    for _ in range(2):
        clock.shift(minutes=1)
        third = issue(kiosk, language=language).content.decode()

    assert text_of(third, "slip-ahead") == "2"
    wait = re.fullmatch(about, text_of(third, "slip-wait"))
    assert wait and int(wait.group(1)) > 0
    assert shortly not in third


def test_slip_of_a_priority_ticket_carries_its_marker(tree, clock, kiosk):
    response = issue(kiosk, service="OKU", priority="oku", language="en")

    assert response.status_code == 201
    assert Ticket.objects.get().priority == "oku"
    assert text_of(response.content.decode(), "slip-priority") == "★ Priority · OKU"


def test_slip_has_a_qr_code_of_the_public_ticket_page(tree, clock, kiosk):
    page = issue(kiosk).content.decode()

    ticket = Ticket.objects.get()
    url = f"{settings.PUBLIC_URL}/t/{ticket.public_id}/"
    qr = re.search(
        r'<span class="qr-code" role="img" aria-label="([^"]+)" data-qr-url="([^"]+)">'
        r"(<svg.*?</svg>)</span>",
        page,
        re.S,
    )
    assert qr, "no QR code on the slip"
    assert html.unescape(qr.group(2)) == url
    assert url in html.unescape(qr.group(1))
    assert "<path" in qr.group(3)
    assert text_of(page, "slip-url") == url


def test_double_tap_with_the_same_request_key_issues_one_ticket(tree, clock, kiosk):
    first = issue(kiosk, HTTP_IDEMPOTENCY_KEY="tap-1", HTTP_HX_REQUEST="true")
    second = issue(kiosk, HTTP_IDEMPOTENCY_KEY="tap-1", HTTP_HX_REQUEST="true")

    assert Ticket.objects.count() == 1
    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert text_of(second.content.decode(), "slip-number") == "A001"


def test_a_new_key_is_a_new_customer(tree, clock, kiosk):
    issue(kiosk, HTTP_IDEMPOTENCY_KEY="customer-1")
    issue(kiosk, HTTP_IDEMPOTENCY_KEY="customer-2")
    assert sorted(Ticket.objects.values_list("number", flat=True)) == ["A001", "A002"]


def test_kiosk_refuses_an_unknown_priority_and_issues_nothing(tree, clock, kiosk):
    response = issue(kiosk, priority="vip", language="en")
    assert response.status_code == 422
    assert "Please choose your service again." in response.content.decode()
    assert not Ticket.objects.exists()


def test_ticket_taken_at_a_paired_kiosk_records_the_device(tree, clock, kiosk):
    issue(kiosk)
    event = TicketEvent.objects.get(kind="issued")
    assert event.user is None
    assert event.data["device"] is not None


# --- A closed office --------------------------------------------------------------------

# Wednesday 25 November 2026, 20:00 in Klang: after the office's 08:00–17:00.
EVENING = dt.datetime(2026, 11, 25, 20, 0, tzinfo=MALAYSIA)


@pytest.fixture
def klang_kiosk(tree) -> Client:
    return device_client(tree.klang, "kiosk")


def test_closed_office_says_so_in_both_languages_and_offers_nothing(tree, clock, klang_kiosk):
    clock.move_to(EVENING)

    response = klang_kiosk.get("/kiosk/PKMD-KLANG/")

    page = response.content.decode()
    assert response.status_code == 200
    assert 'lang="ms"' in page and 'lang="en"' in page
    assert "Pejabat ditutup sekarang" in page and "The office is closed now" in page
    assert "08:00–17:00" in page
    assert "Thursday, 26 November at 08:00" in page
    assert "data-service=" not in page
    assert 'data-testid="kiosk-issue-form"' not in page


def test_closed_office_refuses_a_ticket_with_a_friendly_message(tree, clock, klang_kiosk):
    clock.move_to(EVENING)

    response = klang_kiosk.post(
        "/kiosk/PKMD-KLANG/tickets/",
        {"service": "BKK", "priority": "none", "language": "en"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 409
    assert "The office is closed now. No ticket was issued." in response.content.decode()
    assert not Ticket.objects.exists()


def test_kiosk_is_closed_on_a_public_holiday_and_names_it(tree, clock, klang_kiosk):
    clock.move_to(dt.datetime(2026, 12, 25, 10, 0, tzinfo=MALAYSIA))

    page = klang_kiosk.get("/kiosk/PKMD-KLANG/").content.decode()

    assert "The office is closed now" in page
    assert "Christmas Day" in page
    assert "Closed all day" in page
    assert "Monday, 28 December at 08:00" in page
    assert "data-service=" not in page


def test_kiosk_opens_on_a_holiday_the_office_chose_to_work(tree, clock, klang_kiosk):
    clock.move_to(dt.datetime(2026, 12, 25, 10, 0, tzinfo=MALAYSIA))
    OfficeHoliday.objects.create(
        office=tree.klang, date=dt.date(2026, 12, 25), is_open=True, name="Open day"
    )

    page = klang_kiosk.get("/kiosk/PKMD-KLANG/").content.decode()

    assert "The office is closed now" not in page
    assert 'data-service="BKK"' in page


# --- Who may open the kiosk -------------------------------------------------------------


def test_a_paired_kiosk_opens_its_own_office_kiosk(tree, clock, kiosk):
    response = kiosk.get(START)
    assert response.status_code == 200
    assert 'data-testid="kiosk-preview"' not in response.content.decode()


def test_another_offices_kiosk_gets_404(tree, clock):
    jb_kiosk = device_client(tree.jb, "kiosk")
    assert jb_kiosk.get(START).status_code == 404
    assert issue(jb_kiosk).status_code == 404
    assert not Ticket.objects.exists()


def test_unknown_office_is_404_for_a_kiosk(tree, clock, kiosk):
    assert kiosk.get("/kiosk/NOWHERE/").status_code == 404


def test_a_display_device_may_not_open_the_kiosk(tree, clock):
    display = device_client(tree.pj, "display")
    assert display.get(START).status_code == 403
    assert issue(display).status_code == 403
    assert not Ticket.objects.exists()


def test_a_supervisor_of_the_office_may_preview_the_kiosk_and_take_a_ticket(
    tree, clock, client_for, users
):
    penyelia = client_for("penyelia")

    page = penyelia.get(START)
    assert page.status_code == 200
    assert 'data-testid="kiosk-preview"' in page.content.decode()
    assert issue(penyelia).status_code == 201
    assert TicketEvent.objects.get(kind="issued").user == users["penyelia"]


@pytest.mark.parametrize(("who", "status"), [("petugas", 403), ("jb_penyelia", 404)])
def test_other_staff_may_not_open_the_kiosk(tree, clock, client_for, who, status):
    assert client_for(who).get(START).status_code == status


@pytest.mark.parametrize("path", [START, START + "services/BKK/?lang=en"])
def test_an_unpaired_browser_says_it_is_the_kiosk_and_how_to_pair_it_in_both_languages(
    tree, clock, path
):
    response = Client().get(path)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="unpaired" data-screen="kiosk"' in page
    malay, english = text_of(page, "unpaired-ms"), text_of(page, "unpaired-en")
    assert "Kiosk nombor giliran" in page and "Skrin ini belum digandingkan." in page
    assert "Queue number kiosk" in page and "This screen is not paired yet." in page
    assert "PKMD-PJ" in malay and "PKMD-PJ" in english
    # Where to type the code, and a way for staff to preview instead.
    assert page.count("http://testserver/pair/") == 2
    assert 'href="/pair/"' in page
    assert 'href="/accounts/login/?next=%2Fkiosk%2FPKMD-PJ%2F' in page
    assert 'name="password"' not in page  # not the staff sign-in page


def test_an_unpaired_browser_of_an_unknown_office_is_404_and_cannot_issue(tree, clock):
    assert Client().get("/kiosk/NOPE/").status_code == 404
    response = issue(Client())
    assert response.status_code == 302
    assert Ticket.objects.count() == 0


def test_pairing_a_kiosk_browser_lands_on_its_kiosk(tree, clock, users):
    from weserve.organisation.devices import create_pairing_code

    device, _token = create_device(tree.pj, "kiosk", "Entrance")
    code = create_pairing_code(device, acting_user=users["admin"])

    response = Client().post("/pair/", {"code": code})

    assert response.status_code == 302
    assert response["Location"] == START
