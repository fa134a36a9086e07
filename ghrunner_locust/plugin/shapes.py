"""Locust load shapes for the seven kinds of test plus soak: each wraps a plan of ``ghrunner_locust.plans``.

Locust uses the first concrete shape class of a locustfile: these are abstract, so a locustfile subclasses
one of them (setting class attributes); ``CatalogueShape`` picks the kind with ``--shape NAME`` (or follows
``--scenario FILE.yaml``). Options (``--shape-users``, ``--shape-rate``, ...) win over class attributes.
"""

from __future__ import annotations

from typing import Any, ClassVar

from locust import LoadTestShape

from ..errors import Error
from ..planning import plans
from . import listeners  # noqa: F401  (registers the plugin's listeners, once)
from .harness import harness_of
from .preflight import read_scenario

__all__ = [
    "PlanShape",
    "StagesShape",
    "BaselineShape",
    "LoadShape",
    "ScalabilityShape",
    "SpikeShape",
    "StressShape",
    "SoakShape",
    "VolumeShape",
    "CapacityShape",
    "CatalogueShape",
    "SHAPES",
]

QUICK_TOTAL_S = 45.0
"""With ``--quick`` a fixed plan is scaled to last about this long."""


def _opt(options: Any, name: str, default: Any) -> Any:
    value = getattr(options, name, None)
    return default if value is None else value


class PlanShape(LoadTestShape):
    """A shape that follows a :class:`~ghrunner_locust.plans.Plan` built from class attributes and options."""

    abstract = True
    kind: ClassVar[str] = "plan"
    users: ClassVar[int] = 1
    """Concurrent users (closed loop)."""
    rate_per_min: ClassVar[float | None] = None
    """Dispatches a minute (open loop); overrides ``users`` as the unit of load."""
    duration_s: ClassVar[float] = 600.0

    def __init__(self) -> None:
        super().__init__()
        self.plan: plans.Plan | None = None

    def build(self, options: Any, quick: bool) -> plans.Plan:
        raise NotImplementedError

    def make_plan(self, options: Any) -> plans.Plan:
        quick = bool(getattr(options, "quick", False))
        if getattr(options, "scenario", None):
            scenario = read_scenario(options.scenario)
            plan: plans.Plan = scenario.plan
        else:
            plan = self.build(options, quick)
        if quick and isinstance(plan, plans.StagesPlan):
            total = sum(stage.duration_s for stage in plan.stage_list)
            if total > QUICK_TOTAL_S:
                plan = plans.StagesPlan(tuple(s.scaled(QUICK_TOTAL_S / total) for s in plan.stage_list), plan.kind)
        return plan

    def tick(self) -> tuple[int, float] | tuple[int, float, list[Any]] | None:
        environment = self.runner.environment  # type: ignore[union-attr]
        harness = harness_of(environment)
        if self.plan is None:  # a new test: Locust ticks once before test_start (see Harness.new_test)
            harness.new_test()
            try:
                self.plan = harness.plan = self.make_plan(environment.parsed_options)
            except (Error, ValueError) as exc:
                harness.fail(str(exc), code=2)
                return None
        if harness.failed:
            return None
        step = self.plan.tick(self.get_run_time(), harness.observe())
        if step is None:
            harness.plan_finished(self.plan)
            return None
        harness.apply_tick(step)
        if step.user_classes:
            classes = [
                environment.available_user_classes[name]
                for name in step.user_classes
                if name in (environment.available_user_classes or {})
            ]
            return step.users, step.spawn_rate, classes
        return step.users, step.spawn_rate

    # helpers for subclasses
    def _users(self, options: Any) -> int:
        return int(_opt(options, "shape_users", self.users))

    def _rate(self, options: Any) -> float | None:
        return _opt(options, "shape_rate", self.rate_per_min)

    def _duration(self, options: Any) -> float:
        return float(_opt(options, "shape_duration", self.duration_s))


class StagesShape(PlanShape):
    """Explicit stages (class attribute ``stages``, or ``--scenario FILE.yaml``)."""

    abstract = True
    kind = "stages"
    stages: ClassVar[tuple[plans.Stage, ...]] = ()

    def build(self, options: Any, quick: bool) -> plans.Plan:
        if not self.stages:
            raise Error("this shape needs stages: set the class attribute `stages` or pass --scenario FILE.yaml")
        return plans.StagesPlan(tuple(self.stages))


class BaselineShape(PlanShape):
    """One user, sequential dispatches, a fixed number of runs: the reference numbers."""

    abstract = True

    kind = "baseline"
    runs: ClassVar[int] = 10

    def build(self, options: Any, quick: bool) -> plans.Plan:
        runs = int(_opt(options, "baseline_runs", 3 if quick else self.runs))
        return plans.BaselinePlan(runs=runs, timeout_s=80.0 if quick else 24 * 3600.0)


class LoadShape(PlanShape):
    """Steady expected load for a duration."""

    abstract = True

    kind = "load"
    users = 4

    def build(self, options: Any, quick: bool) -> plans.Plan:
        return plans.load_plan(self._duration(options), self._users(options), self._rate(options))


class ScalabilityShape(PlanShape):
    """Load rises by a step at fixed intervals (and, with ``runners_per_step`` and ECS, the runner count too)."""

    abstract = True

    kind = "scalability"
    start: ClassVar[float] = 1
    step: ClassVar[float] = 1
    steps: ClassVar[int] = 5
    interval_s: ClassVar[float] = 300.0
    runners_per_step: ClassVar[tuple[int, ...] | None] = None

    def build(self, options: Any, quick: bool) -> plans.Plan:
        rate = self._rate(options) is not None
        start = float(_opt(options, "shape_rate", None) or _opt(options, "shape_users", self.start))
        runners = _opt(options, "shape_runners", None)
        runners = tuple(int(r) for r in runners.split(",")) if isinstance(runners, str) else self.runners_per_step
        return plans.step_plan(
            start,
            float(_opt(options, "shape_step", self.step)),
            int(_opt(options, "shape_steps", self.steps)),
            float(_opt(options, "shape_step_interval", self.interval_s)),
            rate=rate,
            runners=runners,
        )


class SpikeShape(PlanShape):
    """Base load, a sudden peak, back to base; the peak's users all arrive within two seconds."""

    abstract = True

    kind = "spike"
    base: ClassVar[float] = 1
    peak: ClassVar[float] = 10
    before_s: ClassVar[float] = 300.0
    spike_s: ClassVar[float] = 120.0
    after_s: ClassVar[float] = 300.0
    rate: ClassVar[bool] = False
    """Levels are dispatches a minute (open loop) instead of users."""

    def build(self, options: Any, quick: bool) -> plans.Plan:
        before, spike, after = (10.0, 15.0, 20.0) if quick else (self.before_s, self.spike_s, self.after_s)
        return plans.spike_plan(
            float(_opt(options, "spike_base", self.base)),
            float(_opt(options, "spike_peak", self.peak)),
            before,
            float(_opt(options, "spike_duration", spike)),
            after,
            rate=self.rate or self._rate(options) is not None,
        )


class StressShape(PlanShape):
    """Load rises until a breaking condition holds, then stops and records the breaking point."""

    abstract = True

    kind = "stress"
    start: ClassVar[float] = 1
    step: ClassVar[float] = 1
    interval_s: ClassVar[float] = 120.0
    max_steps: ClassVar[int] = 30
    max_queue_p95_s: ClassVar[float] = 120.0
    max_failure_ratio: ClassVar[float] = 0.05

    def build(self, options: Any, quick: bool) -> plans.Plan:
        return plans.StressPlan(
            start=float(_opt(options, "shape_users", self.start)),
            step=float(_opt(options, "shape_step", self.step)),
            interval_s=10.0 if quick else float(_opt(options, "shape_step_interval", self.interval_s)),
            max_steps=4 if quick else int(_opt(options, "shape_steps", self.max_steps)),
            max_queue_p95_s=float(_opt(options, "stress_max_p95", self.max_queue_p95_s)),
            max_failure_ratio=float(_opt(options, "stress_max_fail_ratio", self.max_failure_ratio)),
            rate=self._rate(options) is not None,
        )


class SoakShape(PlanShape):
    """Steady load for hours, in hourly windows the report compares for drift."""

    abstract = True

    kind = "soak"
    users = 2
    duration_s = 4 * 3600.0
    window_s: ClassVar[float] = 3600.0

    def build(self, options: Any, quick: bool) -> plans.Plan:
        duration = self._duration(options)
        return plans.soak_plan(
            duration, self._users(options), self._rate(options), window_s=duration / 3 if quick else self.window_s
        )


class VolumeShape(PlanShape):
    """Large matrices (up to 20 jobs per run) at a low dispatch rate."""

    abstract = True

    kind = "volume"
    rate_per_min = 2.0
    job_count: ClassVar[int] = 20

    def build(self, options: Any, quick: bool) -> plans.Plan:
        rate = self._rate(options) or 2.0
        return plans.volume_plan(self._duration(options), 1.0 if quick else rate, self.job_count)


class CapacityShape(PlanShape):
    """Searches the highest sustained dispatch rate whose p95 queue latency stays within an SLO."""

    abstract = True

    kind = "capacity"
    slo_p95_s: ClassVar[float] = 60.0
    low: ClassVar[float] = 1.0
    high: ClassVar[float] = 60.0
    probe_s: ClassVar[float] = 600.0
    warmup_s: ClassVar[float] = 120.0

    def build(self, options: Any, quick: bool) -> plans.Plan:
        return plans.CapacityPlan(
            slo_p95_s=float(_opt(options, "capacity_slo", 5.0 if quick else self.slo_p95_s)),
            low=float(_opt(options, "capacity_low", self.low)),
            high=float(_opt(options, "capacity_high", self.high)),
            probe_s=10.0 if quick else float(_opt(options, "capacity_probe", self.probe_s)),
            warmup_s=2.0 if quick else self.warmup_s,
            tolerance=0.25 if quick else 0.1,
            max_probes=3 if quick else 8,
        )


SHAPES: dict[str, type[PlanShape]] = {
    cls.kind: cls
    for cls in (BaselineShape, LoadShape, ScalabilityShape, SpikeShape, StressShape, SoakShape, VolumeShape, CapacityShape)
}


class CatalogueShape(PlanShape):
    """Any kind, chosen at run time with ``--shape NAME`` (default ``load``), or ``--scenario FILE.yaml``."""

    abstract = True

    kind = "catalogue"

    def build(self, options: Any, quick: bool) -> plans.Plan:
        name = _opt(options, "shape", "load")
        if name not in SHAPES:
            raise Error(f"--shape {name!r} is not a shape: choose one of {', '.join(SHAPES)}")
        return SHAPES[name]().build(options, quick)
