"""The OpenAPI document lists each operation's error answers, in the shape the API really
answers with (issue 13, item 4): `{"detail", "code", "fields"?}`."""

from __future__ import annotations

import json

import jsonschema_rs
import pytest
from django.test import Client

from weserve.core.tokens import issue_user_token
from weserve.organisation.devices import create_device
from weserve.organisation.models import Counter

API = "/api/v1"


@pytest.fixture(scope="module")
def document() -> dict:
    from weserve.api import api

    # As clients read it: the served JSON (status keys are strings there).
    return json.loads(json.dumps(api.get_openapi_schema()))


def test_the_served_document_is_the_one_described(document, db):
    # tests/fuzz reads the document from the API object; clients read it from the URL.
    assert Client().get(f"{API}/openapi.json").json() == document


def _operations(document: dict):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            yield method, path, operation


def _statuses(operation: dict) -> set[int]:
    return {int(s) for s in operation["responses"]}


def test_every_operation_lists_the_errors_it_can_give(document):
    operations = list(_operations(document))
    assert len(operations) >= 25
    for method, path, operation in operations:
        statuses = _statuses(operation)
        where = f"{method.upper()} {path}"
        # A NUL character anywhere (422) or a body too large (413): any request.
        assert {413, 422} <= statuses, where
        if operation.get("security"):
            assert {401, 403} <= statuses, where
        if "{" in path:
            assert 404 in statuses, where
        if method == "post":
            assert 409 in statuses, where
        if "requestBody" in operation:
            assert 415 in statuses, where


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("get", "/api/v1/ping", {200, 413, 422}),
        ("get", "/api/v1/tickets/{ticket_id}", {200, 404, 413, 422}),
        ("get", "/api/v1/offices", {200, 401, 403, 413, 422}),
        (
            "post",
            "/api/v1/offices/{office_code}/tickets",
            {201, 401, 403, 404, 409, 413, 415, 422},
        ),
        ("post", "/api/v1/auth/token", {200, 401, 409, 413, 415, 422, 429}),
        ("post", "/api/v1/auth/token/revoke", {204, 400, 401, 403, 409, 413, 422}),
        (
            "post",
            "/api/v1/counters/{counter_id}/call-next",
            {200, 204, 401, 403, 404, 409, 413, 422},
        ),
    ],
)
def test_operations_list_exactly_their_answers(document, method, path, expected):
    assert _statuses(document["paths"][path][method]) == expected


def _error_validator(document: dict, method: str, path: str, status: int):
    """A validator for the body the document promises for this operation and status."""
    answer = document["paths"][path][method]["responses"][str(status)]
    if "$ref" in answer:
        name = answer["$ref"].rsplit("/", 1)[-1]
        answer = document["components"]["responses"][name]
    schema = answer["content"]["application/json"]["schema"]
    return jsonschema_rs.validator_for({**schema, "components": document["components"]})


def test_every_error_answer_refers_to_the_one_error_shape(document):
    shape = document["components"]["schemas"]["ErrorOut"]
    assert shape["required"] == ["detail", "code"]
    assert set(shape["properties"]) == {"detail", "code", "fields"}
    for method, path, operation in _operations(document):
        for status in _statuses(operation):
            if status >= 400:
                validator = _error_validator(document, method, path, status)
                assert validator.is_valid({"detail": "x", "code": "y"}), (method, path, status)
                # The schema can say no: a body without its code is not an error answer.
                assert not validator.is_valid({"detail": "x"}), (method, path, status)


def _post(path: str, body: object = None, token: str | None = None, **extra):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    data = body if isinstance(body, (str, bytes)) else json.dumps(body or {})
    extra.setdefault("content_type", "application/json")
    return Client().post(API + path, data=data, **headers, **extra)


def test_real_error_answers_match_the_documented_schema(document, tree, users):
    _device, kiosk = create_device(tree.pj, "kiosk", "Kiosk 1")
    staff = issue_user_token(users["penyelia"])
    counter = Counter.objects.get(office=tree.pj, number=1)
    assert _post(f"/counters/{counter.pk}/open", token=staff).status_code == 200
    assert _post("/offices/PKMD-PJ/tickets", {"service": "BKK"}, kiosk).status_code == 201
    assert _post(f"/counters/{counter.pk}/call-next", token=staff).status_code == 200
    call_next_path = "/api/v1/counters/{counter_id}/call-next"
    open_path = "/api/v1/counters/{counter_id}/open"
    issue_path = "/api/v1/offices/{office_code}/tickets"
    answers = [
        # No credentials.
        ("get", "/api/v1/offices", Client().get(f"{API}/offices"), 401),
        # A wrong password.
        (
            "post",
            "/api/v1/auth/token",
            _post("/auth/token", {"username": "penyelia", "password": "wrong"}),
            401,
        ),
        # A kiosk may not open a counter.
        ("post", open_path, _post(f"/counters/{counter.pk}/open", token=kiosk), 403),
        # Another office's record.
        ("post", issue_path, _post("/offices/PKMD-JB/tickets", {"service": "BKK"}, kiosk), 404),
        # The counter's called customer has not been served yet.
        ("post", call_next_path, _post(f"/counters/{counter.pk}/call-next", token=staff), 409),
        # Invalid fields, each named.
        ("post", issue_path, _post("/offices/PKMD-PJ/tickets", {"service": True}, kiosk), 422),
        # A NUL character in the path.
        ("get", "/api/v1/tickets/{ticket_id}", Client().get(f"{API}/tickets/%00"), 422),
        # A body that is neither JSON nor says it is.
        (
            "post",
            issue_path,
            _post("/offices/PKMD-PJ/tickets", "service=BKK", kiosk, content_type="text/plain"),
            415,
        ),
        # A body larger than the server reads.
        (
            "post",
            issue_path,
            _post("/offices/PKMD-PJ/tickets", "x", kiosk, CONTENT_LENGTH=str(50 * 1024 * 1024)),
            413,
        ),
    ]
    for method, path, response, status in answers:
        assert response.status_code == status, (path, response.content)
        assert response["Content-Type"].startswith("application/json")
        validator = _error_validator(document, method, path, status)
        body = response.json()
        assert validator.is_valid(body), (path, status, body)
    fields = answers[5][2].json()["fields"]
    assert set(fields) == {"service"}
    # `fields` is there only when it says something.
    assert "fields" not in answers[1][2].json()
