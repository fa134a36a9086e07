"""One run tracker per test: finds dispatched runs, follows them in batches, reports every job. It polls
GitHub with as few counted requests as it can (a 304 is free):
- one conditional listing of *completed* runs created since the test began: it changes only when a run
  ends, so every end is noticed within a poll interval, then one read of that run's jobs gives every time;
- with live rows (the default), one conditional listing of runs *in progress* and a read of a run's jobs
  when it changed (at most every ``jobs_refresh`` seconds), so queue latencies are reported as jobs start;
  without, job starts are reported with the run's end, and a run costs its dispatch and one read;
- a listing by creation time only for dispatches without a run id (GHES, or an answer lost), by ``run_key``.
Latencies come from GitHub's timestamps, never from when a poll noticed a change. No Locust or gevent here:
the glue calls :meth:`RunTracker.poll_once` from a greenlet and sleeps :meth:`next_interval` (see budget.py).
"""

from __future__ import annotations

import itertools
import logging
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from ..clock import Clock, SystemClock
from ..errors import Error
from ..github.client import GitHubClient
from ..github.follow import created_filter
from ..github.models import WorkflowRun
from . import runs as one_run
from .budget import PollBudget, PollPlan
from .listings import listed_runs, percentiles
from .records import RunRecord
from .runs import Dispatched, TrackedRun, TrackerListener

__all__ = ["Dispatched", "TrackedRun", "RunTracker", "TrackerListener"]

log = logging.getLogger(__name__)


class RunTracker:
    """Follows every run this process dispatched (or was handed)."""

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
        lost_after: float = 30.0,
        worker: str = "local",
        live: bool = True,
        reserve: int = 0,
    ) -> None:
        self.client = client
        self.owner, self.repo, self.workflow = owner, repo, workflow
        self.listener = listener or TrackerListener()
        self.clock = clock or SystemClock()
        self.poll_interval = poll_interval
        self.jobs_refresh = jobs_refresh
        self.run_timeout = run_timeout
        self.find_timeout = find_timeout
        self.lost_after = min(lost_after, find_timeout)
        """How long to look for the run of a dispatch whose answer was lost before calling it a failed dispatch."""
        self.worker = worker
        self.live = live
        """Report jobs as they start (costs reads while runs are in progress); else with the run's end."""
        self.budget = PollBudget(poll_interval, reserve)
        self.runs: dict[str, TrackedRun] = {}
        """Active runs by run_key."""
        self._by_id: dict[int, TrackedRun] = {}
        self.finished_runs = 0
        self.polls = 0
        self._since: float | None = None
        self._plan = PollPlan(poll_interval, 1)
        self._ended: dict[int, None] = {}
        """Runs the listing showed completed, oldest first, whose jobs are still to be read (within the budget)."""
        self._counter = itertools.count()
        self._last_poll: tuple[float, int] | None = None
        self._polling = False
        self.start_lags: deque[float] = deque(maxlen=20_000)
        """Seconds from a job's start (GitHub) to its report, for the latest jobs."""
        self.end_lags: deque[float] = deque(maxlen=20_000)
        """Seconds from a run's last job's end (GitHub) to the tracker noticing it, for the latest runs."""

    # -- intake -------------------------------------------------------------------------------

    def track(self, dispatched: Dispatched, on_done: Callable[[RunRecord], None] | None = None) -> TrackedRun:
        tracked = TrackedRun(dispatched, dispatched.run_id)
        if on_done:
            tracked.on_done.append(on_done)
        self.runs[dispatched.run_key] = tracked
        if dispatched.run_id is not None:
            self._by_id[dispatched.run_id] = tracked
        if self._since is None or dispatched.dispatched_at - self._since > 3600 and self._oldest() - self._since > 3600:
            self._since = self._oldest()  # moves rarely, so listing URLs (and their ETags) stay put
        return tracked

    def _oldest(self) -> float:
        return min(t.dispatch.dispatched_at for t in self.runs.values())

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
        """Seconds until the next poll, from what polls cost and what the token has left (see PollBudget)."""
        self._plan = self.budget.plan(self.client.rate_limit, self.clock.time())
        return self._plan.interval

    def poll_once(self) -> None:
        """One round: find runs without an id, notice runs that ended, and (live) jobs that started. A round
        begun while another runs (the drain beside the poll loop) does nothing: both would end the same runs."""
        if self._polling:
            return
        self._polling, now, counted = True, self.clock.time(), self.client.requests_counted
        try:
            if self._last_poll is not None:  # what the rest of the process spent since the last poll
                at, after = self._last_poll
                self.budget.observe_other(counted - after, now - at)
            if self.runs:
                self._poll(now)
            self._last_poll = (self.clock.time(), self.client.requests_counted)
        finally:
            self._polling = False

    def _poll(self, now: float) -> None:
        poll = next(self._counter)
        self.polls += 1
        start, plan = self.client.requests_counted, self._plan
        self._find_pending(now)
        if any(one_run.may_have_ended(t, now) for t in self._by_id.values()):
            since = created_filter(self._since or now, slack_s=60)
            ended = [r for r in self._listing("completed", since, stop_below=min(self._by_id)) if r.id in self._by_id]
            for run in reversed(ended):
                self._by_id[run.id].seen(run)
                self._ended[run.id] = None
        for run_id in list(self._ended):  # the reads beyond this poll's budget wait for the next poll
            if self.client.requests_counted - start >= plan.base_budget:
                break
            del self._ended[run_id]
            if run_id in self._by_id:
                self._end(self._by_id[run_id], now)
        self.budget.observe("base", self.client.requests_counted - start)
        waiting = any(not one_run.all_started(t) for t in self._by_id.values())
        if self.live and waiting and plan.live_every and poll % plan.live_every == 0:
            start = self.client.requests_counted
            self._in_progress(now, start + plan.live_budget)
            self.budget.observe("live", self.client.requests_counted - start)
        self._expire(now)

    def _listing(self, status: str | None, created: str, stop_below: int | None = None) -> Iterator[WorkflowRun]:
        return listed_runs(self.client, self.owner, self.repo, self.workflow, status, created, stop_below)

    def _in_progress(self, now: float, spend_until: float) -> None:
        since = created_filter(self._since or now, slack_s=60)
        for run in reversed(list(self._listing("in_progress", since, stop_below=min(self._by_id)))):
            tracked = self._by_id.get(run.id)
            if tracked is None:
                continue
            if not tracked.seen_in_progress:
                tracked.seen_in_progress, tracked.in_progress_since = True, now
            tracked.dirty |= run.updated_at != tracked.updated_at
            tracked.seen(run)
            # At most one read per jobs_refresh, counted from when the run started: a run that ends
            # within that window costs a single read, and no job's start waits longer than the window.
            if (
                tracked.dirty
                and not one_run.all_started(tracked)
                and now - max(tracked.jobs_read_at, tracked.in_progress_since) >= self.jobs_refresh
                and self.client.requests_counted < spend_until  # else it stays dirty: read on a later round
            ):
                self._read_jobs(tracked, now)

    def _end(self, tracked: TrackedRun, now: float) -> None:
        """The listing says the run completed: one read of its jobs gives every timestamp."""
        self._read_jobs(tracked, now)
        if not all(job.completed for job in tracked.jobs.values()):
            self._read_jobs(tracked, now)  # the listing ran ahead of the jobs (rare): read them once more
        conclusion = tracked.conclusion or one_run.conclusion_from_jobs(tracked) or ""
        ends = [job.completed_at.timestamp() for job in tracked.jobs.values() if job.completed_at]
        if ends:
            self.end_lags.append(max(0.0, now - max(ends)))
        self._finish(tracked, conclusion, "")

    def _find_pending(self, now: float) -> None:
        pending = {t.dispatch.run_key: t for t in self.runs.values() if t.run_id is None}
        if not pending:
            return
        oldest = min(t.dispatch.dispatched_at for t in pending.values())
        for run in self._listing(None, created_filter(oldest, slack_s=60)):
            title = run.display_title or ""
            key = title[title.rfind("[") + 1 : title.rfind("]")] if "[" in title else ""
            tracked = pending.pop(key, None) or next((t for k, t in pending.items() if f"[{k}]" in title), None)
            if tracked is None or run.id in self._by_id:
                continue
            pending.pop(tracked.dispatch.run_key, None)
            tracked.run_id = run.id
            tracked.seen(run)
            self._by_id[run.id] = tracked
            if tracked.dispatch.unknown:
                log.info("found run %s of dispatch %s (%s)", run.id, tracked.dispatch.run_key, tracked.dispatch.unknown)
            if not pending:
                return

    def _read_jobs(self, tracked: TrackedRun, now: float) -> None:
        page = self.client.list_run_jobs(self.owner, self.repo, tracked.run_id)  # type: ignore[arg-type]
        tracked.jobs_read_at, tracked.dirty = now, False
        for job in page.items:
            if job.conclusion == "skipped":
                continue
            tracked.jobs[job.id] = job
            if job.started and job.id not in tracked.started:
                tracked.started.add(job.id)
                if job.started_at is not None:
                    self.start_lags.append(max(0.0, now - job.started_at.timestamp()))
                self.listener.job_started(tracked, job)
            if job.completed and job.id not in tracked.finished:
                tracked.finished.add(job.id)
                self.listener.job_finished(one_run.job_record(tracked, job, self.worker))

    def _expire(self, now: float) -> None:
        for tracked in list(self.runs.values()):
            age = now - tracked.dispatch.dispatched_at
            limit = self.lost_after if tracked.dispatch.unknown else self.find_timeout
            if tracked.run_id is None and age > limit:
                self._finish(tracked, "not_found", one_run.not_found_reason(tracked.dispatch, limit))
            elif age > self.run_timeout:
                self._finish(
                    tracked, "timed_out", f"run {tracked.run_id} did not complete within --run-timeout {self.run_timeout:.0f} s"
                )

    def summary(self) -> dict[str, Any]:
        """What the tracking cost and how late it was (for meta.json and the benchmark)."""
        lags = {"start_report_lag_s": percentiles(self.start_lags), "end_notice_lag_s": percentiles(self.end_lags)}
        return {"live_rows": self.live, "polls": self.polls, "finished_runs": self.finished_runs, **lags}

    # -- ending -------------------------------------------------------------------------------

    def _finish(self, tracked: TrackedRun, conclusion: str, reason: str) -> None:
        if self.runs.pop(tracked.dispatch.run_key, None) is None:
            return
        if tracked.run_id is not None:
            self._by_id.pop(tracked.run_id, None)
            self.client.forget_run(tracked.run_id)  # its cached answers are never asked for again
        self.finished_runs += 1
        for job in tracked.jobs.values():
            if job.id not in tracked.finished:
                tracked.finished.add(job.id)
                self.listener.job_finished(one_run.job_record(tracked, job, self.worker, unfinished=True))
        record = one_run.run_record(tracked, conclusion, reason, self.worker)
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
                tracked.cancelled = True
                try:
                    cancelled += self.client.cancel_run(self.owner, self.repo, tracked.run_id)
                except Error as exc:
                    log.warning("could not cancel run %s: %s", tracked.run_id, exc)
        return cancelled

    def abandon_all(self, reason: str) -> None:
        """Record every run still tracked as unfinished."""
        for tracked in list(self.runs.values()):
            self._finish(tracked, "unfinished", reason)
