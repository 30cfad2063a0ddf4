"""The ticket issue's hot path writes what its specification writes.

`services._issue_in_transaction` (plain ORM, one transaction) is the specification of a
ticket issue; on PostgreSQL a request's issue goes by `issue_statement` instead, alone
or in a batch with other requests' tickets. Each scenario here runs twice from the same
state at the same instant, with the same public ids: first by the specification (inside
a transaction, rolled back afterwards), then by the hot path (a ticket alone, then a
batch of several mixing callers, services, lanes and offices). Every column of every
row either writes — tickets, their events, audit entries, day numbers, waiting counts,
stream numbers, the kiosk's last-seen time — must be the same, and so must what each
caller is answered and the live events sent. The columns are read from the models, so
a column one path does not write fails here.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection, models, transaction

from tests.factories import build_office_tree, make_user
from tests.queueing.batches import HeldFirstBatch, _wait_until
from tests.threads import in_thread
from weserve.core import live
from weserve.core.clock import business_day
from weserve.core.errors import DomainError
from weserve.core.models import AuditLog, StreamSequence
from weserve.core.roles import Role
from weserve.organisation.devices import create_device
from weserve.organisation.models import Device
from weserve.queueing import issue_batch, issue_statement, services
from weserve.queueing.models import (
    DailySequence,
    Ticket,
    TicketEvent,
    WaitingCount,
)

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the hot path is PostgreSQL's"
)
pytestmark = [on_postgresql, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _columns(obj: models.Model) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def _written(public_ids: list[str]) -> dict[str, Any]:
    """Every column of every row an issue writes or touches, keyed so that two runs
    compare: generated primary keys are left out, a row naming a ticket names it by
    its public id."""
    tickets = {t.pk: t.public_id for t in Ticket.objects.filter(public_id__in=public_ids)}

    def rows(queryset, **by_ticket: str) -> list[dict[str, Any]]:
        found = []
        for obj in queryset:
            row = _columns(obj)
            row.pop("id")
            for field, kind in by_ticket.items():
                row[field] = tickets[int(row[field]) if kind == "text" else row[field]]
            found.append(row)
        return sorted(found, key=repr)

    return {
        "tickets": rows(Ticket.objects.filter(pk__in=tickets)),
        "events": rows(TicketEvent.objects.filter(ticket_id__in=tickets), ticket_id="fk"),
        "audit": rows(
            AuditLog.objects.filter(target_type="queueing.ticket", target_id__in=map(str, tickets)),
            target_id="text",
        ),
        "day numbers": rows(DailySequence.objects.all()),
        # A count at zero and no count say the same; the statement locks, and so makes,
        # the rows of the lanes it reads.
        "waiting counts": rows(WaitingCount.objects.exclude(waiting=0)),
        "stream numbers": rows(StreamSequence.objects.all()),
        "devices": rows(Device.objects.all()),
    }


class Recorder:
    """The live events sent, and what each caller was answered."""

    def __init__(self, monkeypatch) -> None:
        self.events: list[tuple[int, str, dict]] = []
        self.answers: dict[str, tuple] = {}

        def send(office_id, stream, event):
            self.events.append((office_id, stream, event))

        monkeypatch.setattr(live, "send", send)
        # The specification's events wait for a commit that never comes (it is rolled
        # back): what it would send is taken when it is numbered.
        monkeypatch.setattr(live, "send_on_commit", send)

    def answer(self, issued: services.IssuedTicket) -> None:
        ticket = issued.ticket
        self.answers[ticket.public_id] = (
            _columns(ticket) | {"id": None},
            issued.event_seq,
            issued.waiting,
        )

    def sent(self) -> list[tuple[int, str, dict]]:
        return sorted(self.events, key=lambda sent: (sent[0], sent[1], sent[2]["seq"]))


@pytest.fixture
def scene(clock):
    """Offices with a queue already waiting, a kiosk with a token, a staff member, and
    PKMD-PJ's series A about to pass 999."""
    tree = build_office_tree()
    bkk, oku, info = (tree.services[code] for code in ("BKK", "OKU", "INFO"))
    DailySequence.objects.create(office=tree.pj, series=bkk.prefix, day=business_day(), last=998)
    kiosk, token = create_device(tree.pj, "kiosk", "Kiosk 1")
    jb_kiosk, _jb_token = create_device(tree.jb, "kiosk", "Kiosk JB")
    Device.objects.update(last_seen_at=None)
    kiosk.refresh_from_db()
    staff = make_user("petugas1", tree.pj, Role.COUNTER_STAFF)
    with transaction.atomic():  # already waiting: other services and lanes
        for service, priority in [(info, "none"), (info, "elderly"), (oku, "none")]:
            services.issue_ticket_at_kiosk(kiosk, tree.pj, service, priority=priority)
    callers = {
        "kiosk": lambda office, service, priority: services.issue_ticket_at_kiosk(
            kiosk if office == tree.pj else jb_kiosk, office, service, priority=priority
        ),
        "staff": lambda office, service, priority: services.issue_ticket_by_staff(
            staff, office, service, priority=priority, language="en"
        ),
        "token": lambda office, service, priority: services.issue_ticket_with_kiosk_token(
            token, office, service, priority=priority
        ),
    }
    return tree, callers


@pytest.mark.parametrize("alone", ["kiosk", "staff", "token"])
def test_the_hot_path_alone_and_in_a_batch_writes_what_the_specification_writes(
    scene, clock, monkeypatch, alone
):
    tree, callers = scene
    pj, jb = tree.pj, tree.jb
    bkk, oku, info = (tree.services[code] for code in ("BKK", "OKU", "INFO"))
    first = (alone, pj, oku, "oku")
    batch = [
        ("token", pj, bkk, "none"),
        ("kiosk", jb, bkk, "none"),
        ("staff", pj, info, "none"),
        ("kiosk", pj, bkk, "oku"),
        ("kiosk", jb, info, "elderly"),
        ("token", pj, oku, "none"),
        ("staff", pj, info, "pregnant"),
        ("kiosk", pj, bkk, "none"),
    ]
    ids = [f"parity-{alone}-{n:02d}-000000000000000" for n in range(1 + len(batch))]

    def issue(order, recorder):
        caller, office, service, priority = order
        recorder.answer(callers[caller](office, service, priority))

    # The specification, from the scene's state; then that state again.
    spec = Recorder(monkeypatch)
    monkeypatch.setattr(services, "new_public_id", iter(ids).__next__)
    with pytest.raises(RuntimeError), transaction.atomic():
        assert not issue_statement.applies()
        for order in [first, *batch]:
            issue(order, spec)
        by_spec = _written(ids)
        raise RuntimeError("back to the scene")
    monkeypatch.undo()

    # The hot path: the first ticket alone, the others as one batch, in the same order.
    hot = Recorder(monkeypatch)
    lock = threading.Lock()
    given = iter(ids)

    def next_id() -> str:
        with lock:
            return next(given)

    monkeypatch.setattr(services, "new_public_id", next_id)
    held = HeldFirstBatch(issue_statement._connection.run_batch)
    batcher = issue_batch.Batcher(held)
    monkeypatch.setattr(issue_statement, "_batcher", batcher)
    with ThreadPoolExecutor(max_workers=len(batch) + 1) as pool:
        futures = [pool.submit(in_thread(issue), first, hot)]
        _wait_until(lambda: len(held.batches) == 1)
        for n, order in enumerate(batch, start=1):
            futures.append(pool.submit(in_thread(issue), order, hot))
            _wait_until(lambda n=n: len(batcher._waiting) == n)
        held.release()
        for future in futures:
            future.result(10)
    assert [len(b) for b in held.batches] == [1, len(batch)]
    assert [p["public_id"] for b in held.batches for p in b] == ids

    assert _written(ids) == by_spec
    assert hot.answers == spec.answers
    assert hot.sent() == spec.sent()
    assert len(hot.sent()) == len(ids)


def test_a_refused_ticket_in_a_batch_writes_nothing_and_is_told_why(scene, clock, monkeypatch):
    tree, callers = scene
    bkk, info = tree.services["BKK"], tree.services["INFO"]
    info.counters.clear()  # offered, but no counter serves it
    held = HeldFirstBatch(issue_statement._connection.run_batch)
    batcher = issue_batch.Batcher(held)
    monkeypatch.setattr(issue_statement, "_batcher", batcher)

    @in_thread
    def take(order):
        caller, service = order
        try:
            return callers[caller](tree.pj, service, "none").ticket.number
        except DomainError as err:
            return err.code

    info_before = Ticket.objects.filter(service=info).count()
    orders = [("kiosk", bkk), ("token", info), ("staff", bkk)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        blocker = pool.submit(take, ("kiosk", bkk))
        _wait_until(lambda: len(held.batches) == 1)
        taken = []
        for n, order in enumerate(orders, start=1):
            taken.append(pool.submit(take, order))
            _wait_until(lambda n=n: len(batcher._waiting) == n)
        held.release()
        results = [blocker.result(10), *(f.result(10) for f in taken)]
    # The refused one's neighbours in the batch were issued, gapless.
    assert results == ["A999", "A1000", "no_counter_for_service", "A1001"]
    assert Ticket.objects.filter(service=info).count() == info_before


def test_the_statement_refuses_exactly_when_the_specification_says_no_counter_is_open(scene, clock):
    """`services.check_open_counter` and the statement's SQL are one rule written twice:
    for an office that refuses tickets no open counter serves, and for one that issues
    them, in every state of its counters, both issue or both refuse."""
    from weserve.organisation.models import Counter, Office, Service
    from weserve.queueing.models import CounterSession

    tree, _callers = scene
    pj = tree.pj
    only = Service.objects.create(code="ONE", prefix="Q", name_ms="Satu", name_en="One")
    only.offices.add(pj, tree.jb)
    three = Counter.objects.create(office=pj, number=3)
    retired = Counter.objects.create(office=pj, number=4, is_active=False)
    elsewhere = Counter.objects.create(office=tree.jb, number=3)
    for counter in (three, retired, elsewhere):
        counter.services.set([only])
    one = Counter.objects.get(office=pj, number=1)  # serves the other services only
    people = iter(make_user(f"clerk{n}", pj, Role.COUNTER_STAFF) for n in range(20))
    staff = make_user("issuer", pj, Role.COUNTER_STAFF)
    kiosk = Device.objects.get(office=pj, name="Kiosk 1")

    def session(counter, **fields):
        return CounterSession.objects.create(
            counter=counter, user=next(people), opened_at=clock_now(), **fields
        )

    def clock_now():
        from weserve.core import clock as project_clock

        return project_clock.now()

    def close_all():
        CounterSession.objects.filter(closed_at__isnull=True).update(closed_at=clock_now())

    states = [
        ("no counter open", lambda: None, True),
        ("a counter of other services open", lambda: session(one), True),
        ("a counter no longer in use open", lambda: session(retired), True),
        ("another office's counter open", lambda: session(elsewhere), True),
        ("its counter on a break", lambda: session(three, paused_at=clock_now()), False),
        ("its counter open", lambda: session(three), False),
        ("its counter closed again", lambda: None, True),
    ]
    counted = 0
    for setting in (Office.UnservedService.REFUSE, Office.UnservedService.ISSUE):
        Office.objects.filter(pk=pj.pk).update(kiosk_unserved=setting)
        pj.refresh_from_db()
        for name, arrange, refused_when_refusing in states:
            close_all()
            arrange()
            expected = refused_when_refusing and setting == Office.UnservedService.REFUSE
            for who in ({"device": kiosk, "user": None}, {"device": None, "user": staff}):
                fields = {"priority": "none", "language": "ms", "now": clock_now(), **who}
                try:
                    with transaction.atomic():
                        services._issue_in_transaction(
                            pj, only, public_id=f"spec-{counted:03d}-{'x' * 24}", **fields
                        )
                        raise RuntimeError("roll back")
                except DomainError as refusal:
                    assert refusal.code == "no_open_counter", name
                    spec_refused = True
                except RuntimeError:
                    spec_refused = False
                statement = issue_statement.issue(
                    pj,
                    only,
                    public_id=f"stmt-{counted:03d}-{'x' * 24}",
                    day=business_day(),
                    **fields,
                )
                assert (statement is None) == spec_refused == expected, (setting, name, who)
                counted += 1
    assert counted == 2 * len(states) * 2
