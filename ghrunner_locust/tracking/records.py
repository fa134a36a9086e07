"""What a test records: one value per job, per run and per sample. Their CSV columns are a contract.

``jobs.csv``, ``runs.csv`` and ``samples.csv`` hold exactly :func:`columns` of these classes, in order;
timestamps are ISO 8601 UTC, durations seconds. README.md documents every column.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from typing import Any

__all__ = ["JobRecord", "RunRecord", "Sample", "columns", "iso", "from_row"]


def iso(t: datetime | float | None) -> str:
    """An aware datetime or epoch seconds as ISO 8601 UTC (empty for ``None``)."""
    if t is None:
        return ""
    if isinstance(t, int | float):
        t = datetime.fromtimestamp(t, tz=UTC)
    return t.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class JobRecord:
    """One job of a dispatched run, written when the job completes (or when its run ends unfinished)."""

    run_id: int
    job_id: int
    job_name: str
    run_key: str
    dispatched_at: str
    """When the harness sent the dispatch (local clock)."""
    created_at: str
    """GitHub: the job was queued."""
    started_at: str
    """GitHub: a runner started the job (empty if it never did)."""
    completed_at: str
    queue_s: float | None
    """``started_at - created_at``, clamped at 0."""
    execution_s: float | None
    """``completed_at - started_at``, clamped at 0."""
    status: str
    conclusion: str
    runner_name: str
    worker: str
    """The Locust process that dispatched the job's run (``local``, or a worker id); the master tracks them all."""
    stage: str = ""
    """The load shape's stage when the job was dispatched (empty without a shape)."""


@dataclass(frozen=True)
class RunRecord:
    """One dispatched run, written when it ends (completed, timed out, cancelled or never found)."""

    run_id: int | None
    run_key: str
    dispatched_at: str
    created_at: str
    first_started_at: str
    completed_at: str
    status: str
    conclusion: str
    """GitHub's conclusion, or ``timed_out``/``not_found``/``unfinished`` from the harness."""
    job_count: int
    """Jobs that ran on a runner (skipped jobs are not counted)."""
    total_s: float | None
    """Dispatch sent to the last job completed."""
    pickup_s: float | None
    """Dispatch sent to the first job started."""
    job_type: str
    sleep_s: float | None
    worker: str
    stage: str = ""
    reason: str = ""
    """Why the run counts as failed, in words (empty on success)."""


@dataclass(frozen=True)
class Sample:
    """The pool and the harness at one moment, one row per sampling interval and process."""

    time: str
    worker: str
    in_flight_runs: int
    queued_jobs: int
    running_jobs: int
    busy_runners: int | None
    """From the runners API where the token may read it (else empty)."""
    online_runners: int | None
    rate_limit_remaining: int | None
    rate_limit_used: int | None
    requests_sent: int
    requests_counted: int
    users: int
    stage: str = ""
    ecs_desired: int | None = None
    ecs_running: int | None = None
    ecs_pending: int | None = None


def columns(cls: type) -> list[str]:
    return [f.name for f in fields(cls)]


def from_row(cls: type, row: dict[str, Any]) -> Any:
    """Rebuild a record from a dict (e.g. one sent by a Locust worker)."""
    return cls(**{f.name: row.get(f.name) for f in fields(cls)})


def as_row(record: Any) -> dict[str, Any]:
    return asdict(record)
