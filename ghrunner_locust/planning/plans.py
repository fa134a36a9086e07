"""Load plans: what each kind of test asks of Locust at every tick. Pure, so ticks test with a fake clock.

A plan answers ``tick(run_time, observation)`` with a :class:`Tick` (users, spawn rate, dispatch rate,
stage) or ``None`` to end the test. ``ghrunner_locust.shapes`` wraps plans in Locust's ``LoadTestShape``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from .checks import percentile

__all__ = [
    "Stage",
    "Tick",
    "Observation",
    "Plan",
    "StagesPlan",
    "BaselinePlan",
    "StressPlan",
    "CapacityPlan",
    "Breaking",
    "load_plan",
    "step_plan",
    "spike_plan",
    "soak_plan",
    "volume_plan",
]

RATE_PER_USER = 30.0
"""In rate mode, one open-loop user per this many dispatches a minute."""
SPIKE_RAMP_S = 2.0
"""A spike's users arrive within this many seconds: Locust's start() blocks until a ramp ends."""


@dataclass(frozen=True)
class Stage:
    """One stage of a plan: a load held for ``duration_s``."""

    duration_s: float
    users: int = 1
    """Concurrent users (closed loop); with ``rate_per_min`` the users that share the rate."""
    rate_per_min: float | None = None
    """Dispatches a minute, all users together (open loop)."""
    spawn_rate: float | None = None
    """Users started per second (default: all within a second)."""
    user_classes: tuple[str, ...] | None = None
    """Names of the user classes for this stage (default: all)."""
    runners: int | None = None
    """Runner count for this stage (scaled through ECS when the monitor is on)."""
    name: str = ""
    job_count: int | None = None
    """Jobs per dispatch for this stage (volume tests)."""

    def __post_init__(self) -> None:
        if self.duration_s < 0 or self.users < 0:
            raise ValueError("a stage's duration and users must not be negative")
        if self.rate_per_min is not None and self.rate_per_min < 0:
            raise ValueError("a stage's rate_per_min must not be negative")

    def scaled(self, factor: float) -> Stage:
        return replace(self, duration_s=self.duration_s * factor)


@dataclass(frozen=True)
class Tick:
    """What Locust should run now."""

    users: int
    spawn_rate: float
    stage: str
    rate_per_min: float | None = None
    user_classes: tuple[str, ...] | None = None
    runners: int | None = None
    job_count: int | None = None


@dataclass(frozen=True)
class Observation:
    """What the harness has seen so far (for plans that react: baseline, stress, capacity)."""

    now: float = 0.0
    dispatched: int = 0
    completed_runs: int = 0
    in_flight: int = 0
    queue_s: tuple[tuple[float, float], ...] = ()
    """(dispatch time, queue seconds) of every job that started."""
    failures: int = 0
    requests: int = 0
    timeouts: int = 0
    refused: int = 0
    """Dispatches GitHub refused (rate limits)."""

    def queue_p95(self, since: float = float("-inf"), until: float = float("inf")) -> float | None:
        """p95 queue latency of the jobs dispatched in ``[since, until)``."""
        return percentile([q for t, q in self.queue_s if since <= t < until], 0.95)

    @property
    def failure_ratio(self) -> float:
        return self.failures / self.requests if self.requests else 0.0


class Plan:
    """Base of every plan."""

    kind = "plan"

    def tick(self, run_time: float, obs: Observation) -> Tick | None:
        raise NotImplementedError

    def stages(self) -> Sequence[Stage]:
        """The stages as far as they are known in advance (for guard rails and the report)."""
        return ()


def users_for(level: float, rate: bool) -> int:
    """Users for a load level: the level itself (closed loop), or enough users to share a rate."""
    return max(1, math.ceil(level / RATE_PER_USER if rate else level))


def _tick(stage: Stage, index: int) -> Tick:
    spawn = stage.spawn_rate if stage.spawn_rate is not None else max(1.0, float(stage.users))
    return Tick(
        stage.users,
        spawn,
        stage.name or f"stage {index + 1}",
        stage.rate_per_min,
        stage.user_classes,
        stage.runners,
        stage.job_count,
    )


@dataclass
class StagesPlan(Plan):
    """Stages in order; the test ends after the last."""

    stage_list: tuple[Stage, ...]
    kind: str = "stages"

    def stages(self) -> Sequence[Stage]:
        return self.stage_list

    def tick(self, run_time: float, obs: Observation) -> Tick | None:
        elapsed = 0.0
        for index, stage in enumerate(self.stage_list):
            elapsed += stage.duration_s
            if run_time < elapsed:
                return _tick(stage, index)
        return None


def load_plan(duration_s: float, users: int = 1, rate_per_min: float | None = None) -> StagesPlan:
    """Steady expected load for a duration."""
    return StagesPlan((Stage(duration_s, users, rate_per_min, name="load"),), kind="load")


def step_plan(
    start: float, step: float, steps: int, interval_s: float, *, rate: bool = False, runners: Sequence[int] | None = None
) -> StagesPlan:
    """Load rises by ``step`` every ``interval_s``; optionally the runner count per step too."""
    stages = []
    for i in range(steps):
        level = start + i * step
        stages.append(
            Stage(
                interval_s,
                users=users_for(level, rate),
                rate_per_min=level if rate else None,
                name=f"step {i + 1}",
                runners=runners[i] if runners and i < len(runners) else None,
            )
        )
    return StagesPlan(tuple(stages), kind="scalability")


def spike_plan(base: float, peak: float, before_s: float, spike_s: float, after_s: float, *, rate: bool = False) -> StagesPlan:
    """Base, a sudden peak, back to base. Spawn rates bring the peak within ``SPIKE_RAMP_S`` seconds."""

    def stage(level: float, duration: float, name: str, jump: float) -> Stage:
        users = users_for(level, rate)
        return Stage(duration, users, level if rate else None, spawn_rate=max(1.0, math.ceil(jump / SPIKE_RAMP_S)), name=name)

    ups = abs(peak - base) if not rate else abs(math.ceil(peak / RATE_PER_USER) - math.ceil(base / RATE_PER_USER))
    return StagesPlan(
        (
            stage(base, before_s, "base", base),
            stage(peak, spike_s, "spike", max(ups, 1)),
            stage(base, after_s, "recovery", max(ups, 1)),
        ),
        kind="spike",
    )


def soak_plan(duration_s: float, users: int = 1, rate_per_min: float | None = None, window_s: float = 3600.0) -> StagesPlan:
    """Steady load for hours, in windows (stages) so the report can compare them for drift."""
    windows = max(1, math.ceil(duration_s / window_s))
    return StagesPlan(
        tuple(Stage(duration_s / windows, users, rate_per_min, name=f"window {i + 1}") for i in range(windows)), kind="soak"
    )


def volume_plan(duration_s: float, rate_per_min: float = 2.0, job_count: int = 20) -> StagesPlan:
    """Large matrices (up to 20 jobs per run) at a low dispatch rate."""
    return StagesPlan((Stage(duration_s, 1, rate_per_min, name="volume", job_count=job_count),), kind="volume")


@dataclass
class BaselinePlan(Plan):
    """One user, sequential dispatches, a fixed count of runs: the reference numbers."""

    runs: int = 10
    timeout_s: float = 3600.0
    kind: str = "baseline"

    def stages(self) -> Sequence[Stage]:
        return ()  # one run at a time, a fixed count: nothing to forecast, no limit it could reach

    def tick(self, run_time: float, obs: Observation) -> Tick | None:
        if obs.completed_runs >= self.runs or run_time >= self.timeout_s:
            return None
        users = 1 if obs.dispatched < self.runs else 0
        return Tick(users, 1.0, "baseline")


@dataclass(frozen=True)
class Breaking:
    """Where a stress test broke."""

    stage: str
    level: float
    reason: str
    at_s: float


@dataclass
class StressPlan(Plan):
    """Load rises step by step until a breaking condition holds, then the test stops and says where."""

    start: float = 1.0
    step: float = 1.0
    interval_s: float = 60.0
    max_steps: int = 50
    rate: bool = False
    max_queue_p95_s: float = 120.0
    max_failure_ratio: float = 0.05
    max_timeouts: int = 0
    max_refused: int = 0
    kind: str = "stress"
    breaking: Breaking | None = field(default=None, init=False)

    def stages(self) -> Sequence[Stage]:
        return step_plan(self.start, self.step, self.max_steps, self.interval_s, rate=self.rate).stage_list

    def broken(self, obs: Observation, window_start: float) -> str | None:
        """The breaking condition that holds, in words (``None``: not broken)."""
        p95 = obs.queue_p95(since=window_start)
        if p95 is not None and p95 > self.max_queue_p95_s:
            return f"p95 queue latency {p95:.1f} s > {self.max_queue_p95_s:g} s"
        if obs.failure_ratio > self.max_failure_ratio:
            return f"failure ratio {obs.failure_ratio:.3f} > {self.max_failure_ratio:g}"
        if obs.timeouts > self.max_timeouts:
            return f"{obs.timeouts} runs timed out (> {self.max_timeouts})"
        if obs.refused > self.max_refused:
            return f"{obs.refused} dispatches refused by GitHub (> {self.max_refused})"
        return None

    def tick(self, run_time: float, obs: Observation) -> Tick | None:
        if self.breaking is not None:
            return None
        index = int(run_time // self.interval_s)
        if index >= self.max_steps:
            return None
        level = self.start + index * self.step
        stage = Stage(
            self.interval_s,
            users_for(level, self.rate),
            level if self.rate else None,
            name=f"step {index + 1}",
        )
        reason = self.broken(obs, obs.now - run_time + max(0.0, (index - 1)) * self.interval_s) if index else None
        if reason:
            previous = self.start + (index - 1) * self.step
            self.breaking = Breaking(f"step {index}", previous, reason, run_time)
            return None
        return _tick(stage, index)


@dataclass
class CapacityPlan(Plan):
    """Searches the highest sustained dispatch rate whose p95 queue latency stays within an SLO.

    Each probe holds a rate for ``probe_s``, then rests with no load until the runs in flight end, so probes
    do not contaminate each other; the probe is judged after its rest, on the jobs dispatched during it
    (but the first ``warmup_s``), when every one of them has started. Bisection between the best
    rate that met the SLO and the lowest that did not, until they are within ``tolerance``.
    """

    slo_p95_s: float = 60.0
    low: float = 1.0
    high: float = 60.0
    probe_s: float = 300.0
    warmup_s: float = 60.0
    tolerance: float = 0.1
    max_probes: int = 8
    kind: str = "capacity"
    results: list[tuple[float, float | None, bool]] = field(default_factory=list, init=False)
    """(rate per minute, p95 queue s, met the SLO) of every probe."""
    capacity: float | None = field(default=None, init=False)
    min_rest_s: float = 3.0
    _probe_started: float | None = field(default=None, init=False)
    _rest_started: float = field(default=0.0, init=False)
    _window: tuple[float, float] = field(default=(0.0, 0.0), init=False)
    _resting: bool = field(default=False, init=False)
    _rate: float | None = field(default=None, init=False)
    _best: float | None = field(default=None, init=False)
    _worst: float | None = field(default=None, init=False)

    def next_rate(self) -> float | None:
        if len(self.results) >= self.max_probes:
            return None
        if not self.results:
            return self.high
        best, worst = self._best, self._worst
        if best is None:
            return None if worst is not None and worst <= self.low else max(self.low, (worst or self.high) / 2)
        if worst is None:
            return None  # the highest rate tried met the SLO
        if worst / best <= 1 + self.tolerance:
            return None
        return (best + worst) / 2

    def tick(self, run_time: float, obs: Observation) -> Tick | None:
        if self._resting:
            if obs.in_flight > 0 or run_time - self._rest_started < self.min_rest_s:
                return Tick(0, 100.0, "rest")
            self._judge(obs)  # only now: a job still queued at the end of the probe has not reported its wait
            self._resting, self._rate = False, None
        if self._rate is None:
            self._rate = self.next_rate()
            if self._rate is None:
                self.capacity = self._best
                return None
            self._probe_started = run_time
            self._window = (obs.now + self.warmup_s, float("inf"))
        if run_time - (self._probe_started or 0.0) >= self.probe_s:
            self._window = (self._window[0], obs.now)
            self._resting, self._rest_started = True, run_time
            return Tick(0, 100.0, "rest")
        users = users_for(self._rate, rate=True)
        return Tick(users, float(users), f"probe {len(self.results) + 1} at {self._rate:.1f}/min", self._rate)

    def _judge(self, obs: Observation) -> None:
        assert self._rate is not None
        p95 = obs.queue_p95(*self._window)
        met = p95 is not None and p95 <= self.slo_p95_s
        self.results.append((self._rate, p95, met))
        if met:
            self._best = max(self._best or 0.0, self._rate)
        else:
            self._worst = min(self._worst or float("inf"), self._rate)
