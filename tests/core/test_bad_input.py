"""Bad input gets a clear 4xx, never a 500, and changes nothing (core's guards).

Run on SQLite and on PostgreSQL (DATABASE_URL): PostgreSQL refuses NUL in text, which
made every NUL a 500 there, while SQLite stored it.
"""

from __future__ import annotations

import json

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.db import OperationalError
from django.test import Client

from tests.factories import PASSWORD
from weserve.core.models import AuditLog, IdempotentResponse

API = "/api/v1"
JSON = "application/json"


def assert_error_shape(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["detail"], str) and body["detail"]
    assert set(body) <= {"detail", "code", "fields"}
    return body


def test_a_nul_in_a_path_parameter_is_422(tree):
    response = Client(raise_request_exception=False).get(f"{API}/tickets/%00")

    body = assert_error_shape(response, 422, "invalid")
    assert set(body["fields"]) == {"path"}


def test_a_nul_in_a_query_parameter_is_422(users):
    client = Client(raise_request_exception=False)
    client.force_login(users["penyelia"])

    response = client.get(f"{API}/offices", {"q": "a\x00b"})

    body = assert_error_shape(response, 422, "invalid")
    assert set(body["fields"]) == {"q"}


def test_a_nul_in_the_token_username_is_422_and_nothing_is_recorded(users):
    response = Client(raise_request_exception=False).post(
        f"{API}/auth/token",
        json.dumps({"username": "petugas1\u0000", "password": "wrong"}),
        content_type=JSON,
    )

    body = assert_error_shape(response, 422, "invalid")
    assert set(body["fields"]) == {"username"}
    assert not AccessAttempt.objects.exists()


def test_a_nul_deep_in_a_json_body_is_named_by_its_field(users):
    response = Client(raise_request_exception=False).post(
        f"{API}/auth/token",
        json.dumps({"username": "petugas1", "password": "x", "extra": [{"a": "\u0000"}]}),
        content_type=JSON,
    )

    body = assert_error_shape(response, 422, "invalid")
    assert set(body["fields"]) == {"extra.0.a"}


def test_an_escaped_backslash_before_u0000_is_not_a_nul(users):
    # The text `\u0000` (a backslash, then u0000) is six ordinary characters.
    response = Client().post(
        f"{API}/auth/token",
        json.dumps({"username": "petugas1", "password": "\\u0000"}),
        content_type=JSON,
    )

    assert_error_shape(response, 401, "invalid_credentials")


def test_a_nul_in_a_sign_in_form_is_a_400_and_nothing_is_recorded(users):
    response = Client(raise_request_exception=False).post(
        "/accounts/login/", {"username": "petugas1\x00", "password": PASSWORD}
    )

    assert response.status_code == 400
    assert not AccessAttempt.objects.exists()
    assert not AuditLog.objects.exists()


def test_a_nul_in_a_page_query_is_a_400(users, client_for):
    client = client_for("admin")
    client.raise_request_exception = False

    response = client.get("/audit/", {"user": "a\x00"})

    assert response.status_code == 400


def test_a_100000_character_username_is_422_on_the_api(users):
    response = Client(raise_request_exception=False).post(
        f"{API}/auth/token",
        json.dumps({"username": "u" * 100_000, "password": "wrong"}),
        content_type=JSON,
    )

    body = assert_error_shape(response, 422, "invalid")
    assert set(body["fields"]) == {"username"}
    assert not AccessAttempt.objects.exists()


def test_a_100000_character_username_on_the_sign_in_page_is_a_form_error(users):
    response = Client(raise_request_exception=False).post(
        "/accounts/login/", {"username": "u" * 100_000, "password": "wrong"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in response.client.session


def test_a_10_mb_body_is_413_json_on_the_api(users):
    body = json.dumps({"username": "petugas1", "password": "x" * (10 * 1024 * 1024)})

    response = Client(raise_request_exception=False).post(
        f"{API}/auth/token", body, content_type=JSON
    )

    assert_error_shape(response, 413, "request_too_large")
    assert not AccessAttempt.objects.exists()


def test_a_10_mb_body_is_413_on_a_page(users):
    response = Client(raise_request_exception=False).post(
        "/accounts/login/",
        "username=petugas1&password=" + "x" * (10 * 1024 * 1024),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 413


def test_a_method_the_path_does_not_take_is_405_json_with_allow(tree):
    response = Client().get(f"{API}/auth/token")

    assert_error_shape(response, 405, "method_not_allowed")
    assert "POST" in response["Allow"]


def test_an_unknown_api_path_is_404_json(tree):
    for path in (f"{API}/no-such-thing", f"{API}/offices/PKMD-PJ/nothing/here", "/api/v2/x"):
        assert_error_shape(Client().get(path), 404, "not_found")


def test_an_unknown_page_stays_the_html_404(tree):
    response = Client().get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_database_error_in_the_idempotency_claim_is_json_to_api_clients(users, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(IdempotentResponse.objects, "create", broken)

    response = Client(raise_request_exception=False).post(
        f"{API}/auth/token",
        json.dumps({"username": "petugas1", "password": PASSWORD}),
        content_type=JSON,
        HTTP_IDEMPOTENCY_KEY="k-1",
    )

    # A database that does not answer in time is out of reach for now: try again
    # (core.unavailable), in the API's error shape all the same.
    assert_error_shape(response, 503, "database_unavailable")
    assert response["Retry-After"] == "5"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"date_from": "9999-12-31"}, "date_from"),
        ({"date_to": "9999-12-31"}, "date_to"),
        ({"date_from": "0001-01-01"}, "date_from"),
        ({"date_to": "0001-01-01"}, "date_to"),
    ],
)
def test_audit_filter_dates_at_the_ends_of_the_calendar_are_form_errors(
    users, client_for, query, field
):
    client = client_for("admin")
    client.raise_request_exception = False

    response = client.get("/audit/", query)

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert list(response.context["entries"]) == []


def test_refusals_are_in_malay_unless_english_was_chosen(tree):
    malay = Client().get(f"{API}/tickets/%00")
    english = Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    assert malay.json()["detail"].startswith("Input tidak sah")
    assert english.get(f"{API}/tickets/%00").json()["fields"]["path"] == (
        "Text may not contain NUL characters."
    )
    assert Client().get(f"{API}/nowhere").json()["detail"] != "Not found."
    assert english.get(f"{API}/nowhere").json()["detail"] == "Not found."
