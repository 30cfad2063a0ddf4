"""Real concurrent clients against PostgreSQL: no doubled or lost ticket, whatever the load."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.db import connection

from tests.factories import build_office_tree, issue_ticket, kiosk_for, make_user
from tests.threads import in_thread
from weserve.core.roles import Role
from weserve.organisation.models import Counter, CounterService
from weserve.queueing import services
from weserve.queueing.estimate import position_and_estimate
from weserve.queueing.models import Ticket, TicketEvent

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is proven on PostgreSQL (set DATABASE_URL)")


def _serve_until_empty(counter, user) -> list[int]:
    """Call and complete at `counter` until nobody waits for it; the tickets it served."""
    served = []
    while True:
        ticket = services.call_next(counter, acting_user=user)
        if ticket is None:
            return served
        served.append(ticket.pk)
        services.complete(ticket, acting_user=user)


def test_200_concurrent_ticket_requests_get_200_distinct_gapless_numbers():
    tree = build_office_tree()
    bkk = tree.services["BKK"]
    barrier = threading.Barrier(40)

    @in_thread
    def take(i: int) -> str:
        if i < 40:
            barrier.wait()
        return issue_ticket(tree.pj, bkk).number

    with ThreadPoolExecutor(max_workers=40) as pool:
        numbers = list(pool.map(take, range(200)))
    assert len(set(numbers)) == 200
    assert sorted(numbers) == [f"A{i:03d}" for i in range(1, 201)]
    assert Ticket.objects.filter(office=tree.pj).count() == 200


def test_tickets_issued_at_the_same_instant_each_count_everyone_before_them():
    # Forty kiosks at once, one service, one customer in four a priority one: each
    # slip's "people ahead" is exactly the tickets numbered before it that go first
    # (for a normal ticket all of them, for a priority one the priority ones), never a
    # count taken before a neighbour committed.
    tree = build_office_tree()
    bkk = tree.services["BKK"]
    kiosk = kiosk_for(tree.pj)
    barrier = threading.Barrier(40)

    @in_thread
    def take(i: int) -> tuple[int, bool, int | None]:
        if i < 40:
            barrier.wait()
        issued = services.issue_ticket_at_kiosk(
            kiosk, tree.pj, bkk, priority="oku" if i % 4 == 0 else "none"
        )
        ticket = issued.ticket
        position, _wait = position_and_estimate(ticket, issued.waiting)
        return ticket.seq, ticket.priority != "none", position

    with ThreadPoolExecutor(max_workers=40) as pool:
        slips = list(pool.map(take, range(120)))
    priority_seqs = sorted(seq for seq, priority, _position in slips if priority)
    assert len(priority_seqs) == 30
    for seq, priority, position in slips:
        if priority:
            assert position == sum(1 for other in priority_seqs if other < seq)
        else:
            assert position == seq - 1


def test_ten_counters_calling_at_once_serve_500_tickets_each_exactly_once_in_queue_order():
    tree = build_office_tree()
    start = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        for i in range(500):
            traveller.shift(dt.timedelta(seconds=1))
            issue_ticket(tree.pj, tree.services[("BKK", "OKU", "INFO")[i % 3]])
    Counter.objects.filter(office=tree.pj).update(is_active=False)
    counters = []
    for n in range(10):
        counter = Counter.objects.create(office=tree.pj, number=20 + n)
        counter.services.set(tree.services.values())
        user = make_user(f"kaunter{n}", tree.pj, Role.COUNTER_STAFF)
        services.open_counter(counter, acting_user=user)
        counters.append((counter, user))
    barrier = threading.Barrier(10)

    @in_thread
    def work(pair) -> list[int]:
        counter, user = pair
        barrier.wait()
        return _serve_until_empty(counter, user)

    with ThreadPoolExecutor(max_workers=10) as pool:
        per_counter = list(pool.map(work, counters))

    all_served = [pk for served in per_counter for pk in served]
    assert len(all_served) == 500
    assert len(set(all_served)) == 500
    assert Ticket.objects.filter(office=tree.pj, status="completed").count() == 500
    assert TicketEvent.objects.filter(kind="called").count() == 500
    # Each counter called its customers in queue order (first come, first served).
    queued = dict(Ticket.objects.values_list("pk", "queued_at"))
    for served in per_counter:
        times = [queued[pk] for pk in served]
        assert times == sorted(times)
    assert sum(1 for served in per_counter if served) >= 2  # the load really was shared


def test_ranked_counters_calling_at_once_serve_each_ticket_once_in_their_own_order():
    tree = build_office_tree()
    codes = ("BKK", "OKU", "INFO")
    start = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        for i in range(300):
            traveller.shift(dt.timedelta(seconds=1))
            issue_ticket(tree.pj, tree.services[codes[i % 3]])
    Counter.objects.filter(office=tree.pj).update(is_active=False)
    counters = []
    for n in range(9):
        counter = Counter.objects.create(office=tree.pj, number=20 + n)
        # Counter n calls codes[n % 3] first, the next one second, the last one third.
        ranks = {codes[(n + k) % 3]: k + 1 for k in range(3)}
        for code, rank in ranks.items():
            CounterService.objects.create(counter=counter, service=tree.services[code], rank=rank)
        user = make_user(f"kaunter{n}", tree.pj, Role.COUNTER_STAFF)
        services.open_counter(counter, acting_user=user)
        counters.append((counter, user, ranks))
    barrier = threading.Barrier(len(counters))

    @in_thread
    def work(entry) -> list[int]:
        counter, user, _ranks = entry
        barrier.wait()
        return _serve_until_empty(counter, user)

    with ThreadPoolExecutor(max_workers=len(counters)) as pool:
        per_counter = list(pool.map(work, counters))

    all_served = [pk for served in per_counter for pk in served]
    assert len(all_served) == len(set(all_served)) == 300
    assert Ticket.objects.filter(office=tree.pj, status="completed").count() == 300
    # Each counter called by its own ranks, then queue order: the best ticket left each time.
    rows = {
        pk: (code, queued_at)
        for pk, code, queued_at in Ticket.objects.values_list("pk", "service__code", "queued_at")
    }
    for (_counter, _user, ranks), served in zip(counters, per_counter, strict=True):
        keys = [(ranks[rows[pk][0]], rows[pk][1]) for pk in served]
        assert keys == sorted(keys)
    assert sum(1 for served in per_counter if served) >= 2
