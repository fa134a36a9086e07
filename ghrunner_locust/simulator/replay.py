"""Run the simulator in virtual time: Poisson dispatches through :class:`SimState` under a fake clock.

The same state, pool, pickup latencies and workflow rules that serve the HTTP API, without HTTP and without
waiting: an hour of dispatches replays in about a second. ``capacity_search`` finds the smallest runner count
whose measured p95 queue latency meets a target (what ``locustfiles/capacity.py`` searches over rates, here
over runner counts), so the queueing model's answer can be set beside the simulator's.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..clock import FakeClock
from .config import SimConfig
from .state import SimState

__all__ = ["Replay", "run_virtual", "replay", "capacity_search", "EPOCH"]

EPOCH = 1_800_000_000.0
MAX_EVENTS = 5_000_000


@dataclass(frozen=True)
class Replay:
    """What one replay measured: each job's true queue latency (after warm-up) and the pool's paid time."""

    queue_s: tuple[float, ...]
    """``started_at - created_at`` of every job of the dispatches after the first 10%."""
    window_s: float
    """First dispatch to the last job's end."""
    busy_s: float
    """Runner-seconds running jobs (started to completed)."""
    paid_s: float
    """Runner-seconds paid: every runner from launch (cold start included) to leaving or the window's end."""
    cold_start_s: float
    """Of ``paid_s``, runner-seconds spent starting (launch to online)."""
    jobs: int


def _drive(state: SimState, clock: FakeClock, until: float, budget: list[int]) -> None:
    while True:
        due = state.next_event_time()
        if due is None or due > until:
            break
        clock.now = max(clock.now, due)
        budget[0] -= state.advance(due)
        if budget[0] <= 0:
            raise RuntimeError("the replay ran more events than allowed: the queue grows without bound")
    clock.now = max(clock.now, until)


def run_virtual(
    config: SimConfig,
    rate_per_min: float,
    inputs: dict[str, Any],
    *,
    dispatches: int = 2000,
    seed: int = 1,
) -> tuple[SimState, list[int]]:
    """Dispatch ``dispatches`` runs with exponential gaps (mean ``60 / rate_per_min`` s), run the pool dry.

    Returns the state (runs, jobs, events: the ground truth) and the run ids in dispatch order.
    """
    clock = FakeClock(EPOCH)
    state = SimState(config, clock=clock)
    arrivals = random.Random(seed)
    budget = [MAX_EVENTS]
    order: list[int] = []
    t = EPOCH
    for _ in range(dispatches):
        t += arrivals.expovariate(rate_per_min / 60.0)
        _drive(state, clock, t, budget)
        order.append(state.dispatch("ghrunner", "sim", "runner_test.yml", "main", dict(inputs)).id)
    while state.next_event_time() is not None and any(r.status != "completed" for r in state.runs.values()):
        _drive(state, clock, state.next_event_time() or clock.now, budget)
    return state, order


def replay(
    config: SimConfig,
    rate_per_min: float,
    inputs: dict[str, Any],
    *,
    dispatches: int = 2000,
    seed: int = 1,
) -> Replay:
    """:func:`run_virtual`, measured: queue latencies after a 10% warm-up, busy, paid and cold-start time."""
    state, order = run_virtual(config, rate_per_min, inputs, dispatches=dispatches, seed=seed)
    first_runs = set(order[: dispatches // 10])
    truth = [j for j in state.truth() if j["queue_s"] is not None]
    end = max((j["completed_at"] or state.clock.time()) for j in truth) if truth else state.clock.time()
    busy = sum((j["completed_at"] or end) - j["started_at"] for j in truth)
    paid, cold = _paid(state.events, config, end)
    queue = tuple(j["queue_s"] for j in truth if j["run_id"] not in first_runs)
    return Replay(queue, end - EPOCH, busy, paid, cold, len(truth))


def _paid(events: list[dict[str, Any]], config: SimConfig, end: float) -> tuple[float, float]:
    """Runner-seconds from each runner online (minus its cold start, if it was launched) to offline or ``end``."""
    online: dict[int, float] = {}
    paid = cold = 0.0
    for event in events:
        if event["type"] == "runner_online":
            online[event["runner_id"]] = event["t"]
            if event["t"] > EPOCH + 1e-6:  # launched during the test: it paid its cold start first
                paid += config.provision_s
                cold += config.provision_s
        elif event["type"] == "runner_offline" and event["runner_id"] in online:
            paid += event["t"] - online.pop(event["runner_id"])
    paid += sum(end - t for t in online.values())
    return paid, cold


def capacity_search(
    config: SimConfig,
    rate_per_min: float,
    inputs: dict[str, Any],
    slo_p95_s: float,
    *,
    p95: Callable[[tuple[float, ...]], float],
    start: int = 1,
    limit: int = 60,
    dispatches: int = 2000,
    seed: int = 1,
) -> tuple[int | None, dict[int, float]]:
    """The smallest runner count (from ``start``) whose measured p95 meets ``slo_p95_s``, and each count's p95."""
    measured: dict[int, float] = {}
    for runners in range(max(1, start), limit + 1):
        result = replay(config.with_(runners=runners), rate_per_min, inputs, dispatches=dispatches, seed=seed)
        measured[runners] = p95(result.queue_s)
        if measured[runners] <= slo_p95_s:
            return runners, measured
    return None, measured
