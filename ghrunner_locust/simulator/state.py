"""The simulated GitHub Actions back end: runs, jobs, a runner pool and a scheduler, apart from HTTP.

Time is real wall-clock time read from an injected clock. Nothing happens by itself: ``advance(now)``
carries out every event due by ``now`` (a driver thread calls it; tests call it with a fake clock).
All public methods take the state's lock.
"""

from __future__ import annotations

import heapq
import itertools
import random
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from ..clock import Clock, SystemClock
from ..github.workflow import InputError, WorkflowSpec, default_workflow_path
from .config import SimConfig
from .model import SimError, SimJob, SimRun, SimRunner, runs_on_labels
from .pool import RunnerPool

__all__ = ["SimState", "WORKFLOW_ID"]

WORKFLOW_ID = 161335
CHAIN_LENGTH = 20


class SimState:
    """Runs, jobs and runners; dispatch, cancel and the scheduler."""

    def __init__(
        self, config: SimConfig | None = None, *, clock: Clock | None = None, workflow: WorkflowSpec | None = None
    ) -> None:
        self.config = config or SimConfig()
        self.clock = clock or SystemClock()
        self.workflow = workflow or WorkflowSpec.load(self.config.workflow_path or default_workflow_path())
        self.started_at = self.clock.time()
        """When the simulated repository got its workflow file (the workflow's ``created_at``)."""
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        """Notified whenever a new event is scheduled (the driver thread waits on it)."""
        self.reset()

    def reset(self) -> None:
        """Forget every run, job, runner and event; start the pool afresh."""
        with self.lock:
            self.rng = random.Random(self.config.seed)
            self.runs: dict[int, SimRun] = {}
            self.jobs: dict[int, SimJob] = {}
            self.waiting: OrderedDict[int, SimJob] = OrderedDict()
            """Queued jobs without a runner, oldest first."""
            self.events: list[dict[str, Any]] = []
            self.lateness: dict[str, list[float]] = {}
            """Per action: seconds between when an event was due and when it was carried out."""
            self._heap: list[tuple[float, int, Callable[..., None], tuple[Any, ...]]] = []
            self._seq = itertools.count()
            self._run_ids = itertools.count(9_000_000_001)
            self._job_ids = itertools.count(30_000_000_001)
            self._run_numbers: dict[str, itertools.count[int]] = {}
            self.pool = RunnerPool(self)
            self.changed.notify_all()

    # -- event machinery ----------------------------------------------------------------------

    def at(self, when: float, action: Callable[..., None], *args: Any) -> None:
        """Schedule ``action(*args)`` at epoch second ``when``."""
        heapq.heappush(self._heap, (when, next(self._seq), action, args))
        self.changed.notify_all()

    def next_event_time(self) -> float | None:
        with self.lock:
            return self._heap[0][0] if self._heap else None

    def advance(self, now: float | None = None) -> int:
        """Carry out every event due by ``now``; return how many ran."""
        now = self.clock.time() if now is None else now
        ran = 0
        with self.lock:
            while self._heap and self._heap[0][0] <= now:
                when, _, action, args = heapq.heappop(self._heap)
                late = self.clock.time() - when
                action(when, *args)
                ran += 1
                samples = self.lateness.setdefault(action.__name__, [])
                if len(samples) < 100_000:
                    samples.append(late)
        return ran

    def log(self, when: float, kind: str, **fields: Any) -> None:
        self.events.append({"seq": len(self.events), "t": round(when, 3), "type": kind, **fields})

    # -- dispatch and cancel ------------------------------------------------------------------

    def find_workflow(self, key: str) -> None:
        """Raise 404 unless ``key`` names the served workflow (file name, path or id)."""
        names = {str(WORKFLOW_ID), self.workflow.path.rsplit("/", 1)[-1], self.workflow.path}
        if key not in names:
            raise SimError(404, "Not Found")

    def dispatch(self, owner: str, repo: str, workflow: str, ref: str, inputs: dict[str, Any] | None) -> SimRun:
        """Create a run as ``workflow_dispatch`` does, or raise :class:`SimError` with GitHub's wording."""
        self.find_workflow(workflow)
        if not isinstance(ref, str) or not ref:
            raise SimError(422, 'Invalid request.\n\n"ref" wasn\'t supplied.')
        branch = ref.removeprefix("refs/heads/")
        if branch not in self.config.branches:
            raise SimError(422, f"No ref found for: {ref}")
        try:
            resolved = self.workflow.resolve_inputs(inputs)
        except InputError as exc:
            raise SimError(422, str(exc)) from None
        labels = runs_on_labels(resolved.get("runner_labels"))
        with self.lock:
            now = self.clock.time()
            key = f"{owner}/{repo}"
            number = next(self._run_numbers.setdefault(key, itertools.count(1)))
            run = SimRun(
                id=next(self._run_ids),
                owner=owner,
                repo=repo,
                workflow_id=WORKFLOW_ID,
                ref=branch,
                inputs=resolved,
                display_title=self.workflow.render_run_name(resolved),
                created_at=now,
                listable_at=now + self.config.listable_delay_s,
                run_number=number,
                sleep_s=float(resolved.get("sleep_duration") or 0),
                job_count=int(resolved.get("job_count") or 1),
                sequential=resolved.get("job_type") == "sequential",
                labels=labels,
                updated_at=now,
            )
            self.runs[run.id] = run
            self.log(now, "run_created", run_id=run.id)
            self.at(now + self.config.run_to_job_s, self._create_jobs, run.id)
            return run

    def cancel(self, run_id: int) -> None:
        """Accept a cancel as GitHub does, asynchronously: the run stays as it is while its jobs are cancelled and
        ends ``completed``/``cancelled`` after ``cancel_s``; 409 if it is completed (sources: SOURCES.md here)."""
        with self.lock:
            run = self.get_run(run_id)
            if run.status == "completed":
                raise SimError(409, "Cannot cancel a workflow run that is completed.")
            if run.cancel_requested_at is not None:
                return
            now = self.clock.time()
            run.cancel_requested_at = now
            for job in run.jobs:  # queued jobs are no longer handed to runners
                self.waiting.pop(job.id, None)
            self.log(now, "run_cancel_requested", run_id=run.id)
            self.at(now + self.config.cancel_s, self._finish_cancel, run.id)

    def _finish_cancel(self, now: float, run_id: int) -> None:
        run = self.runs[run_id]
        if run.status == "completed":
            return
        for job in run.jobs:
            if job.status != "completed":
                self._finish_job(now, job, "cancelled")
        run.next_index = run.job_count + 1
        self._complete_run(now, run, "cancelled")
        self.pool.assign(now)

    def get_run(self, run_id: int) -> SimRun:
        run = self.runs.get(run_id)
        if run is None:
            raise SimError(404, "Not Found")
        return run

    # -- job lifecycle (events) ---------------------------------------------------------------

    def _create_jobs(self, now: float, run_id: int) -> None:
        run = self.runs[run_id]
        if run.status == "completed" or run.cancel_requested_at is not None:
            return
        if run.sequential:
            self._add_skipped(now, run, "parallel")
            self._queue_job(now, run, run.next_index)
        else:
            for index in range(1, run.job_count + 1):
                self._queue_job(now, run, index)
            for index in range(1, CHAIN_LENGTH + 1):
                self._add_skipped(now, run, f"job {index}")
        self.pool.assign(now)

    def _add_skipped(self, now: float, run: SimRun, name: str) -> None:
        job = SimJob(next(self._job_ids), run.id, name, run.labels, now, 0.0, status="completed", conclusion="skipped")
        job.started_at = job.completed_at = now
        run.jobs.append(job)
        self.jobs[job.id] = job

    def _queue_job(self, now: float, run: SimRun, index: int) -> None:
        cfg = self.config
        job = SimJob(
            id=next(self._job_ids),
            run_id=run.id,
            name=f"job {index}",
            labels=run.labels,
            created_at=now,
            duration_s=cfg.setup_s + run.sleep_s + cfg.teardown_s,
            fails=bool(cfg.job_failure_rate) and self.rng.random() < cfg.job_failure_rate,
            early_start=bool(cfg.early_start_rate) and self.rng.random() < cfg.early_start_rate,
        )
        run.next_index = index + 1
        run.jobs.append(job)
        run.updated_at = now
        self.jobs[job.id] = job
        self.waiting[job.id] = job
        self.log(now, "job_queued", run_id=run.id, job_id=job.id)
        self.pool.on_job_queued(now)

    def start_pickup(self, now: float, job: SimJob, runner: SimRunner) -> None:
        """Called by the pool: ``runner`` takes ``job``; it starts after the pickup latency."""
        del self.waiting[job.id]
        job.assigned_at = now
        self.log(now, "runner_assigned", run_id=job.run_id, job_id=job.id, runner_id=runner.id)
        self.at(now + self.config.pickup.sample(self.rng), self._start_job, job.id, runner.id)

    def _start_job(self, now: float, job_id: int, runner_id: int) -> None:
        job = self.jobs[job_id]
        runner = self.pool.runners.get(runner_id)
        if job.status != "queued" or runner is None or self.runs[job.run_id].cancel_requested_at is not None:
            return  # a job of a run being cancelled keeps its runner until the cancel lands, then frees it
        job.status, job.started_at = "in_progress", now
        job.runner_id, job.runner_name = runner.id, runner.name
        run = self.runs[job.run_id]
        if run.status == "queued":
            run.status = "in_progress"
        run.updated_at = now
        self.log(now, "job_started", run_id=run.id, job_id=job.id, runner_id=runner.id)
        self.at(now + job.duration_s, self._end_job, job.id)

    def _end_job(self, now: float, job_id: int) -> None:
        job = self.jobs[job_id]
        if job.status == "completed":
            return
        self._finish_job(now, job, "failure" if job.fails else "success")
        run = self.runs[job.run_id]
        run.updated_at = now  # as on GitHub: a job's end changes its run (the tracker reads the jobs again)
        if run.cancel_requested_at is not None:
            pass  # the cancel ends the run
        elif run.sequential and job.conclusion == "success" and run.next_index <= run.job_count:
            self._queue_job(now, run, run.next_index)
        elif all(j.status == "completed" for j in run.jobs):
            if run.sequential:
                for index in range(run.next_index, CHAIN_LENGTH + 1):
                    self._add_skipped(now, run, f"job {index}")
            failed = any(j.conclusion == "failure" for j in run.jobs)
            self._complete_run(now, run, "failure" if failed else "success")
        self.pool.assign(now)

    def _finish_job(self, now: float, job: SimJob, conclusion: str) -> None:
        job.status, job.conclusion, job.completed_at = "completed", conclusion, now
        if job.started_at is None:
            job.started_at = now
        self.waiting.pop(job.id, None)
        self.log(now, "job_completed", run_id=job.run_id, job_id=job.id, runner_id=job.runner_id, conclusion=conclusion)
        self.pool.release(now, job)

    def _complete_run(self, now: float, run: SimRun, conclusion: str) -> None:
        run.status, run.conclusion, run.updated_at = "completed", conclusion, now
        self.log(now, "run_completed", run_id=run.id, conclusion=conclusion)

    # -- ground truth -------------------------------------------------------------------------

    def truth(self) -> list[dict[str, Any]]:
        """Every real job with its true times (seconds, unrounded)."""
        with self.lock:
            return [
                {
                    "run_id": job.run_id,
                    "job_id": job.id,
                    "name": job.name,
                    "created_at": job.created_at,
                    "assigned_at": job.assigned_at,
                    "started_at": job.started_at if job.runner_id is not None else None,
                    "completed_at": job.completed_at,
                    "runner_id": job.runner_id,
                    "conclusion": job.conclusion,
                    "queue_s": None if job.runner_id is None else job.started_at - job.created_at,
                    "execution_s": None
                    if job.completed_at is None or job.runner_id is None
                    else job.completed_at - job.started_at,
                }
                for job in self.jobs.values()
                if not job.skipped
            ]
