"""Real concurrent clients on PostgreSQL: a ticket is rated once, however many presses of
the tablet and the phone arrive at the same moment."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client

from tests.factories import build_office_tree, make_user
from tests.feedback.conftest import make_tablet, serve
from tests.threads import in_thread
from weserve.core.models import AuditLog
from weserve.core.roles import Role
from weserve.feedback.models import Rating

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CLIENTS = 8


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is proven on PostgreSQL (set DATABASE_URL)")


def test_eight_simultaneous_ratings_of_one_ticket_store_one():
    tree = build_office_tree()
    staff = make_user("petugas1", tree.pj, Role.COUNTER_STAFF)
    ticket = serve(tree.pj, tree.services["BKK"], staff)
    _device, token = make_tablet(tree.pj)
    barrier = threading.Barrier(CLIENTS)

    @in_thread
    def press(i: int) -> tuple[int, str]:
        # Half are the counter's tablet, half the customer's phone (no credentials).
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}") if i % 2 else Client()
        body = json.dumps({"ticket": ticket.public_id, "score": 1 + i % 5})
        barrier.wait()
        response = client.post(
            "/api/v1/offices/PKMD-PJ/ratings", data=body, content_type="application/json"
        )
        return response.status_code, response.json().get("code", "")

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        outcomes = sorted(pool.map(press, range(CLIENTS)))
    assert outcomes == [(201, "")] + [(409, "already_rated")] * (CLIENTS - 1)
    assert Rating.objects.filter(ticket=ticket).count() == 1
    assert AuditLog.objects.filter(action="feedback.rating.created").count() == 1


def test_simultaneous_ratings_of_different_tickets_are_all_tallied():
    """The daily tallies are upserts: eight customers rating at once on one day at one
    counter (the same tally rows) lose no count."""
    from weserve.feedback import tallies

    tree = build_office_tree()
    staff = make_user("petugas1", tree.pj, Role.COUNTER_STAFF)
    tickets = [serve(tree.pj, tree.services["BKK"], staff) for _ in range(CLIENTS)]
    barrier = threading.Barrier(CLIENTS)

    @in_thread
    def rate(i: int) -> int:
        body = json.dumps({"ticket": tickets[i].public_id, "score": 4, "reasons": ["speed"]})
        barrier.wait()
        response = Client().post(
            "/api/v1/offices/PKMD-PJ/ratings", data=body, content_type="application/json"
        )
        return response.status_code

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        assert list(pool.map(rate, range(CLIENTS))) == [201] * CLIENTS
    kept = tallies.stored()
    assert kept == tallies.recount()
    day = tickets[0].day
    assert kept[(tree.pj.pk, day, "reason", "speed")] == (0, 0, 0, CLIENTS, 0)
    assert kept[(tree.pj.pk, day, "channel", "qr")] == (0, 0, 0, CLIENTS, 0)
