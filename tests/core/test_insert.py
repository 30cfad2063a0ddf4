"""core.db.insert: a new row written with an INSERT built once is the row `save()` writes.

Every column of the rows the hot path writes this way (a ticket, its event, an audit
entry) is compared with what `save(force_insert=True)` writes for the same instance, on
whichever database the suite runs; a model whose save does more is saved by `save`.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Model
from django.db.models.functions import Now
from django.db.models.signals import pre_save
from django.test.utils import CaptureQueriesContext

from tests.factories import kiosk_for
from weserve.core import clock
from weserve.core.db import insert
from weserve.core.models import AuditLog
from weserve.queueing.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=dt.UTC)


def _columns(obj: Model) -> dict[str, object]:
    """Every column of `obj`'s row, read back from the database, but its primary key."""
    row = type(obj).objects.filter(pk=obj.pk).values().get()
    row.pop(obj._meta.pk.attname)
    return row


def _both(make) -> tuple[Model, Model]:
    """The same new instance written by `insert` and by `save(force_insert=True)`."""
    by_insert, by_save = make(), make()
    insert(by_insert)
    by_save.save(force_insert=True)
    return by_insert, by_save


def _ticket(tree, seq: int, **extra) -> Ticket:
    service = tree.services["BKK"]
    return Ticket.new_waiting(
        tree.pj,
        service,
        public_id=f"public-{seq}",
        day=AT.date(),
        seq=seq,
        number=f"{service.prefix}{seq:03d}",
        priority="elderly",
        language="en",
        at=AT,
    )


def test_a_ticket_its_event_and_an_audit_entry_are_the_rows_save_writes(tree, users):
    seqs = iter(range(1, 100))
    ticket, saved = _both(lambda: _ticket(tree, next(seqs)))
    assert ticket.pk is not None and ticket.pk != saved.pk
    expected = _columns(saved)
    expected.update(public_id=ticket.public_id, seq=ticket.seq, number=ticket.number)
    assert _columns(ticket) == expected
    assert (ticket._state.adding, ticket._state.db) == (False, saved._state.db)

    kiosk = kiosk_for(tree.pj)
    event, saved_event = _both(
        lambda: TicketEvent(
            ticket=ticket,
            kind=TicketEvent.Kind.ISSUED,
            at=AT,
            user=users["petugas"],
            data={"device": kiosk.pk, "nama": "Siti Nurhaliza", "list": [1, 2.5, None]},
        )
    )
    assert _columns(event) == _columns(saved_event)
    assert _columns(event)["data"] == {
        "device": kiosk.pk,
        "nama": "Siti Nurhaliza",
        "list": [1, 2.5, None],
    }

    entry, saved_entry = _both(
        lambda: AuditLog(
            at=AT,
            action="queueing.ticket.issued",
            actor="Kiosk 1",
            office_id=tree.pj.pk,
            office_code=tree.pj.code,
            target_type="queueing.ticket",
            target_id=str(ticket.pk),
            ip="2001:db8::1",
            data={"number": ticket.number},
        )
    )
    assert _columns(entry) == _columns(saved_entry)
    assert AuditLog.objects.get(pk=entry.pk).at == AT


def test_it_is_one_statement_and_the_key_is_read_back(tree):
    with CaptureQueriesContext(connection) as queries:
        entry = AuditLog(at=clock.now(), action="tests.one")
        insert(entry)
    assert len(queries) == 1
    assert queries[0]["sql"].startswith("INSERT")
    assert AuditLog.objects.get(pk=entry.pk).action == "tests.one"


def test_a_model_with_a_receiver_an_expression_or_a_key_set_is_saved_by_save(tree):
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance.action)

    pre_save.connect(receiver, sender=AuditLog, dispatch_uid="tests.insert")
    try:
        insert(AuditLog(at=AT, action="tests.signalled"))
    finally:
        pre_save.disconnect(sender=AuditLog, dispatch_uid="tests.insert")
    assert seen == ["tests.signalled"]

    entry = AuditLog(at=Now(), action="tests.expression")
    insert(entry)
    entry.refresh_from_db()
    assert abs(entry.at - clock.now()) < dt.timedelta(minutes=5)

    largest = AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    keyed = AuditLog(pk=largest + 1000, at=AT, action="tests.keyed")
    insert(keyed)
    assert AuditLog.objects.get(pk=largest + 1000).action == "tests.keyed"
