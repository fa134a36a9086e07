"""The simulator's state machine with a fake clock: scheduling, chains, cancel, labels, pool dynamics."""

from __future__ import annotations

from collections import defaultdict

import pytest

from ghrunner_locust.clock import FakeClock
from ghrunner_locust.simulator import LatencyModel, SimConfig, SimError, SimState

FAST = dict(pickup=LatencyModel(median_s=2.0, fixed=True), setup_s=1.5, teardown_s=0.5, run_to_job_s=1.0, seed=1)


def make(**overrides) -> tuple[SimState, FakeClock]:
    clock = FakeClock(start=1_800_000_000.0)
    return SimState(SimConfig(**{**FAST, **overrides}), clock=clock), clock


def run_until(state: SimState, clock: FakeClock, end: float) -> None:
    """Move the fake clock from event to event up to ``end``."""
    while (due := state.next_event_time()) is not None and due <= end:
        clock.now = max(clock.now, due)
        state.advance()
    clock.now = max(clock.now, end)


def dispatch(state, job_count=1, sleep=10, job_type="parallel", **inputs):
    return state.dispatch(
        "octo",
        "runners",
        "runner_test.yml",
        "main",
        {"job_count": job_count, "sleep_duration": sleep, "job_type": job_type, **inputs},
    )


def test_twenty_parallel_jobs_on_four_runners_start_in_five_waves():
    state, clock = make()
    sleep = 10
    run = dispatch(state, job_count=20, sleep=sleep)
    run_until(state, clock, clock.now + 400)
    truth = sorted(state.truth(), key=lambda j: j["queue_s"])
    assert len(truth) == 20 and all(j["conclusion"] == "success" for j in truth)
    cycle = 2.0 + 1.5 + sleep + 0.5  # pickup + setup + sleep + teardown
    waves = [round(j["queue_s"], 6) for j in truth]
    assert waves == [pytest.approx(2.0 + k * cycle) for k in range(5) for _ in range(4)]
    assert all(j["execution_s"] == pytest.approx(sleep + 2.0) for j in truth)
    assert state.runs[run.id].status == "completed" and state.runs[run.id].conclusion == "success"


def _max_concurrency(events):
    running, peak, per_runner = 0, 0, defaultdict(int)
    for event in sorted(events, key=lambda e: (e["t"], e["type"] != "job_completed", e["seq"])):
        if event["type"] == "job_started":
            running += 1
            per_runner[event["runner_id"]] += 1
            assert per_runner[event["runner_id"]] == 1, "a runner holds two jobs"
        elif event["type"] == "job_completed" and event.get("runner_id"):
            running -= 1
            per_runner[event["runner_id"]] -= 1
        peak = max(peak, running)
    return peak


def test_random_latencies_never_exceed_the_pool():
    state, clock = make(pickup=LatencyModel(), seed=7)
    for _ in range(10):
        dispatch(state, job_count=5, sleep=3)
        run_until(state, clock, clock.now + 2)
    run_until(state, clock, clock.now + 2000)
    assert len(state.truth()) == 50
    assert _max_concurrency(state.events) == 4


def test_sequential_chain_queues_each_job_when_the_previous_completes():
    state, clock = make()
    run = dispatch(state, job_count=3, sleep=5, job_type="sequential")
    run_until(state, clock, clock.now + 200)
    jobs = sorted(state.runs[run.id].real_jobs, key=lambda j: j.id)
    assert [j.name for j in jobs] == ["job 1", "job 2", "job 3"]
    for before, after in zip(jobs, jobs[1:], strict=False):
        assert after.created_at == before.completed_at
    skipped = [j for j in state.runs[run.id].jobs if j.skipped]
    assert len(skipped) == 1 + 17  # the parallel matrix job and the chain past job_count


def test_cancel_is_asynchronous_then_ends_jobs_and_frees_runners():
    state, clock = make(runners=2, cancel_s=3.0)
    run = dispatch(state, job_count=4, sleep=100)
    other = dispatch(state, job_count=1, sleep=100)
    run_until(state, clock, clock.now + 10)
    assert state.pool.busy_count == 2
    state.cancel(run.id)
    state.cancel(run.id)  # a second cancel while cancelling is accepted too
    run_until(state, clock, clock.now + 2.9)  # GitHub: the run stays as it was for a few seconds
    assert state.runs[run.id].status == "in_progress" and state.pool.busy_count == 2
    assert all(state.jobs[j].run_id != run.id for j in state.waiting)  # its queued jobs go to no runner
    run_until(state, clock, clock.now + 0.2)
    assert {j.conclusion for j in state.runs[run.id].real_jobs} == {"cancelled"}
    assert (state.runs[run.id].status, state.runs[run.id].conclusion) == ("completed", "cancelled")
    with pytest.raises(SimError) as info:
        state.cancel(run.id)
    assert info.value.status == 409  # a finished run cannot be cancelled
    run_until(state, clock, clock.now + 5)
    assert state.runs[other.id].status == "in_progress"  # the freed runner took the other run's job


def test_a_sequential_run_cancelled_mid_chain_queues_nothing_more():
    state, clock = make(runners=1, cancel_s=3.0)
    run = dispatch(state, job_count=3, sleep=1, job_type="sequential")
    run_until(state, clock, clock.now + 4)  # job 1 runs (1 s to queue, 2 s pickup, 3 s of work)
    state.cancel(run.id)
    run_until(state, clock, clock.now + 10)
    assert [j.conclusion for j in run.real_jobs] == ["success"]  # job 1 ended before the cancel landed
    assert run.conclusion == "cancelled" and state.pool.busy_count == 0


def test_jobs_go_only_to_runners_with_their_labels():
    state, clock = make(runner_labels=("self-hosted", "linux"))
    run = dispatch(state, runner_labels='["self-hosted", "gpu"]')
    plain = dispatch(state, runner_labels='["self-hosted", "linux"]')
    run_until(state, clock, clock.now + 100)
    assert state.runs[run.id].status == "queued"
    assert state.runs[plain.id].status == "completed"


def test_ephemeral_runners_leave_and_return_after_provisioning():
    state, clock = make(runners=1, ephemeral=True, provision_s=60.0)
    first = dispatch(state, sleep=5)
    second = dispatch(state, sleep=5)
    run_until(state, clock, clock.now + 300)
    a, b = (state.runs[r.id].real_jobs[0] for r in (first, second))
    assert a.runner_id != b.runner_id
    assert b.started_at - a.completed_at == pytest.approx(60.0 + 2.0)
    kinds = [e["type"] for e in state.events if e["type"].startswith("runner_")]
    assert kinds.count("runner_offline") == 2 and kinds.count("runner_online") == 3


def test_autoscaling_launches_up_to_the_maximum_and_scales_down():
    state, clock = make(runners=1, max_runners=3, provision_s=30.0, scale_down_idle_s=50.0)
    dispatch(state, job_count=5, sleep=100)
    run_until(state, clock, clock.now + 40)
    assert len(state.pool.runners) == 3
    run_until(state, clock, clock.now + 1000)
    assert len(state.pool.runners) == 1


@pytest.mark.parametrize(
    ("ref", "inputs", "status", "message"),
    [
        ("nope", {}, 422, "No ref found for: nope"),
        ("main", {"colour": "red"}, 422, 'Unexpected inputs provided: ["colour"]'),
        ("main", {"job_type": "zigzag"}, 422, "Provided value 'zigzag' for input 'job_type' not in the list of allowed values"),
    ],
)
def test_dispatch_errors_use_githubs_wording(ref, inputs, status, message):
    state, _ = make()
    with pytest.raises(SimError) as info:
        state.dispatch("octo", "runners", "runner_test.yml", ref, inputs)
    assert (info.value.status, info.value.message) == (status, message)


def test_unknown_workflow_is_404():
    state, _ = make()
    with pytest.raises(SimError) as info:
        state.dispatch("octo", "runners", "other.yml", "main", {})
    assert info.value.status == 404


def test_job_failure_rate_fails_runs():
    state, clock = make(job_failure_rate=1.0)
    run = dispatch(state)
    run_until(state, clock, clock.now + 100)
    assert state.runs[run.id].conclusion == "failure"


def test_run_name_is_rendered_into_the_title():
    state, _ = make()
    run = dispatch(state, job_count=2, run_key="abc123")
    assert run.display_title == "runner-test parallel x2 sleep 10s [abc123]"
