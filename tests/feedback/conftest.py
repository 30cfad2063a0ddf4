"""Feedback fixtures: a morning at PKMD-PJ, a visit completed at counter 1 by petugas1,
and the counter's paired rating tablet."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from tests.factories import issue_ticket
from weserve.core.clock import MALAYSIA
from weserve.organisation.devices import create_device
from weserve.organisation.models import Counter
from weserve.queueing import services as queue

# A Wednesday morning, 10:00 in Petaling Jaya.
MORNING = dt.datetime(2026, 11, 25, 10, 0, tzinfo=MALAYSIA)


@pytest.fixture
def clock():
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


def serve(office, service, user, *, counter_number: int = 1, complete: bool = True):
    """A customer takes a ticket and is called (and served) at a counter, through the
    queue's own services; the counter stays open for the next one."""
    counter = Counter.objects.get(office=office, number=counter_number)
    if not counter.sessions.filter(closed_at__isnull=True).exists():
        queue.open_counter(counter, acting_user=user)
    ticket = issue_ticket(office, service)
    called = queue.call_next(counter, acting_user=user)
    assert called is not None and called.pk == ticket.pk
    if not complete:
        return called
    return queue.complete(called, acting_user=user)


@pytest.fixture
def completed(tree, users, clock):
    """A BKK ticket at PKMD-PJ just completed by petugas1 at counter 1."""
    return serve(tree.pj, tree.services["BKK"], users["petugas"])


def make_tablet(office, counter_number: int = 1, name: str = "Tablet"):
    counter = Counter.objects.get(office=office, number=counter_number)
    return create_device(office, "rating", name, counter=counter)


@pytest.fixture
def tablet(tree):
    """PKMD-PJ counter 1's rating tablet and its token."""
    return make_tablet(tree.pj)


def device_browser(token: str) -> Client:
    """A browser paired as the device of this token (its httpOnly cookie)."""
    client = Client()
    client.cookies[settings.DEVICE_COOKIE_NAME] = token
    return client
