"""Reads that several screens and endpoints share: position, counter states, snapshots."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
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
    counters = [
        {
            "id": row["counter"].pk,
            "number": row["counter"].number,
            "name": row["counter"].name,
            "kind": row["counter"].kind,
            "state": row["state"],
            "ticket": row["ticket"].number if row["ticket"] else None,
        }
        for row in counters_with_state(office)
    ]
    waiting = {code: info["count"] for code, info in waiting_by_service(office).items()}
    return {"calls": calls, "counters": counters, "waiting": waiting}


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
