"""The run tracker against the simulator: every job reported once, from GitHub's timestamps."""

from __future__ import annotations

import time
import uuid

import pytest

from ghrunner_locust.github import GitHubClient
from ghrunner_locust.simulator import SimConfig, Simulator
from ghrunner_locust.tracking.tracker import Dispatched, RunTracker, TrackerListener

from .conftest import FAST_SIM, TOKEN

WF = "runner_test.yml"


class Collect(TrackerListener):
    def __init__(self):
        self.started, self.jobs, self.runs = [], [], []

    def job_started(self, run, job):
        self.started.append(job.id)

    def job_finished(self, record):
        self.jobs.append(record)

    def run_finished(self, record):
        self.runs.append(record)


def dispatch(client, tracker, inputs, with_id=True):
    key = uuid.uuid4().hex[:10]
    sent = time.time()
    result = client.dispatch_workflow("octo", "runners", WF, "main", {**inputs, "run_key": key})
    tracker.track(
        Dispatched(
            key,
            sent,
            result.run_id if with_id else None,
            inputs.get("job_type", "parallel"),
            int(inputs.get("job_count", 1)),
            float(inputs.get("sleep_duration", 0)),
        )
    )


def run_to_end(tracker, timeout=30.0, interval=0.1):
    deadline = time.monotonic() + timeout
    while tracker.runs and time.monotonic() < deadline:
        tracker.poll_once()
        time.sleep(interval)
    assert not tracker.runs, "runs still tracked"


@pytest.mark.parametrize("with_id", [True, False])
def test_every_job_reported_once_and_matches_ground_truth(sim, with_id):
    client = GitHubClient(sim.url, TOKEN)
    seen = Collect()
    tracker = RunTracker(client, "octo", "runners", WF, listener=seen, poll_interval=0.1, jobs_refresh=0.1)
    for count, kind in [(3, "parallel"), (2, "sequential"), (6, "parallel")]:
        dispatch(client, tracker, {"job_count": str(count), "job_type": kind, "sleep_duration": "0"}, with_id)
    run_to_end(tracker)
    truth = {j["job_id"]: j for j in sim.state.truth()}
    assert sorted(r.job_id for r in seen.jobs) == sorted(truth) and len(seen.jobs) == 11
    assert sorted(seen.started) == sorted(truth)
    for record in seen.jobs:
        assert record.conclusion == "success"
        assert abs(record.queue_s - truth[record.job_id]["queue_s"]) <= 1.0
        assert abs(record.execution_s - truth[record.job_id]["execution_s"]) <= 1.0
    assert len(seen.runs) == 3 and all(r.conclusion == "success" for r in seen.runs)
    assert sorted(r.job_count for r in seen.runs) == [2, 3, 6]


def test_failed_jobs_and_cancel_and_timeout():
    with Simulator(SimConfig(**{**FAST_SIM, "job_failure_rate": 1.0})) as server:
        client = GitHubClient(server.url, TOKEN)
        seen = Collect()
        tracker = RunTracker(client, "octo", "runners", WF, listener=seen, poll_interval=0.1)
        dispatch(client, tracker, {"job_count": "2", "sleep_duration": "0"})
        run_to_end(tracker)
        assert seen.runs[0].conclusion == "failure" and "concluded failure" in seen.runs[0].reason
        assert {r.conclusion for r in seen.jobs} == {"failure"}


def test_drain_then_cancel_records_unfinished_runs(sim):
    client = GitHubClient(sim.url, TOKEN)
    seen = Collect()
    tracker = RunTracker(client, "octo", "runners", WF, listener=seen, poll_interval=0.1)
    dispatch(client, tracker, {"job_count": "2", "sleep_duration": "60"})
    tracker.drain(timeout=1.0)
    assert tracker.in_flight == 1
    assert tracker.cancel_all() == 1
    tracker.drain(timeout=5.0)
    assert tracker.in_flight == 0 and seen.runs[0].conclusion == "cancelled"
    assert sim.state.pool.busy_count == 0


def test_run_timeout_and_not_found(sim):
    client = GitHubClient(sim.url, TOKEN)
    seen = Collect()
    tracker = RunTracker(client, "octo", "runners", WF, listener=seen, poll_interval=0.05, run_timeout=0.5, find_timeout=0.3)
    dispatch(client, tracker, {"sleep_duration": "60"})
    tracker.track(Dispatched("never-dispatched", time.time()))
    run_to_end(tracker, timeout=5)
    assert sorted(r.conclusion for r in seen.runs) == ["not_found", "timed_out"]
    assert all(r.reason for r in seen.runs)
