"""How tracked runs end: completed, timed out, never found, drained, cancelled or abandoned at a test's end."""

from __future__ import annotations

import logging
from typing import Any

from ..errors import Error
from . import runs as one_run
from .runs import TrackedRun

__all__ = ["EndingMixin"]

log = logging.getLogger(__name__)


class EndingMixin:
    """Methods of :class:`~ghrunner_locust.tracking.tracker.RunTracker` that end runs."""

    runs: dict[str, TrackedRun]
    _by_id: dict[int, TrackedRun]
    client: Any
    listener: Any
    clock: Any
    owner: str
    repo: str
    worker: str
    lost_after: float
    find_timeout: float
    run_timeout: float
    finished_runs: int

    drain_pause_max_s = 120.0
    """How much longer than its timeout a drain may wait out rate-limit pauses (a secondary limit's pause is
    a minute; a spent primary budget's may be most of an hour, and is not waited for)."""

    def poll_once(self) -> None: ...

    def next_interval(self) -> float: ...

    def _expire(self, now: float) -> None:
        for tracked in list(self.runs.values()):
            d = tracked.dispatch
            age = now - d.dispatched_at
            limit = self.lost_after if d.unknown else self.find_timeout
            if tracked.run_id is None and now - (d.answered_at or d.dispatched_at) > limit:
                self._finish(tracked, "not_found", one_run.not_found_reason(tracked.dispatch, limit))
            elif age > self.run_timeout:
                self._finish(
                    tracked, "timed_out", f"run {tracked.run_id} did not complete within --run-timeout {self.run_timeout:.0f} s"
                )

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
        """Poll until every tracked run ended or ``timeout`` passed (for the end of a test). Between rounds it
        sleeps ``next_interval()`` (never 0): a round begun by the poll loop may still be under way (a retry's
        back-off), and a drain that never slept would keep it, and every other greenlet, from running.

        A rate-limit pause holds the reads, not the runs: the drain waits it out and then polls once more,
        up to :attr:`drain_pause_max_s` more in all."""
        deadline = self.clock.time() + timeout
        latest = deadline + self.drain_pause_max_s
        while self.runs and self.clock.time() < deadline:
            paused = self.client.pause.remaining_s()
            if paused > 0 and deadline < latest:
                extended = min(latest, self.clock.time() + paused + self.next_interval())
                if extended > deadline:
                    log.warning("while draining: %s; the drain waits %.0f s more", self.client.pause.reason, extended - deadline)
                    deadline = extended
            try:
                self.poll_once()
            except Error as exc:
                log.warning("while draining: %s", exc)
            if self.runs:
                self.clock.sleep(min(self.next_interval(), max(0.0, deadline - self.clock.time())))

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
