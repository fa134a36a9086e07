"""The harness's part in load shapes: scenario files, --quick, guard rails, ticks, plan results, CI checks."""

from __future__ import annotations

import copy
import json
import logging
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import gevent

from ..errors import Error, UsageError
from ..github.workflow import WorkflowSpec, default_workflow_path
from ..planning.checks import EXIT_CHECK_FAILED, CheckResult, evaluate
from ..planning.plans import CapacityPlan, Observation, Plan, Tick
from ..planning.theory import Workload, budget_check, constant_wait, forecast
from .preflight import preflight, read_scenario
from .settings import Settings

__all__ = ["PlanningMixin", "apply_quick", "scenario_name"]

log = logging.getLogger("ghrunner_locust")
STAGE = "ghrunner_stage"


class PlanningMixin:
    """Methods of :class:`~ghrunner_locust.plugin.harness.Harness` that serve the shapes."""

    environment: Any
    settings: Any
    plan: Plan | None
    fresh: bool

    def _apply_scenario(self, options: Any) -> None:
        if not getattr(options, "scenario", None):
            return
        scenario = read_scenario(options.scenario)
        work = scenario.workload
        for key in ("sleep_duration", "job_count", "job_type"):
            if key in work:
                setattr(options, key, work[key])
        if "inputs" in work:
            options.gh_inputs = json.dumps({**json.loads(options.gh_inputs or "{}"), **work["inputs"]})
        for key, option in (("queue_p95", "check_queue_p95"), ("fail_ratio", "check_fail_ratio"), ("timeouts", "check_timeouts")):
            if key in scenario.checks and getattr(options, option, None) is None:
                setattr(options, option, scenario.checks[key])

    def check(self, options: Any) -> None:
        """Every option, the scenario file, the results folder and the shape's plan, before anything starts."""
        preflight(options)
        quick = copy.copy(options)  # the guard rails judge the test that runs: --quick's sleeps and polls
        apply_quick(quick)
        settings = Settings.from_options(quick)
        self._check_inputs(settings)
        shape = self.environment.shape_class
        if shape is not None and hasattr(shape, "make_plan"):
            try:
                plan = shape.make_plan(options)
            except (Error, ValueError) as exc:
                raise UsageError(str(exc)) from None
            self.refuse_beyond_limits(options, settings, plan)

    def _check_inputs(self, settings: Settings) -> None:
        """With the workflow file at hand, refuse inputs GitHub would refuse, before the first dispatch."""
        path = default_workflow_path()
        if settings.workflow == path.name and path.exists():
            WorkflowSpec.load(path).resolve_inputs(settings.inputs(run_key="check"))

    def _workload(self, options: Any, settings: Any) -> tuple[Workload, bool]:
        """The workload the plan is expected with, and whether the users' varying wait makes rates upper bounds."""
        think, upper = _closed_loop_wait(getattr(self.environment, "user_classes", None) or [])  # soak.py: 30 s
        pickup = _sim_pickup(options) if settings.embedded else {}
        return Workload(settings.sleep_duration, settings.job_count, settings.job_type, **pickup, think_s=think), upper

    def refuse_beyond_limits(self, options: Any, settings: Any, plan: Plan, *, say: bool = False) -> None:
        """A plan beyond GitHub's limits for one token is refused unless ``--force``, in the web form as headless."""
        s, stages = settings, plan.stages()
        work, _ = self._workload(options, s)
        check = budget_check(stages, work, s.poll_interval, per_minute=s.dispatch_limit_minute, per_hour=s.dispatch_limit_hour)
        for problem in check.problems if say else ():
            log.warning("ghrunner: %s", problem)
        if check.problems and not getattr(options, "force", False):
            raise UsageError(
                "the plan exceeds GitHub's limits for one token ("
                + "; ".join(check.problems)
                + "): pass --force (in the web form: Checks · run beyond the limits of one token) to run anyway"
            )

    def _guard_rails(self, options: Any) -> None:
        """Say what the plan implies for the pool and for GitHub's limits; refuse beyond them."""
        assert self.settings is not None and self.plan is not None
        s = self.settings
        stages = self.plan.stages()
        work, upper = self._workload(options, s)
        runners = getattr(options, "runners", None) or (getattr(options, "sim_runners", None) if s.embedded else None)
        if runners:
            log.info(
                "ghrunner: pool capacity %d runners / %.1f s a job = %.1f jobs a minute",
                runners,
                work.job_s,
                runners * 60 / work.job_s,
            )
        if upper:
            log.info("ghrunner: closed-loop users wait a varying time between runs: expected rates are upper bounds")
        classes = getattr(self.environment, "user_classes", None) or []
        arrivals = {getattr(c, "arrivals", None) for c in classes} - {None}  # open-loop users: poisson or uniform
        uniform = bool(getattr(options, "quick", False)) or arrivals == {"uniform"}
        for item in forecast(stages, work, runners, uniform=uniform):  # each stage on its own count (--shape-runners)
            self.forecasts.append({**asdict(item), "line": item.line()})
            log.info("ghrunner: expected %s", item.line())
        self.refuse_beyond_limits(options, s, self.plan, say=True)

    def observe(self) -> Observation:
        """What the test has seen so far, for plans that react (baseline, stress, capacity)."""
        if self.fresh:
            return Observation(now=time.time())
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
        # the first tick comes before test_start connects ECS: the count is set once something can set it
        if tick.runners is not None and tick.runners != self._runners and self.on_runners is not None:
            self._runners = tick.runners
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


def _closed_loop_wait(classes: list[Any]) -> tuple[float, bool]:
    """:func:`~ghrunner_locust.planning.theory.constant_wait` of the closed-loop user classes' ``wait_time``."""
    closed = [c for c in classes if isinstance(c, type) and any(b.__name__ == "ClosedLoopUser" for b in c.__mro__)]
    return constant_wait([c.wait_time for c in closed])  # by name: plugin.users imports the harness


def _sim_pickup(options: Any) -> dict[str, Any]:
    """The embedded simulator's pickup, as its options set it (the report's model is the same: one expectation)."""
    knobs = {"pickup_s": "sim_pickup", "pickup_p90_s": "sim_pickup_p90", "pickup_tail": "sim_pickup_tail"}
    given = {field: getattr(options, name) for field, name in knobs.items() if getattr(options, name, None) is not None}
    return {**given, "pickup_fixed": bool(getattr(options, "sim_fixed_latency", False))}


def apply_quick(options: Any) -> None:
    """``--quick``: short sleeps, fast polling and no long pickups in the embedded simulator, for options
    still at their defaults (a rehearsal must end within its drain)."""
    if not getattr(options, "quick", False) or getattr(options, "ghrunner_quick_applied", False):
        return
    for name, default, quick in [
        ("sleep_duration", 60.0, 2.0),
        ("poll_interval", 5.0, 1.0),
        ("jobs_refresh", 10.0, 1.0),
        ("drain_timeout", 60.0, 30.0),
        ("sample_interval", 5.0, 2.0),
        ("sim_pickup_tail", 0.01, 0.0),
        ("sim_pickup_p90", 10.0, 5.0),
    ]:
        if getattr(options, name, None) == default:
            setattr(options, name, quick)
    options.ghrunner_quick_applied = True


def scenario_name(options: Any) -> str:
    if getattr(options, "scenario", None):
        return Path(options.scenario).stem
    locustfile = getattr(options, "locustfile", None) or "test"
    stem = Path(str(locustfile).split(",")[0]).stem or "test"
    shape = getattr(options, "shape", None)
    return f"{stem}-{shape}" if shape and shape not in stem.split("-") else stem  # never baseline-baseline
