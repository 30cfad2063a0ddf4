"""Bad input on every page and endpoint: whatever a client sends, never a 500.

The API is fuzzed from its OpenAPI document (tests/fuzz); pages have no such document.
This walks every URL that tests/test_url_scoping.py classifies with a path (so a new page
is covered as soon as it is classified there), as the role that may use it, and sends
what a careless or hostile client could: NUL characters, long text, dates at the ends of
the calendar, booleans and huge numbers where ids go, JSON and plain-text bodies to forms.
Each answer must be below 500 (a POST-only URL is sent POSTs). The query strings and
form fields pages read are among `FIELDS` or the case's own data, so the junk reaches
the code that parses it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.test_url_scoping import (  # noqa: F401 - the fixtures
    CASES,
    CurrentOffice,
    Record,
    _client,
    world,
    world_once,
)

JUNK = [
    "A\x00B",
    # Long enough to pass any max_length, short enough (× every field) to reach the form
    # rather than the 413 of an oversized body (tests/core test that one).
    "x" * 5_000,
    "0001-01-01",
    "9999-12-31T23:59:59",
    "true",
    "-99999999999999999999999",
]

# Names pages and forms read (filters, search, pagination, form fields); a page ignores
# the ones it does not know.
FIELDS = [
    "q",
    "page",
    "date",
    "date_from",
    "date_to",
    "from",
    "to",
    "office",
    "service",
    "counter",
    "staff",
    "status",
    "category",
    "action",
    "outcome",
    "officer",
    "name",
    "mykad",
    "phone",
    "email",
    "purpose",
    "note",
    "description",
    "comment",
    "score",
    "reasons",
    "priority",
    "language",
    "text_ms",
    "text_en",
    "starts_at",
    "ends_at",
    "reference",
    "access_code",
    "number",
    "quantity",
    "forms",
    "target",
    "minutes",
]

PAGE_CASES = sorted(
    name
    for name, case in CASES.items()
    if isinstance(case, Record | CurrentOffice)
    and not str(getattr(case, "path", "")).startswith("/api/")
)


def _path(case: Record | CurrentOffice, records: Any) -> str:
    return case.path(records) if isinstance(case, Record) else case.path


def _fields(case: Record | CurrentOffice, records: Any) -> list[str]:
    data = getattr(case, "data", {}) or {}
    if callable(data):
        data = data(records)
    return sorted(set(FIELDS) | set(data))


@pytest.mark.parametrize("name", PAGE_CASES)
def test_no_page_answers_bad_input_with_a_500(name, world):  # noqa: F811 - the fixture
    records, users, tokens = world
    case = CASES[name]
    cookie = isinstance(case, Record) and case.device_cookie
    client = _client(case.actor, users, tokens, cookie=cookie)
    path = _path(case, records)
    fields = _fields(case, records)
    answers: dict[str, int] = {}
    for junk in JUNK:
        query = {field: junk for field in fields}
        if case.method == "get":
            answers[f"GET {junk[:12]!r}"] = client.get(path, query).status_code
        else:
            if getattr(case, "json", False):
                response = client.post(
                    path, data=json.dumps(query), content_type="application/json"
                )
            else:
                response = client.post(path, query)
            answers[f"POST {junk[:12]!r}"] = response.status_code
    # Booleans and lists where ids and text go, as JSON to a form page and as a form.
    if case.method == "post":
        weird = {field: True for field in fields} | {"forms": [1, 2]}
        answers["POST json booleans"] = client.post(
            path, data=json.dumps(weird), content_type="application/json"
        ).status_code
        answers["POST text/plain"] = client.post(
            path, data="\x00" * 10, content_type="text/plain"
        ).status_code
    failed = {k: v for k, v in answers.items() if v >= 500}
    assert failed == {}, (name, path, failed)
