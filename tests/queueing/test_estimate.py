"""The wait estimate: the pure maths, and the database wrapper on real tickets."""

import json

import pytest
from django.test import Client

from tests.factories import issue_ticket, kiosk_for
from weserve.organisation.devices import create_device
from weserve.organisation.models import Counter, CounterService
from weserve.queueing import estimate, readcache, services
from weserve.queueing.estimate import CounterNow, QueueState, ServiceTime, estimate_minutes
from weserve.queueing.selectors import people_ahead, wait_estimate

A, B = 1, 2  # two services of the pure examples


def times(a: float = 10.0, b: float = 10.0) -> dict[int, ServiceTime]:
    return {A: ServiceTime(mean=a), B: ServiceTime(mean=b)}


def counters(n: int, services_: frozenset[int] = frozenset({A})) -> list[CounterNow]:
    return [CounterNow(services=services_) for _ in range(n)]


# --- The pure maths ---------------------------------------------------------------------


def test_more_open_counters_give_a_shorter_estimate():
    ahead = {(A, False): 12}
    waits = [estimate_minutes(QueueState(counters(n), times(), ahead), A) for n in (1, 2, 3, 4)]
    assert waits == sorted(waits, reverse=True)
    assert len(set(waits)) == 4
    assert waits[0] == pytest.approx(120)  # twelve customers of 10 minutes on one counter


def test_nobody_ahead_at_a_free_counter_is_called_at_once():
    assert estimate_minutes(QueueState(counters(1), times(), {}), A) == 0


def test_nobody_ahead_at_a_busy_counter_waits_for_the_rest_of_a_service():
    learnt = {A: estimate.service_time([10.0] * 10, typical=10)}
    busy = [CounterNow(services=frozenset({A}), busy_service=A, busy_minutes=4.0)]
    wait = estimate_minutes(QueueState(busy, learnt, {}), A)
    assert 5 < wait < 8


def test_a_long_running_heavy_tailed_service_is_expected_to_run_on():
    # Most take 5 minutes, some 20: one that has run 10 minutes is one of the long ones.
    observed = estimate.service_time([5.0] * 20 + [20.0] * 10, typical=10)
    assert observed.remaining(10.0) > observed.remaining(1.0)


def test_a_few_absurd_service_times_barely_move_the_mean():
    usual = [8.0, 9.0, 10.0, 11.0, 12.0] * 6
    clean = estimate.service_time(usual, typical=10)
    spoiled = estimate.service_time(usual[:-2] + [600.0, 900.0], typical=10)
    plain_mean = sum(usual[:-2] + [600.0, 900.0]) / len(usual)
    assert plain_mean > 50  # what a plain average would tell every customer
    assert spoiled.mean == pytest.approx(clean.mean, rel=0.25)


def test_with_few_observations_the_catalogue_time_weighs_in():
    assert estimate.service_time([], typical=12).mean == pytest.approx(12)
    one = estimate.service_time([30.0], typical=12).mean
    thirty = estimate.service_time([30.0] * 30, typical=12).mean
    assert 12 < one < thirty < 30


def test_a_counter_serving_only_this_service_is_not_slowed_by_other_queues():
    dedicated = CounterNow(services=frozenset({A}))
    shared = CounterNow(services=frozenset({A, B}))
    ahead = {(B, False): 10}
    assert estimate_minutes(QueueState([shared, dedicated], times(), ahead), A) == 0
    # Without the dedicated counter, the earlier B customers go first on the shared one.
    assert estimate_minutes(QueueState([shared], times(), ahead), A) == pytest.approx(100)


def test_a_shared_counter_gives_a_service_only_part_of_its_time():
    ahead = {(A, False): 4, (B, False): 4}
    alone = estimate_minutes(QueueState(counters(1), times(), {(A, False): 4}), A)
    shared = estimate_minutes(QueueState(counters(1, frozenset({A, B})), times(), ahead), A)
    assert shared == pytest.approx(2 * alone)


def test_the_special_counter_takes_the_priority_lane_first():
    special = CounterNow(services=frozenset({A}), priority_lane=True)
    ahead = {(A, False): 6, (A, True): 1}
    normal_wait = estimate_minutes(QueueState([special], times(), ahead), A)
    priority_wait = estimate_minutes(QueueState([special], times(), ahead), A, priority=True)
    assert priority_wait == pytest.approx(10)  # only the one priority customer ahead
    assert normal_wait == pytest.approx(70)


def test_an_ordinary_counter_takes_a_priority_customer_first_after_the_priority_wait():
    ordinary = counters(1)
    ahead = {(A, False): 6}
    wait = estimate_minutes(
        QueueState(ordinary, times(), ahead, priority_wait_minutes=5), A, priority=True
    )
    assert wait == pytest.approx(10)  # one customer is served, then it is their turn


def test_earlier_customers_of_a_lower_ranked_service_do_not_delay_the_first_service():
    ranked = CounterNow(services=frozenset({A, B}), ranks={A: 1, B: 2})
    ahead = {(B, False): 10, (A, False): 2}
    # The counter calls A first: only the two A customers ahead count for an A customer.
    assert estimate_minutes(QueueState([ranked], times(), ahead), A) == pytest.approx(20)
    # A B customer waits for every A customer and for the B customers who came earlier.
    assert estimate_minutes(QueueState([ranked], times(), ahead), B) == pytest.approx(120)
    # Without ranks everyone ahead goes first, as before.
    shared = CounterNow(services=frozenset({A, B}))
    assert estimate_minutes(QueueState([shared], times(), ahead), A) == pytest.approx(120)


def test_the_counter_that_ranks_a_service_first_takes_its_customers():
    first_for_a = CounterNow(services=frozenset({A, B}), ranks={A: 1, B: 2})
    first_for_b = CounterNow(services=frozenset({A, B}), ranks={A: 2, B: 1})
    ahead = {(A, False): 4, (B, False): 8}
    # Each counter works through its own first service: four A customers, one counter.
    state = QueueState([first_for_a, first_for_b], times(), ahead)
    assert estimate_minutes(state, A) == pytest.approx(40)
    # Unranked, both counters share all twelve customers ahead.
    assert estimate_minutes(QueueState(counters(2, frozenset({A, B})), times(), ahead), A) == (
        pytest.approx(60)
    )


def test_at_the_special_counter_the_lane_comes_before_the_rank():
    special = CounterNow(services=frozenset({A, B}), priority_lane=True, ranks={A: 1, B: 2})
    ahead = {(B, True): 2, (A, False): 3}
    # A normal A customer waits for the priority lane, whatever its service's rank...
    assert estimate_minutes(QueueState([special], times(), ahead), A) == pytest.approx(50)
    # ...and a priority A customer goes before the priority B customers who came earlier.
    state = QueueState([special], times(), ahead)
    assert estimate_minutes(state, A, priority=True) == pytest.approx(0)


def test_with_no_counter_open_the_queue_is_counted_on_one_counter():
    ahead = {(A, False): 3}
    assert estimate_minutes(QueueState([], times(), ahead), A) == pytest.approx(30)


def test_a_huge_queue_is_scaled_not_replayed_one_by_one():
    ahead = {(A, False): 10 * estimate.REPLAY_LIMIT}
    wait = estimate_minutes(QueueState(counters(2), times(), ahead), A)
    assert wait == pytest.approx(10 * estimate.REPLAY_LIMIT * 10 / 2, rel=0.01)


@pytest.mark.parametrize("total", [60, 150, 400])
def test_the_scaled_replay_of_a_long_queue_stays_close_to_the_full_replay(total, monkeypatch):
    # Two services of different lengths on a shared counter, a dedicated one and a
    # special counter; priority customers among them.
    layout = [
        CounterNow(services=frozenset({A, B})),
        CounterNow(services=frozenset({A}), busy_service=A, busy_minutes=3.0),
        CounterNow(services=frozenset({A, B}), priority_lane=True),
    ]
    ahead = {(A, False): total // 2, (B, False): total // 3, (A, True): total // 6}
    state = QueueState(layout, times(8.0, 15.0), ahead)
    cases = [(A, False), (B, False), (A, True), (B, True)]
    scaled = [estimate_minutes(state, s, priority=p) for s, p in cases]
    monkeypatch.setattr(estimate, "REPLAY_LIMIT", 10 * total)
    full = [estimate_minutes(state, s, priority=p) for s, p in cases]
    assert scaled == pytest.approx(full, rel=0.1)


def test_shown_minutes_are_whole_and_never_negative():
    assert estimate.shown_minutes(-3.0) == 0
    assert estimate.shown_minutes(4.4) == 4
    assert estimate.shown_minutes(4.6) == 5


# --- The database wrapper, on real tickets ----------------------------------------------------


@pytest.fixture
def staff(users):
    return users["petugas"]


@pytest.fixture
def supervisor(users):
    return users["penyelia"]


def pj_counter(tree, number: int) -> Counter:
    return Counter.objects.get(office=tree.pj, number=number)


def serve_history(tree, clock, staff, *, minutes: float, count: int, code: str = "BKK"):
    """`count` customers of `code`, each taking `minutes` at counter 1, all completed."""
    counter = pj_counter(tree, 1)
    services.open_counter(counter, acting_user=staff)
    for _ in range(count):
        issue_ticket(tree.pj, tree.services[code])
        ticket = services.call_next(counter, acting_user=staff)
        clock.shift(minutes=minutes)
        services.complete(ticket, acting_user=staff)
    services.close_counter(counter, acting_user=staff)


def issue(tree, clock, code: str = "BKK", n: int = 1, priority: str = "none"):
    """`n` tickets, half a minute apart (the queue orders by issue time)."""
    tickets = []
    for _ in range(n):
        clock.shift(seconds=30)
        tickets.append(issue_ticket(tree.pj, tree.services[code], priority=priority))
    return tickets


def shown(ticket) -> int | None:
    ticket.refresh_from_db()
    return wait_estimate(ticket, people_ahead(ticket))


def test_first_ticket_with_a_free_counter_is_told_no_wait(tree, clock, staff):
    services.open_counter(pj_counter(tree, 1), acting_user=staff)
    ticket = issue_ticket(tree.pj, tree.services["BKK"])
    assert shown(ticket) == 0


def test_estimate_learns_the_service_time_from_completed_tickets(tree, clock, staff, supervisor):
    # Three BKK customers took 20 minutes each; the catalogue says 10 (weight 3): mean 15.
    serve_history(tree, clock, staff, minutes=20, count=3)
    services.open_counter(pj_counter(tree, 1), acting_user=staff)
    services.open_counter(pj_counter(tree, 2), acting_user=supervisor)
    tickets = issue(tree, clock, n=4)
    # Two free counters take two customers each, the fourth is called after one service.
    assert [shown(t) for t in tickets] == [0, 0, 15, 15]


def test_a_paused_counter_does_not_count(tree, clock, staff, supervisor):
    services.open_counter(pj_counter(tree, 1), acting_user=staff)
    services.open_counter(pj_counter(tree, 2), acting_user=supervisor)
    tickets = issue(tree, clock, n=3)
    assert shown(tickets[2]) == 10  # each counter takes one customer, then it is their turn
    services.pause_counter(pj_counter(tree, 2), acting_user=supervisor)
    assert shown(tickets[2]) == 20  # two catalogue services of 10 minutes on one counter


def test_a_customer_at_the_counter_shortens_as_their_service_runs(tree, clock, staff):
    serve_history(tree, clock, staff, minutes=10, count=10)
    counter = pj_counter(tree, 1)
    services.open_counter(counter, acting_user=staff)
    issue(tree, clock)
    services.call_next(counter, acting_user=staff)
    [waiting] = issue(tree, clock)
    assert shown(waiting) == 10
    clock.shift(minutes=6)
    # Every BKK service so far took 10 minutes and this one has run 6.5; the mean stands
    # in as one more observation: (10 × 3.5 + 10) / 11 ≈ 4.1 minutes left.
    assert shown(waiting) == 4


def test_before_any_counter_opens_the_counters_of_the_service_are_counted(tree, clock):
    tickets = issue(tree, clock, "OKU", n=3)
    # Both PJ counters serve OKU (15 minutes): the third customer goes after one service.
    assert shown(tickets[2]) == 15


def test_a_priority_customer_is_told_a_shorter_wait_at_the_special_counter(tree, clock, supervisor):
    services.open_counter(pj_counter(tree, 2), acting_user=supervisor)  # the special counter
    issue(tree, clock, n=4)
    [normal] = issue(tree, clock)
    [priority] = issue(tree, clock, priority="elderly")
    assert shown(normal) == 40
    assert shown(priority) == 0


def test_a_counter_that_calls_a_service_first_tells_its_customers_a_shorter_wait(
    tree, clock, staff
):
    counter = pj_counter(tree, 1)
    CounterService.objects.filter(counter=counter, service__code="OKU").update(rank=2)
    services.open_counter(counter, acting_user=staff)
    issue(tree, clock, "OKU", n=3)
    [bkk] = issue(tree, clock, "BKK")
    # Counter 1 calls BKK first: the BKK customer is next (unranked: 3 × 15 minutes).
    assert shown(bkk) == 0
    assert estimate.estimate_wait_minutes(tree.pj, tree.services["BKK"], 0) == 0
    # A new OKU customer waits for the BKK customer (10) and the three OKU ones (3 × 15).
    assert estimate.estimate_wait_minutes(tree.pj, tree.services["OKU"], 3) == 55
    assert services.call_next(counter, acting_user=staff).pk == bkk.pk


def test_the_kiosk_start_screen_estimate_counts_the_people_waiting(tree, clock, staff):
    services.open_counter(pj_counter(tree, 1), acting_user=staff)
    assert estimate.estimate_wait_minutes(tree.pj, tree.services["INFO"], 0) == 0
    assert estimate.estimate_wait_minutes(tree.pj, tree.services["INFO"], 3) == 15


def test_api_returns_the_estimate_with_the_new_ticket(tree, clock, staff):
    services.open_counter(pj_counter(tree, 1), acting_user=staff)
    issue(tree, clock, n=2)
    clock.shift(seconds=30)
    _device, token = create_device(tree.pj, "kiosk", "Kiosk 1")
    response = Client().post(
        "/api/v1/offices/PKMD-PJ/tickets",
        data=json.dumps({"service": "BKK"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201, response.content
    assert response.json()["position"] == 2
    assert response.json()["estimated_wait_minutes"] == 20


def test_the_estimate_reads_the_database_in_four_queries(
    tree, clock, staff, django_assert_max_num_queries
):
    """People ahead, the counters, the service times, and the open counters afresh (so a
    phone told "no counter is open" hears otherwise as soon as one opens)."""
    serve_history(tree, clock, staff, minutes=12, count=2, code="INFO")
    services.open_counter(pj_counter(tree, 1), acting_user=staff)
    ticket = issue_ticket(tree.pj, tree.services["BKK"])
    ticket = type(ticket).objects.select_related("office", "service").get(pk=ticket.pk)
    with django_assert_max_num_queries(4):
        estimate.estimate_for_ticket(ticket)


def test_the_answer_to_an_issue_reads_nothing_more_within_the_cache_time(
    tree, clock, staff, settings, django_assert_max_num_queries
):
    """The ticket API's answer (the hot path) takes the open counters from the office
    snapshot with what the issue read: no query at all while the snapshot is fresh."""
    settings.QUEUE_CACHE_SECONDS = 5
    readcache.clear()
    try:
        services.open_counter(pj_counter(tree, 1), acting_user=staff)
        issued = services.issue_ticket_at_kiosk(kiosk_for(tree.pj), tree.pj, tree.services["BKK"])
        estimate.ticket_forecast(issued.ticket, issued.waiting)
        with django_assert_max_num_queries(0):
            told = estimate.ticket_forecast(issued.ticket, issued.waiting)
        assert told.served_now and told.ahead == 0
    finally:
        readcache.clear()


def test_the_office_snapshot_is_reused_for_a_few_seconds(
    tree, clock, staff, supervisor, settings, django_assert_max_num_queries
):
    settings.QUEUE_CACHE_SECONDS = 1
    readcache.clear()
    try:
        services.open_counter(pj_counter(tree, 1), acting_user=staff)
        tickets = issue(tree, clock, n=3)
        assert shown(tickets[2]) == 20  # two customers of 10 minutes on counter 1
        services.open_counter(pj_counter(tree, 2), acting_user=supervisor)
        # Within the cache time a screen reads only the people ahead and the counters
        # (afresh: counter 2 counts at once); the service times are reused.
        with django_assert_max_num_queries(2):
            assert estimate.estimate_for_ticket(tickets[2]) == 10
        # The ticket API's answer to an issue (the hot path) reads no counters: within
        # the cache time it still sees counter 1 alone.
        issued = services.issue_ticket_at_kiosk(kiosk_for(tree.pj), tree.pj, tree.services["BKK"])
        assert estimate.ticket_forecast(issued.ticket, issued.waiting).minutes == 30
        clock.shift(seconds=1)
        assert estimate.ticket_forecast(issued.ticket, issued.waiting).minutes == 10
    finally:
        readcache.clear()
