"""Periodic upkeep of core's own tables (Huey; the worker runs inside `weserve serve`)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from weserve.core.idempotency import purge_expired


@db_periodic_task(crontab(minute="17"))
def purge_idempotent_responses() -> int:
    """Stored replies to Idempotency-Key requests are kept 24 hours, then dropped."""
    return purge_expired()
