import datetime as dt
from unittest import mock

import pytest
from django.db import IntegrityError, transaction

from tests.factories import issue_ticket
from weserve.core.clock import MALAYSIA
from weserve.core.errors import DomainError
from weserve.organisation.models import Counter, OfficeHoliday, Service
from weserve.queueing import services
from weserve.queueing.models import Ticket


def test_tickets_are_numbered_per_service_prefix(tree, clock):
    bkk, oku = tree.services["BKK"], tree.services["OKU"]
    numbers = [
        issue_ticket(tree.pj, bkk).number,
        issue_ticket(tree.pj, bkk).number,
        issue_ticket(tree.pj, oku).number,
        issue_ticket(tree.pj, bkk).number,
    ]
    assert numbers == ["A001", "A002", "B001", "A003"]


def test_each_office_has_its_own_series(tree, clock):
    bkk = tree.services["BKK"]
    assert issue_ticket(tree.pj, bkk).number == "A001"
    assert issue_ticket(tree.jb, bkk).number == "A001"
    assert issue_ticket(tree.pj, bkk).number == "A002"


def test_numbering_restarts_at_local_midnight(tree, clock):
    bkk = tree.services["BKK"]
    clock.move_to(dt.datetime(2026, 11, 25, 23, 59, tzinfo=MALAYSIA))
    assert issue_ticket(tree.pj, bkk).number == "A001"
    assert issue_ticket(tree.pj, bkk).number == "A002"
    clock.move_to(dt.datetime(2026, 11, 26, 0, 0, tzinfo=MALAYSIA))
    ticket = issue_ticket(tree.pj, bkk)
    assert ticket.number == "A001"
    assert ticket.day == dt.date(2026, 11, 26)


def test_priority_ticket_keeps_its_service_series(tree, clock):
    bkk = tree.services["BKK"]
    issue_ticket(tree.pj, bkk)
    ticket = issue_ticket(tree.pj, bkk, priority="oku")
    assert ticket.number == "A002"
    assert ticket.priority == "oku"
    assert ticket.is_priority


def test_closed_office_issues_nothing(tree, clock):
    # PKMD-KLANG keeps office hours: closed at 07:00.
    clock.move_to(dt.datetime(2026, 11, 25, 7, 0, tzinfo=MALAYSIA))
    with pytest.raises(DomainError) as err:
        issue_ticket(tree.klang, tree.services["BKK"])
    assert err.value.code == "office_closed"
    assert not Ticket.objects.exists()


def test_office_holiday_closes_the_kiosk(tree, clock):
    OfficeHoliday.objects.create(
        office=tree.klang, date=dt.date(2026, 11, 25), name="Gotong-royong"
    )
    with pytest.raises(DomainError) as err:
        issue_ticket(tree.klang, tree.services["BKK"])
    assert err.value.code == "office_closed"


def test_service_not_offered_at_office_is_refused(tree, clock):
    other = Service.objects.create(
        code="BWE", prefix="D", name_ms="Bantuan Warga Emas", name_en="Elderly Aid"
    )
    with pytest.raises(DomainError) as err:
        issue_ticket(tree.pj, other)
    assert err.value.code == "service_not_offered"
    assert not Ticket.objects.exists()


def test_service_no_counter_serves_is_refused(tree, clock):
    info = tree.services["INFO"]
    for counter in Counter.objects.filter(office=tree.pj):
        counter.services.remove(info)
    with pytest.raises(DomainError) as err:
        issue_ticket(tree.pj, info)
    assert err.value.code == "no_counter_for_service"


def test_failed_issue_leaves_no_gap_in_numbers(tree, clock):
    bkk = tree.services["BKK"]
    first = issue_ticket(tree.pj, bkk)
    # The ticket's insert fails after the number was taken (a clashing public id breaks
    # a unique constraint): the number goes back with the transaction.
    with mock.patch.object(services, "new_public_id", return_value=first.public_id):
        with pytest.raises(IntegrityError), transaction.atomic():
            issue_ticket(tree.pj, bkk)
    assert issue_ticket(tree.pj, bkk).number == "A002"
    assert Ticket.objects.filter(office=tree.pj).count() == 2


def test_public_id_is_long_and_unguessable(tree, clock):
    bkk = tree.services["BKK"]
    ids = {issue_ticket(tree.pj, bkk).public_id for _ in range(20)}
    assert len(ids) == 20
    assert all(len(i) >= 32 for i in ids)
