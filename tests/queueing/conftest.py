"""Queue fixtures: a moment when PKMD-PJ is open, and helpers that drive the services."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from weserve.core.clock import MALAYSIA

# A Wednesday morning, 10:00 in Petaling Jaya.
MORNING = dt.datetime(2026, 11, 25, 10, 0, tzinfo=MALAYSIA)


@pytest.fixture
def clock():
    """A controlled clock at MORNING; `clock.shift(minutes=...)` moves it on."""
    with time_machine.travel(MORNING, tick=False) as traveller:

        class Clock:
            def shift(self, **delta: float) -> None:
                traveller.shift(dt.timedelta(**delta))

            def move_to(self, when: dt.datetime) -> None:
                traveller.move_to(when)

        yield Clock()


def open_counters(office, *numbers: int) -> list:
    """Staff open the office's counters `numbers` (one made-up clerk each): customers of
    the services they serve are then served now (estimate.Forecast.served_now)."""
    from tests.factories import make_user
    from weserve.core.roles import Role
    from weserve.organisation.models import Counter
    from weserve.queueing import services

    opened = []
    for number in numbers:
        counter = Counter.objects.get(office=office, number=number)
        clerk = make_user(f"clerk-{office.code}-{number}".lower(), office, Role.COUNTER_STAFF)
        services.open_counter(counter, acting_user=clerk)
        opened.append(counter)
    return opened
