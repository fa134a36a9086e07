"""The plugin's state for one Locust environment, and what it does at each point of a test.

Local runner: tracks, writes results. Worker: tracks, sends records to the master in batches. Master:
writes the one results directory, samples the pool, shares the token's dispatch budget among workers.
"""

from __future__ import annotations

import logging
import socket
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import gevent
from gevent.event import AsyncResult
from locust.runners import MasterRunner, WorkerRunner

from .._version import __version__
from ..ecs import EcsRunnerPool
from ..errors import Error, UsageError
from ..github.client import GitHubClient
from ..github.models import Job
from ..github.workflow import WorkflowSpec, default_workflow_path
from ..planning.plans import Plan
from ..tracking.governor import DispatchGovernor
from ..tracking.records import JobRecord, RunRecord, Sample, as_row, iso
from ..tracking.results import ResultsWriter, results_dir_name
from ..tracking.tracker import Dispatched, RunTracker, TrackedRun, TrackerListener
from . import events as stats
from . import handover
from .distributed import ABORT, DRAIN, DRAINED, RECORDS, SHARE, DistributedMixin
from .embedded import EmbeddedSimulator
from .options import sim_argv
from .planning import STAGE, PlanningMixin, apply_quick, scenario_name
from .pool import PoolMixin
from .settings import Settings

__all__ = ["Harness", "harness_of"]

log = logging.getLogger("ghrunner_locust")


def harness_of(environment: Any) -> Harness:
    return environment.ghrunner  # set by the init listener


class Harness(PlanningMixin, PoolMixin, DistributedMixin, TrackerListener):
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
        self.stage = ""
        self.quick = False
        self.started_at: float | None = None
        self.recent_jobs: deque[JobRecord] = deque(maxlen=20)
        self.worker_reports: dict[str, dict[str, Any]] = {}
        self.outbox: list[dict[str, Any]] = []
        self.waiters: dict[str, AsyncResult] = {}
        self.run_dispatch_times: dict[str, float] = {}
        self._greenlets: list[gevent.Greenlet] = []
        self.runners_api = True
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
        self._acks: set[str] = set()
        self._all_drained = gevent.event.Event()
        if runner is not None and self.role == "worker":
            runner.register_message(SHARE, lambda msg, **kw: self.governor.set_share(msg.data["share"]))
            runner.register_message(DRAIN, lambda msg, **kw: gevent.spawn(self._drain_for_master))
            runner.register_message(STAGE, lambda msg, **kw: self._set_stage(**msg.data))
        if runner is not None and self.role == "master":
            runner.register_message(RECORDS, self._receive_records)
            runner.register_message(ABORT, lambda msg, **kw: self.fail(msg.data["message"], msg.data.get("code", 1)))
            runner.register_message(DRAINED, self._receive_drained)
        if runner is not None:
            handover.register(self)  # the master tracks every worker's runs

    # -- start --------------------------------------------------------------------------------

    def start(self) -> None:
        """``test_start``: read and check every option, then wire up; a bad value stops the test."""
        self.ready.clear()
        self.failed, self.stopping, self._drained = None, False, False
        options = self.environment.parsed_options
        try:
            if self.role != "worker":
                self._apply_scenario(options)
                apply_quick(options)
                self._start_embedded(options)
            self.settings = Settings.from_options(options, scenario=scenario_name(options))
            token = self.settings.token()
            self._check_inputs()
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
        except UsageError as exc:
            return self.fail(str(exc), code=2)
        except Error as exc:
            return self.fail(str(exc), code=1)
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
        if self.role == "worker":
            self._spawn(self._send_loop)
        else:  # one tracker for the test: the local runner's, or the master's for every worker (plugin/handover.py)
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
            )
            self._spawn(self._track_loop)
        self.ready.set()

    def _start_embedded(self, options: Any) -> None:
        if options.gh_owner or options.gh_repo or (options.gh_api_url and not options.ghrunner_embedded):
            return
        if self.sim is None:
            self.sim = EmbeddedSimulator(sim_argv(options))
        options.gh_api_url = self.sim.start()
        options.ghrunner_embedded = True  # workers receive it with the spawn message

    def _check_inputs(self) -> None:
        """With the workflow file at hand, refuse inputs GitHub would refuse, before the first dispatch."""
        path = default_workflow_path()
        if self.settings and self.settings.workflow == path.name and path.exists():
            WorkflowSpec.load(path).resolve_inputs(self.settings.inputs(run_key="check"))

    def _open_results(self) -> None:
        assert self.settings is not None
        if self.writer is not None:  # a new test from the web UI: the previous one's files are complete
            self.writer.close()
        directory = Path(self.settings.results_dir) / results_dir_name(self.settings.scenario)
        self.writer = ResultsWriter(directory)
        self._write_meta()
        log.info("ghrunner: results in %s", directory)

    def _write_meta(self, **extra: Any) -> None:
        if self.writer is None or self.settings is None:
            return
        import locust

        options = {k: v for k, v in vars(self.environment.parsed_options).items() if "token" not in k.lower()}
        self.writer.write_meta(
            {
                "scenario": self.settings.scenario,
                "target": "embedded simulator" if self.settings.embedded else self.settings.api_url,
                "owner": self.settings.owner,
                "repo": self.settings.repo,
                "workflow": self.settings.workflow,
                "options": options,
                "versions": {"ghrunner_locust": __version__, "locust": locust.__version__},
                "start": iso(self.started_at),
                "role": self.role,
                "hostname": socket.gethostname(),
                **extra,
            }
        )

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
            if self.role == "worker":
                self.outbox.append({"kind": "start", "t": run.dispatch.dispatched_at, "q": job.queue_s})
            else:
                self.queue_samples.append((run.dispatch.dispatched_at, job.queue_s))

    def job_finished(self, record: JobRecord) -> None:
        stats.job_finished(self.environment.events, record)
        self._keep("job", record)

    def run_finished(self, record: RunRecord) -> None:
        stats.run_finished(self.environment.events, record, self.run_dispatch_times.pop(record.run_key, time.time()))
        self._keep("run", record)

    def _keep(self, kind: str, record: JobRecord | RunRecord) -> None:
        if self.role == "worker":
            self.outbox.append({"kind": kind, "row": as_row(record)})
        else:
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

    # -- stop ---------------------------------------------------------------------------------

    def stop(self) -> None:
        """``test_stopping``: stop dispatching, drain runs in flight, cancel the rest if asked.

        The master asks every worker to drain and waits for their last records: Locust's own quit gives
        workers half a second, too little for runs in flight.
        """
        self.stopping = True
        if self.role == "master":
            if self._drained:
                return
            self._drain_workers()  # workers stop dispatching; their runs are on this tracker
        if self._drained and self.role != "master":
            return
        self._drained = True
        tracker, settings = self.tracker, self.settings
        for greenlet in self._greenlets:
            if greenlet is not gevent.getcurrent():
                greenlet.kill(block=False)
        self._greenlets = []
        if tracker is None or settings is None:
            return
        if tracker.runs:
            log.info("ghrunner: waiting up to %.0f s for %d runs in flight", settings.drain_timeout, tracker.in_flight)
            tracker.drain(settings.drain_timeout)
        if tracker.runs and settings.cancel_on_stop:
            log.info("ghrunner: cancelling %d runs still in flight", tracker.cancel_all())
            tracker.drain(min(30.0, max(5.0, settings.drain_timeout)))
        tracker.abandon_all("the test stopped before the run ended")
        self.flush_outbox()

    def quit(self) -> None:
        """``quitting``: close the results, stop the embedded simulator."""
        for greenlet in self._greenlets:
            greenlet.kill(block=False)
        if self.role != "worker" and getattr(self.environment.parsed_options, "csv_prefix", None):
            from locust.stats import CSV_STATS_INTERVAL_SEC

            gevent.sleep(CSV_STATS_INTERVAL_SEC + 0.2)  # --csv is rewritten every interval: let it see the drained runs
        checks = self._checks() if self.role != "worker" else []
        if self.writer is not None:
            self._write_meta(
                end=iso(time.time()),
                records=dict(self.writer.counts),
                expected=self.forecasts,
                checks=[asdict(c) for c in checks],
                **({"tracking": self.tracker.summary()} if self.tracker is not None else {}),
                **self.plan_result,
            )
            self.writer.close()
            self._report(self.writer.directory)
        if self.sim is not None:
            self.sim.stop()

    def _report(self, directory: Path) -> None:
        """The end of every run: summary.json, charts and report.html, and a compact table on the console."""
        from ..report import build_report, format_summary

        try:
            summary = build_report(directory)
        except Exception as exc:  # noqa: BLE001 - the results are on disk; a report failure must not hide them
            log.warning("ghrunner: could not write the report (%s); results in %s", exc, directory)
            return
        print(format_summary(summary, str(directory)), flush=True)
