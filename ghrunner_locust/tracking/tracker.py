"""One run tracker per process: finds dispatched runs, follows them in batches, reports every job.

It polls GitHub with as few counted requests as it can: one conditional listing of the runs in
progress per poll (a 304 is free), a read of a run's jobs only when that run changed and at most every
``jobs_refresh`` seconds (counted from when it started, so a short run costs one read), and one final
read when it leaves "in progress". Latencies come
from GitHub's timestamps, never from when a poll noticed a change. It has no Locust or gevent in it: the
Locust glue calls :meth:`RunTracker.poll_once` from a greenlet.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ..clock import Clock, SystemClock
from ..errors import Error
from ..github.client import GitHubClient
from ..github.follow import created_filter
from ..github.models import Job, WorkflowRun
from .records import JobRecord, RunRecord, iso

__all__ = ["Dispatched", "TrackedRun", "RunTracker", "TrackerListener"]

log = logging.getLogger(__name__)


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


@dataclass
class TrackedRun:
    """The tracker's knowledge of one run."""

    dispatch: Dispatched
    run_id: int | None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    status: str = "queued"
    seen_in_progress: bool = False
    in_progress_since: float = 0.0
    dirty: bool = False
    """The run changed since its jobs were last read."""
    jobs_read_at: float = 0.0
    jobs: dict[int, Job] = field(default_factory=dict)
    started: set[int] = field(default_factory=set)
    finished: set[int] = field(default_factory=set)
    on_done: list[Callable[[RunRecord], None]] = field(default_factory=list)

    def seen(self, run: WorkflowRun) -> None:
        self.created_at = run.created_at or self.created_at
        self.updated_at = run.updated_at
        self.status = run.status or self.status


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


class RunTracker:
    """Follows every run this process dispatched."""

    def __init__(
        self,
        client: GitHubClient,
        owner: str,
        repo: str,
        workflow: str,
        *,
        listener: TrackerListener | None = None,
        clock: Clock | None = None,
        poll_interval: float = 5.0,
        jobs_refresh: float = 10.0,
        run_timeout: float = 3600.0,
        find_timeout: float = 120.0,
        worker: str = "local",
    ) -> None:
        self.client = client
        self.owner, self.repo, self.workflow = owner, repo, workflow
        self.listener = listener or TrackerListener()
        self.clock = clock or SystemClock()
        self.poll_interval = poll_interval
        self.jobs_refresh = jobs_refresh
        self.run_timeout = run_timeout
        self.find_timeout = find_timeout
        self.worker = worker
        self.runs: dict[str, TrackedRun] = {}
        """Active runs by run_key."""
        self.finished_runs = 0
        self._since: float | None = None
        self._polls = itertools.count()

    # -- intake -------------------------------------------------------------------------------

    def track(self, dispatched: Dispatched, on_done: Callable[[RunRecord], None] | None = None) -> TrackedRun:
        tracked = TrackedRun(dispatched, dispatched.run_id)
        if on_done:
            tracked.on_done.append(on_done)
        self.runs[dispatched.run_key] = tracked
        if self._since is None or dispatched.dispatched_at - self._since > 3600:
            self._since = dispatched.dispatched_at  # moves rarely, so listing URLs (and their ETags) stay put
        return tracked

    @property
    def in_flight(self) -> int:
        return len(self.runs)

    def job_counts(self) -> tuple[int, int]:
        """(queued, running) jobs among the tracked runs, as last seen."""
        queued = running = 0
        for tracked in self.runs.values():
            for job in tracked.jobs.values():
                if job.conclusion == "skipped" or job.completed:
                    continue
                if job.started:
                    running += 1
                else:
                    queued += 1
        return queued, running

    # -- polling ------------------------------------------------------------------------------

    def next_interval(self) -> float:
        """The poll interval, stretched when the primary budget would not last until its reset."""
        snapshot = self.client.rate_limit
        if snapshot is None or snapshot.remaining <= 0:
            return (
                self.poll_interval if snapshot is None else max(self.poll_interval, snapshot.seconds_to_reset(self.clock.time()))
            )
        per_poll = 1 + sum(1 for t in self.runs.values() if t.seen_in_progress)
        allowed = snapshot.remaining / max(1.0, snapshot.seconds_to_reset(self.clock.time()))
        return max(self.poll_interval, per_poll / max(allowed, 1e-6) * 0.5)

    def poll_once(self) -> None:
        """One round: find new runs, list runs in progress, read the jobs of those that changed."""
        if not self.runs:
            return
        now = self.clock.time()
        poll = next(self._polls)
        self._find_pending(now)
        known = [t for t in self.runs.values() if t.run_id is not None]
        if known:
            since = created_filter(self._since or now, slack_s=60)
            in_progress = self._listing("in_progress", since)
            check_queued = poll % 5 == 0 or any(not t.seen_in_progress and now - t.dispatch.dispatched_at > 30 for t in known)
            queued = self._listing("queued", since) if check_queued else None
            for tracked in known:
                self._update(tracked, in_progress, queued, now)
        self._expire(now)

    def _listing(self, status: str, since: str) -> dict[int, WorkflowRun]:
        page = self.client.list_workflow_runs(
            self.owner, self.repo, self.workflow, event="workflow_dispatch", status=status, created=since
        )
        return {run.id: run for run in page.items}

    def _find_pending(self, now: float) -> None:
        pending = [t for t in self.runs.values() if t.run_id is None]
        if not pending:
            return
        oldest = min(t.dispatch.dispatched_at for t in pending)
        page = self.client.list_workflow_runs(
            self.owner, self.repo, self.workflow, event="workflow_dispatch", created=created_filter(oldest, slack_s=60)
        )
        by_title = {run.display_title: run for run in page.items}
        for tracked in pending:
            run = next((r for title, r in by_title.items() if f"[{tracked.dispatch.run_key}]" in title), None)
            if run is not None:
                tracked.run_id = run.id
                tracked.seen(run)

    def _update(
        self, tracked: TrackedRun, in_progress: dict[int, WorkflowRun], queued: dict[int, WorkflowRun] | None, now: float
    ) -> None:
        run = in_progress.get(tracked.run_id)  # type: ignore[arg-type]
        if run is not None:
            if not tracked.seen_in_progress:
                tracked.seen_in_progress, tracked.in_progress_since = True, now
            tracked.dirty |= run.updated_at != tracked.updated_at
            tracked.seen(run)
            # At most one read per jobs_refresh, counted from when the run started: a run that ends
            # within that window costs a single read, and no job's start waits longer than the window.
            if tracked.dirty and now - max(tracked.jobs_read_at, tracked.in_progress_since) >= self.jobs_refresh:
                self._read_jobs(tracked, now)
            return
        if queued is not None and tracked.run_id in queued:
            tracked.seen(queued[tracked.run_id])  # type: ignore[index]
            return
        if not tracked.seen_in_progress and (queued is None or now - tracked.dispatch.dispatched_at < 10):
            return  # not started yet, or not listable yet: checked on a later poll that lists queued runs
        # It left "in progress", or vanished from both listings: its jobs tell whether it is over, without
        # asking for the run (a run can go from queued to completed between two polls).
        self._read_jobs(tracked, now)
        conclusion = self._conclusion_from_jobs(tracked)
        if conclusion is not None:
            self._finish(tracked, conclusion, "")
            return
        run = self.client.get_run(self.owner, self.repo, tracked.run_id)  # type: ignore[arg-type]
        tracked.seen(run)
        if run.status == "in_progress" and not tracked.seen_in_progress:
            tracked.seen_in_progress, tracked.in_progress_since = True, now
        if run.completed:
            if not all(job.completed for job in tracked.jobs.values()):
                self._read_jobs(tracked, now)  # it ended between the two reads
            self._finish(tracked, run.conclusion or "", "")

    def _conclusion_from_jobs(self, tracked: TrackedRun) -> str | None:
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

    def _read_jobs(self, tracked: TrackedRun, now: float) -> None:
        page = self.client.list_run_jobs(self.owner, self.repo, tracked.run_id)  # type: ignore[arg-type]
        tracked.jobs_read_at, tracked.dirty = now, False
        for job in page.items:
            if job.conclusion == "skipped":
                continue
            tracked.jobs[job.id] = job
            if job.started and job.id not in tracked.started:
                tracked.started.add(job.id)
                self.listener.job_started(tracked, job)
            if job.completed and job.id not in tracked.finished:
                tracked.finished.add(job.id)
                self.listener.job_finished(self._job_record(tracked, job))

    def _expire(self, now: float) -> None:
        for tracked in list(self.runs.values()):
            age = now - tracked.dispatch.dispatched_at
            if tracked.run_id is None and age > self.find_timeout:
                self._finish(
                    tracked,
                    "not_found",
                    f"the run of dispatch {tracked.dispatch.run_key} never appeared within {self.find_timeout:.0f} s",
                )
            elif age > self.run_timeout:
                self._finish(
                    tracked, "timed_out", f"run {tracked.run_id} did not complete within --run-timeout {self.run_timeout:.0f} s"
                )

    # -- ending -------------------------------------------------------------------------------

    def _finish(self, tracked: TrackedRun, conclusion: str, reason: str) -> None:
        if tracked.dispatch.run_key not in self.runs:
            return
        del self.runs[tracked.dispatch.run_key]
        self.finished_runs += 1
        for job in tracked.jobs.values():
            if job.id not in tracked.finished:
                tracked.finished.add(job.id)
                self.listener.job_finished(self._job_record(tracked, job, unfinished=True))
        real = list(tracked.jobs.values())
        if conclusion == "success" and any(j.conclusion not in ("success", None) for j in real):
            conclusion = next(j.conclusion for j in real if j.conclusion not in ("success", None)) or conclusion
        if not reason and conclusion != "success":
            bad = [j for j in real if j.conclusion != "success"]
            reason = f"run {tracked.run_id} concluded {conclusion}" + (f" ({len(bad)} of {len(real)} jobs)" if real else "")
        starts = [j.started_at for j in real if j.started and j.started_at]
        ends = [j.completed_at for j in real if j.completed and j.completed_at]
        origin = tracked.created_at or tracked.dispatch.dispatched_at
        record = RunRecord(
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
            worker=self.worker,
            stage=tracked.dispatch.stage,
            reason=reason,
        )
        self.listener.run_finished(record)
        for callback in tracked.on_done:
            callback(record)

    def drain(self, timeout: float) -> None:
        """Poll until every tracked run ended or ``timeout`` passed (for the end of a test)."""
        deadline = self.clock.time() + timeout
        while self.runs and self.clock.time() < deadline:
            try:
                self.poll_once()
            except Error as exc:
                log.warning("while draining: %s", exc)
            if self.runs:
                self.clock.sleep(min(self.poll_interval, max(0.0, deadline - self.clock.time())))

    def cancel_all(self) -> int:
        """Cancel every run still tracked (so no runner stays busy after the test); return how many."""
        cancelled = 0
        for tracked in list(self.runs.values()):
            if tracked.run_id is not None:
                try:
                    cancelled += self.client.cancel_run(self.owner, self.repo, tracked.run_id)
                except Error as exc:
                    log.warning("could not cancel run %s: %s", tracked.run_id, exc)
        return cancelled

    def abandon_all(self, reason: str) -> None:
        """Record every run still tracked as unfinished."""
        for tracked in list(self.runs.values()):
            self._finish(tracked, "unfinished", reason)

    def _job_record(self, tracked: TrackedRun, job: Job, unfinished: bool = False) -> JobRecord:
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
            worker=self.worker,
            stage=tracked.dispatch.stage,
        )
