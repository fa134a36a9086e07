"""The queueing model behind ``ghrunner plan``: its distribution, its answers, its checks against theory and the simulator."""

from __future__ import annotations

import math
import random

import pytest

from ghrunner_locust.errors import UsageError
from ghrunner_locust.planning.sizing import Pickup, quantile, simulate_queue, size_for_slo
from ghrunner_locust.planning.theory import Workload, erlang_c, mdc_wait

FIXED = Pickup(median_s=0.0, p90_s=0.0, tail_prob=0.0)


def test_pickup_defaults_follow_realism():
    rng = random.Random(3)
    body = Pickup(tail_prob=0.0)
    values = [body.sample(rng) for _ in range(40000)]
    assert quantile(values, 0.5) == pytest.approx(3.0, rel=0.05)
    assert quantile(values, 0.9) == pytest.approx(10.0, rel=0.05)
    tail = [Pickup().sample(rng) for _ in range(40000)]
    assert 0.007 < sum(60 <= v <= 120 for v in tail) / len(tail) < 0.013


def test_measured_pickups_are_resampled_and_validated():
    pickup = Pickup.measured([1, 2, 3, float("nan"), -1, None], "a test")
    assert pickup.samples == (1.0, 2.0, 3.0)
    assert {pickup.sample(random.Random(i)) for i in range(50)} <= {1.0, 2.0, 3.0}
    assert pickup.p95() == pytest.approx(2.9)
    with pytest.raises(UsageError, match="no pickup latency"):
        Pickup.measured([float("inf")], "a test")


def test_single_runner_matches_pollaczek_khinchine():
    """M/D/1 (one runner, no pickup): mean wait rho / (2 mu (1 - rho)), P(wait) = rho, exactly."""
    work = Workload(sleep_s=8.0, job_count=1, overhead_s=2.0)
    rate = 4.2  # a minute: rho = 0.7 with 10 s jobs
    estimate = simulate_queue(rate, work, FIXED, 1, jobs=200000, seed=5)
    assert estimate.utilization == pytest.approx(0.7)
    assert estimate.mean_s == pytest.approx(mdc_wait(rate / 60, 10.0, 1), rel=0.04)
    assert estimate.waited_share == pytest.approx(0.7, abs=0.01)


def test_erlang_c_probability_of_waiting_with_exponential_like_load():
    """With several runners the share of jobs that wait stays near Erlang C (exact for M/M/c, close for M/D/c)."""
    work = Workload(sleep_s=28.0, job_count=1, overhead_s=2.0)
    estimate = simulate_queue(12.0, work, FIXED, 8, jobs=100000, seed=2)  # offered 6 on 8 runners
    assert estimate.waited_share == pytest.approx(erlang_c(8, 6.0), abs=0.08)
    assert estimate.waited_share < erlang_c(8, 6.0)  # deterministic service waits less than exponential


def test_p95_falls_with_runners_and_is_repeatable():
    work = Workload(sleep_s=20, job_count=2)
    p95s = [simulate_queue(2.0, work, Pickup(), n, jobs=20000).p95_s for n in (3, 4, 5, 6)]
    assert p95s == sorted(p95s, reverse=True)
    assert simulate_queue(2.0, work, Pickup(), 4, jobs=20000).p95_s == p95s[1]
    assert simulate_queue(2.0, work, Pickup(), 4, jobs=20000, seed=9).p95_s != p95s[1]


def test_overloaded_pool_is_unbounded():
    estimate = simulate_queue(10.0, Workload(sleep_s=58, job_count=1), Pickup(), 2)
    assert estimate.overloaded and estimate.utilization > 1


def test_ephemeral_cold_start_needs_more_runners():
    work = Workload(sleep_s=20, job_count=2)
    fixed = size_for_slo(2.0, work, Pickup(), 40, jobs=20000)
    ephemeral = size_for_slo(2.0, work, Pickup(), 40, provision_s=75, jobs=20000)
    assert ephemeral.runners > fixed.runners + 3


def test_smallest_count_meets_the_target_and_one_fewer_does_not():
    work = Workload(sleep_s=20, job_count=2)
    sizing = size_for_slo(2.0, work, Pickup(), 30, jobs=20000)
    assert sizing.runners is not None
    assert sizing.estimate(sizing.runners).p95_s <= 30
    below = sizing.estimate(sizing.runners - 1) or simulate_queue(2.0, work, Pickup(), sizing.runners - 1, jobs=20000)
    assert below.p95_s > 30
    assert [e.runners for e in sizing.estimates] == list(range(sizing.runners - 1, sizing.runners + 3))


def test_targets_below_the_pickup_floor_are_impossible():
    sizing = size_for_slo(1.0, Workload(sleep_s=10), Pickup(), 12)
    assert sizing.runners is None and "pickups alone" in sizing.reason
    near = size_for_slo(1.0, Workload(sleep_s=10), Pickup(), 15.6, jobs=20000)
    assert near.runners is None or near.estimate(near.runners).p95_s <= 15.6


@pytest.mark.parametrize(
    "rate, slo, provision",
    [(0, 30, 0), (-1, 30, 0), (math.nan, 30, 0), (math.inf, 30, 0), (1, 0, 0), (1, math.nan, 0), (1, 30, -5), (1, 30, math.inf)],
)
def test_bad_inputs_are_usage_errors(rate, slo, provision):
    with pytest.raises(UsageError):
        size_for_slo(rate, Workload(), Pickup(), slo, provision_s=provision)
