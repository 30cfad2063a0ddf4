"""Ticket issues sent together (issue_batch.py): each caller gets its own ticket, exactly as
if it had gone alone; nothing is lost or doubled when a batch fails; no deadlock."""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import IntegrityError, connection, connections, transaction

from tests.factories import build_office_tree, make_user
from tests.queueing.counts import counted, kept
from tests.threads import in_thread
from weserve.core.errors import DomainError
from weserve.core.models import AuditLog
from weserve.core.roles import Role
from weserve.organisation.models import Counter, Office
from weserve.queueing import events, issue_batch, issue_statement, services, waiting_count
from weserve.queueing.estimate import position_and_estimate
from weserve.queueing.models import Ticket, TicketEvent


def _wait_until(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.001)


class HeldFirstBatch:
    """An execute_batch that holds the first batch at the database until `release()`,
    so that the callers arriving meanwhile queue for the next one."""

    def __init__(self, execute):
        self.execute = execute
        self.batches: list[list[dict]] = []
        self.released = threading.Event()

    def __call__(self, batch):
        self.batches.append(batch)
        if len(self.batches) == 1:
            assert self.released.wait(10)
        return self.execute(batch)

    def release(self) -> None:
        self.released.set()


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
    held = HeldFirstBatch(issue_statement._run_batch)
    batcher = issue_batch.Batcher(held)
    monkeypatch.setattr(issue_statement, "_batcher", batcher)
    return held, batcher


@pytest.mark.usefixtures("_postgres_only")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_batch_issues_each_ticket_as_it_would_alone(held_batcher):
    held, batcher = held_batcher
    tree = build_office_tree()
    bkk, oku, info = (tree.services[code] for code in ("BKK", "OKU", "INFO"))
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
            ticket = services.issue_ticket(tree.pj, service, priority=priority)
        except DomainError as err:
            return err.code
        position, _wait = position_and_estimate(ticket, issue_statement.ahead_at_issue(ticket))
        return ticket.number, priority, position

    with ThreadPoolExecutor(max_workers=len(orders) + 1) as pool:
        blocker = pool.submit(in_thread(services.issue_ticket), tree.pj, oku)
        _wait_until(lambda: len(held.batches) == 1)
        slips = [pool.submit(take, order) for order in orders]
        _wait_until(lambda: len(batcher._waiting) == len(orders))
        held.release()
        assert blocker.result(10).number == "B001"
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
    assert AuditLog.objects.filter(action=issue_statement.ISSUED_ACTION).count() == 8
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
            services.issue_ticket(pj, service, priority=priority)
    sent = {}
    monkeypatch.setattr(
        events,
        "send_on_commit",
        lambda office, event: sent.setdefault(event["ticket"]["id"], event),
    )
    orders = [(pj, bkk, "none"), (jb, bkk, "none"), (pj, info, "none"), (pj, bkk, "oku")]
    orders += [(jb, info, "elderly"), (pj, oku, "none"), (pj, info, "pregnant")]
    orders += [(jb, bkk, "none"), (pj, bkk, "none"), (pj, info, "none")]

    @in_thread
    def take(order):
        office, service, priority = order
        ticket = services.issue_ticket(office, service, priority=priority)
        return ticket.public_id, issue_statement.ahead_at_issue(ticket)

    with ThreadPoolExecutor(max_workers=len(orders) + 1) as pool:
        blocker = pool.submit(take, (pj, oku, "oku"))
        _wait_until(lambda: len(held.batches) == 1)
        slips = [pool.submit(take, order) for order in orders]
        _wait_until(lambda: len(batcher._waiting) == len(orders))
        held.release()
        counted_at_issue = dict([blocker.result(10), *(f.result(10) for f in slips)])
    assert [len(batch) for batch in held.batches] == [1, len(orders)]

    for office, already in ((pj, 3), (jb, 0)):
        tickets = list(Ticket.objects.filter(office=office).order_by("pk"))
        for ticket in tickets[already:]:  # in the order the batch issued them
            expected: dict[tuple[int, bool], int] = {}
            for earlier in tickets:
                if earlier.pk < ticket.pk:
                    lane = (earlier.service_id, earlier.priority != "none")
                    expected[lane] = expected.get(lane, 0) + 1
            got = {lane: n for lane, n in counted_at_issue[ticket.public_id].items() if n}
            assert got == expected, (office.code, ticket.number)
        # The office's live events' numbers follow its tickets, with no gap.
        seqs = [sent[t.public_id]["seq"] for t in tickets[already:]]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), office.code
    assert sorted(Ticket.objects.filter(office=jb).values_list("number", flat=True)) == [
        "A001",
        "A002",
        "C001",
    ]


@pytest.mark.usefixtures("_postgres_only")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_batch_statement_is_planned_once_per_connection():
    # PostgreSQL would plan a batch afresh each time (planning cost as much as running
    # it): the connections are set to keep one plan for the hot statements.
    tree = build_office_tree()
    bkk, oku = tree.services["BKK"], tree.services["OKU"]
    first = services.issue_ticket(tree.pj, bkk)
    for _ in range(8):  # on this thread's connection: prepared from the fifth run on
        issue_statement._run_batch([_params_like(first, bkk), _params_like(first, oku)])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s",
            ["%WITH ORDINALITY%"],
        )
        plans = cursor.fetchall()
    assert len(plans) == 1
    generic, custom = plans[0]
    assert custom == 0
    assert generic >= 3
    assert Ticket.objects.count() == 17


def _params_like(ticket: Ticket, service) -> dict:
    """The issue statement's parameters for one more ticket of `service`, as
    issue_statement.issue makes them for the office and caller of `ticket`."""
    captured = {}

    def capture(params):
        captured.update(params)
        return None

    original = issue_statement._run
    issue_statement._run = capture
    try:
        issue_statement.issue(
            ticket.office,
            service,
            priority="none",
            language="ms",
            now=ticket.issued_at,
            day=ticket.day,
            public_id=services.new_public_id(),
        )
    finally:
        issue_statement._run = original
    return captured


@pytest.mark.usefixtures("_postgres_only")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_batch_that_fails_writes_nothing_and_each_ticket_then_goes_alone(
    held_batcher, monkeypatch
):
    held, batcher = held_batcher
    tree = build_office_tree()
    bkk = tree.services["BKK"]
    # Two callers given the same public id: the second one's insert fails the batch.
    ids = iter(["blocker-id-0000000000000", "same-id-00000000000000000", "other-id-0000000000000"])
    same = "same-id-00000000000000000"
    monkeypatch.setattr(services, "new_public_id", lambda: next(ids, same))

    @in_thread
    def take(_):
        try:
            return services.issue_ticket(tree.pj, bkk).public_id
        except IntegrityError:
            return "refused"

    with ThreadPoolExecutor(max_workers=4) as pool:
        blocker = pool.submit(take, 0)
        _wait_until(lambda: len(held.batches) == 1)
        later = [pool.submit(take, n) for n in (1, 2, 3)]
        _wait_until(lambda: len(batcher._waiting) == 3)
        held.release()
        results = [blocker.result(10), *(f.result(10) for f in later)]
    assert [len(batch) for batch in held.batches] == [1, 3]
    # The batch of three failed as a whole; alone, two of them were issued, the
    # duplicate refused; numbers stayed gapless.
    assert sorted(results) == sorted(
        ["blocker-id-0000000000000", "other-id-0000000000000", same, "refused"]
    )
    assert sorted(Ticket.objects.values_list("number", flat=True)) == ["A001", "A002", "A003"]
    assert TicketEvent.objects.count() == 3
    assert waiting_count.counts(tree.pj.pk) == {(bkk.pk, False): 3}


@pytest.mark.usefixtures("_postgres_only")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_the_issue_joins_it_rather_than_a_batch():
    tree = build_office_tree()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.issue_ticket(tree.pj, tree.services["BKK"])
        raise RuntimeError("the caller changed its mind")
    assert not Ticket.objects.exists()
    assert services.issue_ticket(tree.pj, tree.services["BKK"]).number == "A001"


@pytest.mark.usefixtures("_postgres_only")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_processes_batches_and_counter_calls_at_once_never_deadlock(monkeypatch):
    # Two server processes (two batchers) issuing mixed services and lanes while two
    # counters call and complete: the batches' lock order must agree with every other
    # transaction's, or PostgreSQL breaks a deadlock by failing one (counted here).
    tree = build_office_tree()
    failures = []

    def run_batch(batch):
        try:
            return issue_statement._run_batch(batch)
        except Exception as exc:
            failures.append(exc)
            raise

    batchers = [issue_batch.Batcher(run_batch), issue_batch.Batcher(run_batch)]
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
        return services.issue_ticket(
            tree.pj, service, priority=rng.choice(["none", "none", "oku"])
        ).number

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

    with ThreadPoolExecutor(max_workers=2) as callers, ThreadPoolExecutor(max_workers=16) as kiosks:
        serving = [callers.submit(serve, counter) for counter in counters]
        try:
            numbers = list(kiosks.map(take, range(300)))
        finally:
            stop.set()
        served = sum(f.result(30) for f in serving)
    assert failures == []
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
def test_those_waiting_for_a_batch_hold_no_connection_its_leader_needs(
    held_batcher, monkeypatch, batch_failures
):
    # In a server, a request that read something first (the office, after the read cache
    # expired) has a pooled connection when it comes to wait for its batch. Had such
    # requests kept them, they could hold every connection while the next leader waited
    # for one: for nothing but the pool's timeout, its batch failing, the whole process
    # standing still until then (seen in bench runs). They give them back first.
    held, batcher = held_batcher
    tree = build_office_tree()
    bkk = tree.services["BKK"]
    # As the API has it: read with its hours and holidays, so issuing reads nothing more.
    office = Office.objects.prefetch_related("opening_hours", "holidays").get(pk=tree.pj.pk)
    pool = connection.pool
    monkeypatch.setattr(pool, "timeout", 3.0)
    request_goes_on = threading.Event()

    @in_thread
    def first():  # leads the held batch; its request then goes on, connection kept
        number = services.issue_ticket(office, bkk).number
        assert request_goes_on.wait(30)
        return number

    @in_thread
    def fresh():  # reaches the batch without having read anything
        return services.issue_ticket(office, bkk).number

    @in_thread
    def reader():  # reads first, then issues
        Ticket.objects.exists()
        return services.issue_ticket(office, bkk).number

    readers = pool.max_size - 1
    connections.close_all()  # the test's own connection back to the pool
    try:
        with ThreadPoolExecutor(max_workers=readers + 2) as threads:
            leading = threads.submit(first)
            _wait_until(lambda: len(held.batches) == 1)
            nexts = [threads.submit(fresh)]
            _wait_until(lambda: len(batcher._waiting) == 1)
            nexts += [threads.submit(reader) for _ in range(readers)]
            # Every connection is taken (the first's, and the readers' or the next
            # leader's), and those who could not get one wait for the pool.
            _wait_until(lambda: len(batcher._waiting) >= pool.max_size - 1)
            time.sleep(0.5)  # for the last reader to take the last connection, if free
            held.release()
            numbers = [f.result(20) for f in nexts]
            request_goes_on.set()
            numbers.append(leading.result(20))
    finally:
        request_goes_on.set()
    assert batch_failures == []
    assert sorted(numbers) == [f"A{i:03d}" for i in range(1, readers + 3)]
