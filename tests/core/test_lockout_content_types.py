"""The token endpoint's lockout holds whatever the body's content type says.

A JSON body sent under another content type is still read, checked and counted; a body
that is not JSON is refused (415, in the API's error shape) without checking anything;
nothing answers 500, so no answer tells a right password from a wrong one.
"""

import json

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client

from tests.factories import PASSWORD

TOKEN_URL = "/api/v1/auth/token"
ADDRESS = "192.0.2.30"

# (name, Content-Type header or None for none at all)
CONTENT_TYPES = [
    ("form", "application/x-www-form-urlencoded"),
    ("multipart", "multipart/form-data; boundary=----weserve"),
    ("multipart-without-boundary", "multipart/form-data"),
    ("text", "text/plain"),
    ("none", None),
]


def post_raw(body: bytes, content_type: str | None) -> object:
    client = Client(REMOTE_ADDR=ADDRESS, raise_request_exception=False)
    # The test client always sends a Content-Type; an empty one is a request without.
    return client.generic("POST", TOKEN_URL, body, CONTENT_TYPE=content_type or "")


def credentials(password: str) -> bytes:
    return json.dumps({"username": "petugas1", "password": password}).encode()


@pytest.mark.parametrize(("name", "content_type"), CONTENT_TYPES, ids=[c[0] for c in CONTENT_TYPES])
def test_every_content_type_counts_towards_the_lockout(users, name, content_type):
    answers = [
        post_raw(credentials("wrong-password"), content_type)
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    right = post_raw(credentials(PASSWORD), content_type)
    right_as_json = post_raw(credentials(PASSWORD), "application/json")

    assert [a.status_code for a in answers[:-1]] == [401] * (settings.AXES_FAILURE_LIMIT - 1)
    assert answers[-1].status_code == 429
    for response in (right, right_as_json):
        assert response.status_code == 429
        assert response.json()["code"] == "locked_out"
        assert "token" not in response.json()
    assert AccessAttempt.objects.get().failures_since_start == settings.AXES_FAILURE_LIMIT + 2


def test_failed_attempts_store_no_password_whatever_the_content_type(users):
    post_raw(credentials("secret-guess-1"), "application/x-www-form-urlencoded")

    attempt = AccessAttempt.objects.get()
    assert "secret-guess-1" not in attempt.post_data


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"username=petugas1&password=wrong", "application/x-www-form-urlencoded"),
        (
            b'------weserve\r\nContent-Disposition: form-data; name="username"\r\n\r\n'
            b"petugas1\r\n------weserve--\r\n",
            "multipart/form-data; boundary=----weserve",
        ),
        (b"username=petugas1", "multipart/form-data"),
        (b"petugas1 wrong", "text/plain"),
        (b"\xff\xfe garbage", None),
    ],
    ids=["form", "multipart", "multipart-without-boundary", "text", "none"],
)
def test_a_body_that_is_not_json_is_refused_as_json_without_a_500(users, body, content_type):
    response = post_raw(body, content_type)

    assert response.status_code == 415
    assert response["Content-Type"].startswith("application/json")
    payload = response.json()
    assert payload["code"] == "unsupported_media_type"
    assert payload["detail"]
    assert not AccessAttempt.objects.exists()


def test_malformed_json_stays_a_422_in_the_error_shape(users):
    response = post_raw(b'{"username": "petugas1", "password": ', "application/json")

    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert not AccessAttempt.objects.exists()
