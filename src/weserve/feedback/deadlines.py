"""Working-day deadlines of complaints, in the office's own calendar.

A working day is what `Office.is_working_day` says: the state's weekend and public
holidays (the `holidays` package's working-day functions: Kedah, Kelantan and Terengganu
rest Friday-Saturday, the other states Saturday-Sunday), then the office's own
overrides. A deadline of N working days ends at the close of the Nth working day after
the local date of receipt; a complaint received on a non-working day counts from the
next working day. Working days spent waiting on the complainant are added on (the clock
pauses while it waits).
"""

from __future__ import annotations

import datetime as dt

from weserve.core import clock
from weserve.organisation.models import Office

# An office that is never open would loop for ever; no calendar has a year of holidays.
_SEARCH_DAYS = 3 * 366
_DAY = dt.timedelta(days=1)


class NoWorkingDay(Exception):
    """The office's calendar has no working day within three years."""


def next_working_day(office: Office, day: dt.date) -> dt.date:
    """`day` itself if it is a working day, else the first working day after it."""
    for _i in range(_SEARCH_DAYS):
        if office.is_working_day(day):
            return day
        day += _DAY
    raise NoWorkingDay(office.code)


def deadline_day(office: Office, received_at: dt.datetime, days: int) -> dt.date:
    """The Nth working day after the local date of receipt (N >= 0; N = 0 is the
    working day the count starts from)."""
    if days < 0:
        raise ValueError("days must be 0 or more")
    day = next_working_day(office, clock.business_day(received_at))
    for _i in range(days):
        day = next_working_day(office, day + _DAY)
    return day


def end_of_day(day: dt.date) -> dt.datetime:
    """The close of a local day: its last microsecond, Malaysian time."""
    return dt.datetime.combine(day, dt.time.max, tzinfo=clock.MALAYSIA)


def deadline(office: Office, received_at: dt.datetime, days: int) -> dt.datetime:
    """The close of the Nth working day after receipt (see the module's docstring)."""
    return end_of_day(deadline_day(office, received_at, days))


def working_days_between(office: Office, start: dt.datetime, end: dt.datetime) -> int:
    """Working days from the local date of `start` up to, not including, that of `end`:
    how long the clock stood still for a wait that began at `start` and ended at `end`.
    A wait begun and ended on one day costs no day."""
    day = clock.business_day(start)
    last = clock.business_day(end)
    count = 0
    while day < last:
        if office.is_working_day(day):
            count += 1
        day += _DAY
    return count
