"""POST /api/v1/offices/{office_code}/ratings: a rating tablet of the office, or no
credentials with the ticket's public id as the authority. Every refusal is a clear 4xx
in the documented shape, and saves nothing."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.factories import issue_ticket
from tests.feedback.conftest import device_browser, make_tablet, serve
from weserve.core.tokens import issue_user_token
from weserve.feedback.models import Rating, RatingReason
from weserve.organisation.devices import create_device, revoke_device

URL = "/api/v1/offices/PKMD-PJ/ratings"


def post(client: Client, body, url: str = URL, **extra):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json", **extra)


def bearer(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def nothing_saved() -> None:
    assert Rating.objects.count() == 0
    assert RatingReason.objects.count() == 0


def test_the_counters_tablet_rates_with_its_token(users, completed, tablet):
    device, token = tablet
    response = post(
        bearer(token),
        {
            "ticket": completed.public_id,
            "score": 4,
            "reasons": ["waiting_time", "clarity"],
            "comment": "Cepat",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["ticket"] == completed.number
    assert body["counter"] == 1
    assert body["score"] == 4
    assert body["reasons"] == ["waiting_time", "clarity"]
    assert body["comment"] == "Cepat"
    assert body["channel"] == "tablet"
    assert body["office"] == "PKMD-PJ"
    rating = Rating.objects.get()
    assert rating.device == device
    assert rating.served_by == users["petugas"]


def test_without_credentials_the_public_id_is_the_authority(users, completed):
    response = post(Client(), {"ticket": completed.public_id, "score": 1})
    assert response.status_code == 201, response.content
    assert response.json()["channel"] == "qr"
    assert Rating.objects.get().served_by == users["petugas"]


def test_a_ticket_twice_is_409_with_a_code(completed, tablet):
    _device, token = tablet
    assert post(bearer(token), {"ticket": completed.public_id, "score": 5}).status_code == 201
    for client in (bearer(token), Client()):
        response = post(client, {"ticket": completed.public_id, "score": 1})
        assert response.status_code == 409
        body = response.json()
        assert body["code"] == "already_rated"
        assert completed.number in body["detail"]
    assert list(Rating.objects.values_list("score", flat=True)) == [5]


def test_a_ticket_of_another_counter_is_403(tree, users, clock, tablet):
    _device, token = tablet  # counter 1's
    other = serve(tree.pj, tree.services["BKK"], users["penyelia"], counter_number=2)
    response = post(bearer(token), {"ticket": other.public_id, "score": 5})
    assert response.status_code == 403
    assert response.json()["code"] == "not_this_counter"
    nothing_saved()


def test_a_ticket_of_another_office_is_404(tree, users, clock, tablet):
    _device, token = tablet
    jb = serve(tree.jb, tree.services["BKK"], users["jb_petugas"])
    for client in (bearer(token), Client()):
        response = post(client, {"ticket": jb.public_id, "score": 5})
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    nothing_saved()


def test_another_offices_tablet_is_404_and_an_unknown_office_too(tree, completed):
    _jb, jb_token = make_tablet(tree.jb)
    response = post(bearer(jb_token), {"ticket": completed.public_id, "score": 5})
    assert response.status_code == 404
    response = post(
        Client(), {"ticket": completed.public_id, "score": 5}, url="/api/v1/offices/NOPE/ratings"
    )
    assert response.status_code == 404
    nothing_saved()


def test_a_ticket_not_completed_is_409(tree, users, clock, tablet):
    _device, token = tablet
    called = serve(tree.pj, tree.services["BKK"], users["petugas"], complete=False)
    waiting = issue_ticket(tree.pj, tree.services["OKU"])
    response = post(bearer(token), {"ticket": called.public_id, "score": 5})
    assert (response.status_code, response.json()["code"]) == (409, "ticket_not_completed")
    response = post(Client(), {"ticket": waiting.public_id, "score": 5})
    assert (response.status_code, response.json()["code"]) == (409, "ticket_not_completed")
    nothing_saved()


def test_people_and_other_devices_do_not_rate(tree, users, completed):
    staff_token = issue_user_token(users["petugas"])
    _kiosk, kiosk_token = create_device(tree.pj, "kiosk", "Kiosk")
    for token in (staff_token, kiosk_token):
        response = post(bearer(token), {"ticket": completed.public_id, "score": 5})
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"
    nothing_saved()


def test_dead_credentials_are_401_not_taken_for_none(tree, completed, tablet):
    device, token = tablet
    revoke_device(device)
    response = post(bearer(token), {"ticket": completed.public_id, "score": 5})
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    response = post(device_browser("not-a-token"), {"ticket": completed.public_id, "score": 5})
    assert response.status_code == 401
    nothing_saved()


def test_the_paired_tablet_browser_rates_with_its_cookie_and_csrf(completed, tablet):
    _device, token = tablet
    browser = device_browser(token)
    browser.handler.enforce_csrf_checks = True
    refused = post(browser, {"ticket": completed.public_id, "score": 5})
    assert refused.status_code == 403  # cookie credentials need the CSRF token
    assert refused.json()["code"] == "csrf_failed"
    nothing_saved()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"score": 5}, "ticket"),
        ({"ticket": None, "score": 5}, "ticket"),
        ({"ticket": 12, "score": 5}, "ticket"),
        ({"ticket": "TICKET", "score": 5}, None),  # the ticket's own checks: 404
        ({"ticket": "TICKET"}, "score"),
        ({"ticket": "TICKET", "score": 0}, "score"),
        ({"ticket": "TICKET", "score": 6}, "score"),
        ({"ticket": "TICKET", "score": -3}, "score"),
        ({"ticket": "TICKET", "score": 10**30}, "score"),
        ({"ticket": "TICKET", "score": True}, "score"),
        ({"ticket": "TICKET", "score": "5"}, "score"),
        ({"ticket": "TICKET", "score": 4.5}, "score"),
        ({"ticket": "TICKET", "score": 5, "reasons": ["rude"]}, "reasons"),
        ({"ticket": "TICKET", "score": 5, "reasons": "courtesy"}, "reasons"),
        ({"ticket": "TICKET", "score": 5, "reasons": [True]}, "reasons.0"),
        ({"ticket": "TICKET", "score": 5, "comment": "x" * 1001}, "comment"),
        ({"ticket": "TICKET", "score": 5, "comment": "x" * 5000}, "comment"),
        ({"ticket": "TICKET", "score": 5, "comment": ["a"]}, "comment"),
        ({"ticket": "TICKET", "score": 5, "comment": "bell\u0007"}, "comment"),
    ],
)
def test_bad_fields_are_422_with_the_field_named_and_nothing_saved(completed, body, field):
    if body.get("ticket") == "TICKET":
        body = {**body, "ticket": completed.public_id}
    if field is None:
        body = {**body, "ticket": "no-such-ticket"}
    response = post(Client(), body)
    if field is None:
        assert response.status_code == 404
    else:
        assert response.status_code == 422, (body, response.content)
        result = response.json()
        assert result["code"] == "invalid"
        assert field in result["fields"], result
        assert result["detail"]
    nothing_saved()


@pytest.mark.parametrize(
    ("raw", "content_type", "status"),
    [
        ('{"ticket": "T", "score": 5', "application/json", 422),
        ("ticket=T&score=5", "application/x-www-form-urlencoded", 415),
        ("[1, 2]", "application/json", 422),
        ('"text"', "application/json", 422),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused(completed, raw, content_type, status):
    response = Client().post(URL, data=raw, content_type=content_type)
    assert response.status_code == status
    assert {"detail", "code"} <= set(response.json())
    nothing_saved()


def test_a_nul_character_is_refused_before_the_endpoint(completed):
    body = json.dumps({"ticket": completed.public_id, "score": 5, "comment": "a\u0000b"})
    response = Client().post(URL, data=body, content_type="application/json")
    assert response.status_code == 422
    assert {"detail", "code"} <= set(response.json())
    nothing_saved()


def test_an_idempotent_repeat_rates_once(completed, tablet):
    _device, token = tablet
    client = bearer(token)
    body = {"ticket": completed.public_id, "score": 5}
    first = post(client, body, HTTP_IDEMPOTENCY_KEY="tap-1")
    again = post(client, body, HTTP_IDEMPOTENCY_KEY="tap-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Rating.objects.count() == 1
