"""The waiting counts the database keeps (WaitingCount, waiting_count.py) match the tickets.

Every test runs on both databases in CI (PostgreSQL's triggers are statement-level,
SQLite's row-level); the concurrent one needs PostgreSQL.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import migrating
from tests.factories import build_office_tree, issue_ticket, make_user
from tests.queueing.counts import counted, kept
from weserve.core.roles import Role
from weserve.organisation.models import Counter
from weserve.queueing import estimate, services, waiting_count
from weserve.queueing.models import Ticket, TicketStatus, WaitingCount

SERVICES = ["BKK", "OKU", "INFO"]


@pytest.fixture
def counter(tree):
    counter = Counter.objects.create(office=tree.pj, number=30)
    counter.services.set([tree.services[code] for code in SERVICES])
    user = make_user("kaunter30", tree.pj, Role.COUNTER_STAFF)
    services.open_counter(counter, acting_user=user)
    return counter, user


def test_the_triggers_are_installed(db):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'queueing_ticket'::regclass"
                " AND NOT tgisinternal"
            )
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        names = {row[0] for row in cursor.fetchall()}
    assert set(waiting_count.TRIGGERS) <= names


def test_issue_call_and_complete_move_the_counts(tree, clock, counter):
    desk, user = counter
    bkk = tree.services["BKK"]
    issue_ticket(tree.pj, bkk)
    issue_ticket(tree.pj, bkk, priority="oku")
    issue_ticket(tree.pj, bkk)
    assert waiting_count.counts(tree.pj.pk) == {(bkk.pk, False): 2, (bkk.pk, True): 1}
    called = services.call_next(desk, acting_user=user)
    assert called is not None
    assert sum(waiting_count.counts(tree.pj.pk).values()) == 2
    services.complete(called, acting_user=user)
    assert sum(waiting_count.counts(tree.pj.pk).values()) == 2
    assert kept() == counted()
    # What the kiosk's estimate reads for "everyone waiting now" is the kept count.
    assert estimate.waiting_ahead(tree.pj, None) == waiting_count.counts(tree.pj.pk)


def test_a_rolled_back_issue_leaves_the_counts_as_they_were(tree, clock, counter):
    bkk = tree.services["BKK"]
    issue_ticket(tree.pj, bkk)
    with pytest.raises(RuntimeError), transaction.atomic():
        issue_ticket(tree.pj, bkk)
        assert waiting_count.counts(tree.pj.pk) == {(bkk.pk, False): 2}
        raise RuntimeError("the request failed after the issue")
    assert waiting_count.counts(tree.pj.pk) == {(bkk.pk, False): 1}


def test_bulk_updates_and_deletes_are_counted(tree, clock, counter):
    for code in SERVICES * 3:
        issue_ticket(tree.pj, tree.services[code])
    issue_ticket(tree.pj, tree.services["OKU"], priority="elderly")
    # One statement over many rows of several services and lanes.
    Ticket.objects.filter(service__code__in=["BKK", "OKU"]).update(status=TicketStatus.CANCELLED)
    assert kept() == counted()
    assert set(waiting_count.counts(tree.pj.pk)) == {(tree.services["INFO"].pk, False)}
    Ticket.objects.filter(service__code="BKK").update(status=TicketStatus.WAITING)
    assert kept() == counted()
    # A ticket's priority, office or service changed straight in the database.
    Ticket.objects.filter(service__code="BKK").update(priority="oku", office=tree.klang)
    assert kept() == counted()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM queueing_ticketevent")
        cursor.execute(
            "DELETE FROM queueing_ticket WHERE service_id = %s", [tree.services["INFO"].pk]
        )
    assert kept() == counted()
    assert waiting_count.counts(tree.pj.pk) == {}
    assert waiting_count.counts(tree.klang.pk) == {(tree.services["BKK"].pk, True): 3}


def test_recount_mends_counts_changed_behind_the_triggers(tree, clock, counter):
    issue_ticket(tree.pj, tree.services["BKK"])
    WaitingCount.objects.update(waiting=7)
    waiting_count.recount(connection)
    assert kept() == counted() == {(tree.pj.pk, tree.services["BKK"].pk, False): 1}


# A random day at one counter: arrivals and every counter action that moves a ticket in or
# out of the queue, with the counts compared to the tickets after each step.
step = st.one_of(
    st.tuples(
        st.just("issue"),
        st.sampled_from(SERVICES),
        st.sampled_from(["none", "none", "oku", "elderly", "pregnant"]),
    ),
    st.tuples(st.just("call"), st.none(), st.none()),
    st.tuples(st.just("complete"), st.none(), st.none()),
    st.tuples(st.just("no_show"), st.none(), st.none()),
    st.tuples(st.just("reinstate"), st.none(), st.none()),
    st.tuples(st.just("transfer"), st.sampled_from(SERVICES), st.none()),
    st.tuples(st.just("cancel"), st.none(), st.none()),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=1, max_size=30))
def test_the_counts_match_the_tickets_after_any_sequence_of_actions(tree, clock, counter, steps):
    desk, user = counter
    sid = transaction.savepoint()
    try:
        current: Ticket | None = None
        no_shows: list[Ticket] = []
        for action, code, priority in steps:
            clock.shift(minutes=1)
            if action == "issue":
                issue_ticket(tree.pj, tree.services[code], priority=priority)
            elif action == "call" and current is None:
                current = services.call_next(desk, acting_user=user)
            elif current is not None and action == "complete":
                services.complete(current, acting_user=user)
                current = None
            elif current is not None and action == "no_show":
                services.recall(current, acting_user=user)
                services.mark_no_show(current, acting_user=user)
                no_shows.append(current)
                current = None
            elif no_shows and action == "reinstate":
                services.reinstate(no_shows.pop(), acting_user=user)
            elif current is not None and action == "transfer":
                if tree.services[code].pk != current.service_id:
                    services.transfer(current, acting_user=user, to_service=tree.services[code])
                    current = None
            elif action == "cancel":
                waiting = Ticket.objects.filter(status=TicketStatus.WAITING).first()
                if waiting is not None:
                    services.cancel(waiting, acting_user=user)
            assert kept() == counted(), (action, code, priority)
    finally:
        transaction.savepoint_rollback(sid)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_issues_calls_and_bulk_cancels_keep_the_counts_exact():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is proven on PostgreSQL (set DATABASE_URL)")
    tree = build_office_tree()
    Counter.objects.filter(office=tree.pj).update(is_active=False)
    desks = []
    for n in range(4):
        desk = Counter.objects.create(office=tree.pj, number=40 + n)
        desk.services.set([tree.services[code] for code in SERVICES])
        user = make_user(f"kaunter4{n}", tree.pj, Role.COUNTER_STAFF)
        services.open_counter(desk, acting_user=user)
        desks.append((desk, user))
    barrier = threading.Barrier(12)

    def issuer(i: int) -> None:
        try:
            barrier.wait()
            for k in range(25):
                priority = "oku" if (i + k) % 4 == 0 else "none"
                issue_ticket(tree.pj, tree.services[SERVICES[(i + k) % 3]], priority=priority)
        finally:
            connections.close_all()

    def caller(pair) -> None:
        desk, user = pair
        try:
            barrier.wait()
            for _ in range(20):
                ticket = services.call_next(desk, acting_user=user)
                if ticket is not None:
                    services.complete(ticket, acting_user=user)
        finally:
            connections.close_all()

    def canceller(_i: int) -> None:
        try:
            barrier.wait()
            for code in SERVICES * 4:
                # No join in the filter: PostgreSQL re-checks a plain condition on a row a
                # counter has just called, and leaves it alone.
                Ticket.objects.filter(
                    status=TicketStatus.WAITING, service=tree.services[code], priority="none"
                ).update(status=TicketStatus.CANCELLED)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=12) as pool:
        jobs = [pool.submit(issuer, i) for i in range(6)]
        jobs += [pool.submit(caller, pair) for pair in desks]
        jobs += [pool.submit(canceller, i) for i in range(2)]
        for job in jobs:
            job.result()  # a deadlock or a failed statement fails the test here
    assert Ticket.objects.count() == 150
    assert kept() == counted()


@pytest.mark.django_db(transaction=True)
def test_the_migration_counts_the_tickets_already_waiting():
    # An office upgrading with customers in the queue: the counts start right.
    tree = build_office_tree()
    bkk, oku = tree.services["BKK"], tree.services["OKU"]
    for service, priority in [(bkk, "none"), (bkk, "none"), (bkk, "elderly"), (oku, "none")]:
        issue_ticket(tree.pj, service, priority=priority)
    Ticket.objects.filter(service=oku).update(status=TicketStatus.COMPLETED)
    latest = migrating.latest()
    try:
        migrating.migrate_to([("queueing", "0005_counter_session_names")])
        migrating.migrate_to([("queueing", "0006_waiting_count")])
        assert (
            kept()
            == counted()
            == {
                (tree.pj.pk, bkk.pk, False): 2,
                (tree.pj.pk, bkk.pk, True): 1,
            }
        )
    finally:
        migrating.migrate_to(latest)
    issue_ticket(tree.pj, bkk)  # and the triggers keep them from there
    assert kept() == counted()
