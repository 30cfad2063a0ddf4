"""A ticket issue retried with its Idempotency-Key after the server died mid-way: one
ticket, whenever it died (issue 13, item 3; docs/architecture.md, decision 32).

Outside a test transaction, so that on PostgreSQL the issue goes by the hot path (its
statement commits on a connection of its own) as in a server.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import resolve

from tests.queueing.test_kiosk import ISSUE, device_client
from weserve.core import idempotency
from weserve.organisation.devices import create_device
from weserve.queueing import services
from weserve.queueing.apps import ISSUE_VIEWS
from weserve.queueing.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/api/v1/offices/PKMD-PJ/tickets"
LATER = idempotency.LEASE.total_seconds() + 1


def issue(token: str, key: str):
    return Client().post(
        URL,
        data=json.dumps({"service": "BKK"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
    )


@pytest.fixture
def killed_after_the_effect(monkeypatch):
    """The server process dies once its answer is ready, before the key's answer is stored:
    nothing after that runs (not even letting the claim go)."""

    def die(*args):
        raise SystemExit("killed")

    monkeypatch.setattr(idempotency, "_finish", die)
    monkeypatch.setattr(idempotency, "_release", lambda claim: None)
    return monkeypatch


def test_an_api_retry_after_the_answer_was_lost_gets_the_ticket_already_issued(
    tree, clock, killed_after_the_effect
):
    _kiosk, token = create_device(tree.pj, "kiosk", "Kiosk 1")
    with pytest.raises(SystemExit):
        issue(token, "slip-1")
    issued = Ticket.objects.get()
    killed_after_the_effect.undo()

    meanwhile = issue(token, "slip-1")
    clock.shift(seconds=LATER)
    retried = issue(token, "slip-1")
    again = issue(token, "slip-1")

    assert meanwhile.status_code == 409  # the dead attempt's lease still runs
    assert retried.status_code == 201
    assert retried.json()["id"] == issued.public_id
    assert retried.json()["number"] == "A001"
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == issued.public_id
    assert Ticket.objects.count() == 1


def test_a_kiosk_page_retry_after_the_answer_was_lost_shows_the_slip_already_issued(
    tree, clock, killed_after_the_effect
):
    kiosk = device_client(tree.pj, "kiosk")
    form = {"service": "BKK", "priority": "none", "language": "ms"}
    headers = {"Idempotency-Key": "touch-1"}
    with pytest.raises(SystemExit):
        kiosk.post(ISSUE, form, headers=headers)
    issued = Ticket.objects.get()
    killed_after_the_effect.undo()

    clock.shift(seconds=LATER)
    retried = kiosk.post(ISSUE, form, headers=headers)

    assert retried.status_code == 201
    assert issued.public_id in retried.content.decode()
    assert Ticket.objects.count() == 1


def test_a_retry_after_a_death_before_the_issue_issues_one_ticket(tree, clock, monkeypatch):
    _kiosk, token = create_device(tree.pj, "kiosk", "Kiosk 1")

    def die(*args, **kwargs):
        raise SystemExit("killed")

    with monkeypatch.context() as patched:
        patched.setattr(services, "_issue", die)
        patched.setattr(idempotency, "_release", lambda claim: None)
        with pytest.raises(SystemExit):
            issue(token, "slip-1")
    assert not Ticket.objects.exists()

    clock.shift(seconds=LATER)
    retried = issue(token, "slip-1")

    assert retried.status_code == 201
    assert Ticket.objects.get().public_id == retried.json()["id"]


def test_kiosks_sending_the_same_key_get_tickets_of_their_own(tree, clock):
    # The public id a key fixes is the caller's: another kiosk's same key is another issue.
    _one, first = create_device(tree.pj, "kiosk", "Kiosk 1")
    _two, second = create_device(tree.pj, "kiosk", "Kiosk 2")

    a = issue(first, "same-key")
    b = issue(second, "same-key")

    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]
    assert Ticket.objects.count() == 2


def test_the_views_that_issue_tickets_run_apart_from_the_requests_transaction():
    # Registered by URL name: a renamed view would otherwise go back into the request's
    # transaction, and on PostgreSQL off the hot path.
    assert {resolve(URL).view_name, resolve(ISSUE).view_name} == set(ISSUE_VIEWS)
