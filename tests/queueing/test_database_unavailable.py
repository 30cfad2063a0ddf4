"""The database out of reach (PostgreSQL restarting) is a 503 with Retry-After, never a 500:
on the API, whether the view or the middleware met it, and on pages (core.unavailable)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import OperationalError, connection
from django.test import Client

from weserve.organisation.devices import create_device
from weserve.queueing.models import Ticket

# Malay first, as every answer (core.middleware.MalayFirstMiddleware).
MESSAGE = (
    "WeServe tidak dapat menghubungi pangkalan datanya sekarang. Cuba lagi dalam beberapa saat."
)


def shutting_down(execute, sql, params, many, context):
    # What PostgreSQL answers every query while it shuts down for a restart.
    raise OperationalError("FATAL: the database system is shutting down")


@contextmanager
def database_down() -> Iterator[None]:
    with connection.execute_wrapper(shutting_down):
        yield


def signed_in(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_an_api_view_that_cannot_reach_the_database_answers_503_to_try_again(users):
    client = signed_in(users["petugas"])

    with database_down():
        response = client.get("/api/v1/offices/PKMD-PJ/counters")

    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": MESSAGE, "code": "database_unavailable"}
    assert response["Retry-After"] == "5"
    # Back up, the same request is answered.
    assert client.get("/api/v1/offices/PKMD-PJ/counters").status_code == 200


@pytest.mark.django_db
def test_a_ticket_retried_after_a_503_with_its_key_is_issued_once(tree, clock):
    _device, token = create_device(tree.pj, "kiosk", "Kiosk 1")
    client = Client(raise_request_exception=False)

    def issue():
        return client.post(
            "/api/v1/offices/PKMD-PJ/tickets",
            data=json.dumps({"service": "BKK"}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
            HTTP_IDEMPOTENCY_KEY="kiosk-1-customer-7",
        )

    with database_down():
        # The idempotency middleware's claim is the first write: it meets the outage
        # before the view does, so Django's handler500 answers.
        refused = issue()

    assert refused.status_code == 503
    assert refused.json()["code"] == "database_unavailable"
    assert refused["Retry-After"] == "5"
    assert Ticket.objects.count() == 0

    first, again = issue(), issue()

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["number"] == first.json()["number"]
    assert Ticket.objects.count() == 1


@pytest.mark.django_db
def test_a_page_that_cannot_reach_the_database_says_so_in_malay_with_503(users):
    client = signed_in(users["petugas"])

    with database_down():
        response = client.get("/counter/")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    page = response.content.decode()
    assert "Tidak dapat dicapai buat seketika" in page
    assert MESSAGE in page
    assert "Ralat 503" in page


@pytest.mark.django_db
def test_other_server_errors_stay_500(users):
    client = signed_in(users["petugas"])

    def broken(execute, sql, params, many, context):
        raise ZeroDivisionError

    with connection.execute_wrapper(broken):
        response = client.get("/api/v1/offices/PKMD-PJ/counters")
        page = client.get("/counter/")

    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert page.status_code == 500
