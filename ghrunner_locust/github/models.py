"""Frozen values for what the GitHub API returns, parsed leniently from its JSON.

Parsers accept GitHub's current payloads and older ones (the 2024 job payload has no
``created_at``): a missing optional field becomes ``None``, never a crash.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "parse_time",
    "DispatchResult",
    "Workflow",
    "WorkflowRun",
    "Job",
    "Runner",
    "RateLimit",
    "Page",
]


def parse_time(value: str | None) -> datetime | None:
    """An ISO 8601 timestamp as an aware UTC datetime (``None`` stays ``None``)."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


@dataclass(frozen=True)
class DispatchResult:
    """What a ``workflow_dispatch`` answered."""

    status: int
    """200 (with run details) or 204 (no body)."""
    run_id: int | None = None
    """The run's id, when the server gave it (``return_run_details`` or API 2026-03-10)."""
    run_url: str | None = None
    """API URL of the run."""
    html_url: str | None = None
    """Web URL of the run."""
    sent_at: float = 0.0
    """Epoch seconds when the request was sent."""
    elapsed_s: float = 0.0
    """API round trip, retries included."""

    @classmethod
    def from_api(cls, status: int, data: dict[str, Any] | None, sent_at: float, elapsed_s: float) -> DispatchResult:
        data = data or {}
        return cls(
            status=status,
            run_id=data.get("workflow_run_id"),
            run_url=data.get("run_url"),
            html_url=data.get("html_url"),
            sent_at=sent_at,
            elapsed_s=elapsed_s,
        )


@dataclass(frozen=True)
class Workflow:
    """A workflow file of a repository."""

    id: int
    name: str
    path: str
    state: str
    html_url: str | None = None

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Workflow:
        return cls(
            id=int(data["id"]),
            name=data.get("name", ""),
            path=data.get("path", ""),
            state=data.get("state", "active"),
            html_url=data.get("html_url"),
        )


@dataclass(frozen=True)
class WorkflowRun:
    """One workflow run."""

    id: int
    status: str | None
    conclusion: str | None
    display_title: str = ""
    event: str = ""
    workflow_id: int | None = None
    run_number: int | None = None
    head_branch: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    run_started_at: datetime | None = None
    url: str = ""
    html_url: str = ""
    jobs_url: str = ""

    @property
    def completed(self) -> bool:
        return self.status == "completed"

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> WorkflowRun:
        return cls(
            id=int(data["id"]),
            status=data.get("status"),
            conclusion=data.get("conclusion"),
            display_title=data.get("display_title") or data.get("name") or "",
            event=data.get("event", ""),
            workflow_id=data.get("workflow_id"),
            run_number=data.get("run_number"),
            head_branch=data.get("head_branch"),
            created_at=parse_time(data.get("created_at")),
            updated_at=parse_time(data.get("updated_at")),
            run_started_at=parse_time(data.get("run_started_at")),
            url=data.get("url", ""),
            html_url=data.get("html_url", ""),
            jobs_url=data.get("jobs_url", ""),
        )


@dataclass(frozen=True)
class Job:
    """One job of a run, with GitHub's own timestamps."""

    id: int
    run_id: int
    name: str
    status: str
    conclusion: str | None
    created_at: datetime | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    runner_id: int | None = None
    runner_name: str | None = None
    labels: tuple[str, ...] = ()

    @property
    def started(self) -> bool:
        """Whether a runner has the job. ``status`` and ``runner_id`` are the signal, not ``started_at``."""
        return self.status in ("in_progress", "completed") and (self.runner_id is not None or self.status == "completed")

    @property
    def completed(self) -> bool:
        return self.status == "completed"

    @property
    def queue_s(self) -> float | None:
        """``started_at - created_at``, clamped at zero (GitHub sometimes starts a job 1 s early)."""
        if not self.started or self.created_at is None or self.started_at is None:
            return None
        return max(0.0, (self.started_at - self.created_at).total_seconds())

    @property
    def execution_s(self) -> float | None:
        """``completed_at - started_at``, clamped at zero."""
        if not self.completed or self.started_at is None or self.completed_at is None:
            return None
        return max(0.0, (self.completed_at - self.started_at).total_seconds())

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Job:
        return cls(
            id=int(data["id"]),
            run_id=int(data["run_id"]),
            name=data.get("name", ""),
            status=data.get("status", ""),
            conclusion=data.get("conclusion"),
            created_at=parse_time(data.get("created_at")),
            started_at=parse_time(data.get("started_at")),
            completed_at=parse_time(data.get("completed_at")),
            runner_id=data.get("runner_id"),
            runner_name=data.get("runner_name"),
            labels=tuple(data.get("labels") or ()),
        )


@dataclass(frozen=True)
class Runner:
    """A self-hosted runner."""

    id: int
    name: str
    status: str
    busy: bool
    labels: tuple[str, ...] = ()
    os: str = ""
    ephemeral: bool | None = None

    @property
    def online(self) -> bool:
        return self.status == "online"

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Runner:
        return cls(
            id=int(data["id"]),
            name=data.get("name", ""),
            status=data.get("status", ""),
            busy=bool(data.get("busy")),
            labels=tuple(label["name"] for label in data.get("labels") or ()),
            os=data.get("os", ""),
            ephemeral=data.get("ephemeral"),
        )


@dataclass(frozen=True)
class RateLimit:
    """One budget of ``GET /rate_limit``."""

    resource: str
    limit: int
    remaining: int
    used: int
    reset: int

    @classmethod
    def all_from_api(cls, data: dict[str, Any]) -> dict[str, RateLimit]:
        resources = dict(data.get("resources") or {})
        if "rate" in data and "core" not in resources:
            resources["core"] = data["rate"]
        return {
            name: cls(
                resource=name,
                limit=int(value["limit"]),
                remaining=int(value["remaining"]),
                used=int(value.get("used", int(value["limit"]) - int(value["remaining"]))),
                reset=int(value["reset"]),
            )
            for name, value in resources.items()
        }


@dataclass(frozen=True)
class Page:
    """The items of a listing (all pages followed), and whether the server said 'not modified'."""

    items: tuple[Any, ...]
    total_count: int
    not_modified: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
