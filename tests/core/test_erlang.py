"""Erlang C against worked examples whose figures are published, and its properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from weserve.core import erlang


def test_exact_small_case():
    # A = 2 Erlangs, N = 3: A^N/N! . N/(N-A) = 4; sum_{k<3} A^k/k! = 5; C = 4/9.
    assert erlang.probability_of_waiting(3, 2.0) == pytest.approx(4 / 9)


def test_call_centre_helper_worked_example():
    # Call Centre Helper, "Erlang C formula - made simple": 100 calls in 30 minutes,
    # 180 s average handling time, 80 % within 20 s. Traffic 10 Erlangs; with 14 agents
    # the probability of waiting is 17.4 %, the service level 88.8 %, the ASA 7.8 s;
    # 13 agents reach only 79.6 %, so 14 are needed.
    erlangs = erlang.traffic(200, 180)
    assert erlangs == pytest.approx(10.0)
    assert erlang.probability_of_waiting(14, erlangs) == pytest.approx(0.1741, abs=5e-4)
    assert erlang.service_level(14, erlangs, 180, 20) == pytest.approx(0.888, abs=1e-3)
    assert erlang.service_level(13, erlangs, 180, 20) == pytest.approx(0.796, abs=1e-3)
    assert erlang.average_speed_of_answer(14, erlangs, 180) == pytest.approx(7.8, abs=0.05)
    assert erlang.agents_needed(200, 180, target=0.8, within_seconds=20) == 14


def test_too_few_agents_never_catch_up():
    assert erlang.probability_of_waiting(10, 10.0) == 1.0
    assert erlang.service_level(9, 10.0, 180, 20) == 0.0
    assert math.isinf(erlang.average_speed_of_answer(10, 10.0, 180))


def test_no_calls_need_no_agents():
    assert erlang.agents_needed(0, 180) == 0
    assert erlang.service_level(0, 0.0, 180, 10) == 1.0


def test_bad_figures_are_refused():
    with pytest.raises(ValueError):
        erlang.traffic(-1, 10)
    with pytest.raises(ValueError):
        erlang.agents_needed(10, 10, target=1.0)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    calls=st.floats(min_value=1, max_value=2000),
    handle=st.floats(min_value=10, max_value=900),
    target=st.floats(min_value=0.5, max_value=0.99),
)
def test_the_answer_is_the_fewest_that_meet_the_target(calls, handle, target):
    needed = erlang.agents_needed(calls, handle, target=target, within_seconds=10)
    erlangs = erlang.traffic(calls, handle)
    assert needed > erlangs
    assert erlang.service_level(needed, erlangs, handle, 10) >= target
    assert erlang.service_level(needed - 1, erlangs, handle, 10) < target
