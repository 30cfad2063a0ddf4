"""Property-based tests of the routing rules, driving the real call_next on the database.

Counter layouts are generated with a rank per service (1 is called first), so every
property below holds whatever order the counters give their services.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import issue_ticket, make_user
from weserve.core.roles import Role
from weserve.organisation.models import Counter, CounterService
from weserve.queueing import services
from weserve.queueing.models import Ticket

SERVICES = ["BKK", "OKU", "INFO"]
arrival = st.tuples(
    st.sampled_from(SERVICES),
    st.sampled_from(["none", "none", "none", "oku", "elderly", "pregnant"]),
    st.integers(min_value=0, max_value=8),  # minutes after the previous arrival
)
# Which services each of up to three counters serves (every counter serves something),
# and each service's rank there: 1 to 3, so ties and strict orders both occur.
counter_services = st.lists(
    st.dictionaries(st.sampled_from(SERVICES), st.integers(min_value=1, max_value=3), min_size=1),
    min_size=1,
    max_size=3,
)
HYPOTHESIS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def staff_pool(tree):
    return [make_user(f"staff{i}", tree.pj, Role.COUNTER_STAFF) for i in range(3)]


def _setup_counters(tree, layout, staff_pool, special_first):
    counters = []
    for index, ranks in enumerate(layout):
        counter = Counter.objects.create(
            office=tree.pj,
            number=10 + index,
            kind=Counter.Kind.PRIORITY if (index == 0 and special_first) else Counter.Kind.NORMAL,
        )
        for code, rank in ranks.items():
            CounterService.objects.create(counter=counter, service=tree.services[code], rank=rank)
        services.open_counter(counter, acting_user=staff_pool[index])
        counters.append((counter, staff_pool[index]))
    # Leave the fixture's own counters out of the picture.
    Counter.objects.filter(office=tree.pj, number__lt=10).update(is_active=False)
    return counters


def _run(tree, clock, arrivals, layout, staff_pool, special_first):
    sid = transaction.savepoint()
    try:
        counters = _setup_counters(tree, layout, staff_pool, special_first)
        served_codes = set().union(*layout)
        tickets = []
        for code, priority, gap in arrivals:
            clock.shift(minutes=gap)
            if code in served_codes:
                tickets.append(issue_ticket(tree.pj, tree.services[code], priority=priority))
        order: list[int] = []
        # Each call: (the counter's ranks, whether it is special, the ticket called, and
        # the tickets that were waiting just before).
        calls: list[Call] = []
        # Arrivals have stopped: counters call in turn, each completing at once.
        while True:
            progressed = False
            for (counter, user), ranks in zip(counters, layout, strict=True):
                clock.shift(seconds=30)
                waiting = list(Ticket.objects.filter(office=tree.pj, status="waiting"))
                ticket = services.call_next(counter, acting_user=user)
                if ticket is None:
                    continue
                progressed = True
                order.append(ticket.pk)
                calls.append(Call(ranks, counter.kind == Counter.Kind.PRIORITY, ticket, waiting))
                services.complete(ticket, acting_user=user)
            if not progressed:
                break
        result = {t.pk: t for t in Ticket.objects.filter(pk__in=[t.pk for t in tickets])}
        return tickets, order, calls, result
    finally:
        transaction.savepoint_rollback(sid)


@dataclass
class Call:
    ranks: dict[str, int]  # service code -> rank at the counter that called
    special: bool
    ticket: Ticket
    waiting: list[Ticket]

    def lane(self, ticket: Ticket, priority_wait: int) -> int:
        """The ticket's lane at this counter when it called (0 goes first)."""
        if ticket.priority == "none":
            return 1
        if self.special:
            return 0
        overdue = self.ticket.called_at - dt.timedelta(minutes=priority_wait)
        return 0 if ticket.queued_at <= overdue else 1


@HYPOTHESIS
@given(
    arrivals=st.lists(arrival, max_size=25), layout=counter_services, special_first=st.booleans()
)
def test_every_waiting_ticket_is_served_exactly_once_within_n_calls(
    tree, clock, staff_pool, arrivals, layout, special_first
):
    tickets, order, calls, result = _run(tree, clock, arrivals, layout, staff_pool, special_first)
    assert sorted(order) == sorted(t.pk for t in tickets)  # each once, none left behind
    assert len(calls) == len(tickets)
    assert all(t.status == "completed" for t in result.values())


@HYPOTHESIS
@given(
    arrivals=st.lists(arrival, max_size=25), layout=counter_services, special_first=st.booleans()
)
def test_priority_customer_is_never_called_after_a_later_normal_customer_of_same_service(
    tree, clock, staff_pool, arrivals, layout, special_first
):
    tickets, order, calls, result = _run(tree, clock, arrivals, layout, staff_pool, special_first)
    position = {pk: i for i, pk in enumerate(order)}
    for p in tickets:
        if p.priority == "none":
            continue
        for n in tickets:
            if n.priority == "none" and n.service_id == p.service_id and n.queued_at > p.queued_at:
                assert position[p.pk] < position[n.pk], (p.number, n.number)


@HYPOTHESIS
@given(arrivals=st.lists(arrival, min_size=1, max_size=25), layout=counter_services)
def test_same_lane_same_service_is_first_come_first_served(
    tree, clock, staff_pool, arrivals, layout
):
    tickets, order, calls, result = _run(tree, clock, arrivals, layout, staff_pool, False)
    position = {pk: i for i, pk in enumerate(order)}
    normals = [t for t in tickets if t.priority == "none"]
    for a in normals:
        for b in normals:
            if a.service_id == b.service_id and a.queued_at < b.queued_at:
                assert position[a.pk] < position[b.pk]


@HYPOTHESIS
@given(
    arrivals=st.lists(arrival, min_size=2, max_size=25),
    layout=counter_services,
    special_first=st.booleans(),
)
def test_a_counter_never_calls_a_lower_ranked_service_while_a_higher_ranked_one_waits(
    tree, clock, staff_pool, arrivals, layout, special_first
):
    tickets, order, calls, result = _run(tree, clock, arrivals, layout, staff_pool, special_first)
    codes = {s.pk: code for code, s in tree.services.items()}
    wait = tree.pj.priority_wait_minutes
    for call in calls:
        called = call.ticket
        rank = call.ranks[codes[called.service_id]]
        lane = call.lane(called, wait)
        for other in call.waiting:
            code = codes[other.service_id]
            if other.pk == called.pk or code not in call.ranks:
                continue  # not one this counter serves
            if call.lane(other, wait) == lane:
                assert call.ranks[code] >= rank, (called.number, other.number, call.ranks)


@HYPOTHESIS
@given(
    arrivals=st.lists(arrival, min_size=2, max_size=25),
    layout=counter_services,
    special_first=st.booleans(),
)
def test_the_lane_comes_before_the_rank(tree, clock, staff_pool, arrivals, layout, special_first):
    tickets, order, calls, result = _run(tree, clock, arrivals, layout, staff_pool, special_first)
    codes = {s.pk: code for code, s in tree.services.items()}
    wait = tree.pj.priority_wait_minutes
    for call in calls:
        lane = call.lane(call.ticket, wait)
        for other in call.waiting:
            if other.pk != call.ticket.pk and codes[other.service_id] in call.ranks:
                assert call.lane(other, wait) >= lane, (call.ticket.number, other.number)
