"""Expected capacity and queue latency; GitHub's budgets for a plan."""

from __future__ import annotations

import math
from dataclasses import asdict

import pytest

from ghrunner_locust.planning.plans import Stage
from ghrunner_locust.planning.theory import Pickup, Workload, budget_check, burst_wait, erlang_c, forecast, mdc_wait


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


def test_pickup_mean_by_hand():
    # sigma = ln(10 / 3) / 1.28155 = 0.939473; body mean = 3 x exp(sigma^2 / 2) = 3 x 1.554721 = 4.664164
    # with a 1 % tail uniform on 60-120 s (mean 90): 0.99 x 4.664164 + 0.01 x 90 = 5.517522
    assert Pickup(3.0, 10.0, 0.01).mean_s == pytest.approx(5.51752, abs=1e-4)
    assert Pickup(3.0, 10.0, 0.0).mean_s == pytest.approx(4.66416, abs=1e-4)
    assert Pickup(2.5, 10.0, 0.5, fixed=True).mean_s == 2.5
    assert Pickup(3.0, 3.0, 0.0).mean_s == 3.0  # p90 = median: no spread


def test_forecast_expects_pickup_plus_wait():
    work = Workload(sleep_s=60, job_count=4, pickup_s=3.0, pickup_p90_s=3.0, pickup_tail=0.0)  # pickup always 3 s
    (stage,) = forecast([Stage(600, users=5, name="load")], work, runners=4)
    assert stage.capacity_jobs_per_min == pytest.approx(4 * 60 / 65)  # a job holds a runner 60 + 2 + 3 s
    assert stage.expected_wait_s == pytest.approx(burst_wait(20, 4, 65)) == pytest.approx(130.0)  # waves wait 0..4 x 65 s
    assert stage.expected_pickup_s == 3.0 and stage.expected_queue_s == pytest.approx(stage.expected_wait_s + 3.0)
    assert "expected queue latency about 133.0 s (pickup 3.0 s + wait for a runner 130.0 s)" in stage.line()
    (idle,) = forecast([Stage(600, rate_per_min=0.1, name="idle")], Workload(sleep_s=60), runners=4)
    assert idle.expected_wait_s < 1e-3  # a job every 10 minutes on 4 runners hardly waits
    assert idle.expected_queue_s == pytest.approx(5.5175, abs=1e-3)  # an idle pool: the pickup alone, not 0 s
    (open_loop,) = forecast([Stage(600, rate_per_min=10, name="rate")], work, runners=4)
    assert math.isinf(open_loop.expected_queue_s) and "grows without bound" in open_loop.line()
    assert "expected_queue_s" in asdict(open_loop)  # meta.json's expected items carry the total


def test_budget_check_flags_githubs_limits():
    ok = budget_check([Stage(3600, rate_per_min=6)], Workload(), poll_interval=10)
    assert ok.problems == ()
    fast = budget_check([Stage(600, rate_per_min=100)], Workload(), poll_interval=10)
    assert any("80 a minute" in p for p in fast.problems)
    hourly = budget_check([Stage(3600, rate_per_min=10)], Workload(), poll_interval=10)
    assert any("500 an hour" in p for p in hourly.problems)
    polling = budget_check([Stage(3600, rate_per_min=1)], Workload(), poll_interval=0.5)
    assert any("--poll-interval" in p for p in polling.problems)
