"""Ticket issues sent together (issue_batch.py, issue_statement.py): each caller gets its
own ticket, exactly as if it had gone alone; nothing is lost or doubled when a batch's
connection is lost; no deadlock, and none hidden. test_issue_parity.py compares what
batches write with the specification's rows."""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections, transaction

from tests.factories import build_office_tree, kiosk_for, make_user
from tests.queueing.batches import HeldFirstBatch, _wait_until
from tests.queueing.counts import counted, kept
from tests.threads import in_thread
from weserve.core.errors import DomainError
from weserve.core.models import AuditLog
from weserve.core.roles import Role
from weserve.organisation.models import Counter, Office
from weserve.queueing import issue_batch, issue_statement, services
from weserve.queueing.estimate import position_and_estimate
from weserve.queueing.models import ISSUED_ACTION, Ticket, TicketEvent

# --- the turn-taking, without a database -----------------------------------------------


def _echo(batch):
    return [(params["n"] * 10,) for params in batch]


def test_a_lone_issue_goes_at_once_on_its_own():
    held = HeldFirstBatch(_echo)
    held.release()
    batcher = issue_batch.Batcher(held)
    assert batcher.run({"n": 7}) == (70,)
    assert held.batches == [[{"n": 7}]]


def test_callers_arriving_while_a_batch_is_out_go_together_in_the_next_one():
    held = HeldFirstBatch(_echo)
    batcher = issue_batch.Batcher(held)
    with ThreadPoolExecutor(max_workers=4) as pool:
        first = pool.submit(batcher.run, {"n": 1})
        _wait_until(lambda: len(held.batches) == 1)
        later = [pool.submit(batcher.run, {"n": n}) for n in (2, 3, 4)]
        _wait_until(lambda: len(batcher._waiting) == 3)
        held.release()
        assert first.result(10) == (10,)
        assert [f.result(10) for f in later] == [(20,), (30,), (40,)]
    assert [[p["n"] for p in batch] for batch in held.batches] == [[1], [2, 3, 4]]


def test_a_failed_batch_is_reported_to_each_of_its_callers_and_the_next_one_still_goes():
    def failing(batch):
        if any(params["n"] == 3 for params in batch):
            raise RuntimeError("the database went away")
        return _echo(batch)

    held = HeldFirstBatch(failing)
    batcher = issue_batch.Batcher(held)
    with ThreadPoolExecutor(max_workers=3) as pool:
        first = pool.submit(batcher.run, {"n": 1})
        _wait_until(lambda: len(held.batches) == 1)
        later = [pool.submit(batcher.run, {"n": n}) for n in (2, 3)]
        _wait_until(lambda: len(batcher._waiting) == 2)
        held.release()
        assert first.result(10) == (10,)
        for future in later:
            with pytest.raises(RuntimeError, match="went away"):
                future.result(10)
    assert batcher.run({"n": 5}) == (50,)  # not stuck after the failure


def test_many_threads_each_get_their_own_row_and_none_is_lost():
    sizes = []

    def slow_echo(batch):
        sizes.append(len(batch))
        time.sleep(random.random() / 1000)  # noqa: S311 - timing jitter, not security
        return _echo(batch)

    batcher = issue_batch.Batcher(slow_echo)
    with ThreadPoolExecutor(max_workers=32) as pool:
        results = list(pool.map(lambda n: batcher.run({"n": n}), range(2000)))
    assert results == [(n * 10,) for n in range(2000)]
    assert sum(sizes) == 2000
    assert max(sizes) > 1  # they did go together


def test_a_batch_sends_an_array_of_what_differs_and_refuses_what_must_not():
    day = "2026-11-26"
    batch = [
        {"office": 2, "service": 9, "day": day, "priority": "none", "stream": "queue"},
        {"office": 1, "service": 5, "day": day, "priority": "oku", "stream": "queue"},
    ]
    for params in batch:
        params.update({key: None for key in issue_statement.BATCHED if key not in params})
    params = issue_statement.batch_params(batch)
    assert params["office"] == [2, 1]
    assert params["priority"] == ["none", "oku"]
    assert params["stream"] == "queue"
    batch[1]["stream"] = "another"  # one statement numbers one stream's events
    with pytest.raises(ValueError, match="stream"):
        issue_statement.batch_params(batch)


# --- on PostgreSQL, with real concurrent connections -----------------------------------


@pytest.fixture
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("batches are PostgreSQL's (set DATABASE_URL)")


@pytest.fixture
def held_batcher(monkeypatch):
    """The process's batcher replaced by one whose first batch is held at the database."""
    held = HeldFirstBatch(issue_statement._connection.run_batch)
    batcher = issue_batch.Batcher(held)
    monkeypatch.setattr(issue_statement, "_batcher", batcher)
    return held, batcher


def _issue(office, service, priority="none") -> services.IssuedTicket:
    return services.issue_ticket_at_kiosk(kiosk_for(office), office, service, priority=priority)


@pytest.mark.usefixtures("_postgres_only")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_batch_issues_each_ticket_as_it_would_alone(held_batcher):
    held, batcher = held_batcher
    tree = build_office_tree()
    bkk, oku, info = (tree.services[code] for code in ("BKK", "OKU", "INFO"))
    kiosk_for(tree.pj)
    info.counters.clear()  # INFO is offered but no counter serves it: 409, nothing written
    orders = [
        (bkk, "none"),
        (bkk, "oku"),
        (oku, "none"),
        (info, "none"),
        (bkk, "none"),
        (bkk, "elderly"),
        (oku, "none"),
        (bkk, "none"),
    ]

    @in_thread
    def take(order):
        service, priority = order
        try:
            issued = _issue(tree.pj, service, priority)
        except DomainError as err:
            return err.code
        position, _wait = position_and_estimate(issued.ticket, issued.waiting)
        return issued.ticket.number, priority, position

    with ThreadPoolExecutor(max_workers=len(orders) + 1) as pool:
        blocker = pool.submit(in_thread(_issue), tree.pj, oku)
        _wait_until(lambda: len(held.batches) == 1)
        slips = [pool.submit(take, order) for order in orders]
        _wait_until(lambda: len(batcher._waiting) == len(orders))
        held.release()
        assert blocker.result(10).ticket.number == "B001"
        results = [f.result(10) for f in slips]
    # The held batch was the blocker alone; the eight went together in the next.
    assert [len(batch) for batch in held.batches] == [1, len(orders)]
    by_number = {r[0]: r for r in results if isinstance(r, tuple)}
    assert [r for r in results if not isinstance(r, tuple)] == ["no_counter_for_service"]
    # Numbers in the order the batch sent them, gapless per series.
    assert sorted(by_number) == ["A001", "A002", "A003", "A004", "A005", "B002", "B003"]
    # People ahead: the waiting tickets of the same service issued before them, the
    # batch's earlier ones included (for a priority ticket, only the priority ones).
    tickets = list(Ticket.objects.filter(office=tree.pj))
    for ticket in tickets:
        if ticket.number not in by_number:
            continue
        before = [t for t in tickets if t.service_id == ticket.service_id and t.seq < ticket.seq]
        if ticket.priority != "none":
            before = [t for t in before if t.priority != "none"]
        assert by_number[ticket.number][2] == len(before), ticket.number
    # One issued event and one audit entry per ticket; the counts agree with the tickets.
    assert TicketEvent.objects.filter(kind="issued").count() == len(tickets) == 8
    assert AuditLog.objects.filter(action=ISSUED_ACTION).count() == 8
    assert kept() == counted()


@pytest.mark.usefixtures("_postgres_only")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_each_ticket_of_a_batch_counts_and_numbers_its_events_as_if_issued_alone(
    held_batcher, monkeypatch
):
    # The batch is one statement: each slip's queue (every service's waiting counts, the
    # estimate's input) and each live event's number must still be what the ticket's own
    # statement would have given, after the batch's earlier tickets. A server serves
    # several offices, so a batch may hold two offices' tickets: each office's numbers,
    # counts and stream are its own.
    held, batcher = held_batcher
    tree = build_office_tree()
    pj, jb = tree.pj, tree.jb
    bkk, oku, info = (tree.services[code] for code in ("BKK", "OKU", "INFO"))
    with transaction.atomic():  # already waiting (inside a transaction: not batched)
        for service, priority in [(info, "none"), (info, "elderly"), (oku, "none")]:
            _issue(pj, service, priority)
    kiosk_for(jb)
    orders = [(pj, bkk, "none"), (jb, bkk, "none"), (pj, info, "none"), (pj, bkk, "oku")]
    orders += [(jb, info, "elderly"), (pj, oku, "none"), (pj, info, "pregnant")]
    orders += [(jb, bkk, "none"), (pj, bkk, "none"), (pj, info, "none")]

    @in_thread
    def take(order):
        office, service, priority = order
        issued = _issue(office, service, priority)
        return issued.ticket.public_id, issued

    with ThreadPoolExecutor(max_workers=len(orders) + 1) as pool:
        blocker = pool.submit(take, (pj, oku, "oku"))
        _wait_until(lambda: len(held.batches) == 1)
        slips = [pool.submit(take, order) for order in orders]
        _wait_until(lambda: len(batcher._waiting) == len(orders))
        held.release()
        answers = dict([blocker.result(10), *(f.result(10) for f in slips)])
    assert [len(batch) for batch in held.batches] == [1, len(orders)]

    for office, already in ((pj, 3), (jb, 0)):
        tickets = list(Ticket.objects.filter(office=office).order_by("pk"))
        for ticket in tickets[already:]:  # in the order the batch issued them
            expected: dict[tuple[int, bool], int] = {}
            for earlier in tickets:
                if earlier.pk < ticket.pk:
                    lane = (earlier.service_id, earlier.priority != "none")
                    expected[lane] = expected.get(lane, 0) + 1
            assert answers[ticket.public_id].waiting == expected, (office.code, ticket.number)
        # The office's live events' numbers follow its tickets, with no gap.
        seqs = [answers[t.public_id].event_seq for t in tickets[already:]]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), office.code
    assert sorted(Ticket.objects.filter(office=jb).values_list("number", flat=True)) == [
        "A001",
        "A002",
        "C001",
    ]


@pytest.mark.usefixtures("_postgres_only")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_statement_is_planned_once_per_connection():
    # PostgreSQL would plan a batch afresh each time (planning cost as much as running
    # it): the connection prepares it and keeps one plan for the hot statements.
    tree = build_office_tree()
    bkk, oku = tree.services["BKK"], tree.services["OKU"]
    for n in range(8):
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(in_thread(lambda s: _issue(tree.pj, s)), [bkk, oku][: 1 + n % 2]))
    own = issue_statement._connection._get()
    plans = own.execute(
        "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
        ["%WITH ORDINALITY%"],
    ).fetchall()
    # One prepared statement per kind of parameters the connection has seen (callers
    # with a device or a person), each planned once and its plan kept.
    assert plans
    assert all(custom == 0 for _generic, custom in plans)
    assert max(generic for generic, _custom in plans) >= 3
    assert Ticket.objects.count() == 12


class LostAnswers:
    """A batch runner whose connection breaks: before the statement reaches the
    database, or after PostgreSQL committed it, the answer lost on the way back."""

    def __init__(self, *, committed: bool) -> None:
        self.committed = committed
        self.batches: list[list[dict]] = []

    def __call__(self, batch):
        self.batches.append(batch)
        if len(self.batches) == 1:
            if self.committed:
                issue_statement._connection.run_batch(batch)
            raise issue_statement.ConnectionLost
        return issue_statement._connection.run_batch(batch)


@pytest.mark.parametrize("committed", [False, True], ids=["before", "after commit"])
@pytest.mark.usefixtures("_postgres_only")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_lost_connection_never_issues_a_ticket_twice(monkeypatch, committed):
    tree = build_office_tree()
    bkk = tree.services["BKK"]
    lost = LostAnswers(committed=committed)
    monkeypatch.setattr(issue_statement, "_batcher", issue_batch.Batcher(lost))
    issued = _issue(tree.pj, bkk)
    # Sent again under the same id: if the lost batch had been written, its ticket is
    # the answer; if not, the ticket is issued now. Either way, once.
    assert issued.ticket.number == "A001"
    assert Ticket.objects.get().public_id == lost.batches[0][0]["public_id"]
    assert issued.ticket.public_id == lost.batches[0][0]["public_id"]
    assert TicketEvent.objects.count() == AuditLog.objects.filter(action=ISSUED_ACTION).count()
    assert TicketEvent.objects.count() == 1
    assert issued.waiting == {}
    assert _issue(tree.pj, bkk).ticket.number == "A002"
    assert kept() == counted()


@pytest.mark.usefixtures("_postgres_only")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_broken_connection_is_opened_again_for_the_next_batch():
    tree = build_office_tree()
    bkk = tree.services["BKK"]
    assert _issue(tree.pj, bkk).ticket.number == "A001"
    own = issue_statement._connection._get()
    with connection.cursor() as cursor:  # the server ends the statement's backend
        cursor.execute("SELECT pg_terminate_backend(%s)", [own.info.backend_pid])
    assert _issue(tree.pj, bkk).ticket.number == "A002"
    assert _issue(tree.pj, bkk).ticket.number == "A003"
    assert Ticket.objects.count() == 3


@pytest.mark.usefixtures("_postgres_only")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_the_issue_joins_it_rather_than_a_batch():
    tree = build_office_tree()
    with pytest.raises(RuntimeError), transaction.atomic():
        _issue(tree.pj, tree.services["BKK"])
        raise RuntimeError("the caller changed its mind")
    assert not Ticket.objects.exists()
    assert _issue(tree.pj, tree.services["BKK"]).ticket.number == "A001"


@pytest.mark.usefixtures("_postgres_only")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_processes_batches_and_counter_calls_at_once_never_deadlock(monkeypatch):
    # Two server processes (two batchers, a connection each) issuing mixed services and
    # lanes while two counters call and complete: the batches' lock order must agree
    # with every other transaction's. A deadlock is raised to the callers of the batch
    # PostgreSQL broke it in, so it fails this test.
    tree = build_office_tree()
    kiosk_for(tree.pj)
    own = [issue_statement._Connection(), issue_statement._Connection()]
    batchers = [issue_batch.Batcher(c.run_batch) for c in own]
    local = threading.local()

    class OneBatcherPerProcess:
        def run(self, params):
            return local.batcher.run(params)

    monkeypatch.setattr(issue_statement, "_batcher", OneBatcherPerProcess())
    codes = ["BKK", "OKU", "INFO"]
    counters = []
    for counter in Counter.objects.filter(office=tree.pj).order_by("number"):
        user = make_user(f"kaunter{counter.number}", tree.pj, Role.COUNTER_STAFF)
        services.open_counter(counter, acting_user=user)
        counters.append((counter, user))
    stop = threading.Event()

    @in_thread
    def take(i):
        local.batcher = batchers[i % 2]
        rng = random.Random(i)  # noqa: S311 - test data
        service = tree.services[rng.choice(codes)]
        return _issue(tree.pj, service, rng.choice(["none", "none", "oku"])).ticket.number

    @in_thread
    def serve(pair):
        counter, user = pair
        served = 0
        while not stop.is_set():
            ticket = services.call_next(counter, acting_user=user)
            if ticket is not None:
                services.complete(ticket, acting_user=user)
                served += 1
        return served

    try:
        with (
            ThreadPoolExecutor(max_workers=2) as callers,
            ThreadPoolExecutor(max_workers=16) as kiosks,
        ):
            serving = [callers.submit(serve, counter) for counter in counters]
            try:
                numbers = list(kiosks.map(take, range(300)))
            finally:
                stop.set()
            served = sum(f.result(30) for f in serving)
    finally:
        for each in own:
            each._discard()
    assert len(set(numbers)) == 300
    for code in codes:
        prefix = tree.services[code].prefix
        seqs = sorted(int(n[1:]) for n in numbers if n[0] == prefix)
        assert seqs == list(range(1, len(seqs) + 1))
    assert served > 0
    assert kept() == counted()


@pytest.mark.usefixtures("_postgres_only")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_those_waiting_for_a_batch_keep_their_connections_and_the_batch_still_goes(
    held_batcher, monkeypatch
):
    # In a server, a request that read something first (the office, after the read cache
    # expired) holds a pooled connection when it comes to wait for its batch. Requests
    # like that may hold every connection of the pool: the batch goes on the statement's
    # own connection, so it needs none of theirs, and nobody's connection is closed.
    held, batcher = held_batcher
    tree = build_office_tree()
    bkk = tree.services["BKK"]
    kiosk = kiosk_for(tree.pj)
    # As the API has it: read with its hours and holidays, so issuing reads nothing more.
    office = Office.objects.prefetch_related("opening_hours", "holidays").get(pk=tree.pj.pk)
    pool = connection.pool
    monkeypatch.setattr(pool, "timeout", 3.0)

    def issue() -> str:
        return services.issue_ticket_at_kiosk(kiosk, office, bkk).ticket.number

    @in_thread
    def first():  # leads the held batch
        return issue()

    @in_thread
    def reader():  # reads first, then issues, holding its connection throughout
        Ticket.objects.exists()
        number = issue()
        assert connection.connection is not None  # never closed under it
        return number

    readers = pool.max_size
    connections.close_all()  # the test's own connection back to the pool
    with ThreadPoolExecutor(max_workers=readers + 1) as threads:
        leading = threads.submit(first)
        _wait_until(lambda: len(held.batches) == 1)
        nexts = [threads.submit(reader) for _ in range(readers)]
        # Every pooled connection is held by a reader waiting for the next batch.
        _wait_until(lambda: len(batcher._waiting) == readers)
        held.release()
        numbers = [leading.result(20), *(f.result(20) for f in nexts)]
    assert sorted(numbers) == [f"A{i:03d}" for i in range(1, readers + 2)]
