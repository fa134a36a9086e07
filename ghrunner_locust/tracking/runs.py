"""What the tracker knows of one run, what it reports, and the records it builds from GitHub's timestamps."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from ..github.models import Job, WorkflowRun
from .records import JobRecord, RunRecord, iso

__all__ = [
    "Dispatched",
    "TrackedRun",
    "TrackerListener",
    "conclusion_from_jobs",
    "run_record",
    "job_record",
    "all_started",
    "job_counts",
    "may_have_ended",
    "by_listing",
    "not_found_reason",
]


@dataclass(frozen=True)
class Dispatched:
    """A dispatch the harness sent, handed to the tracker."""

    run_key: str
    dispatched_at: float
    run_id: int | None = None
    job_type: str = "parallel"
    job_count: int = 1
    sleep_s: float | None = None
    stage: str = ""
    worker: str = ""
    """The Locust process that dispatched it (empty: the tracker's own)."""
    unknown: str = ""
    """Why the dispatch's outcome is unknown (its answer was lost); empty when GitHub answered. The tracker
    looks for its run by ``run_key`` and records a failed dispatch if none appears."""
    answered_at: float | None = None
    """When its answer (or error) came back: a run whose answer was lost is looked for from then, for a
    dispatch may wait out a rate-limit pause between ``dispatched_at`` and its arrival."""


@dataclass
class TrackedRun:
    """The tracker's knowledge of one run."""

    dispatch: Dispatched
    run_id: int | None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    status: str = "queued"
    conclusion: str | None = None
    seen_in_progress: bool = False
    in_progress_since: float = 0.0
    dirty: bool = False
    """The run changed since its jobs were last read."""
    jobs_read_at: float = 0.0
    cancelled: bool = False
    """The harness asked GitHub to cancel it (so it may end before its jobs' sleep)."""
    misses: int = 0
    """Reads of its jobs, when the forecast said it was due, that found it not over yet."""
    checked_at: float = 0.0
    """When a listing of completed runs last showed it not over."""
    listed: bool = False
    """Its end is noticed by the listing of completed runs rather than by a read when due (no known sleep,
    cancelled, or the forecast missed it too often)."""
    jobs: dict[int, Job] = field(default_factory=dict)
    started: set[int] = field(default_factory=set)
    finished: set[int] = field(default_factory=set)
    on_done: list[Callable[[RunRecord], None]] = field(default_factory=list)

    def seen(self, run: WorkflowRun) -> None:
        self.created_at = run.created_at or self.created_at
        self.updated_at = run.updated_at
        self.status = run.status or self.status
        self.conclusion = run.conclusion or self.conclusion


class TrackerListener:
    """What the tracker reports. Subclass and override; each method gets the record it is about."""

    def job_started(self, run: TrackedRun, job: Job) -> None:
        """A runner took ``job``: its queue latency is known."""

    def job_finished(self, record: JobRecord) -> None:
        """``job`` completed (or its run ended with it unfinished)."""

    def run_finished(self, record: RunRecord) -> None:
        """The run ended: completed, timed out, never found, or left unfinished at the end of the test."""


def _seconds(later: datetime | None, earlier: datetime | float | None) -> float | None:
    if later is None or earlier is None:
        return None
    base = earlier if isinstance(earlier, float | int) else earlier.timestamp()
    return max(0.0, later.timestamp() - base)


def conclusion_from_jobs(tracked: TrackedRun) -> str | None:
    """The run's conclusion when its jobs show it is over (all expected jobs completed), else ``None``."""
    jobs = list(tracked.jobs.values())
    if not jobs or not all(job.completed for job in jobs):
        return None
    conclusions = {job.conclusion for job in jobs}
    failed = conclusions - {"success"}
    if not failed and len(jobs) < tracked.dispatch.job_count:
        return None  # a sequential chain between two jobs
    for word in ("cancelled", "failure", "timed_out"):
        if word in conclusions:
            return word
    return next(iter(failed)) if failed else "success"


def job_record(tracked: TrackedRun, job: Job, worker: str, unfinished: bool = False) -> JobRecord:
    """One job's row, from GitHub's timestamps."""
    return JobRecord(
        run_id=job.run_id,
        job_id=job.id,
        job_name=job.name,
        run_key=tracked.dispatch.run_key,
        dispatched_at=iso(tracked.dispatch.dispatched_at),
        created_at=iso(job.created_at),
        started_at=iso(job.started_at) if job.started else "",
        completed_at=iso(job.completed_at) if job.completed else "",
        queue_s=job.queue_s,
        execution_s=job.execution_s,
        status=job.status,
        conclusion=(job.conclusion or "") if not unfinished else (job.conclusion or "unfinished"),
        runner_name=job.runner_name or "",
        worker=tracked.dispatch.worker or worker,
        stage=tracked.dispatch.stage,
    )


def run_record(tracked: TrackedRun, conclusion: str, reason: str, worker: str) -> RunRecord:
    """The run's row once it ended (``conclusion`` is GitHub's, or the harness's ``timed_out``/``not_found``/...)."""
    real = list(tracked.jobs.values())
    if conclusion == "success" and any(j.conclusion not in ("success", None) for j in real):
        conclusion = next(j.conclusion for j in real if j.conclusion not in ("success", None)) or conclusion
    if not reason and conclusion != "success":
        bad = [j for j in real if j.conclusion != "success"]
        reason = f"run {tracked.run_id} concluded {conclusion}" + (f" ({len(bad)} of {len(real)} jobs)" if real else "")
    starts = [j.started_at for j in real if j.started and j.started_at]
    ends = [j.completed_at for j in real if j.completed and j.completed_at]
    origin = tracked.created_at or tracked.dispatch.dispatched_at
    return RunRecord(
        run_id=tracked.run_id,
        run_key=tracked.dispatch.run_key,
        dispatched_at=iso(tracked.dispatch.dispatched_at),
        created_at=iso(tracked.created_at),
        first_started_at=iso(min(starts)) if starts else "",
        completed_at=iso(max(ends)) if ends else "",
        status=conclusion if conclusion in ("timed_out", "not_found", "unfinished") else "completed",
        conclusion=conclusion,
        job_count=sum(1 for j in real if j.started),
        total_s=_seconds(max(ends), origin) if ends and conclusion == "success" else None,
        pickup_s=_seconds(min(starts), origin) if starts else None,
        job_type=tracked.dispatch.job_type,
        sleep_s=tracked.dispatch.sleep_s,
        worker=tracked.dispatch.worker or worker,
        stage=tracked.dispatch.stage,
        reason=reason,
    )


def job_counts(runs: Iterable[TrackedRun]) -> tuple[int, int]:
    """(queued, running) jobs among ``runs``, as last read."""
    queued = running = 0
    for tracked in runs:
        for job in tracked.jobs.values():
            if job.conclusion == "skipped" or job.completed:
                continue
            running += job.started
            queued += not job.started
    return queued, running


def all_started(tracked: TrackedRun) -> bool:
    """Every expected job has been reported started: nothing live is left to learn before the run's end."""
    return len(tracked.started) >= max(1, tracked.dispatch.job_count)


def by_listing(tracked: TrackedRun) -> bool:
    """Whether the run's end is to be noticed by the listing of completed runs (see ``TrackedRun.listed``)."""
    return tracked.listed or tracked.cancelled or tracked.dispatch.sleep_s is None


def may_have_ended(tracked: TrackedRun, now: float) -> bool:
    """Whether the run can have ended: its jobs sleep ``sleep_s`` (one after the other when sequential)."""
    d = tracked.dispatch
    chain = d.job_count if d.job_type == "sequential" else 1
    return tracked.cancelled or now >= d.dispatched_at + (d.sleep_s or 0.0) * chain


def not_found_reason(dispatch: Dispatched, waited: float) -> str:
    """Why a dispatch has no run: its answer was lost and no run carries its key, or its run never appeared."""
    if dispatch.unknown:
        return (
            f"dispatch {dispatch.run_key} failed: {dispatch.unknown}; no run with its key appeared "
            f"within {waited:.0f} s, so none was created"
        )
    return f"the run of dispatch {dispatch.run_key} never appeared within {waited:.0f} s"
