"""Reads that several screens and endpoints share: position, counter states, snapshots."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Max, Q
from django.utils.translation import gettext_lazy as _

from weserve.core import clock, live
from weserve.organisation.models import Counter, Office, services_in_order
from weserve.queueing import events
from weserve.queueing.estimate import estimate_for_ticket
from weserve.queueing.models import (
    ACTIVE_STATUSES,
    CounterSession,
    Priority,
    Ticket,
    TicketEvent,
    TicketStatus,
)


def counter_ref(counter: Counter | None) -> dict[str, Any] | None:
    """A counter as events and the API name it: `{"id", "number", "name"}`, or None."""
    if counter is None:
        return None
    return {"id": counter.pk, "number": counter.number, "name": counter.name}


def people_ahead(ticket: Ticket) -> int | None:
    """Waiting customers of the same service who will be called first; None once called.

    A priority customer counts only the priority customers ahead of them (the special
    counter serves that lane first); a normal customer counts everyone who came earlier.
    """
    if ticket.status != TicketStatus.WAITING:
        return None
    ahead = Ticket.objects.filter(
        office_id=ticket.office_id,
        service_id=ticket.service_id,
        status=TicketStatus.WAITING,
        queued_at__lt=ticket.queued_at,
    )
    if ticket.priority != Priority.NONE:
        ahead = ahead.exclude(priority=Priority.NONE)
    return ahead.count()


def wait_estimate(ticket: Ticket, ahead: int | None) -> int | None:
    """Minutes until a waiting ticket is likely called; None once called (`ahead` None).

    The estimate replays the queue ahead of this very ticket (weserve.queueing.estimate),
    so it reads the ticket's lane and queue time rather than the count alone.
    """
    if ahead is None:
        return None
    return estimate_for_ticket(ticket)


def counter_state(counter: Counter, session: CounterSession | None, active: Ticket | None) -> str:
    if session is None:
        return "closed"
    if active is not None:
        return "calling" if active.status == TicketStatus.CALLED else "serving"
    if session.paused_at is not None:
        return "paused"
    return "idle"


def counters_with_state(office: Office) -> list[dict[str, Any]]:
    """Every active counter of an office with its state, staff member and current ticket."""
    counters = list(
        Counter.objects.filter(office=office, is_active=True).prefetch_related(services_in_order())
    )
    sessions = {
        s.counter_id: s
        for s in CounterSession.objects.filter(
            counter__office=office, closed_at__isnull=True
        ).select_related("user")
    }
    active = {
        t.counter_id: t
        for t in Ticket.objects.filter(office=office, status__in=ACTIVE_STATUSES).select_related(
            "service"
        )
    }
    rows = []
    for counter in counters:
        session = sessions.get(counter.pk)
        ticket = active.get(counter.pk)
        rows.append(
            {
                "counter": counter,
                "session": session,
                "ticket": ticket,
                "state": counter_state(counter, session, ticket),
            }
        )
    return rows


def waiting_by_service(office: Office) -> dict[str, dict[str, Any]]:
    """Per service code: how many wait, and since when the longest has waited."""
    rows = (
        Ticket.objects.filter(office=office, status=TicketStatus.WAITING)
        .values("service__code")
        .annotate(
            count=Count("id"),
            priority=Count("id", filter=~Q(priority=Priority.NONE)),
        )
    )
    oldest = {}
    for code, queued_at in (
        Ticket.objects.filter(office=office, status=TicketStatus.WAITING)
        .order_by("service__code", "queued_at")
        .values_list("service__code", "queued_at")
    ):
        oldest.setdefault(code, queued_at)
    now = clock.now()
    return {
        r["service__code"]: {
            "count": r["count"],
            "priority": r["priority"],
            "longest_wait_minutes": int((now - oldest[r["service__code"]]).total_seconds() // 60),
        }
        for r in rows
    }


def recent_calls(office: Office, limit: int = 8) -> list[Ticket]:
    """The latest calls of today, newest first."""
    return list(
        Ticket.objects.filter(
            office=office,
            day=clock.business_day(),
            called_at__isnull=False,
            status__in=[TicketStatus.CALLED, TicketStatus.SERVING, TicketStatus.COMPLETED],
        )
        .select_related("service", "counter")
        .order_by("-called_at")[:limit]
    )


def longest_wait(office: Office) -> dt.timedelta | None:
    first = (
        Ticket.objects.filter(office=office, status=TicketStatus.WAITING)
        .order_by("queued_at")
        .values_list("queued_at", flat=True)
        .first()
    )
    return clock.now() - first if first else None


def display_snapshot(office: Office) -> dict[str, Any]:
    """What a display board needs to rebuild itself, with the stream's current seq."""
    return live.snapshot(office.pk, events.QUEUE, lambda: _display_state(office))


def _display_state(office: Office) -> dict[str, Any]:
    calls = [
        {
            "number": t.number,
            "service": t.service.code,
            "priority": t.priority,
            "status": t.status,
            "counter": counter_ref(t.counter),
            "called_at": t.called_at,
        }
        for t in recent_calls(office)
    ]
    waiting = {code: info["count"] for code, info in waiting_by_service(office).items()}
    return {"calls": calls, "counters": board_counters(office), "waiting": waiting}


# --- The display board's counter rows ------------------------------------------------------
#
# The rule (issue 14): a counter's row shows the ticket it is serving now, called or in
# service, and nothing once that ticket is completed, marked no-show or transferred away;
# its state is the console's (closed, idle, calling, serving, paused). "Now calling" is
# the latest call that is still current: of the tickets counters serve now, the one called
# or recalled last. The snapshot builds every row here, and every event that changes a
# counter carries that counter's row built here too (`board_counter`), so display.js only
# replaces a row with the event's and picks "Now calling" by the same `current_call` rule.


def _epoch_ms(at: dt.datetime) -> int:
    # Milliseconds, as the page compares them: both sides then order calls identically.
    return int(at.timestamp() * 1000)


def _last_calls(tickets: list[Ticket]) -> dict[int, dt.datetime]:
    """When each ticket was last called: its call, or its latest recall if any."""
    last = {t.pk: t.called_at for t in tickets if t.called_at is not None}
    recalled = [t.pk for t in tickets if t.recalls]
    if recalled:
        for ticket_id, at in (
            TicketEvent.objects.filter(ticket_id__in=recalled, kind=TicketEvent.Kind.RECALLED)
            .values("ticket_id")
            .annotate(at=Max("at"))
            .values_list("ticket_id", "at")
        ):
            if last.get(ticket_id) is None or at > last[ticket_id]:
                last[ticket_id] = at
    return last


def _board_row(
    counter: Counter,
    session: CounterSession | None,
    ticket: Ticket | None,
    last_call: dt.datetime | None,
) -> dict[str, Any]:
    return {
        "id": counter.pk,
        "number": counter.number,
        "name": counter.name,
        "kind": counter.kind,
        "state": counter_state(counter, session, ticket),
        "ticket": ticket.number if ticket else None,
        "priority": ticket.priority if ticket else None,
        "last_call_ms": _epoch_ms(last_call) if ticket and last_call else None,
    }


def board_counters(office: Office) -> list[dict[str, Any]]:
    """The display board's row of every active counter of the office, in number order."""
    counters = list(Counter.objects.filter(office=office, is_active=True).order_by("number"))
    sessions = {
        s.counter_id: s
        for s in CounterSession.objects.filter(counter__office=office, closed_at__isnull=True)
    }
    active = {
        t.counter_id: t
        for t in Ticket.objects.filter(office=office, status__in=ACTIVE_STATUSES).only(
            "id", "counter_id", "number", "priority", "status", "called_at", "recalls"
        )
    }
    last = _last_calls(list(active.values()))
    rows = []
    for counter in counters:
        ticket = active.get(counter.pk)
        rows.append(
            _board_row(
                counter, sessions.get(counter.pk), ticket, last.get(ticket.pk) if ticket else None
            )
        )
    return rows


def board_counter(counter: Counter) -> dict[str, Any]:
    """One counter's row as the board shows it now (read afresh, inside the caller's
    transaction): what the events that change a counter carry."""
    session = CounterSession.objects.filter(counter=counter, closed_at__isnull=True).first()
    ticket = (
        Ticket.objects.filter(counter=counter, status__in=ACTIVE_STATUSES)
        .only("id", "counter_id", "number", "priority", "status", "called_at", "recalls")
        .first()
    )
    last = _last_calls([ticket]) if ticket else {}
    return _board_row(counter, session, ticket, last.get(ticket.pk) if ticket else None)


def current_call(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """ "Now calling": the row whose ticket was called or recalled last (display.js's
    `currentCall` is the same rule); None when no counter serves anyone now."""
    serving = [r for r in rows if r["ticket"] and r["last_call_ms"] is not None]
    if not serving:
        return None
    return max(serving, key=lambda r: (r["last_call_ms"], r["number"]))


def staff_at_counters(office: Office) -> dict[int, Counter]:
    """Who is at which counter of an office now: {user id: counter} of the open sessions.

    This is the "at counter N" presence of the staff directory; it is read from the
    counter sessions rather than stored on the staff record, so it can never go stale.
    """
    return {
        session.user_id: session.counter
        for session in CounterSession.objects.filter(
            counter__office=office, closed_at__isnull=True
        ).select_related("counter")
    }


def recent_no_shows(counter: Counter, *, minutes: int) -> list[Ticket]:
    """Tickets this counter marked as not having come within the last `minutes`, newest first."""
    since = clock.now() - dt.timedelta(minutes=minutes)
    return list(
        Ticket.objects.filter(counter=counter, status=TicketStatus.NO_SHOW, no_show_at__gte=since)
        .select_related("service")
        .order_by("-no_show_at")
    )


def counter_presence(office: Office) -> dict[int, str]:
    """The staff directory's live presence: "At counter N" for each open counter session."""
    return {
        user_id: str(_("At counter {number}").format(number=counter.number))
        for user_id, counter in staff_at_counters(office).items()
    }
