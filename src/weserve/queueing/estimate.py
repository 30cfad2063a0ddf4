"""The waiting-time estimate: recent service times per service and the counters open.

The maths is a pure function of a snapshot of the queue (`QueueState`), so the day
simulation in bench/simulate_estimate.py runs exactly the code the kiosk, the slip and
the mobile page run. docs/queueing.md gives the method and its measured error against
the naive estimate (people ahead × mean service time ÷ open counters).

The estimate replays the routing rules of `services.candidates` on the tickets ahead,
with each ticket taking its service's robust mean time: every open counter finishes
its current customer (the expected rest of a service already under way), then takes
the tickets it may call, until one of them reaches the customer. So a counter shared
by several services gives each only the time its queue gets, a counter that serves
only this service is not slowed by other queues, a counter takes the services it ranks
first before the others, and the special counter takes the priority lane first.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from statistics import median
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef, Subquery

from weserve.core import clock
from weserve.core.db import prepared_cursor
from weserve.organisation.models import Counter, Office, Service
from weserve.queueing import readcache, waiting_count
from weserve.queueing.models import (
    ACTIVE_STATUSES,
    CounterSession,
    Priority,
    Ticket,
    TicketStatus,
)

# How much history a service's time is learnt from.
RECENT_TICKETS = 30
RECENT_DAYS = 14
# The catalogue's typical time counts as this many observations, so a service with few
# recent tickets starts from it and moves towards what the counters really take.
PRIOR_WEIGHT = 3
# One long case (or a ticket left open over lunch) must not stretch everyone's estimate:
# observations are capped at this multiple of the median before they are averaged.
WINSOR_FACTOR = 5.0
# A customer who walks up takes this long at least; keeps a service's mean above zero.
MIN_SERVICE_MINUTES = 0.5
# Beyond this many tickets ahead, the replay is run on a proportionally smaller queue and
# scaled up: the answer is hours anyway, and every ticket issue runs the replay. The
# simulated days of bench/simulate_estimate.py never reach it (their errors are the same
# at 200), and tests/queueing/test_estimate.py keeps the scaled answer within 10% of a
# full replay up to 400 ahead. (At 40, a priority customer's estimate behind a long queue
# was 25% off: the scaling rounds small groups.)
REPLAY_LIMIT = 100


# --- The pure maths ---------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceTime:
    """What one service takes at a counter, learnt from recent tickets (minutes)."""

    mean: float
    # Capped observations, ascending: the expected rest of a service under way.
    samples: tuple[float, ...] = ()

    def remaining(self, elapsed: float) -> float:
        """Expected minutes left of a service that has run `elapsed` minutes so far.

        Heavy-tailed times make a long-running service likely to run on (the expected
        rest grows with the time spent), which the observations show directly.
        """
        elapsed = max(0.0, elapsed)
        longer = [x - elapsed for x in self.samples if x > elapsed]
        # The mean itself stands in as one more observation, so a few samples or a
        # service running past all of them still gives a sensible answer.
        return (sum(longer) + self.mean) / (len(longer) + 1)


def service_time(observed: Iterable[float], typical: float) -> ServiceTime:
    """A robust mean of observed service minutes, pulled towards the catalogue's time.

    Observations are capped at WINSOR_FACTOR × their median (winsorised), so a single
    absurd value (a ticket completed hours late) moves the mean little; while few exist,
    the catalogue's typical time weighs in as PRIOR_WEIGHT observations.
    """
    values = sorted(max(MIN_SERVICE_MINUTES, float(x)) for x in observed)
    typical = max(MIN_SERVICE_MINUTES, float(typical))
    if values:
        cap = WINSOR_FACTOR * median(values)
        values = [min(x, cap) for x in values]
    mean = (sum(values) + PRIOR_WEIGHT * typical) / (len(values) + PRIOR_WEIGHT)
    return ServiceTime(mean=mean, samples=tuple(values))


@dataclass(frozen=True)
class CounterNow:
    """An open, unpaused counter as the estimate sees it."""

    services: frozenset[int]
    priority_lane: bool = False
    # The service of the customer at the counter now and minutes since they were called.
    busy_service: int | None = None
    busy_minutes: float = 0.0
    # Each service's rank at this counter (1 is called first); a service missing is 1.
    ranks: Mapping[int, int] = field(default_factory=dict, hash=False)

    def rank(self, service: int) -> int:
        return self.ranks.get(service, 1)


@dataclass(frozen=True)
class QueueState:
    """A snapshot of an office's queue: everything the estimate reads, nothing more."""

    counters: Sequence[CounterNow]
    times: Mapping[int, ServiceTime]
    # Waiting tickets ahead of the customer, counted per (service id, is priority).
    ahead: Mapping[tuple[int, bool], int] = field(default_factory=dict)
    priority_wait_minutes: float = 5.0

    def time_of(self, service: int) -> ServiceTime:
        # A service no counter serves: the catalogue's default typical time.
        return self.times.get(service) or ServiceTime(mean=10.0)


def _tiers(
    groups: Sequence[tuple[int, bool]], counter: CounterNow
) -> list[tuple[int, list[tuple[int, bool]]]]:
    """A counter's groups by rank, best rank first: (rank, groups of that rank)."""
    by_rank: dict[int, list[tuple[int, bool]]] = {}
    for group in groups:
        by_rank.setdefault(counter.rank(group[0]), []).append(group)
    return sorted(by_rank.items())


def _first(
    tiers: Sequence[tuple[int, list[tuple[int, bool]]]], counts: dict[tuple[int, bool], int]
) -> tuple[tuple[int, bool], int] | None:
    """The group a counter takes next and its rank: of its best-ranked services with
    tickets left, the group with the most left (the first of equals); None when all are
    empty."""
    for rank, groups in tiers:
        best, most = None, 0
        for group in groups:
            left = counts[group]
            if left > most:
                best, most = group, left
        if best is not None:
            return best, rank
    return None


def estimate_minutes(state: QueueState, service: int, *, priority: bool = False) -> float:
    """Expected minutes until a customer of `service` with `state.ahead` before them is
    called (the pure maths; `estimate_for_ticket` feeds it from the database).

    Each open counter becomes free when its current customer is done, then calls by the
    rules of `services.candidates`: the special counter takes the priority lane first; an
    ordinary counter takes everyone by arrival, or the priority lane first once this
    customer, if a priority one, has waited the office's priority wait. Within a lane the
    counter takes its best-ranked services first. Everyone ahead in the customer's lane
    came earlier, so goes first unless their service ranks below the customer's at that
    counter. The order among groups of one rank is unknown (they are counted, not
    listed); taking from the largest group keeps them in proportion, as first come,
    first served would.
    """
    counts = {g: n for g, n in state.ahead.items() if n > 0}
    total = sum(counts.values())
    scale = 1.0
    if total > REPLAY_LIMIT:
        scale = total / REPLAY_LIMIT
        counts = {g: max(1, round(n / scale)) for g, n in counts.items()}
    # What each counter may take: (all groups it serves, its priority-lane groups, whether
    # it serves this customer).
    plans = []
    heap: list[tuple[float, int]] = []
    for index, counter in enumerate(state.counters):
        eligible = [g for g in counts if g[0] in counter.services]
        plans.append(
            (
                _tiers(eligible, counter),
                _tiers([g for g in eligible if g[1]], counter),
                service in counter.services,
                counter.rank(service),
            )
        )
        free_at = 0.0
        if counter.busy_service is not None:
            rest = state.time_of(counter.busy_service).remaining(counter.busy_minutes)
            free_at = rest / scale  # the replay's clock runs `scale` times faster
        heap.append((free_at, index))
    heapq.heapify(heap)
    means = {s: state.time_of(s).mean for s, _lane in counts}
    priority_wait = state.priority_wait_minutes / scale
    while heap:
        at, index = heapq.heappop(heap)
        counter = state.counters[index]
        eligible, lanes, mine, mine_rank = plans[index]
        # Whom the counter takes before the customer: in the customer's own lane, the
        # groups of a service ranked no lower than theirs at this counter.
        pick = None
        if counter.priority_lane or (priority and at >= priority_wait):
            pick = _first(lanes, counts)
            if priority and mine and (pick is None or pick[1] > mine_rank):
                return at * scale
        if pick is None:
            pick = _first(eligible, counts)
            if mine and (pick is None or pick[1] > mine_rank):
                return at * scale
        if pick is None:
            continue  # nothing more this counter can do before the customer
        group = pick[0]
        counts[group] -= 1
        heapq.heappush(heap, (at + means[group[0]], index))
    # No open counter serves the service: count its queue on one counter that opens now.
    mean = state.time_of(service).mean
    same = sum(n for (s, _p), n in state.ahead.items() if s == service)
    return same * mean


def naive_minutes(people_ahead: int, mean_minutes: float, open_counters: int) -> float:
    """The baseline the estimate is measured against: ahead × mean ÷ open counters."""
    return people_ahead * mean_minutes / max(1, open_counters)


def shown_minutes(minutes: float) -> int:
    """What a customer is shown: whole minutes, never negative."""
    return max(0, math.floor(minutes + 0.5))


# --- Reading the snapshot from the database -------------------------------------------------


def service_times(office: Office, typical: Mapping[int, float]) -> dict[int, ServiceTime]:
    """Robust service times from the office's recent completed tickets, per service of
    `typical` (the catalogue's minutes, the starting point while few tickets exist)."""
    since = clock.now() - dt.timedelta(days=RECENT_DAYS)
    # Newest first by queue time: the office's queue index gives them in that order, so
    # this reads a few hundred rows rather than sorting two weeks of tickets.
    rows = (
        Ticket.objects.filter(
            office=office,
            status=TicketStatus.COMPLETED,
            queued_at__gte=since,
            called_at__isnull=False,
            completed_at__isnull=False,
        )
        .order_by("-queued_at")
        .values_list("service_id", "called_at", "completed_at")[: RECENT_TICKETS * 12]
    )
    observed: dict[int, list[float]] = {}
    for service_id, called_at, completed_at in rows:
        kept = observed.setdefault(service_id, [])
        if len(kept) < RECENT_TICKETS:
            kept.append((completed_at - called_at).total_seconds() / 60)
    return {pk: service_time(observed.get(pk, ()), minutes) for pk, minutes in typical.items()}


@dataclass(frozen=True)
class CounterRow:
    """A counter as read from the database; the minutes busy are worked out when used."""

    services: frozenset[int]
    priority_lane: bool
    is_open: bool  # open and not paused
    busy_service: int | None
    busy_since: dt.datetime | None
    ranks: Mapping[int, int] = field(default_factory=dict, hash=False)
    pk: int = 0
    # Someone is at the counter, on a break or not: it serves its customers now.
    staffed: bool = False

    def now(self, at: dt.datetime) -> CounterNow:
        """The counter at instant `at`, for the estimate."""
        minutes = (at - self.busy_since).total_seconds() / 60 if self.busy_since else 0.0
        return CounterNow(
            services=self.services,
            priority_lane=self.priority_lane,
            busy_service=self.busy_service,
            busy_minutes=max(0.0, minutes),
            ranks=self.ranks,
        )


@dataclass(frozen=True)
class OfficeSnapshot:
    """What changes slowly: the counters and the services' times (two queries)."""

    counters: tuple[CounterRow, ...]
    times: dict[int, ServiceTime]


def read_counters(office: Office) -> tuple[list[CounterRow], dict[int, float]]:
    """The office's active counters, which are open, whom they serve now, the services
    each serves with their rank there, and those services' catalogue minutes: one query."""
    open_session = CounterSession.objects.filter(
        counter=OuterRef("pk"), closed_at__isnull=True, paused_at__isnull=True
    )
    session = CounterSession.objects.filter(counter=OuterRef("pk"), closed_at__isnull=True)
    active = Ticket.objects.filter(counter=OuterRef("pk"), status__in=ACTIVE_STATUSES)
    rows = (
        Counter.objects.filter(office=office, is_active=True)
        .annotate(
            is_open=Exists(open_session),
            staffed=Exists(session),
            busy_service=Subquery(active.values("service_id")[:1]),
            busy_since=Subquery(active.values("called_at")[:1]),
        )
        .values_list(
            "pk",
            "kind",
            "service_links__service",
            "service_links__rank",
            "service_links__service__typical_minutes",
            "is_open",
            "busy_service",
            "busy_since",
            "staffed",
        )
    )
    served: dict[int, dict[int, int]] = {}
    first: dict[int, tuple[Any, ...]] = {}
    typical: dict[int, float] = {}
    for pk, kind, service_id, rank, minutes, is_open, busy_service, busy_since, staffed in rows:
        first.setdefault(pk, (kind, is_open, busy_service, busy_since, staffed))
        served.setdefault(pk, {})
        if service_id is not None:
            served[pk][service_id] = rank
            typical[service_id] = float(minutes)
    counters = [
        CounterRow(
            services=frozenset(served[pk]),
            priority_lane=kind == Counter.Kind.PRIORITY,
            is_open=bool(is_open),
            busy_service=busy_service,
            busy_since=busy_since,
            ranks=served[pk],
            pk=pk,
            staffed=bool(staffed),
        )
        for pk, (kind, is_open, busy_service, busy_since, staffed) in first.items()
    ]
    return counters, typical


def office_snapshot(office: Office) -> OfficeSnapshot:
    """The office's counters and service times, reused for a few seconds (readcache).

    A ticket issue returns its estimate, so the hot path reads these at most once per
    office every few seconds; a counter opened or a service completed shows in estimates
    that much later. People ahead are always read afresh.
    """

    def load() -> OfficeSnapshot:
        counters, typical = read_counters(office)
        return OfficeSnapshot(counters=tuple(counters), times=service_times(office, typical))

    return readcache.remember(("estimate", office.pk), load)


# Every ticket issue runs this, so it is one fixed statement rather than a queryset the
# ORM compiles afresh each time (measured in session 1: compiling the ORM query cost more
# CPU than PostgreSQL took to run it).
# `status = 'waiting'` is written out, not a parameter, so that PostgreSQL's prepared
# plan may use the partial index of waiting tickets (models.Ticket, ticket_waiting_idx).
_WAITING_AHEAD_SQL = """
SELECT service_id, priority <> %s, COUNT(*)
FROM queueing_ticket
WHERE office_id = %s AND status = 'waiting' AND queued_at < %s
GROUP BY 1, 2
"""


def waiting_ahead(office: Office, before: dt.datetime | None) -> dict[tuple[int, bool], int]:
    """Waiting tickets of the office queued before `before`, counted per (service id, is
    priority); with None, all waiting now, as the database keeps them (WaitingCount)."""
    if before is None:
        # Everyone waiting now: the counts the database keeps (waiting_count.py).
        return waiting_count.counts(office.pk)
    params = [
        Priority.NONE,
        office.pk,
        connection.ops.adapt_datetimefield_value(before),
    ]
    with prepared_cursor() as cursor:
        cursor.execute(_WAITING_AHEAD_SQL, params)
        return {(int(service), bool(lane)): int(n) for service, lane, n in cursor.fetchall()}


def queue_state(
    office: Office,
    service: Service,
    ahead: dict[tuple[int, bool], int],
    snapshot: OfficeSnapshot | None = None,
    counters: Sequence[CounterRow] | None = None,
) -> QueueState:
    """The estimate's input for a customer of `service` with `ahead` before them; the
    counters are the snapshot's unless given (`live_counters`)."""
    snapshot = snapshot or office_snapshot(office)
    rows = snapshot.counters if counters is None else counters
    now = clock.now()
    opened = [c.now(now) for c in rows if c.is_open]
    if not any(service.pk in c.services for c in opened):
        # Nobody is at a counter for it yet (before opening, say): count on the
        # counters that serve it as they open.
        opened += [
            CounterNow(services=c.services, priority_lane=c.priority_lane, ranks=c.ranks)
            for c in rows
            if service.pk in c.services
        ]
    times = snapshot.times
    if service.pk not in times:
        times = {**times, service.pk: service_time((), float(service.typical_minutes))}
    return QueueState(
        counters=opened,
        times=times,
        ahead=ahead,
        priority_wait_minutes=float(office.priority_wait_minutes),
    )


@dataclass(frozen=True)
class Forecast:
    """What a waiting customer is told, worked out once for every screen that tells it
    (the kiosk's tile, the slip, the mobile page, the API)."""

    # Waiting customers of the same service called first (`selectors.people_ahead`).
    ahead: int
    # The estimate in whole minutes; 0 reads "now" (a counter is free for them).
    minutes: int
    # Whether a counter that may call this customer is open now (on a break or not).
    # When none is, the minutes are the model's guess for counters opening now, and
    # screens say that no counter is open rather than show them.
    served_now: bool


def live_counters(office: Office) -> tuple[CounterRow, ...]:
    """The office's counters as they are now (one query), for the screens: who is at
    each, whom they serve. The office snapshot keeps them for a few seconds for the hot
    path; a customer told "no counter is open" must hear otherwise as soon as one opens
    (the mobile page asks once per live event: tests/e2e/test_screens_truth.py saw it
    stay wrong), and the kiosk's tile and the slip a moment later must agree."""
    return tuple(read_counters(office)[0])


def serves_now(
    counters: Iterable[CounterRow], service_id: int, target_counter_id: int | None = None
) -> bool:
    """Whether an open counter may call a customer of `service_id` now: the counter the
    ticket was transferred to by name, or else any counter that serves the service (the
    rules of `services.candidates`). A counter on a break counts as open."""
    if target_counter_id is not None:
        return any(c.pk == target_counter_id and c.staffed for c in counters)
    return any(c.staffed and service_id in c.services for c in counters)


def forecast(
    office: Office,
    service: Service,
    ahead: dict[tuple[int, bool], int],
    *,
    priority: bool = False,
    target_counter_id: int | None = None,
    counters: Sequence[CounterRow] | None = None,
) -> Forecast:
    """People ahead, estimate and whether anyone serves it now, for a customer of
    `service` with `ahead` (waiting tickets per (service id, priority lane)) before them.

    The kiosk's tile asks it for a new customer with everyone waiting now ahead; the slip
    with what the issue read; the mobile page with those queued before the ticket. The
    same queue gives the same answer on every screen. `counters` is `live_counters`,
    read afresh by the screens; without it, the office snapshot's (a few seconds old at
    most: the ticket API's answer to an issue, the hot path)."""
    snapshot = office_snapshot(office)
    if counters is None:
        counters = snapshot.counters
    position = ahead.get((service.pk, True), 0)
    if not priority:
        position += ahead.get((service.pk, False), 0)
    state = queue_state(office, service, ahead, snapshot, counters)
    return Forecast(
        ahead=position,
        minutes=shown_minutes(estimate_minutes(state, service.pk, priority=priority)),
        served_now=serves_now(counters, service.pk, target_counter_id),
    )


def ticket_forecast(
    ticket: Ticket,
    ahead: dict[tuple[int, bool], int] | None = None,
    *,
    counters: Sequence[CounterRow] | None = None,
) -> Forecast | None:
    """The forecast of a waiting ticket; None once it has been called.

    `ahead` is what the caller read already (`services.IssuedTicket.waiting` of a ticket
    just issued, with `counters` as `forecast` takes them); otherwise the waiting tickets
    queued before this one are counted, and the counters read afresh (the mobile page and
    the API, which ask again after each live event: a counter that opens must show at
    once).
    """
    if ticket.status != TicketStatus.WAITING:
        return None
    if ahead is None:
        ahead = waiting_ahead(ticket.office, ticket.queued_at)
        if counters is None:
            counters = live_counters(ticket.office)
    return forecast(
        ticket.office,
        ticket.service,
        ahead,
        priority=ticket.priority != Priority.NONE,
        target_counter_id=ticket.target_counter_id,
        counters=counters,
    )


def estimate_for_ticket(ticket: Ticket) -> int:
    """Minutes until a waiting ticket is likely called."""
    found = ticket_forecast(ticket)
    return found.minutes if found is not None else 0


def position_and_estimate(
    ticket: Ticket,
    ahead: dict[tuple[int, bool], int] | None = None,
) -> tuple[int | None, int | None]:
    """People ahead of a waiting ticket and its estimate (`ticket_forecast`); (None,
    None) once it has been called."""
    found = ticket_forecast(ticket, ahead)
    if found is None:
        return None, None
    return found.ahead, found.minutes


def estimate_wait_minutes(office: Office, service: Service, people_ahead: int) -> int:
    """Minutes a new normal customer of `service` would wait with `people_ahead` of that
    service before them; other queues come from the database."""
    ahead = {g: n for g, n in waiting_ahead(office, None).items() if g[0] != service.pk}
    if people_ahead > 0:
        ahead[(service.pk, False)] = people_ahead
    return forecast(office, service, ahead).minutes
