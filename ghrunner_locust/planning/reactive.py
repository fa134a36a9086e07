"""Plans that react to what the test has seen: baseline (a count of runs), stress (to the breaking point)
and capacity (a search for the highest rate within an SLO)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .stages import Observation, Plan, Stage, Tick, step_plan, tick_of, users_for

__all__ = ["BaselinePlan", "Breaking", "StressPlan", "CapacityPlan"]


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
        return tick_of(stage, index)


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
