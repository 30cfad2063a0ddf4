"""The ticket endpoint as kiosks and staff meet it: the kiosk token confirmed by the
statement that issues the ticket (issue_statement.py on PostgreSQL, the ORM transaction
on SQLite).

Every test here runs on both databases in CI, outside a test transaction, so that on
PostgreSQL each request goes by the hot path as in a server; test_issue_parity.py
compares the two paths row by row.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import models
from django.test import Client

from weserve.core.clock import MALAYSIA
from weserve.core.models import AuditLog
from weserve.organisation.devices import create_device, revoke_device
from weserve.organisation.models import Device
from weserve.queueing import issue_statement
from weserve.queueing.models import ISSUED_ACTION, DailySequence, Ticket, TicketEvent

URL = "/api/v1/offices/PKMD-PJ/tickets"
KLANG = "/api/v1/offices/PKMD-KLANG/tickets"
# PKMD-KLANG keeps office hours (8:00 to 17:00 on weekdays); PKMD-PJ never closes.
EVENING = dt.datetime(2026, 11, 25, 18, 0, tzinfo=MALAYSIA)
pytestmark = pytest.mark.django_db(transaction=True)


def issue(token: str | None, body: dict | None = None, url: str = URL):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return Client().post(
        url, data=json.dumps(body or {"service": "BKK"}), content_type="application/json", **headers
    )


@pytest.fixture
def kiosk(tree):
    return create_device(tree.pj, "kiosk", "Kiosk 1")


def test_a_revoked_kiosk_token_is_refused_at_once(tree, clock, kiosk):
    device, token = kiosk
    assert issue(token).status_code == 201
    revoke_device(device)
    response = issue(token)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert Ticket.objects.count() == 1


def test_an_unknown_token_is_401_before_any_other_answer(tree, clock):
    # Not 404 for the unknown office nor 409 for the closed one: who calls comes first.
    assert issue("not-a-token").status_code == 401
    assert issue("not-a-token", url="/api/v1/offices/NOPE/tickets").status_code == 401
    clock.move_to(EVENING)  # PKMD-KLANG has closed
    assert issue("not-a-token", url=KLANG).status_code == 401
    assert not Ticket.objects.exists()


def test_kiosk_token_answers_like_a_resolved_one_when_it_cannot_issue(tree, clock, kiosk):
    _device, token = kiosk
    _tv, display = create_device(tree.pj, "display", "TV")
    _jb, jb_kiosk = create_device(tree.jb, "kiosk", "JB kiosk")
    assert issue(display).status_code == 403
    assert issue(jb_kiosk).status_code == 404
    assert issue(token, {"service": "NOPE"}).status_code == 404
    _klang, klang_kiosk = create_device(tree.klang, "kiosk", "Klang kiosk")
    clock.move_to(EVENING)
    closed = issue(klang_kiosk, url=KLANG)
    assert closed.status_code == 409
    assert closed.json()["code"] == "office_closed"
    assert not Ticket.objects.exists()


def test_a_service_no_counter_serves_is_409_through_the_hot_path(tree, clock, kiosk):
    _device, token = kiosk
    for counter in tree.pj.counters.all():
        counter.services.remove(tree.services["INFO"])
    response = issue(token, {"service": "INFO"})
    assert response.status_code == 409
    assert response.json()["code"] == "no_counter_for_service"
    assert not Ticket.objects.exists()


def test_staff_may_issue_with_their_own_bearer_token(tree, clock, users):
    from weserve.core.tokens import issue_user_token

    token = issue_user_token(users["petugas"])
    response = issue(token)
    assert response.status_code == 201
    ticket = Ticket.objects.get()
    entry = AuditLog.objects.get(action=ISSUED_ACTION)
    assert entry.user == users["petugas"]
    assert entry.actor == "petugas1"
    assert TicketEvent.objects.get(ticket=ticket).user == users["petugas"]


def test_a_kiosk_ticket_records_the_kiosk_and_marks_it_seen(tree, clock, kiosk):
    device, token = kiosk
    Device.objects.filter(pk=device.pk).update(last_seen_at=None)
    assert issue(token).status_code == 201
    ticket = Ticket.objects.get()
    event = TicketEvent.objects.get(ticket=ticket)
    assert event.kind == TicketEvent.Kind.ISSUED
    assert event.data == {"device": device.pk}
    assert event.user is None
    entry = AuditLog.objects.get(action=ISSUED_ACTION)
    assert entry.actor == "Kiosk 1"
    assert entry.office_code == "PKMD-PJ"
    assert entry.target_id == str(ticket.pk)
    assert entry.data == {"number": "A001", "service": "BKK", "priority": "none"}
    device.refresh_from_db()
    assert device.last_seen_at is not None


def test_numbers_past_999_keep_every_digit(tree, clock, kiosk):
    _device, token = kiosk
    day = dt.date(2026, 11, 25)
    DailySequence.objects.create(office=tree.pj, series="A", day=day, last=998)
    assert [issue(token).json()["number"] for _ in range(3)] == ["A999", "A1000", "A1001"]


def _required_columns(model: type[models.Model]) -> set[str]:
    """Columns an INSERT must name: not null, and not the generated primary key."""
    return {
        f.column
        for f in model._meta.concrete_fields
        if not f.null and not f.primary_key and f.db_default is models.NOT_PROVIDED
    }


def test_the_statement_writes_every_column_a_row_needs():
    # A column added to a model without a database default breaks the hot path on
    # PostgreSQL only; this says so on any database.
    assert _required_columns(Ticket) <= set(issue_statement.TICKET_COLUMNS)
    assert _required_columns(TicketEvent) <= set(issue_statement.EVENT_COLUMNS)
    assert _required_columns(AuditLog) <= set(issue_statement.AUDIT_COLUMNS)
