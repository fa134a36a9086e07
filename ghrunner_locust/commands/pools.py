"""``ghrunner plan --compare-pools``: the same plan on the simulator as a fixed pool and as ephemeral runners.

Both pools replay the same dispatches through the simulator in virtual time (``simulator.replay``): queue
latency from the simulator's ground truth, paid runner time from its runner events (an ephemeral runner's
cold start is paid), priced with :mod:`~ghrunner_locust.planning.cost`.
"""

from __future__ import annotations

import math
from typing import Any

from ..planning.cost import Prices, TaskSize, pool_cost
from ..planning.sizing import quantile
from ..simulator.config import LatencyModel, SimConfig
from ..simulator.replay import replay

__all__ = ["compare_pools", "format_pools", "latency_model"]


def latency_model(pickup: Any) -> LatencyModel:
    """The simulator's model of a plan's ``Pickup`` (measured pickups: their median, p90 and share of 60 s or more)."""
    if not pickup.samples:
        return LatencyModel(pickup.median_s, pickup.p90_s, pickup.tail_prob, pickup.tail_range_s, pickup.fixed)
    body = [v for v in pickup.samples if v < 60] or list(pickup.samples)
    median, p90 = quantile(body, 0.5), quantile(body, 0.9)
    return LatencyModel(median, max(p90, median), sum(v >= 60 for v in pickup.samples) / len(pickup.samples))


def compare_pools(
    base: SimConfig,
    rate_per_min: float,
    inputs: dict[str, Any],
    *,
    runners: int,
    max_runners: int | None,
    provision_s: float,
    prices: Prices,
    size: TaskSize,
    dispatches: int = 2000,
    seed: int = 1,
) -> list[dict[str, Any]]:
    """One row per pool: queue p50/p95, paid/busy/idle runner-hours, idle share, cost a month and per 1,000 jobs."""
    pools = [
        (f"fixed pool of {runners}", base.with_(runners=runners, ephemeral=False, max_runners=None)),
        (
            f"ephemeral, {runners} warm" + (f", up to {max_runners}" if max_runners else "") + f", {provision_s:g} s cold start",
            base.with_(runners=runners, ephemeral=True, provision_s=provision_s, max_runners=max_runners),
        ),
    ]
    job_s = float(inputs["sleep_duration"]) + base.setup_s + base.teardown_s
    rows = []
    for name, config in pools:
        result = replay(config, rate_per_min, inputs, dispatches=dispatches, seed=seed)
        cost = pool_cost(
            window_s=result.window_s,
            paid_runner_s=result.paid_s,
            busy_runner_s=result.busy_s,
            cold_start_s=result.cold_start_s,
            jobs=result.jobs,
            billed_minutes=result.jobs * math.ceil(job_s / 60.0),
            size=size,
            prices=prices,
        )
        rows.append(
            {
                "pool": name,
                "queue_p50_s": round(quantile(result.queue_s, 0.5), 2),
                "queue_p95_s": round(quantile(result.queue_s, 0.95), 2),
                "mean_paid_runners": round(result.paid_s / result.window_s, 2),
                "idle_share": round(cost.idle_share, 3),
                "cold_start_share": round(cost.cold_start_runner_h / cost.paid_runner_h, 3) if cost.paid_runner_h else 0.0,
                "usd_month": round(cost.per_month_usd, 2),
                "usd_per_1000_jobs": round(cost.per_1000_jobs_usd or 0.0, 2),
                "jobs": result.jobs,
            }
        )
    return rows


def format_pools(rows: list[dict[str, Any]], dispatches: int, rate: float) -> str:
    lines = [
        f"pools on the simulator (virtual time, {dispatches} dispatches at {rate:g} a minute, the same for both):",
        f"{'pool':<46} {'p50 s':>7} {'p95 s':>7} {'paid runners':>12} {'idle':>6} {'cold':>6} "
        f"{'USD/month':>10} {'USD/1k jobs':>11}",
    ]
    for r in rows:
        lines.append(
            f"{r['pool']:<46} {r['queue_p50_s']:>7.1f} {r['queue_p95_s']:>7.1f} {r['mean_paid_runners']:>12.2f} "
            f"{r['idle_share']:>6.0%} {r['cold_start_share']:>6.0%} {r['usd_month']:>10,.0f} {r['usd_per_1000_jobs']:>11.2f}"
        )
    return "\n".join(lines)
