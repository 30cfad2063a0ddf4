"""Measurement only, not part of WeServe: the ticket answer without people ahead and the
wait estimate (the grouped count of waiting tickets and the replay), for
bench/prototypes/ab_cpu.py to measure what they cost a ticket.
"""

from __future__ import annotations

from typing import Any

from weserve.asgi import application  # noqa: F401 - the ASGI app this module serves
from weserve.queueing import api


def _nobody_ahead(_ticket: Any) -> tuple[int, int]:
    return 0, 0


api.position_and_wait = _nobody_ahead
