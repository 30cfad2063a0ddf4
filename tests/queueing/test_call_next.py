import pytest

from tests.factories import issue_ticket, make_user
from weserve.core.clock import now as clock_now
from weserve.core.errors import DomainError
from weserve.core.roles import Role
from weserve.organisation.models import Counter, CounterService
from weserve.queueing import services
from weserve.queueing.models import CounterSessionEvent, Ticket, TicketEvent


@pytest.fixture
def normal(tree):
    return Counter.objects.get(office=tree.pj, number=1)


@pytest.fixture
def special(tree):
    return Counter.objects.get(office=tree.pj, number=2)


@pytest.fixture
def staff(users):
    return users["petugas"]


@pytest.fixture
def open_normal(normal, staff):
    services.open_counter(normal, acting_user=staff)
    return normal


def issue(tree, code="BKK", priority="none"):
    return issue_ticket(tree.pj, tree.services[code], priority=priority)


def test_call_next_needs_an_open_counter(tree, clock, normal, staff):
    issue(tree)
    with pytest.raises(DomainError) as err:
        services.call_next(normal, acting_user=staff)
    assert err.value.code == "counter_closed"


def test_call_next_calls_the_customer_who_came_first(tree, clock, open_normal, staff):
    first = issue(tree)
    clock.shift(minutes=1)
    issue(tree, "OKU")
    called = services.call_next(open_normal, acting_user=staff)
    assert called.pk == first.pk
    assert called.status == "called"
    assert called.counter == open_normal
    assert called.served_by == staff


def test_call_next_returns_none_when_nobody_waits(tree, clock, open_normal, staff):
    assert services.call_next(open_normal, acting_user=staff) is None


def test_counter_with_a_customer_cannot_call_another(tree, clock, open_normal, staff):
    issue(tree)
    issue(tree)
    services.call_next(open_normal, acting_user=staff)
    with pytest.raises(DomainError) as err:
        services.call_next(open_normal, acting_user=staff)
    assert err.value.code == "counter_busy"


def test_special_counter_serves_priority_lane_first(tree, clock, special, users):
    normal_ticket = issue(tree)
    clock.shift(minutes=1)
    oku_ticket = issue(tree, priority="oku")
    services.open_counter(special, acting_user=users["penyelia"])
    assert services.call_next(special, acting_user=users["penyelia"]).pk == oku_ticket.pk
    services.complete(oku_ticket, acting_user=users["penyelia"])
    assert services.call_next(special, acting_user=users["penyelia"]).pk == normal_ticket.pk


def test_normal_counter_takes_priority_ticket_first_only_after_the_office_wait(
    tree, clock, open_normal, staff
):
    first = issue(tree)
    clock.shift(minutes=1)
    elderly = issue(tree, priority="elderly")
    clock.shift(minutes=1)
    # Elderly customer has waited 1 minute (< 5): arrival order holds.
    assert services.call_next(open_normal, acting_user=staff).pk == first.pk
    services.complete(first, acting_user=staff)
    later = issue(tree)
    assert services.call_next(open_normal, acting_user=staff).pk == elderly.pk
    services.complete(elderly, acting_user=staff)
    assert services.call_next(open_normal, acting_user=staff).pk == later.pk


def test_overdue_priority_ticket_jumps_ahead_on_normal_counter(tree, clock, open_normal, staff):
    early = [issue(tree) for _ in range(3)]
    pregnant = issue(tree, priority="pregnant")
    clock.shift(minutes=5)
    called = services.call_next(open_normal, acting_user=staff)
    assert called.pk == pregnant.pk
    services.complete(called, acting_user=staff)
    assert services.call_next(open_normal, acting_user=staff).pk == early[0].pk


def rank(counter, **ranks):
    """Set the counter's order of services, e.g. rank(counter, BKK=1, OKU=2)."""
    for code, value in ranks.items():
        CounterService.objects.filter(counter=counter, service__code=code).update(rank=value)


def test_ranked_counter_calls_its_first_service_before_an_earlier_customer_of_another(
    tree, clock, open_normal, staff
):
    rank(open_normal, BKK=1, OKU=2, INFO=2)
    oku = issue(tree, "OKU")
    clock.shift(minutes=1)
    bkk = [issue(tree, "BKK"), issue(tree, "BKK")]
    clock.shift(minutes=1)

    called = [services.call_next(open_normal, acting_user=staff)]
    services.complete(called[0], acting_user=staff)
    called.append(services.call_next(open_normal, acting_user=staff))
    services.complete(called[1], acting_user=staff)
    # No BKK customer waits now: the OKU customer, who came first, is next.
    called.append(services.call_next(open_normal, acting_user=staff))

    assert [t.pk for t in called] == [bkk[0].pk, bkk[1].pk, oku.pk]


def test_equal_ranks_keep_arrival_order(tree, clock, open_normal, staff):
    rank(open_normal, BKK=2, OKU=2, INFO=1)
    oku = issue(tree, "OKU")
    clock.shift(minutes=1)
    issue(tree, "BKK")

    assert services.call_next(open_normal, acting_user=staff).pk == oku.pk


def test_rank_orders_each_counter_by_its_own_ranks(tree, clock, open_normal, staff, special, users):
    rank(open_normal, BKK=1, OKU=2)
    rank(special, OKU=1, BKK=2)
    bkk = issue(tree, "BKK")
    clock.shift(minutes=1)
    oku = issue(tree, "OKU")
    services.open_counter(special, acting_user=users["penyelia"])

    assert services.call_next(special, acting_user=users["penyelia"]).pk == oku.pk
    assert services.call_next(open_normal, acting_user=staff).pk == bkk.pk


def test_an_overdue_priority_customer_goes_before_a_better_ranked_service(
    tree, clock, open_normal, staff
):
    rank(open_normal, BKK=1, OKU=2)
    elderly = issue(tree, "OKU", priority="elderly")
    clock.shift(minutes=5)
    issue(tree, "BKK")

    # The lane comes before the rank: the elderly customer has waited the priority wait.
    assert services.call_next(open_normal, acting_user=staff).pk == elderly.pk


def test_before_the_priority_wait_a_priority_customer_waits_by_rank_like_everyone(
    tree, clock, open_normal, staff
):
    rank(open_normal, BKK=1, OKU=2)
    elderly = issue(tree, "OKU", priority="elderly")
    clock.shift(minutes=1)
    bkk = issue(tree, "BKK")

    assert services.call_next(open_normal, acting_user=staff).pk == bkk.pk
    services.complete(bkk, acting_user=staff)
    assert services.call_next(open_normal, acting_user=staff).pk == elderly.pk


def test_special_counter_takes_its_priority_lane_by_rank_then_the_rest(tree, clock, special, users):
    supervisor = users["penyelia"]
    rank(special, BKK=1, OKU=2, INFO=3)
    normal_bkk = issue(tree, "BKK")
    oku_priority = issue(tree, "OKU", priority="oku")
    clock.shift(minutes=1)
    bkk_priority = issue(tree, "BKK", priority="pregnant")
    info = issue(tree, "INFO")
    services.open_counter(special, acting_user=supervisor)

    order = []
    while (ticket := services.call_next(special, acting_user=supervisor)) is not None:
        order.append(ticket.pk)
        services.complete(ticket, acting_user=supervisor)

    assert order == [bkk_priority.pk, oku_priority.pk, normal_bkk.pk, info.pk]


def test_a_transfer_by_name_comes_before_the_counters_first_service(
    tree, clock, open_normal, staff, special, users
):
    rank(special, BKK=1, OKU=2)
    ticket = issue(tree, "OKU")
    services.call_next(open_normal, acting_user=staff)
    services.transfer(ticket, acting_user=staff, to_counter=special)
    clock.shift(minutes=1)
    issue(tree, "BKK")
    services.open_counter(special, acting_user=users["penyelia"])

    assert services.call_next(special, acting_user=users["penyelia"]).pk == ticket.pk


def test_choosing_the_next_ticket_reads_the_ranks_once_then_one_statement(
    tree, clock, open_normal, django_assert_num_queries
):
    rank(open_normal, BKK=1, OKU=2, INFO=3)
    issue(tree, "OKU")
    issue(tree, "BKK")

    with django_assert_num_queries(2):
        best = services.candidates(open_normal, at=clock_now()).first()

    assert best.service.code == "BKK"


def test_transfer_to_service_keeps_number_and_place(
    tree, clock, open_normal, staff, special, users
):
    ticket = issue(tree)
    clock.shift(minutes=2)
    newcomer = issue(tree, "OKU")
    services.call_next(open_normal, acting_user=staff)
    services.start_service(ticket, acting_user=staff)
    moved = services.transfer(ticket, acting_user=staff, to_service=tree.services["OKU"])
    assert moved.number == "A001"
    assert moved.status == "waiting"
    assert moved.service.code == "OKU"
    assert moved.queued_at < newcomer.queued_at
    services.open_counter(special, acting_user=users["penyelia"])
    assert services.call_next(special, acting_user=users["penyelia"]).pk == ticket.pk


def test_transfer_to_named_counter_only_that_counter_calls_it(
    tree, clock, open_normal, staff, special, users
):
    ticket = issue(tree)
    services.call_next(open_normal, acting_user=staff)
    services.transfer(ticket, acting_user=staff, to_counter=special)
    # The normal counter does not get it back.
    assert services.call_next(open_normal, acting_user=staff) is None
    services.open_counter(special, acting_user=users["penyelia"])
    assert services.call_next(special, acting_user=users["penyelia"]).pk == ticket.pk


def test_no_show_needs_a_recall_and_can_be_reinstated_near_the_front(
    tree, clock, open_normal, staff
):
    missing = issue(tree)
    clock.shift(minutes=1)
    others = [issue(tree) for _ in range(2)]
    services.call_next(open_normal, acting_user=staff)
    with pytest.raises(DomainError) as err:
        services.mark_no_show(missing, acting_user=staff)
    assert err.value.code == "recall_first"
    services.recall(missing, acting_user=staff)
    services.mark_no_show(missing, acting_user=staff)
    clock.shift(minutes=10)
    services.reinstate(missing, acting_user=staff)
    assert services.call_next(open_normal, acting_user=staff).pk == missing.pk
    assert Ticket.objects.get(pk=others[0].pk).status == "waiting"


def test_reinstate_is_refused_after_the_set_time(tree, clock, open_normal, staff):
    missing = issue(tree)
    services.call_next(open_normal, acting_user=staff)
    services.recall(missing, acting_user=staff)
    services.mark_no_show(missing, acting_user=staff)
    clock.shift(minutes=services.REINSTATE_MINUTES + 1)
    with pytest.raises(DomainError) as err:
        services.reinstate(missing, acting_user=staff)
    assert err.value.code == "reinstate_expired"


def test_every_step_is_recorded_with_counter_and_staff(tree, clock, open_normal, staff):
    ticket = issue(tree)
    services.call_next(open_normal, acting_user=staff)
    clock.shift(minutes=1)
    services.start_service(ticket, acting_user=staff)
    clock.shift(minutes=7)
    done = services.complete(ticket, acting_user=staff, outcome="Borang diberi")
    kinds = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds == ["issued", "called", "started", "completed"]
    assert (done.started_at - done.called_at).total_seconds() == 60
    assert (done.completed_at - done.started_at).total_seconds() == 7 * 60
    assert TicketEvent.objects.get(ticket=ticket, kind="completed").user == staff


def test_counter_session_records_open_pause_resume_close(tree, clock, normal, staff):
    services.open_counter(normal, acting_user=staff)
    services.pause_counter(normal, acting_user=staff, reason="Rehat")
    with pytest.raises(DomainError) as err:
        services.call_next(normal, acting_user=staff)
    assert err.value.code == "counter_paused"
    services.resume_counter(normal, acting_user=staff)
    services.close_counter(normal, acting_user=staff)
    kinds = list(CounterSessionEvent.objects.values_list("kind", flat=True))
    assert kinds == ["opened", "paused", "resumed", "closed"]


def test_a_counter_is_open_for_one_person_at_a_time(tree, clock, normal, staff, users):
    services.open_counter(normal, acting_user=staff)
    other = make_user("petugas9", tree.pj, Role.COUNTER_STAFF)
    with pytest.raises(DomainError) as err:
        services.open_counter(normal, acting_user=other)
    assert err.value.code == "counter_in_use"


def test_closing_with_a_customer_at_the_counter_is_refused(tree, clock, open_normal, staff):
    issue(tree)
    services.call_next(open_normal, acting_user=staff)
    with pytest.raises(DomainError) as err:
        services.close_counter(open_normal, acting_user=staff)
    assert err.value.code == "counter_busy"


def test_counter_serving_nothing_cannot_call(tree, clock, open_normal, staff):
    open_normal.services.clear()
    with pytest.raises(DomainError) as err:
        services.call_next(open_normal, acting_user=staff)
    assert err.value.code == "counter_serves_nothing"
