"""Answers holding an office's or a person's data say `Cache-Control: no-store`: a
shared counter PC's browser and a proxy keep none of them (issue 13, item 6)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.core.test_idempotency import bearer, fresh_token
from weserve.organisation.devices import create_device

SIGNED_IN_PAGES = [
    ("penyelia", "/"),
    ("penyelia", "/counter/"),
    ("penyelia", "/counter/live/"),
    ("penyelia", "/audit/"),
    ("admin", "/devices/"),
]


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


@pytest.mark.parametrize(("who", "path"), SIGNED_IN_PAGES)
def test_signed_in_pages_are_not_stored(client_for, who, path):
    response = client_for(who).get(path)

    assert response.status_code == 200
    assert no_store(response)


def test_api_answers_to_a_token_are_not_stored(users):
    token = fresh_token("penyelia")

    for path in ("/api/v1/offices", "/api/v1/offices/PKMD-PJ/counters"):
        response = Client().get(path, headers=bearer(token))
        assert response.status_code == 200, path
        assert no_store(response), path


def test_a_devices_answers_are_not_stored(tree):
    _device, token = create_device(tree.pj, "display", "TV")
    client = Client()

    response = client.get("/api/v1/offices/PKMD-PJ/display", headers=bearer(token))

    assert response.status_code == 200
    assert no_store(response)


@pytest.mark.django_db
def test_the_public_ticket_answer_is_left_as_it_is():
    # Without credentials nothing is added: the customer's own ticket holds nobody's data.
    response = Client().get("/api/v1/tickets/unknown")

    assert response.status_code == 404
    assert not no_store(response)
