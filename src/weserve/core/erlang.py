"""Erlang C: how many agents answer a share of calls within a time (queue staffing).

The model: calls arrive at random (Poisson) at `calls_per_hour`, each takes
`handle_seconds` on average (exponential), callers wait in one queue for `agents`
interchangeable agents and never hang up. Traffic is A = calls_per_hour x
handle_seconds / 3600 Erlangs; with N > A agents,

- the probability a call waits, Erlang C: P(N, A) = N B / (N - A (1 - B)), where B is
  Erlang B computed by the stable recursion B(0) = 1, B(k) = A B(k-1) / (k + A B(k-1));
- the share answered within T seconds: 1 - P exp(-(N - A) T / handle_seconds);
- the average speed of answer: P handle_seconds / (N - A).

With N <= A the queue grows without bound: every call waits, the share within T is 0.
Used by the telephone desk's operator staffing (10 seconds, 90 %) and later by the
counters'. Pure functions; no Django.
"""

from __future__ import annotations

import math

MAX_AGENTS = 10_000


def traffic(calls_per_hour: float, handle_seconds: float) -> float:
    """Offered traffic in Erlangs."""
    if calls_per_hour < 0 or handle_seconds < 0:
        raise ValueError("calls and handling time must not be negative")
    return calls_per_hour * handle_seconds / 3600.0


def erlang_b(agents: int, erlangs: float) -> float:
    """The blocking probability of `agents` servers offered `erlangs` of traffic."""
    if agents < 0 or erlangs < 0:
        raise ValueError("agents and traffic must not be negative")
    b = 1.0
    for k in range(1, agents + 1):
        b = erlangs * b / (k + erlangs * b)
    return b


def probability_of_waiting(agents: int, erlangs: float) -> float:
    """Erlang C: the probability that a call has to wait (1.0 when agents <= traffic)."""
    if erlangs <= 0:
        return 0.0
    if agents <= erlangs:
        return 1.0
    b = erlang_b(agents, erlangs)
    return agents * b / (agents - erlangs * (1.0 - b))


def service_level(
    agents: int, erlangs: float, handle_seconds: float, within_seconds: float
) -> float:
    """The share of calls answered within `within_seconds`."""
    if erlangs <= 0:
        return 1.0
    if agents <= erlangs:
        return 0.0
    waiting = probability_of_waiting(agents, erlangs)
    return 1.0 - waiting * math.exp(-(agents - erlangs) * within_seconds / handle_seconds)


def average_speed_of_answer(agents: int, erlangs: float, handle_seconds: float) -> float:
    """The mean wait of all calls, in seconds (infinite when agents <= traffic)."""
    if erlangs <= 0:
        return 0.0
    if agents <= erlangs:
        return math.inf
    return probability_of_waiting(agents, erlangs) * handle_seconds / (agents - erlangs)


def agents_needed(
    calls_per_hour: float,
    handle_seconds: float,
    *,
    target: float = 0.9,
    within_seconds: float = 10.0,
) -> int:
    """The fewest agents answering `target` of calls within `within_seconds`."""
    if not 0 < target < 1:
        raise ValueError("the target is a share between 0 and 1")
    erlangs = traffic(calls_per_hour, handle_seconds)
    if erlangs == 0:
        return 0
    agents = max(1, math.floor(erlangs) + 1)
    while service_level(agents, erlangs, handle_seconds, within_seconds) < target:
        agents += 1
        if agents > MAX_AGENTS:
            raise ValueError("more than 10,000 agents: check the figures")
    return agents
