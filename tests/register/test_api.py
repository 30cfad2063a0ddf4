"""The register's API (issue 15's contract): paths, field names, masking, errors."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.factories import issue_ticket
from tests.register.conftest import MYKAD, serve
from weserve.core.models import AuditLog
from weserve.core.personal import MYKAD_LOOKUP
from weserve.register.models import FormHandedOver, RegisterEntry

pytestmark = pytest.mark.django_db

API = "/api/v1"
ENTRY = {
    "name": "Siti binti Ahmad",
    "mykad": MYKAD,
    "phone": "012-345 6789",
    "category": "single_parent",
    "purpose": "Mahu memohon bantuan kanak-kanak",
    "action": "form_issued",
    "forms": [{"code": "JKM18", "quantity": 2}],
    "note": "Akan kembali dengan dokumen",
}
ENTRY_FIELDS = {
    "id",
    "office",
    "ticket",
    "served_at",
    "day",
    "staff",
    "name",
    "mykad",
    "phone",
    "category",
    "service",
    "purpose",
    "action",
    "forms",
    "note",
}


def post(client: Client, path: str, body) -> object:
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(API + path, data=data, content_type="application/json")


def test_registering_a_served_ticket_answers_201_with_the_entry_masked(
    serving, client_for, catalogue
):
    response = post(client_for("petugas"), f"/tickets/{serving.public_id}/register", ENTRY)
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == ENTRY_FIELDS
    assert body["mykad"] == "******-**-5123"
    assert "850101" not in response.content.decode()
    assert body["ticket"] == serving.number
    assert body["service"] == "BKK"  # the ticket's
    assert body["office"] == "PKMD-PJ"
    assert body["staff"] == {"username": "petugas1", "name": "Petugas1"}
    assert body["phone"] == "012-345 6789"
    assert body["forms"] == [{"code": "JKM18", "title": "Borang permohonan bantuan", "quantity": 2}]
    assert body["day"] == "2026-11-25"


def test_a_ticket_registered_twice_answers_409(serving, client_for, catalogue):
    client = client_for("petugas")
    assert post(client, f"/tickets/{serving.public_id}/register", ENTRY).status_code == 201
    again = post(client_for("penyelia"), f"/tickets/{serving.public_id}/register", ENTRY)
    assert again.status_code == 409
    assert again.json()["code"] == "already_registered"
    assert RegisterEntry.objects.count() == 1


def test_a_waiting_ticket_answers_409(tree, clock, client_for):
    waiting = issue_ticket(tree.pj, tree.services["BKK"])
    response = post(client_for("petugas"), f"/tickets/{waiting.public_id}/register", ENTRY)
    assert response.status_code == 409
    assert response.json()["code"] == "ticket_not_served"


def test_a_walk_in_is_registered_with_a_service_code(tree, clock, client_for):
    body = {**ENTRY, "service": "INFO", "forms": []}
    del body["mykad"], body["phone"], body["note"]
    response = post(client_for("penyelia"), "/offices/PKMD-PJ/register", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["ticket"] is None
    assert data["service"] == "INFO"
    assert data["mykad"] == ""
    assert data["phone"] == ""


def test_the_days_register_lists_entries_masked_with_ticket_service_action_and_staff(
    tree, users, serving, client_for, catalogue
):
    post(client_for("petugas"), f"/tickets/{serving.public_id}/register", ENTRY)
    post(client_for("petugas"), "/offices/PKMD-PJ/register", {**ENTRY, "service": "INFO"})
    response = client_for("penyelia").get(f"{API}/offices/PKMD-PJ/register?date=2026-11-25")
    assert response.status_code == 200
    rows = response.json()
    assert [(r["ticket"], r["service"], r["action"]) for r in rows] == [
        (serving.number, "BKK", "form_issued"),
        (None, "INFO", "form_issued"),
    ]
    assert {r["mykad"] for r in rows} == {"******-**-5123"}
    assert {r["staff"]["username"] for r in rows} == {"petugas1"}
    assert "850101" not in response.content.decode()
    # Today is the default; another day is empty.
    assert len(client_for("penyelia").get(f"{API}/offices/PKMD-PJ/register").json()) == 2
    other_day = client_for("penyelia").get(f"{API}/offices/PKMD-PJ/register?date=2026-11-24")
    assert other_day.json() == []


def test_the_head_of_the_state_reads_a_districts_register(tree, clock, client_for):
    response = client_for("ketua").get(f"{API}/offices/PKMD-PJ/register?date=2026-11-25")
    assert response.status_code == 200


def test_a_malformed_date_answers_422(tree, client_for):
    response = client_for("penyelia").get(f"{API}/offices/PKMD-PJ/register?date=25-11-2026")
    assert response.status_code == 422
    assert set(response.json()) >= {"detail", "code"}


@pytest.mark.parametrize("key", ["jb_penyelia", "jb_petugas"])
def test_another_districts_register_is_404_for_reading_writing_and_look_up(
    serving, client_for, key
):
    client = client_for(key)
    assert client.get(f"{API}/offices/PKMD-PJ/register").status_code == 404
    assert post(client, "/offices/PKMD-PJ/register", ENTRY).status_code == 404
    assert post(client, f"/tickets/{serving.public_id}/register", ENTRY).status_code == 404
    lookup = post(client, "/offices/PKMD-PJ/customers/lookup", {"mykad": MYKAD})
    assert lookup.status_code == 404
    assert lookup.json()["code"] == "not_found"
    assert RegisterEntry.objects.count() == 0
    assert not AuditLog.objects.filter(action=MYKAD_LOOKUP).exists()


def test_wrong_roles_in_the_office_get_403(serving, client_for):
    assert client_for("petugas").get(f"{API}/offices/PKMD-PJ/register").status_code == 403
    operator = client_for("telefonis")
    assert post(operator, "/offices/PKMD-PJ/register", ENTRY).status_code == 403
    assert post(operator, f"/tickets/{serving.public_id}/register", ENTRY).status_code == 403
    lookup = post(operator, "/offices/PKMD-PJ/customers/lookup", {"mykad": MYKAD})
    assert lookup.status_code == 403


def test_without_credentials_the_register_answers_401(tree):
    assert Client().get(f"{API}/offices/PKMD-PJ/register").status_code == 401


def test_the_look_up_finds_earlier_visits_masked_and_is_audited(
    tree, users, clock, client_for, catalogue
):
    first = serve(tree.pj, tree.services["BKK"], users["petugas"])
    post(client_for("petugas"), f"/tickets/{first.public_id}/register", ENTRY)
    post(client_for("petugas"), "/offices/PKMD-PJ/register", {**ENTRY, "service": "INFO"})
    response = post(client_for("petugas"), "/offices/PKMD-PJ/customers/lookup", {"mykad": MYKAD})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["mykad"] == "******-**-5123"
    assert [v["service"] for v in body["visits"]] == ["INFO", "BKK"]  # newest first
    assert "850101" not in response.content.decode()
    log = AuditLog.objects.get(action=MYKAD_LOOKUP)
    assert log.data["matches"] == 2
    assert log.user == users["petugas"]


def test_a_look_up_that_finds_nobody_still_answers_masked(tree, clock, client_for):
    response = post(client_for("penyelia"), "/offices/PKMD-PJ/customers/lookup", {"mykad": MYKAD})
    assert response.status_code == 200
    assert response.json() == {"mykad": "******-**-5123", "visits": []}


BAD_ENTRIES = [
    ({"mykad": "850101-14-512"}, "mykad"),
    ({"phone": "12"}, "phone"),
    ({"purpose": ""}, "purpose"),
    ({"purpose": "Bantuan\u0000"}, "purpose"),
    ({"name": "\u0000"}, "name"),
    ({"forms": [{"code": "NOPE", "quantity": 1}]}, "forms"),
    ({"forms": [{"code": "JKM18", "quantity": 0}]}, "forms"),
    ({"forms": [{"code": "JKM18", "quantity": True}]}, "forms.0.quantity"),
    ({"forms": [{"code": True, "quantity": 1}]}, "forms.0.code"),
    ({"service": True}, "service"),
    ({"service": "NOPE"}, "service"),
    ({"category": "vip"}, "category"),
    ({"action": 1}, "action"),
    ({"mykad": 850101145123}, "mykad"),
]


@pytest.mark.parametrize(("changes", "field"), BAD_ENTRIES)
def test_bad_input_answers_422_with_the_field_and_saves_nothing(
    serving, client_for, catalogue, changes, field
):
    client = client_for("petugas")
    for path in (f"/tickets/{serving.public_id}/register", "/offices/PKMD-PJ/register"):
        body = {**ENTRY, "service": "BKK", **changes}
        response = post(client, path, body)
        assert response.status_code == 422, (path, response.content)
        data = response.json()
        assert data["code"] == "invalid"
        assert field in data["fields"], data
        assert data["detail"]
    assert RegisterEntry.objects.count() == 0
    assert FormHandedOver.objects.count() == 0
    assert not AuditLog.objects.filter(action="register.entry.recorded").exists()


def test_errors_are_in_malay_by_default(serving, client_for, catalogue):
    response = post(client_for("petugas"), "/offices/PKMD-PJ/register", {**ENTRY, "mykad": "12345"})
    assert response.status_code == 422
    assert response.json()["fields"]["mykad"] == (
        "Masukkan nombor MyKad yang sah, cth. 850101-14-5123."
    )


@pytest.mark.parametrize(
    "body", [{"mykad": "8501"}, {"mykad": True}, {"mykad": "850101-14-5123\u0000"}, {}, "{"]
)
def test_a_bad_look_up_answers_422_and_is_not_audited(tree, client_for, body):
    response = post(client_for("petugas"), "/offices/PKMD-PJ/customers/lookup", body)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid"
    assert not AuditLog.objects.filter(action=MYKAD_LOOKUP).exists()


def test_a_mykad_never_travels_in_a_url():
    from weserve.api import api

    paths = api.get_openapi_schema()["paths"]
    register_paths = [p for p in paths if "register" in p or "customers" in p]
    assert sorted(register_paths) == [
        "/api/v1/offices/{office_code}/customers/lookup",
        "/api/v1/offices/{office_code}/register",
        "/api/v1/tickets/{ticket_id}/register",
    ]
    lookup = paths["/api/v1/offices/{office_code}/customers/lookup"]
    assert set(lookup) == {"post"}


def test_a_repeated_post_with_the_same_idempotency_key_registers_once(tree, clock, client_for):
    client = client_for("petugas")
    body = json.dumps({**ENTRY, "service": "INFO", "forms": []})
    headers = {"HTTP_IDEMPOTENCY_KEY": "walk-in-0001"}
    first = client.post(
        f"{API}/offices/PKMD-PJ/register", data=body, content_type="application/json", **headers
    )
    again = client.post(
        f"{API}/offices/PKMD-PJ/register", data=body, content_type="application/json", **headers
    )
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert RegisterEntry.objects.count() == 1
