import json

import pytest
from django.test import Client
from ninja.responses import NinjaJSONEncoder

from tests.factories import issue_ticket
from weserve import api
from weserve.organisation.devices import create_device
from weserve.organisation.models import Counter, CounterService
from weserve.queueing import api as queue_api
from weserve.queueing import services
from weserve.queueing.models import Ticket

API = "/api/v1"


@pytest.fixture
def kiosk(tree):
    _device, token = create_device(tree.pj, "kiosk", "Kiosk 1")
    return token


@pytest.fixture
def display_token(tree):
    _device, token = create_device(tree.pj, "display", "TV")
    return token


def post(client: Client, path: str, body=None, token: str | None = None, **headers):
    if token:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client.post(
        API + path, data=json.dumps(body or {}), content_type="application/json", **headers
    )


def get(client: Client, path: str, token: str | None = None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.get(API + path, **headers)


def test_kiosk_issues_a_ticket_with_the_contract_fields(tree, clock, kiosk):
    response = post(
        Client(),
        "/offices/PKMD-PJ/tickets",
        {"service": "BKK", "priority": "oku", "language": "en"},
        kiosk,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {
        "id",
        "number",
        "service",
        "priority",
        "status",
        "position",
        "estimated_wait_minutes",
        "served_now",
        "issued_at",
        "status_url",
    }
    assert body["number"] == "A001"
    assert body["service"] == "BKK"
    assert body["priority"] == "oku"
    assert body["status"] == "waiting"
    assert body["position"] == 0
    assert body["status_url"].endswith(f"/t/{body['id']}/")
    assert body["issued_at"].endswith("Z") or body["issued_at"].endswith("+00:00")
    assert len(body["id"]) >= 22


def test_the_issue_answer_is_what_its_schema_renders(tree, clock, kiosk, settings):
    # The ticket endpoint writes its 201 itself instead of validating it against
    # IssuedTicketOut; it must be exactly what Ninja would have sent.
    settings.PUBLIC_URL = "https://pkm.example.my"
    clock.shift(seconds=12.345678)  # sub-second times are rendered the same way too
    response = post(Client(), "/offices/PKMD-PJ/tickets", {"service": "BKK"}, kiosk)
    assert response.status_code == 201
    assert response["Content-Type"] == api.api.get_content_type()
    ticket = Ticket.objects.get()
    data = queue_api._issued_out(ticket)
    validated = queue_api.IssuedTicketOut.model_validate(data).model_dump()
    assert set(data) == set(queue_api.IssuedTicketOut.model_fields)
    assert response.content == json.dumps(validated, cls=NinjaJSONEncoder).encode()
    body = response.json()
    assert body["status_url"] == f"https://pkm.example.my/t/{ticket.public_id}/"
    assert body["issued_at"].endswith("Z")


def test_public_ticket_status_needs_no_credentials(tree, clock, kiosk):
    issued = post(Client(), "/offices/PKMD-PJ/tickets", {"service": "BKK"}, kiosk).json()
    body = get(Client(), f"/tickets/{issued['id']}").json()
    assert set(body) == {
        "id",
        "number",
        "service",
        "priority",
        "status",
        "position",
        "counter",
        "issued_at",
        "called_at",
        "estimated_wait_minutes",
        "served_now",
    }
    assert body["counter"] is None


def test_unknown_office_and_service_are_404_json(tree, clock, kiosk):
    response = post(Client(), "/offices/NOPE/tickets", {"service": "BKK"}, kiosk)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    response = post(Client(), "/offices/PKMD-PJ/tickets", {"service": "XYZ"}, kiosk)
    assert response.status_code == 404


def test_kiosk_of_another_office_cannot_issue_here(tree, clock):
    _d, jb_kiosk = create_device(tree.jb, "kiosk", "JB kiosk")
    response = post(Client(), "/offices/PKMD-PJ/tickets", {"service": "BKK"}, jb_kiosk)
    assert response.status_code == 404
    assert not Ticket.objects.exists()


def test_closed_office_is_409_and_issues_nothing(tree, clock):
    import datetime as dt

    from weserve.core.clock import MALAYSIA

    clock.move_to(dt.datetime(2026, 11, 25, 18, 0, tzinfo=MALAYSIA))
    _d, klang_kiosk = create_device(tree.klang, "kiosk", "Klang kiosk")
    response = post(Client(), "/offices/PKMD-KLANG/tickets", {"service": "BKK"}, klang_kiosk)
    assert response.status_code == 409
    assert response.json()["code"] == "office_closed"
    assert not Ticket.objects.exists()


def test_malformed_request_is_422_naming_the_field(tree, clock, kiosk):
    response = post(
        Client(), "/offices/PKMD-PJ/tickets", {"service": "BKK", "priority": "vip"}, kiosk
    )
    assert response.status_code == 422
    assert "priority" in response.json()["fields"]


def test_display_device_cannot_issue_tickets(tree, clock, display_token):
    response = post(Client(), "/offices/PKMD-PJ/tickets", {"service": "BKK"}, display_token)
    assert response.status_code == 403


def test_counter_flow_over_the_api(tree, clock, kiosk, client_for):
    issued = post(Client(), "/offices/PKMD-PJ/tickets", {"service": "BKK"}, kiosk).json()
    counter = Counter.objects.get(office=tree.pj, number=1)
    staff = client_for("petugas")
    assert staff.post(f"{API}/counters/{counter.pk}/open").status_code == 200
    called = staff.post(f"{API}/counters/{counter.pk}/call-next")
    assert called.status_code == 200
    assert called.json()["id"] == issued["id"]
    assert called.json()["counter"]["number"] == 1
    assert staff.post(f"{API}/counters/{counter.pk}/call-next").status_code == 409
    assert staff.post(f"{API}/tickets/{issued['id']}/start").status_code == 200
    done = staff.post(
        f"{API}/tickets/{issued['id']}/complete",
        data=json.dumps({"outcome": "Selesai"}),
        content_type="application/json",
    )
    assert done.json()["status"] == "completed"
    assert staff.post(f"{API}/counters/{counter.pk}/call-next").status_code == 204


def test_staff_cannot_call_at_a_counter_someone_else_opened(tree, clock, client_for, users):
    counter = Counter.objects.get(office=tree.pj, number=1)
    services.open_counter(counter, acting_user=users["penyelia"])
    response = client_for("petugas").post(f"{API}/counters/{counter.pk}/call-next")
    assert response.status_code == 403


def test_supervisor_may_act_on_any_counter_of_the_office(tree, clock, client_for, users):
    counter = Counter.objects.get(office=tree.pj, number=1)
    services.open_counter(counter, acting_user=users["petugas"])
    issue_ticket(tree.pj, tree.services["BKK"])
    response = client_for("penyelia").post(f"{API}/counters/{counter.pk}/call-next")
    assert response.status_code == 200


def test_other_district_staff_get_404_on_our_counters_and_tickets(tree, clock, client_for):
    counter = Counter.objects.get(office=tree.pj, number=1)
    ticket = issue_ticket(tree.pj, tree.services["BKK"])
    other = client_for("jb_petugas")
    assert other.post(f"{API}/counters/{counter.pk}/open").status_code == 404
    assert other.post(f"{API}/tickets/{ticket.public_id}/recall").status_code == 404
    assert other.get(f"{API}/offices/PKMD-PJ/counters").status_code == 404


def test_transfer_over_the_api_keeps_the_number(tree, clock, client_for, users):
    counter = Counter.objects.get(office=tree.pj, number=1)
    ticket = issue_ticket(tree.pj, tree.services["BKK"])
    staff = client_for("petugas")
    staff.post(f"{API}/counters/{counter.pk}/open")
    staff.post(f"{API}/counters/{counter.pk}/call-next")
    moved = staff.post(
        f"{API}/tickets/{ticket.public_id}/transfer",
        data=json.dumps({"service": "OKU"}),
        content_type="application/json",
    )
    assert moved.status_code == 200
    assert moved.json()["number"] == "A001"
    assert moved.json()["service"] == "OKU"
    assert moved.json()["status"] == "waiting"


def test_counters_list_shows_kind_services_and_state(tree, clock, display_token, users):
    services.open_counter(
        Counter.objects.get(office=tree.pj, number=1), acting_user=users["petugas"]
    )
    body = get(Client(), "/offices/PKMD-PJ/counters", display_token).json()
    assert [(c["number"], c["kind"], c["state"]) for c in body] == [
        (1, "normal", "idle"),
        (2, "priority", "closed"),
    ]
    assert sorted(body[0]["services"]) == ["BKK", "INFO", "OKU"]


def test_counters_list_gives_services_in_the_order_the_counter_calls_them(
    tree, clock, display_token
):
    counter = Counter.objects.get(office=tree.pj, number=1)
    for code, rank in (("BKK", 3), ("OKU", 1), ("INFO", 2)):
        CounterService.objects.filter(counter=counter, service__code=code).update(rank=rank)

    body = get(Client(), "/offices/PKMD-PJ/counters", display_token).json()

    assert body[0]["services"] == ["OKU", "INFO", "BKK"]
    assert body[1]["services"] == ["BKK", "OKU", "INFO"]  # equal ranks: by prefix


def test_display_snapshot_has_seq_calls_counters_waiting(tree, clock, display_token, users):
    counter = Counter.objects.get(office=tree.pj, number=1)
    issue_ticket(tree.pj, tree.services["BKK"])
    issue_ticket(tree.pj, tree.services["OKU"])
    services.open_counter(counter, acting_user=users["petugas"])
    services.call_next(counter, acting_user=users["petugas"])
    body = get(Client(), "/offices/PKMD-PJ/display", display_token).json()
    assert body["seq"] > 0
    assert body["calls"][0]["number"] == "A001"
    assert body["calls"][0]["counter"]["number"] == 1
    assert body["waiting"] == {"OKU": 1}
