"""POST /api/v1/offices/{office_code}/complaints and POST /api/v1/complaints/status:
public, no credentials. Bad input is a 422 in the documented shape with nothing saved; a
double submit with one Idempotency-Key is one complaint; the public form is limited per
client address (behind the trusted proxies); the status says the state and the dates,
nothing else, and a wrong access code is the same 404 as an unknown reference."""

from __future__ import annotations

import json

import pytest
import time_machine
from django.test import Client

from tests.feedback.test_complaints import THURSDAY
from weserve.core.models import AuditLog
from weserve.feedback import complaint_services as complaints
from weserve.feedback.complaint_models import Complaint, ComplaintEvent

URL = "/api/v1/offices/PKMD-PJ/complaints"
STATUS = "/api/v1/complaints/status"
GOOD = {
    "name": "Siti Aminah",
    "phone": "012-345 6789",
    "email": "siti@example.my",
    "category": "delay",
    "against": {"service": "BKK"},
    "description": "Permohonan bantuan saya belum diproses selepas tiga bulan.",
}


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(THURSDAY, tick=False) as traveller:
        yield traveller


def post(body, url: str = URL, client: Client | None = None, **extra):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return (client or Client()).post(url, data=data, content_type="application/json", **extra)


def nothing_saved() -> None:
    assert Complaint.objects.count() == 0
    assert ComplaintEvent.objects.count() == 0
    assert not AuditLog.objects.filter(action__startswith="feedback.complaint").exists()


def test_a_complaint_is_filed_without_credentials(tree):
    response = post(GOOD)
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"reference", "access_code"}
    assert body["reference"] == "BAP-PKMD-PJ-2026-000001"
    complaint = Complaint.objects.get()
    assert complaint.office == tree.pj
    assert complaint.channel == "online"
    assert complaint.against_service == tree.services["BKK"]
    assert complaint.phone == "+60123456789"
    assert complaints.access_code_matches(complaint, body["access_code"])


@pytest.mark.parametrize(
    "body",
    [
        {"category": "other", "description": "Tandas rosak.", "against": None},
        {"category": "misconduct", "description": "Kasar.", "against": {"staff_name": "Ali"}},
        {
            "name": None,
            "phone": None,
            "email": None,
            "category": "amenities",
            "description": "Tiada tempat duduk.",
        },
    ],
)
def test_anonymous_complaints_are_accepted(tree, body):
    assert post(body).status_code == 201
    assert Complaint.objects.get().name == ""


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**GOOD, "category": "rude"}, "category"),
        ({**GOOD, "category": True}, "category"),
        ({**GOOD, "description": ""}, "description"),
        ({**GOOD, "description": "a\u0000b"}, None),  # NUL: refused before the view
        ({**GOOD, "description": "x" * 5001}, "description"),
        ({**GOOD, "phone": "12"}, "phone"),
        ({**GOOD, "phone": 123456789}, "phone"),
        ({**GOOD, "email": "siti at home"}, "email"),
        ({**GOOD, "against": {"service": "XYZ"}}, "against"),
        ({**GOOD, "against": "BKK"}, "against"),
        ({**GOOD, "against": {"service": 1}}, "against"),
        ({**GOOD, "against": {"service": "BKK", "staff_name": "Ali"}}, "against"),
        ({k: v for k, v in GOOD.items() if k != "category"}, "category"),
        ([1, 2], None),
        ("not json", None),
        ("", None),
    ],
)
def test_bad_input_is_422_in_the_documented_shape_and_saves_nothing(tree, body, field):
    response = post(body)
    assert response.status_code == 422, response.content
    answer = response.json()
    assert answer["detail"] and answer["code"]
    if field is not None:
        assert field in answer["fields"]
    nothing_saved()


def test_any_content_type_is_refused_cleanly(tree):
    response = Client().post(URL, data="category=delay", content_type="text/plain")
    assert 400 <= response.status_code < 500
    assert {"detail", "code"} <= set(response.json())
    response = Client().post(URL, data=GOOD)  # a multipart form
    assert 400 <= response.status_code < 500
    nothing_saved()


def test_a_huge_body_is_413(tree):
    response = post({**GOOD, "description": "x" * 3_000_000})
    assert response.status_code == 413
    nothing_saved()


def test_an_unknown_office_is_404(tree):
    response = post(GOOD, url="/api/v1/offices/NOPE/complaints")
    assert response.status_code == 404
    assert response.json()["code"]
    nothing_saved()


def test_a_service_of_no_office_of_its_own_is_refused(tree):
    tree.services["INFO"].offices.remove(tree.pj)
    response = post({**GOOD, "against": {"service": "INFO"}})
    assert response.status_code == 422
    nothing_saved()


def test_a_double_submit_with_one_idempotency_key_is_one_complaint(tree):
    first = post(GOOD, HTTP_IDEMPOTENCY_KEY="bap-1")
    again = post(GOOD, HTTP_IDEMPOTENCY_KEY="bap-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert Complaint.objects.count() == 1
    other = post(GOOD, HTTP_IDEMPOTENCY_KEY="bap-2")
    assert other.json()["reference"] == "BAP-PKMD-PJ-2026-000002"


def test_the_public_form_is_limited_per_address(tree, settings):
    settings.FEEDBACK_RATE_LIMITS = {"complaint": 3}
    for _i in range(3):
        assert post(GOOD, REMOTE_ADDR="203.0.113.7").status_code == 201
    refused = post(GOOD, REMOTE_ADDR="203.0.113.7")
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert Complaint.objects.count() == 3
    # Another address is not held back by it.
    assert post(GOOD, REMOTE_ADDR="203.0.113.8").status_code == 201


def test_the_limit_resets_after_the_hour(tree, settings, clock):
    settings.FEEDBACK_RATE_LIMITS = {"complaint": 1}
    assert post(GOOD, REMOTE_ADDR="203.0.113.7").status_code == 201
    assert post(GOOD, REMOTE_ADDR="203.0.113.7").status_code == 429
    clock.shift(3600)
    assert post(GOOD, REMOTE_ADDR="203.0.113.7").status_code == 201


def test_behind_a_trusted_proxy_the_limit_is_per_forwarded_client(tree, settings):
    settings.FEEDBACK_RATE_LIMITS = {"complaint": 1}
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    assert post(GOOD, HTTP_X_FORWARDED_FOR="198.51.100.1", **proxy).status_code == 201
    assert post(GOOD, HTTP_X_FORWARDED_FOR="198.51.100.2", **proxy).status_code == 201
    assert post(GOOD, HTTP_X_FORWARDED_FOR="198.51.100.1", **proxy).status_code == 429
    # A client that is not our proxy cannot claim another address with the header.
    direct = {"REMOTE_ADDR": "203.0.113.9"}
    assert post(GOOD, HTTP_X_FORWARDED_FOR="198.51.100.3", **direct).status_code == 201
    assert post(GOOD, HTTP_X_FORWARDED_FOR="198.51.100.4", **direct).status_code == 429


def filed() -> dict[str, str]:
    response = post(GOOD)
    assert response.status_code == 201
    return response.json()


def test_the_status_is_the_state_and_the_dates_only(tree, users, clock):
    given = filed()
    response = post(given, url=STATUS)
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {
        "reference",
        "state",
        "received_at",
        "acknowledged_at",
        "replied_at",
        "resolved_at",
        "closed_at",
    }
    assert body["state"] == "new"
    assert body["acknowledged_at"] is None
    assert "Siti" not in response.content.decode()
    clock.shift(3600)
    complaints.acknowledge(Complaint.objects.get(), acting_user=users["penyelia"])
    body = post(given, url=STATUS).json()
    assert body["state"] == "acknowledged"
    assert body["acknowledged_at"].startswith("2026-07-09T03:00:00")
    # The code as a person types it: small letters, spaces.
    typed = {**given, "access_code": " ".join(given["access_code"].lower())}
    assert post(typed, url=STATUS).status_code == 200


def test_a_wrong_code_is_the_same_404_as_an_unknown_reference(tree):
    given = filed()
    wrong = post({**given, "access_code": "AAAAAAAAAA"}, url=STATUS)
    unknown = post({**given, "reference": "BAP-PKMD-PJ-2026-999999"}, url=STATUS)
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()
    assert post({**given, "access_code": ""}, url=STATUS).status_code == 404


@pytest.mark.parametrize(
    "body",
    [{}, {"reference": 1, "access_code": "x"}, {"reference": "x", "access_code": True}, [], "x"],
)
def test_a_malformed_status_query_is_422(tree, body):
    response = post(body, url=STATUS)
    assert response.status_code == 422
    assert response.json()["code"]


def test_guessing_access_codes_is_limited_per_address(tree, settings):
    settings.FEEDBACK_RATE_LIMITS = {"complaint_status": 2}
    given = filed()
    for _i in range(2):
        assert post({**given, "access_code": "WRONG"}, url=STATUS).status_code == 404
    assert post(given, url=STATUS).status_code == 429
