"""Tracker reports become Locust request events with every keyword given."""

from __future__ import annotations

from datetime import UTC, datetime

from ghrunner_locust.github.models import Job
from ghrunner_locust.plugin import events as ev
from ghrunner_locust.tracking.records import RunRecord
from ghrunner_locust.tracking.tracker import Dispatched, TrackedRun

KEYWORDS = {"request_type", "name", "response_time", "response_length", "response", "context", "exception", "start_time", "url"}


class Hook:
    def __init__(self):
        self.calls = []

    def fire(self, **kwargs):
        self.calls.append(kwargs)


class Events:
    def __init__(self):
        self.request = Hook()


def test_job_started_reports_queue_latency_in_ms():
    events = Events()
    job = Job(
        id=1,
        run_id=2,
        name="job 1",
        status="in_progress",
        conclusion=None,
        runner_id=3,
        runner_name="r",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        started_at=datetime(2026, 1, 1, 0, 0, 7, tzinfo=UTC),
    )
    ev.job_started(events, TrackedRun(Dispatched("k", 0.0), 2), job)
    (call,) = events.request.calls
    assert set(call) == KEYWORDS
    assert (call["request_type"], call["name"], call["response_time"], call["exception"]) == (
        "JOB",
        "queue latency",
        7000.0,
        None,
    )


def test_failed_run_is_a_failure_with_its_reason():
    events = Events()
    record = RunRecord(
        run_id=5,
        run_key="k",
        dispatched_at="",
        created_at="",
        first_started_at="",
        completed_at="",
        status="timed_out",
        conclusion="timed_out",
        job_count=0,
        total_s=None,
        pickup_s=None,
        job_type="parallel",
        sleep_s=1,
        worker="local",
        reason="run 5 did not complete within --run-timeout 10 s",
    )
    ev.run_finished(events, record, 0.0)
    (call,) = events.request.calls
    assert set(call) == KEYWORDS
    assert isinstance(call["exception"], ev.RunFailed) and "--run-timeout" in str(call["exception"])
