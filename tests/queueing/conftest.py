"""Queue fixtures: a moment when PKMD-PJ is open, and helpers that drive the services."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import time_machine

from weserve.core.clock import MALAYSIA


@pytest.fixture(autouse=True)
def batch_failures():
    """What the failed batches of ticket issues logged in this test. A batch that fails
    is sent again ticket by ticket, so the caller never sees its deadlock; every test
    here fails on one all the same (issue_batch.py's lock order)."""

    class Failures(logging.Handler):
        def __init__(self) -> None:
            super().__init__(logging.WARNING)
            self.messages: list[str] = []

        def emit(self, record: logging.LogRecord) -> None:
            self.messages.append(record.getMessage())

    failures = Failures()
    logger = logging.getLogger("weserve.queueing.issue_statement")
    logger.addHandler(failures)
    try:
        yield failures.messages
    finally:
        logger.removeHandler(failures)
    deadlocks = [m for m in failures.messages if "deadlock" in m]
    assert not deadlocks, deadlocks


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
