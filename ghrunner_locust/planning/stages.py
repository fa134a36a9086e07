"""Fixed plans: the values a plan deals in (stage, tick, observation), the base class, and plans of stages
known in advance (load, steps, spike, soak, volume)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from .checks import percentile

__all__ = [
    "Stage",
    "Tick",
    "Observation",
    "Plan",
    "StagesPlan",
    "users_for",
    "tick_of",
    "RATE_PER_USER",
    "SPIKE_RAMP_S",
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


def tick_of(stage: Stage, index: int) -> Tick:
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
                return tick_of(stage, index)
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
