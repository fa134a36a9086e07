"""The simulator's records: runs, jobs and runners (mutable, owned by the state under its lock)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

__all__ = ["SimJob", "SimRun", "SimRunner", "SimError", "runs_on_labels"]


class SimError(Exception):
    """An answer the API gives instead of a result: a status, GitHub's message and its docs URL.

    Without ``documentation_url`` the HTTP layer fills in the endpoint's own page, as GitHub does.
    ``retry_after`` (seconds) becomes a ``retry-after`` header.
    """

    def __init__(self, status: int, message: str, documentation_url: str = "", *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.documentation_url = documentation_url
        self.retry_after = retry_after


@dataclass
class SimJob:
    """A job; times are true epoch seconds (the API truncates them to GitHub's resolution)."""

    id: int
    run_id: int
    name: str
    labels: tuple[str, ...]
    created_at: float
    duration_s: float
    status: str = "queued"
    conclusion: str | None = None
    started_at: float | None = None
    completed_at: float | None = None
    assigned_at: float | None = None
    runner_id: int | None = None
    runner_name: str | None = None
    fails: bool = False
    early_start: bool = False
    """Reported with ``started_at`` a second before ``created_at`` (GitHub quirk)."""

    @property
    def skipped(self) -> bool:
        return self.conclusion == "skipped"


@dataclass
class SimRun:
    """A workflow run."""

    id: int
    owner: str
    repo: str
    workflow_id: int
    ref: str
    inputs: dict[str, str]
    display_title: str
    created_at: float
    listable_at: float
    run_number: int
    sleep_s: float
    job_count: int
    sequential: bool
    labels: tuple[str, ...]
    status: str = "queued"
    conclusion: str | None = None
    updated_at: float = 0.0
    jobs: list[SimJob] = field(default_factory=list)
    next_index: int = 1
    """The next job of the sequential chain (1-based)."""
    cancel_requested_at: float | None = None
    """When a cancel was accepted; the run ends ``cancelled`` after ``SimConfig.cancel_s``."""

    @property
    def real_jobs(self) -> list[SimJob]:
        return [job for job in self.jobs if not job.skipped]


@dataclass
class SimRunner:
    """A self-hosted runner: runs one job at a time."""

    id: int
    name: str
    labels: tuple[str, ...]
    status: str = "online"
    job_id: int | None = None
    idle_since: float = 0.0
    autoscaled: bool = False
    ephemeral: bool = False

    @property
    def busy(self) -> bool:
        return self.job_id is not None

    @property
    def idle(self) -> bool:
        return self.status == "online" and self.job_id is None


def runs_on_labels(text: str | None) -> tuple[str, ...]:
    """The ``runner_labels`` input (a JSON array or one label) as the job's ``runs-on`` labels."""
    try:
        value = json.loads(text or '["self-hosted"]')
    except json.JSONDecodeError:
        value = [text]
    if isinstance(value, str):
        value = [value]
    return tuple(str(v) for v in value) or ("self-hosted",)
