"""Tracker reports as Locust request events: the rows of queue latency, execution time and run times.

These rows are latencies measured from GitHub's timestamps, not API requests. Every keyword of the
request event is given: a third-party listener that expects one would otherwise fail.
"""

from __future__ import annotations

import time
from typing import Any

from ..github.models import Job
from ..tracking.records import JobRecord, RunRecord
from ..tracking.tracker import TrackedRun

__all__ = ["JOB", "RUN", "DISPATCH", "JobFailed", "RunFailed", "fire", "job_started", "job_finished", "run_finished"]

JOB, RUN, DISPATCH = "JOB", "RUN", "DISPATCH"
QUEUE, EXECUTION, TOTAL, PICKUP = "queue latency", "execution time", "total (dispatch to done)", "pickup (dispatch to first job)"


class JobFailed(Exception):
    """A job ended other than ``success``."""


class RunFailed(Exception):
    """A run ended other than ``success``, timed out, or never appeared."""


def fire(
    events: Any,
    request_type: str,
    name: str,
    seconds: float,
    *,
    start_time: float,
    exception: Exception | None = None,
    url: str | None = None,
    context: dict[str, Any] | None = None,
) -> None:
    events.request.fire(
        request_type=request_type,
        name=name,
        response_time=seconds * 1000.0,
        response_length=0,
        response=None,
        context=context or {},
        exception=exception,
        start_time=start_time,
        url=url,
    )


def job_started(events: Any, run: TrackedRun, job: Job) -> None:
    if job.queue_s is None:
        return
    start = job.created_at.timestamp() if job.created_at else run.dispatch.dispatched_at
    fire(
        events,
        JOB,
        QUEUE,
        job.queue_s,
        start_time=start,
        context={"run_id": job.run_id, "job": job.name, "runner": job.runner_name},
    )


def job_finished(events: Any, record: JobRecord) -> None:
    failed = record.conclusion != "success"
    if record.execution_s is None and not failed:
        return
    error = (
        JobFailed(f"job '{record.job_name}' of run {record.run_id} ended {record.conclusion or record.status}")
        if failed
        else None
    )
    fire(
        events,
        JOB,
        EXECUTION,
        record.execution_s or 0.0,
        start_time=time.time(),
        exception=error,
        context={"run_id": record.run_id, "job": record.job_name, "runner": record.runner_name},
    )


def run_finished(events: Any, record: RunRecord, dispatched_at: float) -> None:
    error = (
        RunFailed(record.reason or f"run {record.run_id} ended {record.conclusion}") if record.conclusion != "success" else None
    )
    context = {"run_id": record.run_id, "run_key": record.run_key}
    fire(events, RUN, TOTAL, record.total_s or 0.0, start_time=dispatched_at, exception=error, context=context)
    if record.pickup_s is not None:
        fire(events, RUN, PICKUP, record.pickup_s, start_time=dispatched_at, context=context)
