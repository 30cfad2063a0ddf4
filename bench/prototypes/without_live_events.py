"""Measurement only, not part of WeServe: the server with live events switched off.

What sending live events costs a ticket, for bench/prototypes/ab_cpu.py to measure:
`live.send` does nothing (the numbers are still taken in the issue statement).
"""

from __future__ import annotations

from typing import Any

from weserve.asgi import application  # noqa: F401 - the ASGI app this module serves
from weserve.core import live


def _nothing(*_args: Any, **_kwargs: Any) -> None:
    return None


live.send = _nothing
