"""When a run's jobs are worth reading: as soon as the run can have ended and no later than one poll
interval after that, so that one read usually finds it over and gives every timestamp.

A read of a run's jobs costs a counted request; noticing ends through a listing of completed runs costs one
more in every poll where some run ended. The workload says how long each job sleeps and how many there
are, GitHub's timestamps of jobs already read say how long jobs take beyond their sleep (``overhead``) and
how long a free runner takes to start one (``pickup``), and a first-in, first-out model of the pool says
when a queued job can get a runner. A run is then read one ``window`` after the earliest moment it could
have ended: a run that ended then is noticed within the window, and only a job whose pickup took longer
than the window costs a second read (which, knowing its start, is exact). Pure: no I/O, no clock.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from ..github.models import Job
from .runs import TrackedRun

__all__ = ["JobTiming", "Due", "EndForecast"]


@dataclass(frozen=True)
class JobTiming:
    """How long jobs take beyond their sleep, as learned from the jobs read so far."""

    overhead_s: float
    """Execution beyond the sleep (set up, tear down): the trimmed mean of the latest jobs."""
    pickup_s: float
    """A free runner to the job's start: the trimmed mean of the latest jobs that found a runner waiting."""
    least_pickup_s: float = 0.0
    """The 5th percentile of those pickups: no job is expected to start sooner after its runner frees."""
    lead_s: float = 0.0
    """The least time from a dispatch (this machine's clock) to its run's first job (GitHub's)."""


@dataclass(frozen=True)
class Due:
    """When a run's jobs are due to be read next, and what for."""

    at: float
    """The next read (epoch seconds)."""
    ends: bool = True
    """The read is for the run's end (else, live rows, for its jobs' starts: only a read can tell those, not
    a listing of completed runs)."""


class EndForecast:
    """Learns job timings from GitHub's timestamps and says when each run's jobs are due to be read."""

    samples = 200
    """Timings kept for the estimates (the latest jobs)."""
    runner_names = 5000
    """Runners remembered by name."""
    stamp_s = 1.0
    """GitHub's timestamps are whole seconds (truncated): the model takes each as the middle of its second, and
    reads a job known to have started half this after its end as estimated."""

    def __init__(self, window: float, runners: int | None = None, overhead_s: float = 0.0, pickup_s: float = 0.0) -> None:
        self.window = window
        """A run is read at most this long after the earliest moment it could have ended (the poll interval)."""
        self.runners = runners
        """Runners in the pool (``None``: unknown, every job is taken to find one free)."""
        # Until jobs are read, timings are taken at their least (0 s: no overhead, no pickup, no wait from the
        # dispatch to the first job), so no run is read later than one window after it could have ended, and
        # the first runs cost a second read more often.
        self._overheads: deque[float] = deque([overhead_s], maxlen=self.samples)
        self._pickups: deque[float] = deque([pickup_s], maxlen=self.samples)
        self._leads: deque[float] = deque([0.0], maxlen=self.samples)
        self._learned = {"overhead": False, "pickup": False, "lead": False}
        self._runner_free: dict[str, float] = {}
        """When each runner (by name) last finished a job, as read (the latest ``runner_names`` runners: an
        ephemeral runner's name is never seen again)."""
        self._ends: deque[float] = deque(maxlen=1000)
        """When the latest finished jobs ended (runners that may still be between jobs)."""

    @property
    def timing(self) -> JobTiming:
        pickups = sorted(self._pickups)
        least = pickups[int(0.05 * len(pickups))] if self._learned["pickup"] and len(pickups) >= 20 else 0.0
        return JobTiming(_trimmed_mean(self._overheads), _trimmed_mean(pickups), least, min(self._leads))

    @property
    def lessons(self) -> int:
        """Kinds of timing learned so far (each first lesson can move every forecast: worth forecasting again)."""
        return sum(self._learned.values())

    def _time(self, stamp: datetime) -> float:
        """A GitHub timestamp as the middle of its whole second (GitHub truncates), so the model is not early."""
        return stamp.timestamp() + self.stamp_s / 2

    def learn(self, job: Job, sleep_s: float | None) -> None:
        """Take a completed job's timings (call once per job)."""
        if not (job.completed and job.started and job.started_at and job.completed_at and job.created_at):
            return
        start, end = self._time(job.started_at), self._time(job.completed_at)
        if sleep_s is not None and job.conclusion == "success":
            self._add("overhead", self._overheads, max(0.0, end - start - sleep_s))
        name = job.runner_name or ""
        freed = self._runner_free.get(name)
        if name and freed is not None and start >= freed:  # the runner waited for this job, or it for the runner
            self._add("pickup", self._pickups, max(0.0, start - max(freed, self._time(job.created_at))))
        if name:
            self._runner_free.pop(name, None)
            self._runner_free[name] = max(end, freed or end)  # the newest last: the oldest go first
            if len(self._runner_free) > self.runner_names:
                del self._runner_free[next(iter(self._runner_free))]
        self._ends.append(end)

    def learn_lead(self, dispatched_at: float, first_job_created: datetime) -> None:
        """Take how long a run's first job came after its dispatch (call once per run, at its first read); the
        least of these (the clocks' difference included; the whole second's start, so never late) is when a run
        not read yet can first have had a job queued."""
        self._add("lead", self._leads, first_job_created.timestamp() - dispatched_at)

    def _add(self, kind: str, values: deque[float], value: float) -> None:
        if not self._learned[kind]:
            values.clear()
            self._learned[kind] = True
        values.append(value)

    def due(self, runs: Iterable[TrackedRun], live: bool = False) -> dict[int, Due]:
        """When each run's jobs should be read next (by run id), for runs with a known sleep; ``live``: also one
        window after a job not yet seen started could first have started, to report it (unless it runs for less
        than a window: then its start is reported with its end). Runs are taken
        first in, first out (GitHub's run ids grow with creation): each job takes the runner that frees first
        (a job already read keeps its own)."""
        timing, free = self.timing, self._pool()
        ordered = sorted((t for t in runs if t.run_id is not None and t.dispatch.sleep_s is not None), key=lambda t: t.run_id)
        return {t.run_id: self._run_due(t, timing, free, live) for t in ordered}  # type: ignore[misc]

    def _pool(self) -> list[float]:
        if not self.runners:
            return []
        latest = sorted(self._ends)[-self.runners :]
        return [-math.inf] * (self.runners - len(latest)) + latest  # sorted: a valid heap

    def _claim(self, free: list[float]) -> float:
        """Take the first runner to free; when it frees (``-inf`` with no pool model). Give it back busy."""
        return heapq.heappop(free) if self.runners else -math.inf

    def _release(self, free: list[float], until: float) -> None:
        if self.runners:
            heapq.heappush(free, until)

    def _run_due(self, tracked: TrackedRun, timing: JobTiming, free: list[float], live: bool) -> Due:
        d = tracked.dispatch
        execution = (d.sleep_s or 0.0) + timing.overhead_s
        jobs = sorted((j for j in tracked.jobs.values() if j.conclusion != "skipped"), key=lambda j: j.id)
        sequential = d.job_type == "sequential"
        ready = self._time(tracked.created_at) if tracked.created_at else d.dispatched_at + timing.lead_s
        not_before = tracked.jobs_read_at  # jobs not started when last read start later than that
        due, first_start = -math.inf, math.inf
        for index in range(max(len(jobs), d.job_count if d.job_count else 1)):
            job = jobs[index] if index < len(jobs) else None
            if job is not None and job.completed and job.completed_at is not None:
                end = self._time(job.completed_at)
                self._claim(free)
                self._release(free, end)
            elif job is not None and job.started and job.started_at is not None:
                end = self._time(job.started_at) + execution
                self._claim(free)
                self._release(free, end)
                due = max(due, end + self.stamp_s / 2)  # its start truncated: no sooner than it can have ended
            else:
                earliest = max(ready, not_before)
                start = max(earliest, self._claim(free))
                end = start + timing.pickup_s + execution
                self._release(free, end)
                due = max(due, start + timing.least_pickup_s + execution + self.window)
                if execution > self.window:  # a shorter job is reported with its end, one window later at most
                    first_start = min(first_start, start + timing.least_pickup_s + self.window)
            if sequential:
                ready = end
        again = tracked.jobs_read_at + max(self.stamp_s, self.window / 5)  # a job running late: not every round
        at = max(min(due, first_start) if live else due, tracked.checked_at + self.window, again)
        return Due(at, ends=at >= due)


def _trimmed_mean(values: Iterable[float], cut: float = 0.1) -> float:
    """The mean without the lowest and highest ``cut`` of ``values`` (GitHub's whole seconds average out; a
    rare minutes-long pickup does not)."""
    ordered = sorted(values)
    k = int(len(ordered) * cut)
    kept = ordered[k : len(ordered) - k] or ordered
    return sum(kept) / len(kept)
