"""A job's steps as GitHub lists them: ``Set up job``, the workflow's step, ``Complete job``."""

from __future__ import annotations

from ghrunner_locust.simulator.model import SimJob, SimRun
from ghrunner_locust.simulator.payloads import Payloads

T0 = 1_800_000_000.0


def job(**fields) -> SimJob:
    base = dict(id=1, run_id=2, name="job 1", labels=("self-hosted",), created_at=T0, duration_s=1.5 + 10 + 0.5)
    return SimJob(**{**base, **fields})


def run() -> SimRun:
    return SimRun(2, "octo", "runners", 161335, "main", {}, "t", T0, T0, 1, 10, 1, False, ("self-hosted",))


def steps_at(record: SimJob, now: float) -> list[dict]:
    return Payloads("http://sim", now=now, setup_s=1.5, teardown_s=0.5).job(record, run())["steps"]


def test_a_finished_job_lists_set_up_job_its_step_and_complete_job():
    done = job(status="completed", conclusion="success", started_at=T0 + 4, completed_at=T0 + 16, runner_id=1, runner_name="r")
    payload = Payloads("http://sim", now=T0 + 100, setup_s=1.5, teardown_s=0.5).job(done, run())
    steps = payload["steps"]
    assert [(s["number"], s["name"]) for s in steps] == [(1, "Set up job"), (2, "Sleep"), (3, "Complete job")]
    assert all((s["status"], s["conclusion"]) == ("completed", "success") for s in steps)
    assert steps[0]["started_at"] >= payload["started_at"]  # ISO strings of one format compare as times
    assert steps[-1]["completed_at"] == payload["completed_at"]
    for before, after in zip(steps, steps[1:], strict=False):
        assert before["completed_at"] <= after["started_at"]


def test_steps_appear_as_the_job_runs():
    running = job(status="in_progress", started_at=T0 + 4, runner_id=1, runner_name="r")
    assert [s["status"] for s in steps_at(running, T0 + 4.5)] == ["in_progress", "queued", "queued"]
    assert [s["status"] for s in steps_at(running, T0 + 8)] == ["completed", "in_progress", "queued"]
    assert [s["status"] for s in steps_at(running, T0 + 15.8)] == ["completed", "completed", "in_progress"]
    assert steps_at(running, T0 + 4.5)[1]["started_at"] is None


def test_a_failed_job_fails_in_its_step_and_still_completes():
    failed = job(status="completed", conclusion="failure", started_at=T0, completed_at=T0 + 12, runner_id=1, runner_name="r")
    assert [s["conclusion"] for s in steps_at(failed, T0 + 20)] == ["success", "failure", "success"]


def test_a_cancelled_job_cancels_its_running_step_and_skips_the_rest():
    cancelled = job(status="completed", conclusion="cancelled", started_at=T0, completed_at=T0 + 1, runner_id=1, runner_name="r")
    steps = steps_at(cancelled, T0 + 20)
    assert [(s["name"], s["conclusion"]) for s in steps] == [
        ("Set up job", "cancelled"),
        ("Sleep", "skipped"),
        ("Complete job", "success"),
    ]
    never_ran = job(status="completed", conclusion="cancelled", started_at=T0 + 1, completed_at=T0 + 1)
    assert steps_at(never_ran, T0 + 20) == []  # no runner, no steps


def test_the_early_start_quirk_keeps_set_up_job_at_or_after_started_at():
    early = job(
        status="completed",
        conclusion="success",
        started_at=T0 + 0.5,
        completed_at=T0 + 12.5,
        runner_id=1,
        runner_name="r",
        early_start=True,
    )
    payload = Payloads("http://sim", now=T0 + 20, setup_s=1.5, teardown_s=0.5).job(early, run())
    assert payload["started_at"] < payload["created_at"]  # GitHub's quirk, kept
    assert payload["steps"][0]["started_at"] >= payload["started_at"]
