"""Register fixtures: a morning at PKMD-PJ, a ticket being served, and the form catalogue."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.factories import issue_ticket
from weserve.core.clock import MALAYSIA
from weserve.organisation.models import Counter
from weserve.queueing import services as queue
from weserve.register.models import JkmForm

# A Wednesday morning, 10:00 in Petaling Jaya.
MORNING = dt.datetime(2026, 11, 25, 10, 0, tzinfo=MALAYSIA)
# Valid MyKad numbers (real place-of-birth codes: python-stdnum rejects impossible ones).
MYKAD = "850101-14-5123"
OTHER_MYKAD = "900215-10-5678"


@pytest.fixture
def clock():
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


def serve(office, service, user, *, counter_number: int = 1):
    """A customer takes a ticket and is called and served at a counter, through the
    queue's own services."""
    counter = Counter.objects.get(office=office, number=counter_number)
    queue.open_counter(counter, acting_user=user)
    ticket = issue_ticket(office, service)
    called = queue.call_next(counter, acting_user=user)
    assert called is not None and called.pk == ticket.pk
    return queue.start_service(called, acting_user=user)


@pytest.fixture
def serving(tree, users, clock):
    """A BKK ticket at PKMD-PJ being served by petugas1 at counter 1."""
    return serve(tree.pj, tree.services["BKK"], users["petugas"])


@pytest.fixture
def catalogue(tree):
    """PKMD-PJ's JKM forms (and one of PKMD-JB with the same code)."""
    return {
        "JKM18": JkmForm.objects.create(
            office=tree.pj, code="JKM18", title="Borang permohonan bantuan"
        ),
        "JKM20": JkmForm.objects.create(
            office=tree.pj, code="JKM20", title="Application for OKU card", language="en"
        ),
        "OLD": JkmForm.objects.create(
            office=tree.pj, code="OLD", title="Borang lama", is_active=False
        ),
        "JB-JKM18": JkmForm.objects.create(
            office=tree.jb, code="JKM18", title="Borang permohonan bantuan"
        ),
    }
