"""Follow one dispatched run to its end (for ``ghrunner dispatch --wait``; Locust uses the tracker)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..clock import Clock, SystemClock
from .client import GitHubClient
from .models import Job, WorkflowRun

__all__ = ["RunProgress", "find_dispatched_run", "follow_run", "created_filter"]


@dataclass(frozen=True)
class RunProgress:
    """Counts of a run's jobs at one poll."""

    run: WorkflowRun
    jobs: tuple[Job, ...]

    @property
    def real_jobs(self) -> tuple[Job, ...]:
        """Jobs that run on a runner (skipped jobs never do)."""
        return tuple(job for job in self.jobs if job.conclusion != "skipped")

    @property
    def queued(self) -> int:
        return sum(1 for job in self.real_jobs if not job.started)

    @property
    def running(self) -> int:
        return sum(1 for job in self.real_jobs if job.started and not job.completed)

    @property
    def done(self) -> int:
        return sum(1 for job in self.real_jobs if job.completed)

    def line(self) -> str:
        return f"run {self.run.id}: {self.run.status}, jobs queued {self.queued}, running {self.running}, done {self.done}"


def created_filter(since: float, slack_s: float = 5.0) -> str:
    """The ``created`` query of a run search: ``>=`` a few seconds before ``since`` (clocks differ)."""
    moment = datetime.fromtimestamp(since, tz=UTC) - timedelta(seconds=slack_s)
    return f">={moment:%Y-%m-%dT%H:%M:%SZ}"


def find_dispatched_run(
    client: GitHubClient,
    owner: str,
    repo: str,
    workflow: str | int,
    since: float,
    run_key: str | None = None,
) -> WorkflowRun | None:
    """The run a dispatch sent at ``since`` created: matched by ``run_key`` in its title, else the oldest new one."""
    page = client.list_workflow_runs(
        owner, repo, workflow, event="workflow_dispatch", created=created_filter(since), conditional=False
    )
    runs = sorted(page.items, key=lambda run: run.id)
    if run_key:
        runs = [run for run in runs if run_key in run.display_title]
    return runs[0] if runs else None


def follow_run(
    client: GitHubClient,
    owner: str,
    repo: str,
    run_id: int,
    *,
    poll_interval: float = 5.0,
    timeout: float = 3600.0,
    clock: Clock | None = None,
    on_progress: Callable[[RunProgress], None] | None = None,
) -> RunProgress:
    """Poll a run until it completes (or ``timeout``), reading its jobs when the run changed."""
    clock = clock or SystemClock()
    deadline = clock.time() + timeout
    jobs: tuple[Job, ...] = ()
    while True:
        run = client.get_run(owner, repo, run_id)
        jobs_page = client.list_run_jobs(owner, repo, run_id)
        jobs = jobs_page.items
        progress = RunProgress(run, jobs)
        if on_progress:
            on_progress(progress)
        if run.completed and all(job.completed for job in jobs):
            return progress
        if clock.time() >= deadline:
            return progress
        clock.sleep(poll_interval)
