"""The ticket issue's hot path: fewer reads, the same answers (docs/performance.md)."""

import datetime as dt
import json

import pytest
from django.test import Client

from tests.factories import issue_ticket, kiosk_for
from weserve.core.errors import DomainError
from weserve.organisation.devices import create_device
from weserve.organisation.models import Counter, OfficeHoliday
from weserve.queueing import readcache, services
from weserve.queueing.estimate import position_and_estimate
from weserve.queueing.models import Ticket
from weserve.queueing.selectors import people_ahead, wait_estimate


@pytest.fixture
def kiosk(tree):
    _device, token = create_device(tree.pj, "kiosk", "Kiosk 1")
    return token


@pytest.fixture
def remembering(settings):
    """The read cache switched on (the suite runs with it off), and emptied afterwards."""
    settings.QUEUE_CACHE_SECONDS = 1
    readcache.clear()
    yield
    readcache.clear()


def issue_over_api(token: str, service: str = "BKK"):
    return Client().post(
        "/api/v1/offices/PKMD-PJ/tickets",
        data=json.dumps({"service": service}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_the_slip_read_at_issue_matches_a_fresh_count_of_people_ahead_and_estimate(
    tree, clock, users
):
    # The answer to an issue is worked out from the counts its transaction read
    # (IssuedTicket.waiting); a count made afresh afterwards, by other queries, must agree.
    counter = Counter.objects.get(office=tree.pj, number=1)
    services.open_counter(counter, acting_user=users["petugas"])
    kiosk = kiosk_for(tree.pj)
    pattern = [
        ("BKK", "none"),
        ("OKU", "oku"),
        ("BKK", "elderly"),
        ("INFO", "none"),
        ("BKK", "none"),
        ("OKU", "none"),
        ("BKK", "pregnant"),
        ("BKK", "none"),
    ]
    positions = []
    for i, (code, priority) in enumerate(pattern):
        clock.shift(seconds=40)
        if i == 4:  # someone is called meanwhile: the queue the next ones join is shorter
            services.call_next(counter, acting_user=users["petugas"])
        issued = services.issue_ticket_at_kiosk(
            kiosk, tree.pj, tree.services[code], priority=priority
        )
        ticket = issued.ticket
        fresh = Ticket.objects.get(pk=ticket.pk)
        ahead = people_ahead(fresh)
        assert position_and_estimate(ticket, issued.waiting) == (
            ahead,
            wait_estimate(fresh, ahead),
        ), ticket.number
        positions.append(ahead)
    # A001 was called; a normal ticket waits behind its service's priority lane too.
    assert positions == [0, 0, 0, 0, 1, 1, 1, 3]


def test_a_service_served_only_by_an_inactive_counter_is_refused(tree, clock):
    for counter in Counter.objects.filter(office=tree.pj):
        counter.is_active = False
        counter.save(update_fields=["is_active"])
    with pytest.raises(DomainError) as err:
        issue_ticket(tree.pj, tree.services["BKK"])
    assert err.value.code == "no_counter_for_service"


def test_a_counter_of_another_office_does_not_make_a_service_issuable(tree, clock):
    info = tree.services["INFO"]
    for counter in Counter.objects.filter(office=tree.pj):
        counter.services.remove(info)
    assert Counter.objects.filter(office=tree.jb, services=info).exists()
    with pytest.raises(DomainError) as err:
        issue_ticket(tree.pj, info)
    assert err.value.code == "no_counter_for_service"


def test_an_inactive_service_is_not_offered(tree, clock):
    bkk = tree.services["BKK"]
    bkk.is_active = False
    bkk.save(update_fields=["is_active"])
    with pytest.raises(DomainError) as err:
        issue_ticket(tree.pj, bkk)
    assert err.value.code == "service_not_offered"


def test_issuing_a_ticket_reads_the_database_a_bounded_number_of_times(
    tree, clock, kiosk, django_assert_max_num_queries
):
    issue_over_api(kiosk)
    clock.shift(seconds=30)
    # Token (person, then device), office with hours and holidays, service, the checks,
    # the number, ticket, event, audit entry, two stream numbers, people ahead, counters,
    # service times, and the transaction's start and end: 18 with the read cache off.
    with django_assert_max_num_queries(18):
        assert issue_over_api(kiosk).status_code == 201


def test_with_the_read_cache_on_a_ticket_reads_less(
    tree, clock, kiosk, remembering, django_assert_max_num_queries
):
    assert issue_over_api(kiosk).status_code == 201
    clock.shift(seconds=0.5)  # within the cache's second
    with django_assert_max_num_queries(12):
        response = issue_over_api(kiosk)
    assert response.status_code == 201
    assert response.json()["position"] == 1


def test_a_new_holiday_closes_the_kiosk_once_the_cache_time_has_passed(
    tree, clock, kiosk, remembering
):
    assert issue_over_api(kiosk).status_code == 201
    OfficeHoliday.objects.create(office=tree.pj, date=dt.date(2026, 11, 25), name="Cuti")
    assert issue_over_api(kiosk).status_code == 201  # remembered: still open
    clock.shift(seconds=1)
    response = issue_over_api(kiosk)
    assert response.status_code == 409
    assert response.json()["code"] == "office_closed"


def test_an_unknown_service_is_404_and_not_remembered(tree, clock, kiosk, remembering):
    assert issue_over_api(kiosk, "NOPE").status_code == 404
    assert issue_over_api(kiosk, "NOPE").status_code == 404
    assert ("service", "NOPE") not in readcache._entries


def test_the_read_cache_remembers_for_its_time_only(remembering, clock):
    calls = []

    def load() -> int:
        calls.append(1)
        return len(calls)

    assert readcache.remember("k", load) == 1
    clock.shift(seconds=0.9)
    assert readcache.remember("k", load) == 1
    clock.shift(seconds=0.1)
    assert readcache.remember("k", load) == 2
    clock.shift(seconds=-5)  # the clock set back: nothing remembered is trusted
    assert readcache.remember("k", load) == 3


def test_the_read_cache_is_off_at_zero_seconds(settings):
    settings.QUEUE_CACHE_SECONDS = 0
    values = iter([1, 2])
    assert readcache.remember("k", lambda: next(values)) == 1
    assert readcache.remember("k", lambda: next(values)) == 2
