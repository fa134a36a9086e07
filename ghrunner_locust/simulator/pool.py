"""The runner pool: N runners, one job each at a time; ephemeral replacement and autoscaling."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from ..clock import Clock
from .config import SimConfig
from .model import SimJob, SimRunner

__all__ = ["RunnerPool", "PoolHost"]


class PoolHost(Protocol):
    """What the pool needs from the state that owns it (the state satisfies it; no import of the state)."""

    config: SimConfig
    clock: Clock

    @property
    def waiting(self) -> Mapping[int, SimJob]:
        """Queued jobs without a runner, oldest first."""

    def log(self, when: float, kind: str, **fields: Any) -> None: ...

    def at(self, when: float, action: Callable[..., None], *args: Any) -> None: ...

    def start_pickup(self, now: float, job: SimJob, runner: SimRunner) -> None: ...


class RunnerPool:
    """Runners of the simulated repository. A free runner takes the oldest queued job whose labels it has."""

    def __init__(self, state: PoolHost) -> None:
        self.state = state
        self.config = state.config
        self.runners: dict[int, SimRunner] = {}
        self.provisioning = 0
        """Runners launched but not online yet (Fargate cold start)."""
        self._ids = itertools.count(1)
        now = state.clock.time()
        for _ in range(self.config.runners):
            self._add(now, autoscaled=False)

    # -- membership ---------------------------------------------------------------------------

    def _add(self, now: float, autoscaled: bool) -> SimRunner:
        number = next(self._ids)
        runner = SimRunner(
            id=number,
            name=f"{self.config.runner_prefix}-{number}",
            labels=self.config.runner_labels,
            idle_since=now,
            autoscaled=autoscaled,
            ephemeral=self.config.ephemeral,
        )
        self.runners[runner.id] = runner
        self.state.log(now, "runner_online", runner_id=runner.id)
        return runner

    def remove(self, now: float, runner_id: int) -> SimRunner | None:
        runner = self.runners.pop(runner_id, None)
        if runner is not None:
            runner.status = "offline"
            self.state.log(now, "runner_offline", runner_id=runner.id)
        return runner

    def _launch(self, now: float, autoscaled: bool) -> None:
        self.provisioning += 1
        self.state.at(now + self.config.provision_s, self._online, autoscaled)

    def _online(self, now: float, autoscaled: bool) -> None:
        self.provisioning -= 1
        self._add(now, autoscaled)
        self.assign(now)

    # -- scheduling ---------------------------------------------------------------------------

    def assign(self, now: float) -> None:
        """Give each idle runner (longest idle first) the oldest waiting job it can run."""
        waiting = self.state.waiting
        if not waiting:
            return
        for runner in sorted((r for r in self.runners.values() if r.idle), key=lambda r: r.idle_since):
            labels = set(runner.labels)
            job = next((j for j in waiting.values() if labels.issuperset(j.labels)), None)
            if job is None:
                continue
            runner.job_id = job.id
            self.state.start_pickup(now, job, runner)
            if not waiting:
                return

    def release(self, now: float, job: SimJob) -> None:
        """The runner holding ``job`` (if any) is free again, or leaves if it is ephemeral."""
        runner = next((r for r in self.runners.values() if r.job_id == job.id), None)
        if runner is None:
            return
        runner.job_id = None
        runner.idle_since = now
        if runner.ephemeral:
            self.remove(now, runner.id)
            self._launch(now, runner.autoscaled)
        elif runner.autoscaled:
            self.state.at(now + self.config.scale_down_idle_s, self._scale_down, runner.id)

    def on_job_queued(self, now: float) -> None:
        """Autoscaling: launch runners while jobs outnumber idle and starting runners, up to the maximum."""
        top = self.config.max_runners
        if top is None:
            return
        supply = sum(1 for r in self.runners.values() if r.idle) + self.provisioning
        while len(self.state.waiting) > supply and len(self.runners) + self.provisioning < top:
            self._launch(now, autoscaled=True)
            supply += 1

    def _scale_down(self, now: float, runner_id: int) -> None:
        runner = self.runners.get(runner_id)
        if runner is None or not runner.idle or now - runner.idle_since < self.config.scale_down_idle_s - 1e-6:
            return
        if len(self.runners) > self.config.runners:
            self.remove(now, runner.id)

    # -- views --------------------------------------------------------------------------------

    @property
    def busy_count(self) -> int:
        return sum(1 for r in self.runners.values() if r.busy)

    @property
    def online_count(self) -> int:
        return sum(1 for r in self.runners.values() if r.status == "online")
