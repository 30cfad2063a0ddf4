"""The API's authentication and error contract: tokens, device credentials, 401/404/422."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from tests.factories import PASSWORD
from weserve.core.models import ApiToken
from weserve.organisation.devices import create_device

TOKEN_URL = "/api/v1/auth/token"
START = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)


def get_token(client: Client, username: str, password: str = PASSWORD):
    return client.post(
        TOKEN_URL, {"username": username, "password": password}, content_type="application/json"
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def office_codes(response) -> list[str]:
    return sorted(o["code"] for o in response.json())


def test_right_password_gets_a_token(users):
    response = get_token(Client(), "petugas1")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token"}
    assert len(body["token"]) >= 40
    assert ApiToken.objects.filter(user=users["petugas"]).count() == 1


def test_wrong_password_is_401_json_and_issues_nothing(users):
    response = get_token(Client(), "petugas1", "not-the-password")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    assert body["code"] == "invalid_credentials"
    assert body["detail"]
    assert not ApiToken.objects.exists()


def test_unknown_user_is_401_like_a_wrong_password(users):
    response = get_token(Client(), "nobody", PASSWORD)

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


def test_inactive_user_gets_no_token(users):
    users["petugas"].is_active = False
    users["petugas"].save(update_fields=["is_active"])

    assert get_token(Client(), "petugas1").status_code == 401


def test_token_works_as_bearer_for_the_persons_offices(users):
    token = get_token(Client(), "petugas1").json()["token"]

    response = Client().get("/api/v1/offices", headers=bearer(token))

    assert response.status_code == 200
    assert office_codes(response) == ["PKMD-PJ"]


def test_head_token_sees_the_offices_below(users):
    token = get_token(Client(), "ketua.jkmn").json()["token"]

    response = Client().get("/api/v1/offices", headers=bearer(token))

    assert office_codes(response) == ["JKMN-SGR", "PKMD-KLANG", "PKMD-PJ"]


def test_token_expires_after_the_user_token_ttl(users):
    ttl = dt.timedelta(hours=settings.USER_TOKEN_TTL_HOURS)
    with time_machine.travel(START, tick=False) as traveller:
        token = get_token(Client(), "petugas1").json()["token"]
        traveller.move_to(START + ttl - dt.timedelta(minutes=1))
        assert Client().get("/api/v1/offices", headers=bearer(token)).status_code == 200
        traveller.move_to(START + ttl + dt.timedelta(seconds=1))
        response = Client().get("/api/v1/offices", headers=bearer(token))

    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_revoked_token_stops_working(users):
    token = get_token(Client(), "petugas1").json()["token"]

    revoked = Client().post("/api/v1/auth/token/revoke", headers=bearer(token))
    after = Client().get("/api/v1/offices", headers=bearer(token))

    assert revoked.status_code == 204
    assert after.status_code == 401
    assert ApiToken.objects.get().revoked_at is not None


def test_revoking_one_token_leaves_the_others(users):
    first = get_token(Client(), "petugas1").json()["token"]
    second = get_token(Client(), "petugas1").json()["token"]

    Client().post("/api/v1/auth/token/revoke", headers=bearer(first))

    assert Client().get("/api/v1/offices", headers=bearer(second)).status_code == 200


def test_revoke_without_a_bearer_token_is_refused(client_for):
    response = client_for("petugas").post("/api/v1/auth/token/revoke")

    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def test_using_a_token_records_when_it_was_last_used(users):
    token = get_token(Client(), "petugas1").json()["token"]
    assert ApiToken.objects.get().last_used_at is None

    Client().get("/api/v1/offices", headers=bearer(token))

    assert ApiToken.objects.get().last_used_at is not None


@pytest.fixture
def pj_kiosk(tree):
    device, token = create_device(tree.pj, "kiosk", "Kiosk")
    return device, token


def test_device_token_sees_only_its_office(pj_kiosk):
    _device, token = pj_kiosk
    client = Client()

    offices = client.get("/api/v1/offices", headers=bearer(token))
    own = client.get("/api/v1/offices/PKMD-PJ/services", headers=bearer(token))
    other = client.get("/api/v1/offices/PKMD-JB/services", headers=bearer(token))

    assert office_codes(offices) == ["PKMD-PJ"]
    assert own.status_code == 200
    assert sorted(s["code"] for s in own.json()) == ["BKK", "INFO", "OKU"]
    assert other.status_code == 404
    assert other.json() == {"detail": other.json()["detail"], "code": "not_found"}


def test_device_cookie_authenticates_for_its_office_only(pj_kiosk):
    _device, token = pj_kiosk
    client = Client()
    client.cookies[settings.DEVICE_COOKIE_NAME] = token

    own = client.get("/api/v1/offices/PKMD-PJ/services")
    other = client.get("/api/v1/offices/PKMD-JB/services")

    assert own.status_code == 200
    assert other.status_code == 404
    assert other.json()["code"] == "not_found"


def test_unknown_office_and_another_offices_office_look_the_same(pj_kiosk):
    _device, token = pj_kiosk
    client = Client()

    other = client.get("/api/v1/offices/PKMD-JB", headers=bearer(token))
    unknown = client.get("/api/v1/offices/NO-SUCH", headers=bearer(token))

    assert other.status_code == unknown.status_code == 404
    assert other.json() == unknown.json()


def test_revoked_device_token_is_refused(pj_kiosk):
    from weserve.organisation.devices import revoke_device

    device, token = pj_kiosk
    revoke_device(device)

    response = Client().get("/api/v1/offices", headers=bearer(token))

    assert response.status_code == 401


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not-a-real-token"},
        {"Authorization": "Basic cGV0dWdhczE6dGVzdA=="},
        {"Authorization": "Bearer "},
    ],
)
def test_missing_or_invalid_credentials_are_401_json(tree, headers):
    response = Client().get("/api/v1/offices", headers=headers)

    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "unauthenticated"
    assert body["detail"]


def test_invalid_device_cookie_is_401(tree):
    client = Client()
    client.cookies[settings.DEVICE_COOKIE_NAME] = "forged"

    assert client.get("/api/v1/offices").status_code == 401


@pytest.mark.parametrize("param", ["token", "access_token", "api_key", "key", "weserve_device"])
def test_tokens_in_the_query_string_are_not_accepted(pj_kiosk, users, param):
    _device, device_token = pj_kiosk
    user_token = get_token(Client(), "petugas1").json()["token"]

    for token in (device_token, user_token):
        response = Client().get(f"/api/v1/offices?{param}={token}")
        assert response.status_code == 401


def test_post_without_credentials_is_401_not_a_csrf_failure(tree):
    # Cookie authentication checks CSRF; a request carrying no cookie must still get 401.
    client = Client(enforce_csrf_checks=True)

    response = client.post("/api/v1/auth/token/revoke")

    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_post_with_invalid_bearer_is_401_not_a_csrf_failure(tree):
    client = Client(enforce_csrf_checks=True)

    response = client.post("/api/v1/auth/token/revoke", headers=bearer("forged"))

    assert response.status_code == 401


def test_session_post_without_csrf_token_is_refused(users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["petugas"])

    response = client.post("/api/v1/auth/token/revoke")

    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"


def test_device_cookie_post_without_csrf_token_is_refused(pj_kiosk):
    _device, token = pj_kiosk
    client = Client(enforce_csrf_checks=True)
    client.cookies[settings.DEVICE_COOKIE_NAME] = token

    response = client.post("/api/v1/auth/token/revoke")

    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"


def test_bearer_post_needs_no_csrf_token(users):
    token = get_token(Client(), "petugas1").json()["token"]
    client = Client(enforce_csrf_checks=True)

    response = client.post("/api/v1/auth/token/revoke", headers=bearer(token))

    assert response.status_code == 204


def test_missing_field_is_422_naming_the_field(tree):
    response = Client().post(TOKEN_URL, {"username": "petugas1"}, content_type="application/json")

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["fields"]) == {"password"}
    assert "password" in body["detail"]


def test_wrong_field_type_is_422_naming_the_field(tree):
    response = Client().post(
        TOKEN_URL, {"username": ["a", "b"], "password": "x"}, content_type="application/json"
    )

    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"username"}


def test_body_that_is_not_json_is_422(tree):
    response = Client().post(TOKEN_URL, "{not json", content_type="application/json")

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["fields"]) == {"body"}


def test_empty_body_is_422(tree):
    response = Client().post(TOKEN_URL, content_type="application/json")

    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


def test_openapi_schema_is_served(db):
    response = Client().get("/api/v1/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "WeServe API"
    assert "/api/v1/auth/token" in schema["paths"]
    assert "/api/v1/offices" in schema["paths"]


def test_openapi_schema_offers_no_query_string_credentials(db):
    schemes = Client().get("/api/v1/openapi.json").json()["components"]["securitySchemes"]

    assert all(scheme.get("in") != "query" for scheme in schemes.values())


@pytest.mark.parametrize(
    ("loc", "name"),
    [
        (("body", "payload", "password"), "password"),
        (("body", "data", "path"), "path"),
        (("body", "payload", "counters", 0), "counters.0"),
        (("body", "payload"), "body"),
        (("query", "day"), "day"),
        (("path", "office_code"), "office_code"),
        (("form", "code"), "code"),
    ],
)
def test_error_fields_are_named_as_the_client_sent_them(loc, name):
    from weserve.core.api import _field_name

    assert _field_name(loc) == name
