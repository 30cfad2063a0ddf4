"""A failed sign-in is recorded (django-axes) without the password that was typed.

The record keeps the request's form and query (`post_data`, `get_data`) for the
administrator; the password fields are masked there, and the token endpoint records no
form at all, whatever content type carried its JSON. Checked over every column of every
record axes keeps.
"""

from __future__ import annotations

import json

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.test import Client, override_settings

TYPED = "Typed-Secret-7f3a"  # the wrong password someone typed
ADDRESS = "192.0.2.40"


def everything_axes_stored() -> str:
    rows = []
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        rows.extend(str(values) for values in model.objects.values())
    return "\n".join(rows)


def client() -> Client:
    return Client(REMOTE_ADDR=ADDRESS, raise_request_exception=False)


def sign_in_page() -> None:
    client().post("/accounts/login/", {"username": "petugas1", "password": TYPED})


def sign_in_page_with_the_password_in_the_query_too() -> None:
    client().post(f"/accounts/login/?password={TYPED}", {"username": "petugas1", "password": TYPED})


def admin_sign_in() -> None:
    client().post("/admin/login/", {"username": "petugas1", "password": TYPED})


def token_as_json() -> None:
    body = {"username": "petugas1", "password": TYPED}
    client().post("/api/v1/auth/token", body, content_type="application/json")


def token_as_form() -> None:
    # The JSON under a form's content type: read as a form, it is one key holding it all.
    body = json.dumps({"username": "petugas1", "password": TYPED})
    client().generic(
        "POST", "/api/v1/auth/token", body, CONTENT_TYPE="application/x-www-form-urlencoded"
    )


def token_as_multipart() -> None:
    body = json.dumps({"username": "petugas1", "password": TYPED})
    client().generic(
        "POST", "/api/v1/auth/token", body, CONTENT_TYPE="multipart/form-data; boundary=x"
    )


@pytest.mark.parametrize(
    "attempt",
    [
        sign_in_page,
        sign_in_page_with_the_password_in_the_query_too,
        admin_sign_in,
        token_as_json,
        token_as_form,
        token_as_multipart,
    ],
)
@override_settings(AXES_ENABLE_ACCESS_FAILURE_LOG=True)
def test_a_failed_sign_in_is_recorded_without_the_typed_password(users, attempt):
    attempt()

    record = AccessAttempt.objects.get()
    assert record.username == "petugas1"
    assert record.failures_since_start == 1
    assert TYPED not in everything_axes_stored()
    if attempt in (sign_in_page, admin_sign_in):
        assert "password=********************" in record.post_data  # masked, not dropped
