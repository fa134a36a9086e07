"""Expected capacity and queue latency; GitHub's budgets for a plan."""

from __future__ import annotations

import math
from dataclasses import asdict, replace

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


def test_closed_loop_users_wait_between_runs():
    """soak.py: 2 users, constant(30) between runs of 2 + 2 + 3.2 s: about 3.2 dispatches a minute, not 16.6."""
    work = Workload(sleep_s=2, pickup_s=3.0, pickup_p90_s=5.0, pickup_tail=0.0, think_s=30.0)
    (stage,) = forecast([Stage(600, users=2, name="window 1")], work, runners=2)
    assert stage.dispatches_per_min == pytest.approx(2 * 60 / (work.run_s + 30)) == pytest.approx(3.23, abs=0.01)
    assert budget_check([Stage(3600, users=2)], work, poll_interval=10).peak_dispatches_per_min == stage.dispatches_per_min


def test_open_loop_matrices_arrive_as_waves():
    """volume.py: 20 parallel jobs a dispatch on 4 runners wait in 5 waves of a job's 7.2 s (measured 17.8 s),
    not as 20 separate Poisson arrivals (was: 3.9 s). The Monte Carlo of the same pool agrees."""
    from ghrunner_locust.planning.sizing import Pickup as McPickup
    from ghrunner_locust.planning.sizing import simulate_queue

    work = Workload(sleep_s=2, pickup_s=3.0, pickup_p90_s=5.0, pickup_tail=0.0)
    (rare,) = forecast([Stage(600, rate_per_min=0.05, job_count=20, name="volume")], work, runners=4)
    assert burst_wait(20, 4, work.job_s) == pytest.approx(2 * work.job_s)  # waves 0..4 x 7.2 s: 14.4 s
    assert rare.expected_queue_s == pytest.approx(2 * work.job_s + work.pickup.mean_s, abs=1)  # 17.6 s (+ 0.6 s)
    for rate in (0.25, 1.0):  # and bursts that queue behind each other: M/D/1 of the bursts on the pool
        (stage,) = forecast([Stage(600, rate_per_min=rate, job_count=20, name="volume")], work, runners=4)
        mc = simulate_queue(rate, replace(work, job_count=20), McPickup(3.0, 5.0, 0.0), 4, jobs=40000)
        assert stage.expected_queue_s == pytest.approx(mc.mean_s, rel=0.1)
    (even,) = forecast([Stage(600, rate_per_min=1.0, job_count=20, name="v")], work, runners=4, uniform=True)
    assert even.expected_queue_s == pytest.approx(2 * work.job_s + work.pickup.mean_s)  # --quick: a burst a minute


def test_each_step_is_expected_on_its_own_runner_count():
    """--shape-runners 2,4,6: each step's expectation uses that step's pool, not the first count for all."""
    work = Workload(sleep_s=2, pickup_s=3.0, pickup_p90_s=5.0, pickup_tail=0.0)
    stages = [Stage(60, users=u, runners=r, name=f"step {u}") for u, r in ((1, 2), (2, 4), (3, 6))]
    steps = forecast(stages, work, runners=1)
    assert [s.runners for s in steps] == [2, 4, 6]
    assert [s.capacity_jobs_per_min for s in steps] == pytest.approx([r * 60 / work.job_s for r in (2, 4, 6)])
    assert "of 4 runners" in steps[1].line()
