"""The plugin's state for one Locust environment, and what it does at each point of a test.

Local runner: tracks, writes results. Worker: tracks, sends records to the master in batches. Master:
writes the one results directory, samples the pool, shares the token's dispatch budget among workers.
By concern: ``ending.py`` (results opened, drain, report), ``distributed.py`` (master and workers),
``planning.py`` (shapes, guard rails, checks), ``pool.py`` (samples, ECS), ``preflight.py`` (bad input).
"""

from __future__ import annotations

import logging
import random
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gevent
from gevent.event import AsyncResult
from locust.runners import MasterRunner, WorkerRunner

from ..ecs import EcsRunnerPool
from ..errors import Error, UsageError
from ..github.client import GitHubClient
from ..github.models import Job
from ..planning.plans import Plan
from ..tracking.governor import DispatchGovernor
from ..tracking.records import JobRecord, RunRecord, Sample
from ..tracking.results import ResultsWriter
from ..tracking.tracker import Dispatched, RunTracker, TrackedRun, TrackerListener
from . import events as stats
from . import handover
from .distributed import ABORT, SHARE, DistributedMixin
from .embedded import EmbeddedSimulator
from .ending import EndingMixin
from .form import actions
from .options import sim_argv
from .planning import PlanningMixin, apply_quick, scenario_name
from .pool import PoolMixin
from .preflight import starts_embedded
from .settings import Settings

__all__ = ["Harness", "harness_of"]

log = logging.getLogger("ghrunner_locust")


def harness_of(environment: Any) -> Harness:
    return environment.ghrunner  # set by the init listener


class Harness(EndingMixin, PlanningMixin, PoolMixin, DistributedMixin, TrackerListener):
    """Settings, client, tracker, results and greenlets of one test."""

    def __init__(self, environment: Any) -> None:
        self.environment = environment
        runner = environment.runner
        self.role = "master" if isinstance(runner, MasterRunner) else "worker" if isinstance(runner, WorkerRunner) else "local"
        self.worker_id = getattr(runner, "client_id", "worker") if self.role == "worker" else self.role
        self.settings: Settings | None = None
        self.client: GitHubClient | None = None
        self.tracker: RunTracker | None = None
        self.writer: ResultsWriter | None = None
        self.governor = DispatchGovernor()
        self.sim: EmbeddedSimulator | None = None
        self.ready = gevent.event.Event()
        self.failed: str | None = None
        self.stopping = False
        self.fresh = False
        """A new test's shape has ticked, its ``test_start`` has not come yet."""
        self.stage = ""
        self.quick = False
        self.started_at: float | None = None
        self.recent_jobs: deque[JobRecord] = deque(maxlen=20)
        self.worker_reports: dict[str, dict[str, Any]] = {}
        self.waiters: dict[str, AsyncResult] = {}
        self.run_dispatch_times: dict[str, float] = {}
        self._greenlets: list[gevent.Greenlet] = []
        self.runners_api = True
        self.last_runners: list[Any] = []
        self.plan: Plan | None = None
        self.plan_result: dict[str, Any] = {}
        self.per_user_rate: float | None = None
        """Dispatches a minute for each open-loop user, set by a rate-based shape."""
        self.stage_job_count: int | None = None
        self.queue_samples: list[tuple[float, float]] = []
        """(dispatch time, queue seconds) of every job that started (master/local)."""
        self.completed_runs = 0
        self.timeouts = 0
        self.forecasts: list[dict[str, Any]] = []
        self.ecs: EcsRunnerPool | None = None
        self.on_runners: Callable[[int], None] | None = None
        """Called with a stage's runner count (the ECS monitor scales the service)."""
        self._runners: int | None = None
        self._drained = False
        self._drain_done = gevent.event.Event()
        self._drain_done.set()
        self._acks: set[str] = set()
        self._all_drained = gevent.event.Event()
        self._finished = False
        self.notes: list[str] = []
        """Said in ``meta.json`` and ``summary.json`` (a lost worker, the runs the master adopted)."""
        self.peak_users = 0
        self.report_path: Path | None = None
        self.summary_text: str | None = None
        self.users_started = 0
        self.phase = random.random()
        """Users started in this process (open-loop users spread their first dispatches by it)."""
        options = environment.parsed_options
        self.base_options: dict[str, Any] = {dest: getattr(options, dest, action.default) for dest, action in actions().items()}
        """The plugin's options as the process started: an empty field of the web form means these."""
        self._init_distributed()
        if environment.runner is not None:
            handover.register(self)  # one tracker for the test: the master tracks every worker's runs

    # -- start --------------------------------------------------------------------------------

    def start(self) -> None:
        """``test_start``: read and check every option, then wire up; a bad value stops the test at once."""
        self.ready.clear()
        self.failed, self.stopping, self._drained, self.fresh = None, False, False, False
        self.governor.pause.stop_dispatches(False)
        self.users_started = 0
        try:
            self._start(self.environment.parsed_options)
        except UsageError as exc:
            self.fail(str(exc), code=2)
        except Error as exc:
            self.fail(str(exc), code=1)
        except Exception as exc:  # noqa: BLE001 - a start that breaks must never leave the users waiting
            self.fail(f"could not start the test ({exc.__class__.__name__}: {exc})", code=1)
        finally:
            self.ready.set()

    def _start(self, options: Any) -> None:
        if self.role != "worker":
            self.check(options)
            self._reset_counts()
            self._apply_scenario(options)
            apply_quick(options)
            self._start_embedded(options)
        self.settings = Settings.from_options(options, scenario=scenario_name(options))
        token = self.settings.token()
        self._check_inputs(self.settings)  # a worker's too: its options may differ from the master's
        self.client = GitHubClient(
            self.settings.api_url,
            token,
            api_version=self.settings.api_version,
            ca_bundle=self.settings.ca_bundle,
            pool_size=50,
            pause=self.governor.pause,  # one rate-limit pause for every request and dispatch of the process
        )
        if self.role != "worker":
            self._connect_ecs(options)
        if self.role != "worker" and self.plan is not None:
            self._guard_rails(options)
        self._wire_up(options)

    def _wire_up(self, options: Any) -> None:
        if self.failed:
            return
        self.started_at = time.time()
        self.quick = bool(getattr(options, "quick", False))
        self.governor.limit_minute = self.settings.dispatch_limit_minute
        self.governor.limit_hour = self.settings.dispatch_limit_hour
        if self.role != "worker":
            self._open_results()
            self._spawn(self._sample_loop)
        if self.role == "master":
            workers = max(1, getattr(self.environment.runner, "worker_count", 1))
            self.environment.runner.send_message(SHARE, {"share": 1.0 / workers})
        if self.role != "worker":  # one tracker for the test: the local runner's, or the master's (plugin/handover.py)
            s = self.settings
            self.tracker = RunTracker(
                self.client,
                s.owner,
                s.repo,
                s.workflow,
                listener=self,
                poll_interval=s.poll_interval,
                jobs_refresh=s.jobs_refresh,
                run_timeout=s.run_timeout,
                worker=self.worker_id,
                live=s.live_rows,
                reserve=s.budget_reserve,
                runners=getattr(options, "runners", None),
            )
            self._spawn(self._track_loop)
        self.ready.set()

    def new_test(self) -> None:
        """A new test begins (its shape's first tick, before ``test_start``): forget the last test's failure
        and counts, so NEW in the web UI neither ends the next test at once nor leaves it failed (until then,
        :meth:`observe` says nothing has happened yet: Locust's statistics are cleared with ``test_start``)."""
        self.failed, self.fresh = None, True
        if self.role != "worker":
            self._reset_counts()
            self._set_stage("", None, None)  # the new test's first stage is said (and sent to workers) again
            self._runners = None  # and its first step's runner count set again

    def _reset_counts(self) -> None:
        """A new test (NEW in the web UI) counts from zero."""
        self.queue_samples, self.forecasts, self.plan_result, self.notes = [], [], {}, []
        self.completed_runs = self.timeouts = self.peak_users = 0
        self._runners_read = (-1e9, None)  # the new test's first sample reads the runners API
        self.recent_jobs.clear()

    def _start_embedded(self, options: Any) -> None:
        if not starts_embedded(options):
            return
        if self.sim is None:
            self.sim = EmbeddedSimulator(sim_argv(options))
        options.gh_api_url = self.sim.start()
        options.ghrunner_embedded = True  # workers receive it with the spawn message

    def fail(self, message: str, code: int = 1) -> None:
        """Stop the whole test with one clear line (and a non-zero exit code)."""
        if self.failed:
            return
        self.failed = message
        self.ready.set()
        log.error("ghrunner: %s", message)
        runner = self.environment.runner
        if self.role == "worker":
            runner.send_message(ABORT, {"message": message, "code": code})
            return
        self.environment.process_exit_code = code
        headless = getattr(self.environment.parsed_options, "headless", False)
        gevent.spawn_later(0.1, runner.quit if headless else runner.stop)

    # -- dispatch (called by users) -----------------------------------------------------------

    def dispatched(self, dispatched: Dispatched) -> AsyncResult:
        """Hand a dispatch to the tracker; the result is set with its :class:`RunRecord` when the run ends."""
        if self.role == "worker":
            return handover.hand_over(self, dispatched)
        done: AsyncResult = AsyncResult()
        self.run_dispatch_times[dispatched.run_key] = dispatched.dispatched_at
        if self.tracker is not None:
            self.tracker.track(dispatched, on_done=done.set)
        return done

    # -- tracker reports ----------------------------------------------------------------------

    def job_started(self, run: TrackedRun, job: Job) -> None:
        stats.job_started(self.environment.events, run, job)
        if job.queue_s is not None:
            self.queue_samples.append((run.dispatch.dispatched_at, job.queue_s))

    def job_finished(self, record: JobRecord) -> None:
        stats.job_finished(self.environment.events, record)
        self._write(record)

    def run_finished(self, record: RunRecord) -> None:
        stats.run_finished(self.environment.events, record, self.run_dispatch_times.pop(record.run_key, time.time()))
        self._write(record)

    def _write(self, record: JobRecord | RunRecord | Sample) -> None:
        if isinstance(record, JobRecord):
            self.recent_jobs.append(record)
        elif isinstance(record, RunRecord):
            self.completed_runs += 1
            self.timeouts += record.conclusion == "timed_out"
        if self.writer is not None:
            self.writer.write(record)

    # -- greenlets ----------------------------------------------------------------------------

    def _spawn(self, loop: Any) -> None:
        self._greenlets.append(gevent.spawn(loop))

    def _track_loop(self) -> None:
        assert self.tracker is not None
        while True:
            try:
                self.tracker.poll_once()
            except Error as exc:
                if getattr(exc, "retryable", True):
                    log.warning("ghrunner: polling failed, will retry: %s", exc)
                else:
                    self.fail(f"polling refused: {exc}")
            gevent.sleep(self.tracker.next_interval())
