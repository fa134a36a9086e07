"""One run tracker per test: finds dispatched runs, follows them in batches, reports every job, with as few
counted requests as it can (a 304 is free):
- a run's jobs are read when the forecast (forecast.py) says it is due: one poll interval after it could first
  have ended, so one read usually finds it over; a read that finds it running learns its jobs' starts;
- runs the forecast cannot place (no known sleep, cancelled, missed thrice) are noticed by a conditional
  listing of *completed* runs created since the test began, which changes only when a run ends;
- with live rows (the default) runs of long jobs are read once more one interval after they could start (the
  listing's runs: when a listing of runs *in progress* shows them changed), so queue latencies come early;
- a listing by creation time only for dispatches without a run id (GHES, or an answer lost), by ``run_key``.
Latencies come from GitHub's timestamps, never from when a poll noticed a change. No Locust or gevent here:
the glue calls :meth:`RunTracker.poll_once` from a greenlet and sleeps :meth:`next_interval` (see budget.py).
"""

from __future__ import annotations

import itertools
import logging
import math
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from ..clock import Clock, SystemClock
from ..github.client import GitHubClient
from ..github.follow import created_filter
from ..github.models import WorkflowRun
from . import runs as one_run
from .budget import PollBudget, PollPlan
from .endings import EndingMixin
from .forecast import Due, EndForecast
from .listings import listed_runs, match_pending, percentiles
from .records import RunRecord
from .runs import Dispatched, TrackedRun, TrackerListener

__all__ = ["Dispatched", "TrackedRun", "RunTracker", "TrackerListener"]

log = logging.getLogger(__name__)


class RunTracker(EndingMixin):
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
        runners: int | None = None,
    ) -> None:
        self.client, self.owner, self.repo, self.workflow = client, owner, repo, workflow
        self.listener, self.clock = listener or TrackerListener(), clock or SystemClock()
        self.poll_interval, self.jobs_refresh = poll_interval, jobs_refresh
        self.run_timeout, self.find_timeout = run_timeout, find_timeout
        self.lost_after = min(lost_after, find_timeout)
        """How long to look for the run of a dispatch whose answer was lost before calling it a failed dispatch."""
        self.worker = worker
        self.live = live
        """Report jobs as they start (costs reads while runs are in progress); else with the run's end."""
        self.budget = PollBudget(poll_interval, reserve)
        self.forecast = EndForecast(poll_interval, runners)
        """When each run's jobs are due to be read (set ``forecast.runners`` as the pool's size is learned)."""
        self.runs: dict[str, TrackedRun] = {}
        """Active runs by run_key."""
        self._by_id: dict[int, TrackedRun] = {}
        self.finished_runs = self.polls = self.missed_reads = 0
        self._since: float | None = None
        self._plan = PollPlan(poll_interval, 1)
        self._ended: dict[int, None] = {}
        """Runs the listing showed completed, oldest first, whose jobs are still to be read (within the budget)."""
        self._counter = itertools.count()
        self._last_poll: tuple[float, int] | None = None
        self._last_full, self._next_due, self._base_spent, self._polling = -math.inf, None, 0, False
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
        if self._since is None or dispatched.dispatched_at - self._since > 3600:  # moves rarely: listing URLs
            oldest = min(t.dispatch.dispatched_at for t in self.runs.values())  # (and their ETags) stay put
            self._since = oldest if self._since is None or oldest - self._since > 3600 else self._since
        return tracked

    @property
    def in_flight(self) -> int:
        return len(self.runs)

    def job_counts(self) -> tuple[int, int]:
        """(queued, running) jobs among the tracked runs, as last seen."""
        return one_run.job_counts(self.runs.values())

    # -- polling ------------------------------------------------------------------------------

    min_gap = 0.2
    """The shortest wait between two rounds (a round comes before the poll interval when a run is due)."""
    max_misses = 3
    """Reads that found a run not over before its end is left to the listing of completed runs."""
    miss_rate = 0.5
    """How often a read when due finds the run not over (moving average): with more runs due at once than two
    in this, a listing of completed runs tells which are over for one request."""

    def next_interval(self) -> float:
        """Seconds until the next round (the poll interval the budget allows, sooner when a run is due), never
        less than ``min_gap``: a round may be under way in another greenlet (the drain beside the poll loop)."""
        now = self.clock.time()
        self._plan = self.budget.plan(self.client.rate_limit, now)
        wait = self._last_full + self._plan.interval - now
        if self._next_due is not None:
            wait = min(wait, self._next_due - now)
        return max(self.min_gap, wait)

    def poll_once(self) -> None:
        """One round: read the runs that are due; every poll interval also find runs without an id, list the
        completed runs the forecast cannot place, and (live) jobs that started. A round begun while another
        runs (the drain beside the poll loop) does nothing: both would end the same runs."""
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
        plan, start = self._plan, self.client.requests_counted
        full = now - self._last_full >= plan.interval - self.min_gap / 2
        if full:
            poll, self.polls, self._last_full = next(self._counter), self.polls + 1, now
            self.budget.observe("base", self._base_spent)  # what the last interval's base part spent
            self._base_spent = 0
            self._find_pending(now)
            if any(one_run.by_listing(t) and one_run.may_have_ended(t, now) for t in self._by_id.values()):
                self._list_completed(now)
        self._read_due(now, start + plan.base_budget - self._base_spent)
        self._base_spent += self.client.requests_counted - start
        if not full:
            return
        waiting = any(one_run.by_listing(t) and not one_run.all_started(t) for t in self._by_id.values())
        if self.live and waiting and plan.live_every and poll % plan.live_every == 0:
            start = self.client.requests_counted
            self._in_progress(now, start + plan.live_budget)
            self.budget.observe("live", self.client.requests_counted - start)
        self._expire(now)

    def _list_completed(self, now: float) -> None:
        since = created_filter(self._since or now, slack_s=60)
        ended = [r for r in self._listing("completed", since, stop_below=min(self._by_id)) if r.id in self._by_id]
        for run in reversed(ended):
            self._by_id[run.id].seen(run)
            self._ended[run.id] = None

    def _read_due(self, now: float, spend_until: float) -> None:
        """Read the runs the forecast says are due, oldest due first; when more are due to end than reads would
        likely find over, one listing of completed runs says which are (a start, live rows, takes a read). Reads
        beyond the budget wait for a later round."""
        due = self._due()
        now_due = [run_id for run_id, d in sorted(due.items(), key=lambda item: item[1].at) if d.at <= now]
        changed = bool(now_due or self._ended)  # reads or a listing change what the forecast knows
        ending = [run_id for run_id in now_due if due[run_id].ends]  # the others: reads for live starts
        if len(ending) * self.miss_rate > 2:  # a missed read learns the jobs' starts; a listing does not
            self._list_completed(now)
            for run_id in (r for r in ending if r not in self._ended):
                self._by_id[run_id].checked_at = now
            now_due = [run_id for run_id in now_due if not due[run_id].ends]
        lessons = self.forecast.lessons
        for run_id in [*self._ended, *now_due]:
            if self.client.requests_counted >= spend_until:
                self._next_due = None  # the budget waits for the next poll interval
                return
            ended, tracked = self._ended.pop(run_id, False) is None, self._by_id.get(run_id)
            if not ended and lessons != self.forecast.lessons:  # a first lesson moves every forecast
                lessons, due = self.forecast.lessons, self._due()
                tracked = tracked if run_id not in due or due[run_id].at <= now else None
            if tracked is not None:
                (self._end if ended else self._check)(tracked, now)
        later = self._due() if changed else due
        self._next_due = min((d.at for d in later.values() if d.at > now), default=None)

    def _due(self) -> dict[int, Due]:
        live = self.live and self._plan.live_every > 0  # a short budget reads ends, not starts
        return self.forecast.due((t for t in self._by_id.values() if not one_run.by_listing(t)), live)

    def _listing(self, status: str | None, created: str, stop_below: int | None = None) -> Iterator[WorkflowRun]:
        return listed_runs(self.client, self.owner, self.repo, self.workflow, status, created, stop_below)

    def _in_progress(self, now: float, spend_until: float) -> None:
        since = created_filter(self._since or now, slack_s=60)
        for run in reversed(list(self._listing("in_progress", since, stop_below=min(self._by_id)))):
            tracked = self._by_id.get(run.id)
            if tracked is None or not one_run.by_listing(tracked):  # the others: read when the forecast says
                continue
            if not tracked.seen_in_progress:
                tracked.seen_in_progress, tracked.in_progress_since = True, now
            tracked.dirty |= run.updated_at != tracked.updated_at
            tracked.seen(run)
            if (  # at most one read per jobs_refresh from the run's start: a run that ends within it costs one
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
        self._close(tracked, now, tracked.conclusion or one_run.conclusion_from_jobs(tracked) or "")

    def _check(self, tracked: TrackedRun, now: float) -> None:
        """The forecast says the run is due: its jobs say whether it is over, (live) which started, and else
        when to read them next. A counted read that learned nothing is a miss (a 304, nothing changed, is free:
        a job still queued costs nothing to look at again)."""
        known, before = len(tracked.started), self.client.requests_counted
        self._read_jobs(tracked, now)
        conclusion = one_run.conclusion_from_jobs(tracked)
        paid = self.client.requests_counted > before
        missed = paid and conclusion is None and (not self.live or len(tracked.started) == known)
        log.debug("run %s due at %.1f: %s", tracked.run_id, now, conclusion or ("missed" if missed else "not over"))
        if conclusion is not None:
            self._close(tracked, now, conclusion)
        elif missed:
            tracked.misses, self.missed_reads = tracked.misses + 1, self.missed_reads + 1
            tracked.listed = tracked.misses >= self.max_misses
        if paid:
            self.miss_rate += 0.1 * (missed - self.miss_rate)

    def _close(self, tracked: TrackedRun, now: float, conclusion: str) -> None:
        if ends := [job.completed_at.timestamp() for job in tracked.jobs.values() if job.completed_at]:
            self.end_lags.append(max(0.0, now - max(ends)))
        self._finish(tracked, conclusion, "")

    def _find_pending(self, now: float) -> None:
        pending = {t.dispatch.run_key: t for t in self.runs.values() if t.run_id is None}
        if not pending:
            return
        oldest = min(t.dispatch.dispatched_at for t in pending.values())
        for tracked, run in match_pending(self._listing(None, created_filter(oldest, slack_s=60)), pending):
            if run.id in self._by_id:
                continue
            tracked.run_id = run.id
            tracked.seen(run)
            self._by_id[run.id] = tracked
            if tracked.dispatch.unknown:
                log.info("found run %s of dispatch %s (%s)", run.id, tracked.dispatch.run_key, tracked.dispatch.unknown)

    def _read_jobs(self, tracked: TrackedRun, now: float) -> None:
        page = self.client.list_run_jobs(self.owner, self.repo, tracked.run_id)  # type: ignore[arg-type]
        tracked.jobs_read_at, tracked.dirty = now, False
        created = [job.created_at for job in page.items if job.created_at]
        if tracked.created_at is None and created:  # never listed: its jobs were created with it
            tracked.created_at = min(created)
            self.forecast.learn_lead(tracked.dispatch.dispatched_at, tracked.created_at)
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
                self.forecast.learn(job, tracked.dispatch.sleep_s)
                self.listener.job_finished(one_run.job_record(tracked, job, self.worker))

    def summary(self) -> dict[str, Any]:
        """What the tracking cost and how late it was (for meta.json and the benchmark)."""
        lags = {"start_report_lag_s": percentiles(self.start_lags), "end_notice_lag_s": percentiles(self.end_lags)}
        forecast: dict[str, Any] = {k: round(getattr(self.forecast.timing, k), 2) for k in ("overhead_s", "pickup_s", "lead_s")}
        forecast["runners"] = self.forecast.runners
        counts = {"polls": self.polls, "finished_runs": self.finished_runs, "missed_reads": self.missed_reads}
        return {"live_rows": self.live, **counts, **lags, "forecast": forecast}
