"""The plugin's state for one Locust environment, and what it does at each point of a test.

Local runner: tracks, writes results. Worker: tracks, sends records to the master in batches. Master:
writes the one results directory, samples the pool, shares the token's dispatch budget among workers.
"""

from __future__ import annotations

import json
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

from .. import latency_events as stats
from .._version import __version__
from ..checks import EXIT_CHECK_FAILED, CheckResult, evaluate
from ..ecs import EcsRunnerPool
from ..embedded import EmbeddedSimulator
from ..errors import Error, UsageError
from ..github.client import GitHubClient
from ..github.models import Job
from ..governor import DispatchGovernor
from ..options import sim_argv
from ..plans import CapacityPlan, Observation, Plan, Tick
from ..records import JobRecord, RunRecord, Sample, as_row, from_row, iso
from ..results import ResultsWriter, results_dir_name
from ..scenario import load_scenario
from ..settings import Settings
from ..theory import Workload, budget_check, forecast
from ..tracker import Dispatched, RunTracker, TrackedRun, TrackerListener
from ..workflow import WorkflowSpec, default_workflow_path

__all__ = ["Harness", "harness_of"]

log = logging.getLogger("ghrunner_locust")
RECORDS, ABORT, SHARE = "ghrunner_records", "ghrunner_abort", "ghrunner_share"
DRAIN, DRAINED, STAGE = "ghrunner_drain", "ghrunner_drained", "ghrunner_stage"


def harness_of(environment: Any) -> Harness:
    return environment.ghrunner  # set by the init listener


class Harness(TrackerListener):
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
        self._runners_api = True
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

    # -- start --------------------------------------------------------------------------------

    def start(self) -> None:
        """``test_start``: read and check every option, then wire up; a bad value stops the test."""
        self.ready.clear()
        self.failed, self.stopping, self._drained = None, False, False
        options = self.environment.parsed_options
        try:
            if self.role != "worker":
                self._apply_scenario(options)
                _apply_quick(options)
                self._start_embedded(options)
            self.settings = Settings.from_options(options, scenario=_scenario(options))
            token = self.settings.token()
            self._check_inputs()
            self.client = GitHubClient(
                self.settings.api_url,
                token,
                api_version=self.settings.api_version,
                ca_bundle=self.settings.ca_bundle,
                pool_size=50,
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
        else:
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
            )
            self._spawn(self._track_loop)
            if self.role == "worker":
                self._spawn(self._send_loop)
        self.ready.set()

    def _start_embedded(self, options: Any) -> None:
        if options.gh_owner or options.gh_repo or (options.gh_api_url and not options.ghrunner_embedded):
            return
        if self.sim is None:
            self.sim = EmbeddedSimulator(sim_argv(options))
        options.gh_api_url = self.sim.start()
        options.ghrunner_embedded = True  # workers receive it with the spawn message

    def _apply_scenario(self, options: Any) -> None:
        if not getattr(options, "scenario", None):
            return
        scenario = load_scenario(options.scenario)
        work = scenario.workload
        for key in ("sleep_duration", "job_count", "job_type"):
            if key in work:
                setattr(options, key, work[key])
        if "inputs" in work:
            options.gh_inputs = json.dumps({**json.loads(options.gh_inputs or "{}"), **work["inputs"]})
        for key, option in (("queue_p95", "check_queue_p95"), ("fail_ratio", "check_fail_ratio"), ("timeouts", "check_timeouts")):
            if key in scenario.checks and getattr(options, option, None) is None:
                setattr(options, option, scenario.checks[key])

    def _connect_ecs(self, options: Any) -> None:
        """With --ecs-cluster/--ecs-service: sample the service, and let stages set the runner count."""
        cluster, service = getattr(options, "ecs_cluster", None), getattr(options, "ecs_service", None)
        if not cluster and not service:
            return
        if not (cluster and service):
            raise UsageError("give both --ecs-cluster and --ecs-service")
        self.ecs = EcsRunnerPool(cluster, service, region=options.ecs_region, endpoint_url=options.ecs_endpoint_url)
        state = self.ecs.sample()
        log.info(
            "ghrunner: ECS service %s/%s: %d desired, %d running, %d pending",
            cluster,
            service,
            state.desired,
            state.running,
            state.pending,
        )
        if getattr(options, "runners", None) is None:
            options.runners = state.desired
        self.on_runners = self._scale_ecs

    def _scale_ecs(self, count: int) -> None:
        assert self.ecs is not None
        log.info("ghrunner: scaling the ECS service to %d runners", count)
        try:
            state = self.ecs.scale(count)
            log.info("ghrunner: %d runners running", state.running)
        except Error as exc:
            log.warning("ghrunner: %s", exc)

    def _guard_rails(self, options: Any) -> None:
        """Say what the plan implies for the pool and for GitHub's limits; refuse (headless) beyond them."""
        assert self.settings is not None and self.plan is not None
        s = self.settings
        stages = self.plan.stages()
        pickup = getattr(options, "sim_pickup", 3.0) if s.embedded else 3.0
        work = Workload(s.sleep_duration, s.job_count, s.job_type, pickup_s=pickup)
        runners = getattr(options, "runners", None) or (getattr(options, "sim_runners", None) if s.embedded else None)
        if runners:
            log.info(
                "ghrunner: pool capacity %d runners / %.1f s a job = %.1f jobs a minute",
                runners,
                work.job_s,
                runners * 60 / work.job_s,
            )
            for item in forecast(stages, work, runners):
                self.forecasts.append({**asdict(item), "runners": runners, "line": item.line()})
                log.info("ghrunner: expected %s", item.line())
        check = budget_check(stages, work, s.poll_interval, per_minute=s.dispatch_limit_minute, per_hour=s.dispatch_limit_hour)
        for problem in check.problems:
            log.warning("ghrunner: %s", problem)
        if check.problems and getattr(options, "headless", False) and not getattr(options, "force", False):
            raise UsageError(
                "the plan exceeds GitHub's limits for one token (" + "; ".join(check.problems) + "): pass --force to run anyway"
            )

    def _check_inputs(self) -> None:
        """With the workflow file at hand, refuse inputs GitHub would refuse, before the first dispatch."""
        path = default_workflow_path()
        if self.settings and self.settings.workflow == path.name and path.exists():
            WorkflowSpec.load(path).resolve_inputs(self.settings.inputs(run_key="check"))

    def _open_results(self) -> None:
        assert self.settings is not None
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
        done: AsyncResult = AsyncResult()
        self.run_dispatch_times[dispatched.run_key] = dispatched.dispatched_at
        if self.tracker is not None:
            self.tracker.track(dispatched, on_done=done.set)
        return done

    # -- shapes -------------------------------------------------------------------------------

    def observe(self) -> Observation:
        """What the test has seen so far, for plans that react (baseline, stress, capacity)."""
        stats = self.environment.runner.stats
        workflow = self.settings.workflow if self.settings else "runner_test.yml"
        dispatch = stats.entries.get((workflow, "DISPATCH"))
        reports = [self.report()] if self.role == "local" else list(self.worker_reports.values())
        return Observation(
            now=time.time(),
            dispatched=dispatch.num_requests if dispatch else 0,
            completed_runs=self.completed_runs,
            in_flight=sum(r["in_flight"] for r in reports),
            queue_s=tuple(self.queue_samples),
            failures=stats.total.num_failures,
            requests=stats.total.num_requests,
            timeouts=self.timeouts,
            refused=dispatch.num_failures if dispatch else 0,
        )

    def apply_tick(self, tick: Tick) -> None:
        rate = tick.rate_per_min / max(1, tick.users) if tick.rate_per_min is not None else None
        if (tick.stage, rate, tick.job_count) != (self.stage, self.per_user_rate, self.stage_job_count):
            log.info(
                "ghrunner: stage %s: %d users%s",
                tick.stage,
                tick.users,
                f", {tick.rate_per_min:.1f} dispatches a minute" if tick.rate_per_min is not None else "",
            )
            self._set_stage(tick.stage, rate, tick.job_count)
            if self.role == "master":
                self.environment.runner.send_message(
                    STAGE, {"stage": tick.stage, "per_user_rate": rate, "job_count": tick.job_count}
                )
        if tick.runners is not None and tick.runners != self._runners:
            self._runners = tick.runners
            if self.on_runners is not None:
                gevent.spawn(self.on_runners, tick.runners)

    def _set_stage(self, stage: str, per_user_rate: float | None, job_count: int | None) -> None:
        self.stage, self.per_user_rate, self.stage_job_count = stage, per_user_rate, job_count

    def plan_finished(self, plan: Plan) -> None:
        breaking = getattr(plan, "breaking", None)
        if breaking is not None:
            self.plan_result["breaking_point"] = asdict(breaking)
            log.info("ghrunner: breaking point at %s (load %g before it): %s", breaking.stage, breaking.level, breaking.reason)
        elif plan.kind == "stress":
            self.plan_result["breaking_point"] = None
            log.info("ghrunner: no breaking point within the plan's steps")
        if isinstance(plan, CapacityPlan):
            self.plan_result["capacity"] = {
                "rate_per_min": plan.capacity,
                "slo_p95_s": plan.slo_p95_s,
                "probes": [{"rate_per_min": r, "p95_queue_s": p, "met": m} for r, p, m in plan.results],
            }
            found = f"{plan.capacity:.1f} dispatches a minute" if plan.capacity else "no rate tried met it"
            log.info("ghrunner: capacity within a p95 queue latency of %g s: %s", plan.slo_p95_s, found)

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

    def _receive_records(self, msg: Any, **kwargs: Any) -> None:
        for item in msg.data:
            if item["kind"] == "start":
                self.queue_samples.append((item["t"], item["q"]))
            else:
                self._write(from_row(JobRecord if item["kind"] == "job" else RunRecord, item["row"]))

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

    def _send_loop(self) -> None:
        while True:
            gevent.sleep(1.0)
            self.flush_outbox()

    def flush_outbox(self) -> None:
        if self.outbox and self.role == "worker":
            batch, self.outbox = self.outbox, []
            self.environment.runner.send_message(RECORDS, batch)

    def _sample_loop(self) -> None:
        assert self.settings is not None
        while True:
            gevent.sleep(self.settings.sample_interval)
            self._write(self.sample())

    def sample(self) -> Sample:
        """The pool and the harness now (on the master, summed over the workers' latest reports)."""
        mine = [self.report()] if self.role == "local" else list(self.worker_reports.values())
        remaining = [r["rate_remaining"] for r in mine if r.get("rate_remaining") is not None]
        busy = online = None
        if self._runners_api and self.client is not None and self.settings is not None:
            try:
                runners = self.client.list_runners(self.settings.owner, self.settings.repo).items
                busy, online = sum(r.busy for r in runners), sum(r.online for r in runners)
            except Error as exc:
                self._runners_api = False
                log.info("ghrunner: not sampling the runners API (%s)", exc)
        ecs = None
        if self.ecs is not None:
            try:
                ecs = self.ecs.sample()
            except Error as exc:
                log.warning("ghrunner: %s", exc)
        return Sample(
            time=iso(time.time()),
            worker=self.worker_id,
            in_flight_runs=sum(r["in_flight"] for r in mine),
            queued_jobs=sum(r["queued"] for r in mine),
            running_jobs=sum(r["running"] for r in mine),
            busy_runners=busy,
            online_runners=online,
            rate_limit_remaining=min(remaining) if remaining else None,
            rate_limit_used=max((r.get("rate_used") or 0 for r in mine), default=None),
            requests_sent=sum(r["sent"] for r in mine),
            requests_counted=sum(r["counted"] for r in mine),
            users=self.environment.runner.user_count,
            stage=self.stage,
            ecs_desired=ecs.desired if ecs else None,
            ecs_running=ecs.running if ecs else None,
            ecs_pending=ecs.pending if ecs else None,
        )

    def report(self) -> dict[str, Any]:
        """This process's tracker and budget, for the master (``report_to_master``) or the local sample."""
        queued, running = self.tracker.job_counts() if self.tracker else (0, 0)
        client, snap = self.client, self.client.rate_limit if self.client else None
        running_jobs = [
            [job.runner_name, job.name, job.run_id]
            for t in (self.tracker.runs.values() if self.tracker else ())
            for job in t.jobs.values()
            if job.started and not job.completed
        ]
        return {
            "in_flight": self.tracker.in_flight if self.tracker else 0,
            "queued": queued,
            "running": running,
            "rate_remaining": snap.remaining if snap else None,
            "rate_used": snap.used if snap else None,
            "sent": client.requests_sent if client else 0,
            "counted": client.requests_counted if client else 0,
            "running_jobs": running_jobs,
        }

    # -- stop ---------------------------------------------------------------------------------

    def stop(self) -> None:
        """``test_stopping``: stop dispatching, drain runs in flight, cancel the rest if asked.

        The master asks every worker to drain and waits for their last records: Locust's own quit gives
        workers half a second, too little for runs in flight.
        """
        self.stopping = True
        if self.role == "master":
            return self._drain_workers()
        if self._drained:
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

    def _drain_for_master(self) -> None:
        self.stop()
        self.environment.runner.send_message(DRAINED, {"worker": self.worker_id})

    def _drain_workers(self) -> None:
        runner, settings = self.environment.runner, self.settings
        workers = {client.id for client in runner.clients.all}
        if not workers or settings is None or self._drained:
            return
        self._drained = True
        self._acks, self._all_drained = set(), gevent.event.Event()
        self._expected = workers
        runner.send_message(DRAIN, {})
        limit = settings.drain_timeout + (40.0 if settings.cancel_on_stop else 10.0)
        if not self._all_drained.wait(limit):
            log.warning("ghrunner: %d workers did not finish draining within %.0f s", len(workers - self._acks), limit)

    def _receive_drained(self, msg: Any, **kwargs: Any) -> None:
        self._acks.add(msg.node_id)
        if self._acks >= getattr(self, "_expected", set()):
            self._all_drained.set()

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

    def _checks(self) -> list[CheckResult]:
        options = self.environment.parsed_options
        stats = self.environment.runner.stats.total
        results = evaluate(
            [q for _, q in self.queue_samples],
            stats.num_failures,
            stats.num_requests,
            self.timeouts,
            queue_p95=getattr(options, "check_queue_p95", None),
            fail_ratio=getattr(options, "check_fail_ratio", None),
            max_timeouts=getattr(options, "check_timeouts", None),
        )
        for result in results:
            (log.info if result.passed else log.error)("ghrunner: check %s", result.line())
        if any(not r.passed for r in results) and self.environment.process_exit_code in (None, 0, 1):
            self.environment.process_exit_code = EXIT_CHECK_FAILED
        return results


def _apply_quick(options: Any) -> None:
    """``--quick``: short sleeps and fast polling, for options still at their defaults."""
    if not getattr(options, "quick", False) or getattr(options, "ghrunner_quick_applied", False):
        return
    for name, default, quick in [
        ("sleep_duration", 60.0, 2.0),
        ("poll_interval", 5.0, 1.0),
        ("jobs_refresh", 10.0, 1.0),
        ("drain_timeout", 60.0, 30.0),
        ("sample_interval", 5.0, 2.0),
        ("sim_pickup_tail", 0.01, 0.0),
    ]:
        if getattr(options, name, None) == default:
            setattr(options, name, quick)
    options.ghrunner_quick_applied = True


def _scenario(options: Any) -> str:
    if getattr(options, "scenario", None):
        return Path(options.scenario).stem
    locustfile = getattr(options, "locustfile", None) or "test"
    stem = Path(str(locustfile).split(",")[0]).stem or "test"
    return f"{stem}-{options.shape}" if getattr(options, "shape", None) else stem
