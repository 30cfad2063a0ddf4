"""The one clock: every "now" in WeServe comes from here so tests can move time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

MALAYSIA = ZoneInfo("Asia/Kuala_Lumpur")


def now() -> dt.datetime:
    """The current instant, timezone-aware, in UTC."""
    return timezone.now()


def local_now() -> dt.datetime:
    """The current instant in Malaysian time (Malaysia has a single time zone)."""
    return now().astimezone(MALAYSIA)


def business_day(at: dt.datetime | None = None) -> dt.date:
    """The business day of an instant: its local date in Malaysia."""
    return (at or now()).astimezone(MALAYSIA).date()


def to_local(at: dt.datetime) -> dt.datetime:
    return at.astimezone(MALAYSIA)
