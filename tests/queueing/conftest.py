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
