"""A customer is never told "soon" when no one can serve them (issue 14, item 4).

The slip, the mobile page, the API and the kiosk's tiles say when no open counter may
call the ticket now; an office may have its kiosk warn first, or refuse, for such a
service (`Office.kiosk_unserved`), on the kiosk page and the API alike; the console's
transfer list marks closed counters. A counter on a break counts as open: it returns.
"""

from __future__ import annotations

import html
import json
import re
import secrets

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import issue_ticket, make_user
from tests.queueing.conftest import open_counters
from weserve.core.roles import Role
from weserve.organisation.devices import create_device
from weserve.organisation.models import Counter, Office
from weserve.queueing import services
from weserve.queueing.models import Ticket

START = "/kiosk/PKMD-PJ/"
ISSUE = "/kiosk/PKMD-PJ/tickets/"
API_ISSUE = "/api/v1/offices/PKMD-PJ/tickets"
UNSERVED = {
    "ms": "Tiada kaunter dibuka untuk perkhidmatan ini sekarang",
    "en": "No counter is open for this service right now",
}
SHORTLY = {"ms": "Anda akan dipanggil sebentar lagi", "en": "You will be called shortly"}


@pytest.fixture
def kiosk_token(tree) -> str:
    _device, token = create_device(tree.pj, "kiosk", "Entrance")
    return token


@pytest.fixture
def kiosk(kiosk_token) -> Client:
    client = Client()
    client.cookies[settings.DEVICE_COOKIE_NAME] = kiosk_token
    return client


def policy(office: Office, value: str) -> None:
    Office.objects.filter(pk=office.pk).update(kiosk_unserved=value)
    office.refresh_from_db()


def visible(page: str, testid: str) -> str | None:
    """The text of the element with `testid`, or None when it is absent or hidden."""
    match = re.search(rf'<(\w+)[^>]*data-testid="{testid}"([^>]*)>(.*?)</\1>', page, re.S)
    if match is None or " hidden" in match.group(0).split(">", 1)[0]:
        return None
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(3))).split())


def tile(page: str, code: str) -> str:
    return re.search(rf'data-service="{code}".*?</(a|div)>\s*</li>', page, re.S).group(0)


def ticket_page(ticket: Ticket, language: str) -> str:
    return Client().get(f"/t/{ticket.public_id}/?lang={language}").content.decode()


# --- What the customer is told -------------------------------------------------------------


@pytest.mark.parametrize("language", ["ms", "en"])
def test_a_ticket_transferred_to_a_closed_counter_is_not_told_it_is_next(
    tree, clock, users, language
):
    """Seen: A003, sent to counter 5 while counter 5 was closed, read "0 ahead … You are
    next" on the phone."""
    pj = tree.pj
    five = Counter.objects.create(office=pj, number=5)
    five.services.set([tree.services["BKK"]])
    [one] = open_counters(pj, 1)
    clerk = one.sessions.get().user
    ticket = issue_ticket(pj, tree.services["BKK"], language=language)
    services.call_next(one, acting_user=clerk)
    services.transfer(ticket, acting_user=clerk, to_counter=five)

    page = ticket_page(ticket, language)
    assert visible(page, "ticket-ahead") == "0"
    assert visible(page, "ticket-unserved") == UNSERVED[language]
    assert "data-when-next hidden" in page or "data-when-next" not in page
    assert visible(page, "ticket-wait-shortly") is None
    assert visible(page, "ticket-wait") is None
    api = Client().get(f"/api/v1/tickets/{ticket.public_id}").json()
    assert api["served_now"] is False and api["position"] == 0

    # Counter 5 opens: now the customer is next, and the page says so.
    services.open_counter(five, acting_user=make_user("clerk5", pj, Role.COUNTER_STAFF))
    page = ticket_page(ticket, language)
    assert visible(page, "ticket-unserved") is None
    assert visible(page, "ticket-wait-shortly") == SHORTLY[language]
    assert re.search(r"data-when-next(?! hidden)", page)
    assert Client().get(f"/api/v1/tickets/{ticket.public_id}").json()["served_now"] is True


@pytest.mark.parametrize("language", ["ms", "en"])
def test_the_slip_and_the_tile_of_a_service_only_closed_counters_offer_say_so(
    tree, clock, kiosk, language
):
    """Seen: a ticket whose service only closed counters offer got "Anda akan dipanggil
    sebentar lagi"."""
    query = "?lang=en" if language == "en" else ""
    start = kiosk.get(START + query).content.decode()
    for code in ("BKK", "OKU", "INFO"):
        assert UNSERVED[language] in tile(start, code)
        assert SHORTLY[language] not in tile(start, code)
        assert not re.search(r"(about|sekitar) \d+ min", tile(start, code))

    slip = kiosk.post(ISSUE, {"service": "BKK", "priority": "none", "language": language})
    assert slip.status_code == 201  # the office issues, and says so (the default)
    page = slip.content.decode()
    assert visible(page, "slip-unserved").startswith(UNSERVED[language])
    assert visible(page, "slip-wait") is None
    assert SHORTLY[language] not in page

    # A counter on a break still serves the service: it comes back.
    [one] = open_counters(tree.pj, 1)
    services.pause_counter(one, acting_user=one.sessions.get().user)
    start = kiosk.get(START + query).content.decode()
    assert UNSERVED[language] not in tile(start, "BKK")
    page = kiosk.post(ISSUE, {"service": "BKK", "priority": "none", "language": language})
    assert visible(page.content.decode(), "slip-unserved") is None


# --- The office's setting: warn, or refuse -----------------------------------------------------


@pytest.mark.parametrize("language", ["ms", "en"])
def test_a_warning_kiosk_says_so_before_the_customer_takes_a_number(tree, clock, kiosk, language):
    policy(tree.pj, Office.UnservedService.WARN)
    query = "?lang=en" if language == "en" else ""

    step = kiosk.get(START + "services/BKK/" + query).content.decode()
    assert visible(step, "kiosk-unserved-warning").startswith(UNSERVED[language])
    assert 'data-testid="kiosk-issue-form"' in step
    taken = kiosk.post(ISSUE, {"service": "BKK", "priority": "none", "language": language})
    assert taken.status_code == 201

    open_counters(tree.pj, 1)
    step = kiosk.get(START + "services/BKK/" + query).content.decode()
    assert visible(step, "kiosk-unserved-warning") is None


@pytest.mark.parametrize("language", ["ms", "en"])
def test_a_refusing_kiosk_refuses_with_a_clear_message_and_issues_nothing(
    tree, clock, kiosk, language
):
    policy(tree.pj, Office.UnservedService.REFUSE)
    query = "?lang=en" if language == "en" else ""

    start = kiosk.get(START + query).content.decode()
    bkk = tile(start, "BKK")
    assert "data-refused" in bkk and "href=" not in bkk
    assert UNSERVED[language] in bkk
    step = kiosk.get(START + "services/BKK/" + query)
    assert step.status_code == 409
    assert visible(step.content.decode(), "kiosk-message").startswith(UNSERVED[language])
    # A form posted anyway (an old screen, a second tab) is refused the same way.
    refused = kiosk.post(ISSUE, {"service": "BKK", "priority": "none", "language": language})
    assert refused.status_code == 409
    assert visible(refused.content.decode(), "kiosk-message").startswith(UNSERVED[language])
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("caller", ["kiosk token", "staff"])
def test_the_api_refuses_in_its_documented_shape_until_a_counter_opens(
    tree, clock, kiosk_token, client_for, caller
):
    policy(tree.pj, Office.UnservedService.REFUSE)
    if caller == "staff":
        client, headers = client_for("penyelia"), {}
    else:
        client, headers = Client(), {"HTTP_AUTHORIZATION": f"Bearer {kiosk_token}"}

    def post():
        return client.post(
            API_ISSUE,
            json.dumps({"service": "OKU"}),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=secrets.token_urlsafe(12),
            **headers,
        )

    refused = post()
    assert refused.status_code == 409
    assert refused.json() == {
        "detail": "Tiada kaunter dibuka untuk perkhidmatan ini sekarang. Tiada tiket dikeluarkan.",
        "code": "no_open_counter",
    }
    assert not Ticket.objects.exists()

    # Counter 2 serves OKU; on a break it still counts as open.
    [two] = open_counters(tree.pj, 2)
    services.pause_counter(two, acting_user=two.sessions.get().user)
    issued = post()
    assert issued.status_code == 201
    assert issued.json()["served_now"] is True
    services.resume_counter(two, acting_user=two.sessions.get().user)
    services.close_counter(two, acting_user=two.sessions.get().user)
    assert post().json()["code"] == "no_open_counter"


def test_the_office_admin_sets_what_the_kiosk_does(tree, clock, users):
    users["admin"].is_staff = True  # the admin's door
    users["admin"].save(update_fields=["is_staff"])
    admin = Client()
    admin.force_login(users["admin"])
    form = admin.get(f"/admin/organisation/office/{tree.pj.pk}/change/").content.decode()
    assert 'name="kiosk_unserved"' in form
    for value in ("issue", "warn", "refuse"):
        assert f'value="{value}"' in form


# --- The console's transfer list ----------------------------------------------------------------


def test_the_transfer_list_marks_closed_counters_and_services_no_open_counter_serves(
    tree, clock, settings
):
    settings.LANGUAGE_CODE = "en"
    pj = tree.pj
    five = Counter.objects.create(office=pj, number=5, name="Counter five")
    five.services.set([tree.services["BKK"]])
    [one, two] = open_counters(pj, 1, 2)
    one.services.set([tree.services["BKK"], tree.services["OKU"]])
    two.services.set([tree.services["BKK"]])
    services.close_counter(two, acting_user=two.sessions.get().user)
    clerk = one.sessions.get().user
    issue_ticket(pj, tree.services["BKK"])
    services.call_next(one, acting_user=clerk)
    client = Client()
    client.force_login(clerk)

    page = client.get("/counter/").content.decode()

    options = dict(re.findall(r'<option value="([^"]+)"[^>]*>([^<]*)</option>', page))
    assert options[f"counter:{two.pk}"].endswith("— closed")
    assert options[f"counter:{five.pk}"] == "Counter 5 · Counter five — closed"
    assert options["service:OKU"] == "B · OKU Registration"
    assert options["service:INFO"] == "C · General Enquiries — no counter open"
    services.open_counter(five, acting_user=make_user("clerk5", pj, Role.COUNTER_STAFF))
    page = client.get("/counter/").content.decode()
    options = dict(re.findall(r'<option value="([^"]+)"[^>]*>([^<]*)</option>', page))
    assert options[f"counter:{five.pk}"] == "Counter 5 · Counter five"
