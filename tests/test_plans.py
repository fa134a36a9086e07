"""Plans tick by tick with an injected clock; the capacity search against the simulator's state machine."""

from __future__ import annotations

import math

import pytest

from ghrunner_locust.clock import FakeClock
from ghrunner_locust.planning.plans import (
    SPIKE_RAMP_S,
    BaselinePlan,
    CapacityPlan,
    Observation,
    Stage,
    StagesPlan,
    StressPlan,
    load_plan,
    soak_plan,
    spike_plan,
    step_plan,
    volume_plan,
)
from ghrunner_locust.simulator import LatencyModel, SimConfig, SimState


def ticks(plan, seconds, obs=Observation(), every=1.0):
    out, t = [], 0.0
    while t <= seconds:
        out.append(plan.tick(t, obs))
        t += every
    return out


def test_stages_run_in_order_then_end():
    plan = StagesPlan((Stage(10, 2, name="a"), Stage(5, 4, rate_per_min=12, name="b")))
    seq = ticks(plan, 16)
    assert [t.stage for t in seq[:10]] == ["a"] * 10
    assert [(t.users, t.rate_per_min) for t in seq[10:15]] == [(4, 12)] * 5
    assert seq[15] is None and seq[16] is None


def test_load_step_soak_volume_plans():
    assert load_plan(60, 3).tick(59, Observation()).users == 3
    steps = step_plan(2, 3, 4, 60, runners=[4, 4, 8, 8])
    assert [(s.users, s.runners) for s in steps.stages()] == [(2, 4), (5, 4), (8, 8), (11, 8)]
    rate_steps = step_plan(10, 10, 3, 60, rate=True)
    assert [s.rate_per_min for s in rate_steps.stages()] == [10, 20, 30]
    assert len(soak_plan(4 * 3600, 2).stages()) == 4
    assert volume_plan(600).tick(0, Observation()).job_count == 20


def test_spike_really_reaches_its_peak():
    """Locust's start() blocks until a ramp ends: a ramp longer than the spike would skip it."""
    plan = spike_plan(base=2, peak=40, before_s=60, spike_s=10, after_s=60)
    seq = ticks(plan, 130)
    spike = [t for t in seq if t and t.stage == "spike"]
    assert len(spike) == 10 and all(t.users == 40 for t in spike)
    ramp_s = (40 - 2) / spike[0].spawn_rate
    assert ramp_s <= SPIKE_RAMP_S < 10
    recovery = next(t for t in seq if t and t.stage == "recovery")
    assert recovery.users == 2 and (40 - 2) / recovery.spawn_rate <= SPIKE_RAMP_S


def test_baseline_dispatches_a_fixed_count_then_ends():
    plan = BaselinePlan(runs=3)
    assert plan.tick(0, Observation(dispatched=0)).users == 1
    assert plan.tick(5, Observation(dispatched=3, completed_runs=2)).users == 0
    assert plan.tick(6, Observation(dispatched=3, completed_runs=3)) is None


def test_stress_stops_at_the_breaking_condition_and_records_it():
    plan = StressPlan(start=1, step=2, interval_s=10, max_queue_p95_s=30)
    start = 1_000.0
    calm = Observation(now=start + 15, queue_s=tuple((start + i, 5.0) for i in range(10)))
    assert plan.tick(15, calm).users == 3 and plan.breaking is None
    broken = Observation(now=start + 25, queue_s=tuple((start + 12 + i, 40.0) for i in range(10)))
    assert plan.tick(25, broken) is None
    assert plan.breaking.stage == "step 2" and plan.breaking.level == 3
    assert "p95 queue latency 40.0 s > 30 s" in plan.breaking.reason


@pytest.mark.parametrize(
    ("obs", "words"),
    [
        (Observation(failures=10, requests=100), "failure ratio"),
        (Observation(timeouts=1), "timed out"),
        (Observation(refused=1), "refused"),
    ],
)
def test_stress_other_breaking_conditions(obs, words):
    plan = StressPlan(interval_s=10)
    assert plan.tick(11, obs) is None and words in plan.breaking.reason


def drive_capacity(plan: CapacityPlan, runners: int, sleep_s: float) -> float | None:
    """Run a capacity search against the simulator's state machine with a fake clock."""
    clock = FakeClock(start=1_900_000_000.0)
    state = SimState(
        SimConfig(
            runners=runners, pickup=LatencyModel(median_s=0.0, fixed=True), setup_s=0.0, teardown_s=0.0, run_to_job_s=0.0, seed=1
        ),
        clock=clock,
    )
    begin, dispatch_times, next_dispatch = clock.now, {}, clock.now
    queue: list[tuple[float, float]] = []
    seen = 0
    while True:
        run_time = clock.now - begin
        for event in state.events[seen:]:  # each job's wait, as the tracker would report it when it starts
            if event["type"] == "job_started":
                job = state.jobs[event["job_id"]]
                queue.append((dispatch_times[job.run_id], job.started_at - job.created_at))
        seen = len(state.events)
        in_flight = sum(1 for run in state.runs.values() if run.status != "completed")
        tick = plan.tick(run_time, Observation(now=clock.now, queue_s=tuple(queue), in_flight=in_flight))
        if tick is None:
            return plan.capacity
        rate = tick.rate_per_min or 0.0
        step_end = clock.now + 1.0
        while rate > 0 and next_dispatch < step_end:
            clock.now = max(clock.now, next_dispatch)
            state.advance()
            run = state.dispatch("o", "r", "runner_test.yml", "main", {"sleep_duration": str(sleep_s)})
            dispatch_times[run.id] = clock.now
            next_dispatch += 60.0 / rate
        if rate <= 0:
            next_dispatch = step_end
        while (due := state.next_event_time()) is not None and due <= step_end:
            clock.now = max(clock.now, due)
            state.advance()
        clock.now = step_end
        assert run_time < 50_000, "the search did not end"


def test_capacity_search_converges_on_the_pools_known_capacity():
    runners, sleep_s = 4, 10.0
    known = runners / sleep_s * 60  # 24 single-job runs a minute
    plan = CapacityPlan(slo_p95_s=15.0, low=4, high=96, probe_s=600, warmup_s=60, tolerance=0.1, max_probes=10)
    found = drive_capacity(plan, runners, sleep_s)
    assert found is not None and 0.75 * known <= found <= known * 1.05
    rates = [r for r, _, _ in plan.results]
    assert len(set(rates)) == len(rates) >= 4  # a search over rates, not a fixed ramp
    assert all(met == (p95 is not None and p95 <= 15.0) for _, p95, met in plan.results)


def test_capacity_rests_until_the_pool_is_idle():
    plan = CapacityPlan(probe_s=10, warmup_s=0, min_rest_s=0)
    assert plan.tick(0, Observation(now=0)).rate_per_min == plan.high
    assert plan.tick(10, Observation(now=10)).stage == "rest"
    assert plan.tick(11, Observation(now=11, in_flight=3)).stage == "rest"
    assert plan.results == []
    plan.tick(12, Observation(now=12, in_flight=0, queue_s=((5.0, 999.0),)))
    assert plan.results == [(plan.high, 999.0, False)]
    assert not math.isnan(plan.results[0][1])
