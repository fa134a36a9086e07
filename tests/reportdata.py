"""A small results directory whose every number can be worked out by hand (used by the report's tests).

Test window 0-100 s, 2 runners (sampled online), 4 jobs, 4 runs, 5 samples:

| job | runner | created | started | completed | queue | execution | stage | conclusion |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
| 1 | r1 | 0 | 2 | 40 | 2 | 38 | s1 | success |
| 2 | r2 | 0 | 10 | 30 | 10 | 20 | s1 | success |
| 3 | r1 | 20 | 50 | 90 | 30 | 40 | s2 | failure |
| 4 | r2 | 60 | 63 | 70 | 3 | 7 | s2 | success |

Jobs 1, 2 and 4 found a free runner (1 other job in the system when queued, 2 runners); job 3 did not (2).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from ghrunner_locust.tracking.records import JobRecord, RunRecord, Sample
from ghrunner_locust.tracking.results import ResultsWriter

T0 = pd.Timestamp("2026-01-01T00:00:00Z")

JOBS = [
    (1, "r1", 0, 2, 40, "success", "s1"),
    (2, "r2", 0, 10, 30, "success", "s1"),
    (3, "r1", 20, 50, 90, "failure", "s2"),
    (4, "r2", 60, 63, 70, "success", "s2"),
]
RUNS = [(1, 40, 2, "success"), (2, 30, 10, "success"), (3, 70, 30, "failure"), (4, 10, 3, "success")]
SAMPLES = [(10, 0, 2, 1), (30, 1, 1, 1), (50, 0, 1, 2), (70, 0, 2, 2), (90, 0, 1, 2)]
"""(time, queued, running, users): mean queued + running 8 / 5 = 1.6."""

OPTIONS = {
    "locustfile": "locustfiles/load.py",
    "shape": "load",
    "shape_rate": 6.0,
    "sleep_duration": 30.0,
    "job_count": 1,
    "job_type": "parallel",
    "gh_inputs": "{}",
    "sim_runners": 2,
    "sim_pickup": 2.5,
    "sim_pickup_p90": 10.0,
    "sim_pickup_tail": 0.01,
    "sim_fixed_latency": True,
    "quick": False,
}
META: dict[str, Any] = {
    "scenario": "synthetic",
    "start": "2026-01-01T00:00:00.000Z",
    "end": "2026-01-01T00:01:40.000Z",
    "target": "embedded simulator",
    "owner": "ghrunner",
    "repo": "sim",
    "workflow": "runner_test.yml",
    "options": OPTIONS,
    "expected": [
        {"stage": "s1", "expected_wait_s": 4.0, "utilization": 0.5, "dispatches_per_min": 6.0},
        {"stage": "s2", "expected_queue_s": 1.0, "utilization": 0.25, "dispatches_per_min": 3.0},
        {"stage": "s3", "expected_wait_s": float("inf"), "utilization": 1.5, "dispatches_per_min": 30.0},
    ],
}


def at(seconds: float) -> str:
    return (T0 + pd.Timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def job(i: int, runner: str, created: float, started: float | None, completed: float | None, conclusion="success", stage="s1"):
    return JobRecord(
        run_id=i,
        job_id=i,
        job_name=f"job {i}",
        run_key=f"k{i}",
        dispatched_at=at(created),
        created_at=at(created),
        started_at=at(started) if started is not None else "",
        completed_at=at(completed) if completed is not None else "",
        queue_s=None if started is None else started - created,
        execution_s=None if completed is None or started is None else completed - started,
        status="completed" if completed is not None else "queued",
        conclusion=conclusion,
        runner_name=runner,
        worker="local",
        stage=stage,
    )


def run(i: int, total: float, pickup: float = 0.0, conclusion: str = "success") -> RunRecord:
    return RunRecord(
        run_id=i,
        run_key=f"k{i}",
        dispatched_at=at(0),
        created_at=at(0),
        first_started_at=at(pickup),
        completed_at=at(total),
        status="completed",
        conclusion=conclusion,
        job_count=1,
        total_s=total,
        pickup_s=pickup,
        job_type="parallel",
        sleep_s=1,
        worker="local",
    )


def sample(t: float, queued: int, running: int, users: int = 1, online: int | None = 2, worker: str = "local") -> Sample:
    return Sample(
        time=at(t),
        worker=worker,
        in_flight_runs=queued + running,
        queued_jobs=queued,
        running_jobs=running,
        busy_runners=running,
        online_runners=online,
        rate_limit_remaining=4999,
        rate_limit_used=1,
        requests_sent=1,
        requests_counted=1,
        users=users,
    )


def write_results(directory: Path, records: list[Any], meta: dict[str, Any] | None) -> Path:
    """A results directory as the harness writes it."""
    directory.mkdir(parents=True, exist_ok=True)
    writer = ResultsWriter(directory)
    for record in records:
        writer.write(record)
    if meta is not None:
        writer.write_meta(meta)
    writer.close()
    return directory


def synthetic(directory: Path, meta: dict[str, Any] | None = None) -> Path:
    """The directory of this module's table."""
    records = [job(i, r, c, s, e, k, st) for i, r, c, s, e, k, st in JOBS]
    records += [run(i, total, pickup, k) for i, total, pickup, k in RUNS]
    records += [sample(t, q, r, u) for t, q, r, u in SAMPLES]
    return write_results(directory, records, json.loads(json.dumps(META)) if meta is None else meta)
