"""Measurement only, not part of WeServe: ticket issues sent one by one, each on its own
connection, as before group commit (issue_batch.ENABLED off), for
bench/prototypes/ab_cpu.py to measure what sending them together saves.
"""

from __future__ import annotations

from weserve.asgi import application  # noqa: F401 - the ASGI app this module serves
from weserve.queueing import issue_batch

issue_batch.ENABLED = False
