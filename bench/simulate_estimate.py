"""How good is the wait estimate? A simulated office day, estimate against reality.

    python bench/simulate_estimate.py            # 20 days of PKMD-PJ, both distributions
    python bench/simulate_estimate.py --days 5 --layout district --dist pareto

A discrete-event simulation of one office day: the demo office's counters and the
services each serves (weserve.organisation.demo), Poisson arrivals with a morning peak,
heavy-tailed service times (lognormal or Pareto), some priority customers (OKU, warga
emas, pregnant), no-shows, and lunch breaks taken in turn. Counters call by the rules
of `services.candidates` (the special counter serves the priority lane first; an
ordinary counter takes a priority customer first once they have waited the office's
priority wait, otherwise everyone by arrival).

At every arrival the simulation builds the same snapshot the database wrapper builds
(`estimate.QueueState`: open counters with their services and the customer at each,
robust service times from the last 30 completed tickets per service, the waiting
tickets ahead per service and lane) and calls the same pure function the server calls
(`estimate.estimate_minutes`). When the customer is called, the estimate shown on the
slip is compared with the wait they really had. Each measured day follows a warm-up day
whose completed tickets are the history the estimate learns from.

Reported per estimator: mean absolute error in minutes (MAE) per day, then the mean and
the spread (standard deviation, lowest and highest day) over the days; the bias (mean of
estimate − actual); and the share of customers whose estimate was within 5 minutes.
Fixed seeds: the same command prints the same numbers.
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import os
import random
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weserve.settings")

import django  # noqa: E402

django.setup()

from weserve.organisation.demo import DISTRICT_COUNTERS, PJ_COUNTERS, SERVICES  # noqa: E402
from weserve.queueing import estimate  # noqa: E402

OPEN, LAST_ARRIVAL = 0.0, 510.0  # minutes after 08:00: arrivals from 08:00 to 16:30
PRIORITY_WAIT = 5.0
RECENT = estimate.RECENT_TICKETS

# Share of arrivals per service, and how likely its customers are priority customers.
MIX = {
    "BKK": 0.14,
    "BWE": 0.10,
    "EPOKU": 0.05,
    "BTB": 0.05,
    "BPT": 0.04,
    "BA": 0.12,
    "OKU": 0.10,
    "PKK": 0.04,
    "PWE": 0.06,
    "INFO": 0.22,
    "ADUAN": 0.08,
}
PRIORITY_SHARE = {"BWE": 0.35, "PWE": 0.35, "OKU": 0.3, "EPOKU": 0.3, "BTB": 0.3, "BPT": 0.3}
DEFAULT_PRIORITY_SHARE = 0.06
NO_SHOW_SHARE = 0.04
NO_SHOW_MINUTES = 3.0  # two calls and a wait before the counter moves on
# --bad-records: this share of completed tickets is recorded as taking hours longer than
# it did (a ticket completed late at the end of the day), to test robustness.
BAD_RECORD_EXTRA = (60.0, 240.0)


@dataclass
class Ticket:
    service: int
    priority: bool
    queued_at: float
    estimates: dict[str, float] = field(default_factory=dict)
    called_at: float | None = None


@dataclass
class SimCounter:
    number: int
    services: frozenset[int]
    priority_lane: bool
    ticket: Ticket | None = None
    busy_since: float = 0.0
    paused: bool = False
    break_at: float | None = None
    break_minutes: float = 60.0


@dataclass
class Layout:
    counters: list[tuple[int, bool, frozenset[int]]]
    typical: dict[int, float]
    mix: list[tuple[int, float]]
    priority_share: dict[int, float]
    breaks: dict[int, float]  # counter number -> minutes after opening when lunch starts
    # Arrivals scale with the counters, so both layouts are busy but keep up over a day.
    load: float


def make_layout(name: str) -> Layout:
    ids = {spec.code: index for index, spec in enumerate(SERVICES)}
    rows = PJ_COUNTERS if name == "pj" else DISTRICT_COUNTERS
    counters = [
        (number, kind == "priority", frozenset(ids[c] for c in codes))
        for number, _name, kind, codes in rows
    ]
    # Lunch in turn, from 12:30 and 13:30: half the ordinary counters at a time.
    ordinary = [number for number, lane, _s in counters if not lane]
    breaks = {n: (270.0 if i % 2 == 0 else 330.0) for i, n in enumerate(ordinary)}
    return Layout(
        counters=counters,
        typical={ids[s.code]: float(s.typical_minutes) for s in SERVICES},
        mix=[(ids[code], share) for code, share in MIX.items()],
        priority_share={
            ids[code]: PRIORITY_SHARE.get(code, DEFAULT_PRIORITY_SHARE) for code in MIX
        },
        breaks=breaks,
        load=len(counters) / len(PJ_COUNTERS),
    )


class ServiceTimes:
    """True service times of one simulated week: heavy-tailed around a per-service mean
    that differs from the catalogue's typical time (catalogue times are rough)."""

    def __init__(self, rng: random.Random, layout: Layout, dist: str) -> None:
        self.rng = rng
        self.dist = dist
        self.mean = {s: t * rng.uniform(0.7, 1.4) for s, t in layout.typical.items()}

    def draw(self, service: int) -> float:
        mean = self.mean[service]
        walk = self.rng.uniform(0.3, 1.2)  # from the call to the counter
        if self.dist == "lognormal":
            sigma = 1.0  # coefficient of variation 1.3: a few cases take five times as long
            return walk + self.rng.lognormvariate(math.log(mean) - sigma**2 / 2, sigma)
        alpha = 2.2  # Pareto: finite mean, a tail heavier than any lognormal
        scale = mean * (alpha - 1) / alpha
        return walk + scale * self.rng.paretovariate(alpha)


class History:
    """Completed tickets' call-to-completion minutes per service, newest last."""

    def __init__(self) -> None:
        self.by_service: dict[int, list[float]] = {}

    def add(self, service: int, minutes: float) -> None:
        self.by_service.setdefault(service, []).append(minutes)

    def recent(self, service: int) -> list[float]:
        return self.by_service.get(service, [])[-RECENT:]


# --- The estimators -----------------------------------------------------------------------


def people_ahead(waiting: list[Ticket], ticket: Ticket) -> int:
    """selectors.people_ahead: same service, queued earlier; a priority customer counts
    only the priority customers ahead."""
    return sum(
        1
        for t in waiting
        if t.service == ticket.service
        and t.queued_at < ticket.queued_at
        and (t.priority or not ticket.priority)
    )


def snapshot(
    counters: list[SimCounter],
    waiting: list[Ticket],
    ticket: Ticket,
    history: History,
    layout: Layout,
    now: float,
) -> estimate.QueueState:
    """Exactly what estimate.queue_state reads from the database, from the simulation."""
    opened = [
        estimate.CounterNow(
            services=c.services,
            priority_lane=c.priority_lane,
            busy_service=c.ticket.service if c.ticket else None,
            busy_minutes=now - c.busy_since if c.ticket else 0.0,
        )
        for c in counters
        if not c.paused
    ]
    if not any(ticket.service in c.services for c in opened):
        opened += [
            estimate.CounterNow(services=c.services, priority_lane=c.priority_lane)
            for c in counters
            if ticket.service in c.services
        ]
    ahead: dict[tuple[int, bool], int] = {}
    for t in waiting:
        if t.queued_at < ticket.queued_at:
            ahead[(t.service, t.priority)] = ahead.get((t.service, t.priority), 0) + 1
    times = {s: estimate.service_time(history.recent(s), typ) for s, typ in layout.typical.items()}
    return estimate.QueueState(
        counters=opened, times=times, ahead=ahead, priority_wait_minutes=PRIORITY_WAIT
    )


Estimator = Callable[..., float]


def est_ours(state: estimate.QueueState, ticket: Ticket, **_: object) -> float:
    return float(
        estimate.shown_minutes(
            estimate.estimate_minutes(state, ticket.service, priority=ticket.priority)
        )
    )


def est_naive(
    state: estimate.QueueState,
    ticket: Ticket,
    *,
    ahead: int,
    history: History,
    layout: Layout,
    **_: object,
) -> float:
    """People ahead × mean service time ÷ open counters (plain mean of the same history)."""
    recent = history.recent(ticket.service)
    mean = statistics.fmean(recent) if recent else layout.typical[ticket.service]
    open_for_it = sum(1 for c in state.counters if ticket.service in c.services)
    return float(round(estimate.naive_minutes(ahead, mean, open_for_it)))


def est_first_version(
    state: estimate.QueueState,
    ticket: Ticket,
    *,
    ahead: int,
    history: History,
    layout: Layout,
    **_: object,
) -> float:
    """The first estimate.py: (ahead + ½) × blended mean ÷ counters, a shared counter
    counting 1/k for k services."""
    recent = history.recent(ticket.service)
    typical = layout.typical[ticket.service]
    if recent:
        weight = len(recent) / RECENT
        mean = weight * statistics.fmean(recent) + (1 - weight) * typical
    else:
        mean = typical
    share = sum(1 / max(1, len(c.services)) for c in state.counters if ticket.service in c.services)
    return float(math.ceil((ahead + 0.5) * mean / (share or 1.0)))


def est_ours_plain_mean(state: estimate.QueueState, ticket: Ticket, **kw: object) -> float:
    """Ablation: our replay, but with the plain mean and no expected rest of services."""
    history: History = kw["history"]  # type: ignore[assignment]
    layout: Layout = kw["layout"]  # type: ignore[assignment]
    times = {
        s: estimate.ServiceTime(
            mean=statistics.fmean(history.recent(s)) if history.recent(s) else typ
        )
        for s, typ in layout.typical.items()
    }
    plain = estimate.QueueState(
        counters=state.counters,
        times=times,
        ahead=state.ahead,
        priority_wait_minutes=state.priority_wait_minutes,
    )
    return est_ours(plain, ticket)


def est_ours_no_rest(state: estimate.QueueState, ticket: Ticket, **_: object) -> float:
    """Ablation: our replay with every counter taken as free now (no expected rest)."""
    idle = estimate.QueueState(
        counters=[
            estimate.CounterNow(services=c.services, priority_lane=c.priority_lane)
            for c in state.counters
        ],
        times=state.times,
        ahead=state.ahead,
        priority_wait_minutes=state.priority_wait_minutes,
    )
    return est_ours(idle, ticket)


ESTIMATORS: dict[str, Estimator] = {
    "naive": est_naive,
    "first version": est_first_version,
    "ours": est_ours,
    "ours, plain mean": est_ours_plain_mean,
    "ours, no rest": est_ours_no_rest,
}


# --- The day ------------------------------------------------------------------------------


def arrivals(rng: random.Random, layout: Layout) -> list[tuple[float, int, bool]]:
    """Poisson arrivals with a morning peak around 09:30 (thinning)."""
    level = layout.load * rng.uniform(0.85, 1.15)

    def rate(t: float) -> float:  # customers per minute
        return level * (0.2 + 0.22 * math.exp(-(((t - 90.0) / 60.0) ** 2)))

    top = level * 0.42
    out, t = [], OPEN
    services, weights = zip(*layout.mix, strict=True)
    while True:
        t += rng.expovariate(top)
        if t > LAST_ARRIVAL:
            return out
        if rng.random() * top <= rate(t):
            service = rng.choices(services, weights)[0]
            out.append((t, service, rng.random() < layout.priority_share[service]))


def best_for(counter: SimCounter, waiting: list[Ticket], now: float) -> Ticket | None:
    """services.candidates: lane first (the special counter's priority lane, or an
    ordinary counter's overdue priority customers), then arrival."""
    best, best_key = None, None
    for t in waiting:
        if t.service not in counter.services:
            continue
        if counter.priority_lane:
            lane = 0 if t.priority else 1
        else:
            lane = 0 if t.priority and t.queued_at <= now - PRIORITY_WAIT else 1
        key = (lane, t.queued_at)
        if best_key is None or key < best_key:
            best, best_key = t, key
    return best


def simulate_day(
    rng: random.Random,
    layout: Layout,
    times: ServiceTimes,
    history: History,
    *,
    measure: bool,
    bad_records: float = 0.0,
    bad_rng: random.Random | None = None,
) -> list[Ticket]:
    counters = [
        SimCounter(number, services, lane, break_at=layout.breaks.get(number))
        for number, lane, services in layout.counters
    ]
    waiting: list[Ticket] = []
    done: list[Ticket] = []
    events: list[tuple[float, int, str, object]] = []
    order = 0

    def push(at: float, kind: str, what: object) -> None:
        nonlocal order
        order += 1
        heapq.heappush(events, (at, order, kind, what))

    for at, service, priority in arrivals(rng, layout):
        push(at, "arrive", (service, priority))
    for counter in counters:
        if counter.break_at is not None:
            push(counter.break_at, "break", counter)

    def try_call(counter: SimCounter, now: float) -> None:
        if counter.ticket is not None or counter.paused:
            return
        if counter.break_at is not None and now >= counter.break_at:
            counter.paused = True
            counter.break_at = None
            push(now + counter.break_minutes, "back", counter)
            return
        ticket = best_for(counter, waiting, now)
        if ticket is None:
            return
        waiting.remove(ticket)
        ticket.called_at = now
        done.append(ticket)
        counter.ticket, counter.busy_since = ticket, now
        if rng.random() < NO_SHOW_SHARE:
            push(now + NO_SHOW_MINUTES, "free", (counter, None))
        else:
            push(now + times.draw(ticket.service), "free", (counter, ticket))

    while events:
        now, _order, kind, what = heapq.heappop(events)
        if kind == "arrive":
            service, priority = what  # type: ignore[misc]
            ticket = Ticket(service=service, priority=priority, queued_at=now)
            if measure:
                state = snapshot(counters, waiting, ticket, history, layout, now)
                ahead = people_ahead(waiting, ticket)
                for name, fn in ESTIMATORS.items():
                    ticket.estimates[name] = fn(
                        state, ticket, ahead=ahead, history=history, layout=layout
                    )
            waiting.append(ticket)
            for counter in counters:
                try_call(counter, now)
        elif kind == "free":
            counter, completed = what  # type: ignore[misc]
            if completed is not None:
                recorded = now - counter.busy_since
                if bad_rng is not None and bad_rng.random() < bad_records:
                    # A separate generator: the day itself stays the same as without.
                    recorded += bad_rng.uniform(*BAD_RECORD_EXTRA)
                history.add(completed.service, recorded)
            counter.ticket = None
            try_call(counter, now)
        elif kind == "break":
            try_call(what, now)  # pauses now if idle, else after the current customer
        elif kind == "back":
            what.paused = False  # type: ignore[attr-defined]
            try_call(what, now)
    assert not waiting, "every customer is served by the end of the day"
    return done


def run(
    days: int, layout_name: str, dist: str, first_seed: int, bad_records: float = 0.0
) -> dict[str, object]:
    layout = make_layout(layout_name)
    per_day: dict[str, list[float]] = {name: [] for name in ESTIMATORS}
    bias: dict[str, list[float]] = {name: [] for name in ESTIMATORS}
    within5: dict[str, list[float]] = {name: [] for name in ESTIMATORS}
    customers, waits = 0, []
    for seed in range(first_seed, first_seed + days):
        rng = random.Random(seed)
        bad_rng = random.Random(-seed) if bad_records else None
        times = ServiceTimes(rng, layout, dist)
        history = History()
        # Yesterday's completed tickets are the history the estimate starts from.
        kwargs = {"bad_records": bad_records, "bad_rng": bad_rng}
        simulate_day(rng, layout, times, history, measure=False, **kwargs)
        tickets = simulate_day(rng, layout, times, history, measure=True, **kwargs)
        customers += len(tickets)
        actual = [t.called_at - t.queued_at for t in tickets]  # type: ignore[operator]
        waits.extend(actual)
        for name in ESTIMATORS:
            errors = [t.estimates[name] - a for t, a in zip(tickets, actual, strict=True)]
            per_day[name].append(statistics.fmean(abs(e) for e in errors))
            bias[name].append(statistics.fmean(errors))
            within5[name].append(sum(abs(e) <= 5 for e in errors) / len(errors))
    return {
        "layout": layout_name,
        "distribution": dist,
        "bad_records": bad_records,
        "days": days,
        "seeds": [first_seed, first_seed + days - 1],
        "customers": customers,
        "mean_wait_minutes": statistics.fmean(waits),
        "p90_wait_minutes": statistics.quantiles(waits, n=10)[-1],
        "estimators": {
            name: {
                "mae_mean": statistics.fmean(per_day[name]),
                "mae_sd": statistics.stdev(per_day[name]) if days > 1 else 0.0,
                "mae_min": min(per_day[name]),
                "mae_max": max(per_day[name]),
                "bias": statistics.fmean(bias[name]),
                "within_5_min": statistics.fmean(within5[name]),
            }
            for name in ESTIMATORS
        },
    }


def print_result(result: dict[str, object]) -> None:
    bad = f", {result['bad_records']:.0%} bad records" if result["bad_records"] else ""
    print(
        f"\n{result['layout']} office, {result['distribution']} service times{bad}, "
        f"{result['days']} days (seeds {result['seeds'][0]}-{result['seeds'][1]}), "  # type: ignore[index]
        f"{result['customers']} customers, mean wait {result['mean_wait_minutes']:.1f} min, "
        f"90th percentile {result['p90_wait_minutes']:.1f} min"
    )
    print(
        f"{'estimator':<18} {'MAE min':>8} {'sd':>6} {'best':>6} {'worst':>6} "
        f"{'bias':>6} {'≤5 min':>7}"
    )
    for name, row in result["estimators"].items():  # type: ignore[attr-defined]
        print(
            f"{name:<18} {row['mae_mean']:8.2f} {row['mae_sd']:6.2f} {row['mae_min']:6.2f} "
            f"{row['mae_max']:6.2f} {row['bias']:+6.2f} {row['within_5_min']:7.0%}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=20, help="measured days (one seed each)")
    parser.add_argument("--seed", type=int, default=1, help="first seed")
    parser.add_argument("--layout", choices=["pj", "district", "both"], default="both")
    parser.add_argument("--dist", choices=["lognormal", "pareto", "both"], default="both")
    parser.add_argument(
        "--bad-records",
        type=float,
        default=0.0,
        help="share of completed tickets recorded one to four hours too long (e.g. 0.02)",
    )
    parser.add_argument(
        "--winsor",
        type=float,
        default=estimate.WINSOR_FACTOR,
        help="cap observations at this multiple of their median (the estimate's setting)",
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    estimate.WINSOR_FACTOR = args.winsor
    layouts = ["pj", "district"] if args.layout == "both" else [args.layout]
    dists = ["lognormal", "pareto"] if args.dist == "both" else [args.dist]
    results = []
    for layout in layouts:
        for dist in dists:
            result = run(args.days, layout, dist, args.seed, args.bad_records)
            print_result(result)
            results.append(result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
