"""The waiting-time estimate: recent service times per service and the counters open.

See docs/queueing.md for the method and its measured error against the naive estimate
(people ahead × mean service time ÷ open counters).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.db.models import F

from weserve.core import clock
from weserve.organisation.models import Counter, Office, Service
from weserve.queueing.models import CounterSession, Ticket, TicketStatus

RECENT_TICKETS = 30
RECENT_DAYS = 14


@dataclass(frozen=True)
class ServiceRate:
    mean_minutes: float
    counters: float


def recent_service_minutes(office: Office, service: Service) -> float:
    """Mean minutes from call to completion of the service's recent tickets here."""
    since = clock.now() - dt.timedelta(days=RECENT_DAYS)
    rows = list(
        Ticket.objects.filter(
            office=office,
            service=service,
            status=TicketStatus.COMPLETED,
            completed_at__gte=since,
            called_at__isnull=False,
        )
        .order_by("-completed_at")
        .annotate(duration=F("completed_at") - F("called_at"))
        .values_list("duration", flat=True)[:RECENT_TICKETS]
    )
    if not rows:
        return float(service.typical_minutes)
    # Blend with the catalogue's typical time while few samples exist.
    weight = len(rows) / RECENT_TICKETS
    observed = sum(d.total_seconds() for d in rows) / len(rows) / 60
    return weight * observed + (1 - weight) * service.typical_minutes


def open_counter_share(office: Office, service: Service) -> float:
    """Counters working for this service now; a counter serving k services counts 1/k."""
    open_ids = set(
        CounterSession.objects.filter(
            counter__office=office, closed_at__isnull=True, paused_at__isnull=True
        ).values_list("counter_id", flat=True)
    )
    share = 0.0
    for counter in Counter.objects.filter(
        office=office, is_active=True, services=service, pk__in=open_ids
    ).prefetch_related("services"):
        share += 1 / max(1, len(counter.services.all()))
    return share


def estimate_wait_minutes(office: Office, service: Service, people_ahead: int) -> int:
    """Minutes until a customer with `people_ahead` before them is likely called."""
    mean = recent_service_minutes(office, service)
    counters = open_counter_share(office, service)
    if counters <= 0:
        # Nobody is at a counter for it yet: assume one counter as it opens.
        counters = 1.0
    return max(0, math.ceil((people_ahead + 0.5) * mean / counters))
