"""The telephone desk's timers, run by the background worker (Huey; `weserve serve`
starts it, or `weserve run_huey`). Each task calls the one service that holds its rule,
the same the console's own refresh calls, with that service's audit entry and live event:

- an unanswered transfer comes back to the operator after the office's setting (default
  20 s; `services.return_unanswered_transfers`, PT-3.7). The transfer schedules
  `return_transfers_of_office` for the moment it falls due (`services.transfer`, on
  commit); `return_unanswered_transfers_everywhere` sweeps every minute behind it (a
  transfer the exchange reported, a worker that was down when one fell due);
- a call-back not done by the next working day goes to the supervisor
  (`services.escalate_overdue_call_backs`), checked every five minutes. The service
  escalates a message once: later ticks find it escalated and leave it.
"""

from __future__ import annotations

import datetime as dt
import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from weserve.core import clock
from weserve.organisation.models import Office
from weserve.telephony import services
from weserve.telephony.models import MIN_TRANSFER_TIMEOUT_SECONDS, Call, Message

log = logging.getLogger(__name__)


def _offices(ids: object) -> list[Office]:
    return list(Office.objects.filter(pk__in=ids).order_by("pk"))


@db_task()
def return_transfers_of_office(office_id: int) -> int:
    """The office's transfers whose time is up come back (scheduled at each transfer)."""
    office = Office.objects.filter(pk=office_id).first()
    if office is None:
        return 0
    return len(services.return_unanswered_transfers(office))


@db_periodic_task(crontab(minute="*"))
def return_unanswered_transfers_everywhere() -> int:
    """Every minute: each office with a transfer ringing past the shortest timeout."""
    limit = clock.now() - dt.timedelta(seconds=MIN_TRANSFER_TIMEOUT_SECONDS)
    ids = (
        Call.objects.filter(status=Call.Status.TRANSFERRING, transferred_at__lte=limit)
        .values_list("office_id", flat=True)
        .distinct()
    )
    return sum(len(services.return_unanswered_transfers(office)) for office in _offices(ids))


@db_periodic_task(crontab(minute="*/5"))
def escalate_overdue_call_backs_everywhere() -> int:
    """Every five minutes: each office with a call-back past its due day, not escalated."""
    ids = (
        Message.objects.filter(
            called_back_at__isnull=True,
            escalated_at__isnull=True,
            call_back_due__lt=clock.business_day(),
        )
        .values_list("office_id", flat=True)
        .distinct()
    )
    return sum(len(services.escalate_overdue_call_backs(office)) for office in _offices(ids))


def schedule_transfer_return(office_id: int, due: dt.datetime) -> None:
    """Ask the worker to return the office's unanswered transfers at `due` (after the
    transfer commits). A queue that cannot be reached is logged: the minute's sweep
    returns the call instead, at most a minute late."""
    try:
        return_transfers_of_office.schedule((office_id,), eta=due)
    except Exception:  # the broker is down: the periodic sweep covers it
        log.warning("could not schedule the transfer timer of office %s", office_id, exc_info=True)
