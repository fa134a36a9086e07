"""Expected capacity and queue latency; GitHub's budgets for a plan."""

from __future__ import annotations

import math

import pytest

from ghrunner_locust.planning.plans import Stage
from ghrunner_locust.planning.theory import Workload, budget_check, burst_wait, erlang_c, forecast, mdc_wait


def test_erlang_c_known_values():
    assert erlang_c(1, 0.5) == pytest.approx(0.5)  # M/M/1: P(wait) = rho
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)  # textbook: c=2, a=1
    assert erlang_c(4, 4.0) == 1.0


def test_mdc_is_half_of_mmc_and_unbounded_when_overloaded():
    # M/M/1 with rho=0.5, service 10 s: Wq = rho/(1-rho) * S = 10 s; M/D/1 (Pollaczek-Khinchine) = 5 s, exact here.
    assert mdc_wait(0.05, 10.0, 1) == pytest.approx(5.0)
    assert math.isinf(mdc_wait(1.0, 10.0, 4))


def test_burst_waits_in_waves():
    # 20 jobs on 4 runners, 10 s each: waves wait 0, 10, 20, 30, 40 -> mean 20 s
    assert burst_wait(20, 4, 10.0) == pytest.approx(20.0)
    assert burst_wait(3, 4, 10.0) == 0.0


def test_forecast_line_shows_capacity_and_expectation():
    work = Workload(sleep_s=60, job_count=4)
    (stage,) = forecast([Stage(600, users=5, name="load")], work, runners=4)
    assert stage.capacity_jobs_per_min == pytest.approx(4 * 60 / 65)
    assert stage.expected_queue_s == pytest.approx(burst_wait(20, 4, 65))
    assert "expected queue latency about" in stage.line()
    (open_loop,) = forecast([Stage(600, rate_per_min=10, name="rate")], work, runners=4)
    assert math.isinf(open_loop.expected_queue_s) and "grows without bound" in open_loop.line()


def test_budget_check_flags_githubs_limits():
    ok = budget_check([Stage(3600, rate_per_min=6)], Workload(), poll_interval=10)
    assert ok.problems == ()
    fast = budget_check([Stage(600, rate_per_min=100)], Workload(), poll_interval=10)
    assert any("80 a minute" in p for p in fast.problems)
    hourly = budget_check([Stage(3600, rate_per_min=10)], Workload(), poll_interval=10)
    assert any("500 an hour" in p for p in hourly.problems)
    polling = budget_check([Stage(3600, rate_per_min=1)], Workload(), poll_interval=0.5)
    assert any("--poll-interval" in p for p in polling.problems)
