"""The report's decision section: how many runners for the p95 target, how well the model fitted, what it costs.

``decision_section(summary, meta)`` needs only ``summary.json`` and ``meta.json``; ``decision_from_results``
adds what only the rows give: the pickups measured on idle runners and each job's billed minutes.
"""

from __future__ import annotations

import math
from dataclasses import fields
from typing import Any

import pandas as pd

from ..planning.cost import PRICES_AS_OF, Prices, TaskSize, fixed_pool_month, hosted_month, pool_cost
from ..planning.sizing import Pickup, QueueEstimate, p95_range, simulate_queue, size_for_slo
from ..planning.theory import Workload
from .decision_html import render_decision_html
from .decision_text import recommendation
from .format import count
from .load import Results
from .queueing import pickup_model

__all__ = [
    "decision_section",
    "decision_from_results",
    "render_decision_html",
    "idle_pool_pickups",
    "pool_of",
    "recommendation",
    "plan_section",
    "pickup_of",
    "workload_of",
]

MIN_PICKUPS = 20
"""Idle-runner pickups a test must measure before the decision uses them instead of a model."""
OVERHEAD_S = Workload().overhead_s


def idle_pool_pickups(jobs: pd.DataFrame) -> list[float]:
    """Queue latencies of jobs whose runner had finished its previous job when they were created.

    Such a job never waited for a runner, so its queue latency is pure pickup. A runner's first job counts
    too (persistent pools: online since the start). Not valid for ephemeral pools: each runner runs one job.
    """
    ran = jobs.dropna(subset=["created_at", "started_at", "completed_at", "queue_s"])
    ran = ran[ran["runner_name"].notna()].sort_values("started_at", kind="stable")
    previous_end = ran.groupby(ran["runner_name"].astype(str), sort=False)["completed_at"].shift()
    idle = previous_end.isna() | (previous_end <= ran["created_at"])
    return [float(q) for q in ran.loc[idle, "queue_s"]]


def _options(meta: dict[str, Any]) -> dict[str, Any]:
    return meta.get("options") or {}


def pool_of(summary: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
    """The pool the test ran on: runners, ephemeral or not, cold start, autoscaling limit."""
    opts = _options(meta)
    embedded = bool(opts.get("ghrunner_embedded")) or meta.get("target") == "embedded simulator"
    configured = opts.get("runners") or (opts.get("sim_runners") if embedded else None)
    seen = summary.get("runners")
    runners = int(configured) if configured else (max(1, round(seen)) if seen else None)
    ephemeral = bool(opts.get("sim_ephemeral")) if embedded else bool(opts.get("ephemeral"))
    provision = float(opts.get("sim_provision") or 0.0) if embedded else float(opts.get("provision") or 0.0)
    return {
        "runners": runners,
        "ephemeral": ephemeral,
        "provision_s": provision if ephemeral or opts.get("sim_max_runners") else 0.0,
        "max_runners": opts.get("sim_max_runners") if embedded else None,
    }


def workload_of(summary: dict[str, Any], meta: dict[str, Any]) -> tuple[Workload, float | None]:
    """The test's workload (sleep from the measured execution) and its dispatch rate a minute."""
    opts = _options(meta)
    job_count = int(opts.get("job_count") or 1)
    job_type = str(opts.get("job_type") or "parallel")
    execution = (summary.get("jobs") or {}).get("execution_s", {}).get("p50")
    sleep = max(0.0, float(execution) - OVERHEAD_S) if execution is not None else float(opts.get("sleep_duration") or 60)
    window = summary.get("duration_s") or 0.0
    runs = (summary.get("runs") or {}).get("count") or 0
    rate = runs / (window / 60.0) if window and runs else None
    return Workload(sleep_s=sleep, job_count=job_count, job_type=job_type), rate


def _stage_agreement(
    summary: dict[str, Any], work: Workload, pickup: Pickup, runners: int, provision: float, seed: int
) -> list[dict[str, Any]]:
    """Per stage: the measured dispatch rate and queue latency beside the model's at that rate."""
    stages = [s for s in summary.get("stages") or [] if s.get("first_dispatch") and s.get("jobs")]
    end = pd.to_datetime(summary.get("end"), utc=True, errors="coerce") if summary.get("end") else None
    out = []
    for i, stage in enumerate(stages):
        start = pd.to_datetime(stage["first_dispatch"], utc=True)
        stop = pd.to_datetime(stages[i + 1]["first_dispatch"], utc=True) if i + 1 < len(stages) else end
        span = (stop - start).total_seconds() if stop is not None and not pd.isna(stop) else 0.0
        if span <= 0:
            continue
        rate = stage["jobs"] / work.job_count / (span / 60.0)
        model = simulate_queue(rate, work, pickup, runners, provision_s=provision, seed=seed)
        measured = stage.get("queue_s") or {}
        dispatches = max(2, round(stage["jobs"] / work.job_count))
        low, _, high = (
            p95_range(rate, work, pickup, runners, dispatches, provision_s=provision, replicas=100, seed=seed)
            if not model.overloaded
            else (math.inf, math.inf, math.inf)
        )
        p95 = measured.get("p95")
        out.append(
            {
                "stage": stage["stage"],
                "dispatches_per_min": round(rate, 3),
                "jobs": stage["jobs"],
                "measured_p50_s": measured.get("p50"),
                "model_p50_s": _r(model.p50_s),
                "measured_p95_s": measured.get("p95"),
                "model_p95_s": _r(model.p95_s),
                "model_p95_stderr_s": _r(model.p95_stderr_s),
                "model_over_measured_p95": _ratio(model.p95_s, p95),
                "model_p95_range_s": [_r(low), _r(high)],
                "measured_p95_in_range": None if p95 is None or math.isinf(high) else bool(low <= p95 <= high),
                "steady_state": span >= 20 * (pickup.mean() + work.sleep_s + work.overhead_s),
            }
        )
    return out


def _r(value: float | None, digits: int = 2) -> float | None:
    return None if value is None or not math.isfinite(value) else round(value, digits)


def _ratio(model: float, measured: float | None) -> float | None:
    return None if not measured or not math.isfinite(model) else round(model / measured, 3)


def _pool_cost(summary: dict[str, Any], pool: dict[str, Any], billed: float | None, size: TaskSize, prices: Prices) -> dict:
    window = summary.get("duration_s") or 0.0
    jobs = summary.get("jobs") or {}
    done = int((jobs.get("count") or 0) - (jobs.get("unstarted") or 0))
    runners = summary.get("runners") or pool["runners"] or 0
    busy = (summary.get("runner_utilization") or 0.0) * runners * window
    launched = max(0, ((summary.get("drift") or {}).get("runners_seen") or 0) - (pool["runners"] or 0))
    cold = launched * pool["provision_s"]
    if billed is None:
        billed = done * math.ceil(max(jobs.get("execution_s", {}).get("p50") or 1.0, 1e-9) / 60.0)
    cost = pool_cost(
        window_s=window,
        paid_runner_s=runners * window + cold,
        busy_runner_s=busy,
        cold_start_s=cold,
        jobs=done,
        billed_minutes=billed,
        size=size,
        prices=prices,
    )
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in cost.__dict__.items()}


def _row(e: QueueEstimate, size: TaskSize, prices: Prices, jobs_per_min: float, work: Workload) -> dict[str, Any]:
    minutes = jobs_per_min * 60 * prices.hours_per_month * (work.sleep_s + work.overhead_s) / 60.0
    return {
        "runners": e.runners,
        "p50_s": _r(e.p50_s),
        "p95_s": _r(e.p95_s),
        "p95_stderr_s": _r(e.p95_stderr_s),
        "utilization": _r(e.utilization, 3),
        "waited_share": _r(e.waited_share, 3),
        "steady": e.steady,
        "usd_month": round(fixed_pool_month(e.runners, size, prices, job_minutes_per_month=minutes), 2),
    }


def plan_section(
    rate: float,
    work: Workload,
    pickup: Pickup,
    *,
    slo: float | None,
    current: int | None = None,
    provision_s: float = 0.0,
    prices: Prices | None = None,
    size: TaskSize | None = None,
    seed: int = 1,
    jobs: int = 40000,
) -> dict[str, Any]:
    """The model's table (p95 and monthly cost by runner count), the answer for ``slo`` and the sentence."""
    prices, size = prices or Prices(), size or TaskSize()
    jobs_per_min = rate * work.job_count
    out: dict[str, Any] = {
        "hosted_usd_month": round(hosted_month(jobs_per_min, work.sleep_s + work.overhead_s, size, prices), 2),
        "runners": None,
    }

    def model(n: int) -> QueueEstimate:
        return simulate_queue(rate, work, pickup, n, provision_s=provision_s, seed=seed, jobs=jobs)

    if not slo:
        estimates = [model(n) for n in range((current or 1), (current or 1) + 3)]
        out["estimates"] = [_row(e, size, prices, jobs_per_min, work) for e in estimates]
        out["recommendation"] = "no p95 target (--check-queue-p95 or ghrunner plan --slo-p95): the table shows p95 by count"
        return out
    sizing = size_for_slo(rate, work, pickup, float(slo), provision_s=provision_s, seed=seed, jobs=jobs)
    counts = {e.runners for e in sizing.estimates}
    estimates = list(sizing.estimates) + ([model(current)] if current and current not in counts else [])
    out["estimates"] = [_row(e, size, prices, jobs_per_min, work) for e in sorted(estimates, key=lambda e: e.runners)]
    out["runners"] = sizing.runners
    out["pickup_p95_floor_s"] = _r(sizing.pickup_p95_s)
    out["recommendation"] = recommendation(current, sizing.runners, out["estimates"], float(slo), sizing.reason)
    return out


def decision_section(
    summary: dict[str, Any],
    meta: dict[str, Any],
    *,
    pickups: list[float] | None = None,
    billed_minutes: float | None = None,
    slo_p95_s: float | None = None,
    prices: Prices | None = None,
    size: TaskSize | None = None,
    seed: int = 1,
) -> dict[str, Any]:
    """The decision section of ``summary.json`` (``summary["decision"]``); README documents every key."""
    prices, size = prices or Prices(), size or TaskSize()
    pool = pool_of(summary, meta)
    work, rate = workload_of(summary, meta)
    opts = _options(meta)
    slo = slo_p95_s or opts.get("check_queue_p95") or opts.get("capacity_slo")
    pickup, notes = pickup_of(pickups, pool, meta)
    section: dict[str, Any] = {
        "slo_p95_s": slo,
        "pool": pool,
        "workload": {"sleep_s": round(work.sleep_s, 2), "job_count": work.job_count, "job_type": work.job_type},
        "dispatches_per_min": _r(rate, 3),
        "pickup": {"source": pickup.source, "p95_s": _r(pickup.p95()), "mean_s": _r(pickup.mean())},
        "prices": {**prices.__dict__, "task": size.describe(), "as_of": PRICES_AS_OF},
        "cost": _pool_cost(summary, pool, billed_minutes, size, prices) if summary.get("duration_s") else None,
        "agreement": [],
        "estimates": [],
        "runners": None,
        "recommendation": "no run was recorded: nothing to size",
        "notes": notes,
    }
    if not rate:
        return section
    if pool["runners"]:
        section["agreement"] = _stage_agreement(summary, work, pickup, pool["runners"], pool["provision_s"], seed)
    plan = plan_section(
        rate, work, pickup, slo=slo, current=pool["runners"], provision_s=pool["provision_s"], prices=prices, size=size, seed=seed
    )
    section.update(plan)
    return section


def pickup_of(pickups: list[float] | None, pool: dict[str, Any], meta: dict[str, Any] | None = None) -> tuple[Pickup, list[str]]:
    """The measured pickups when there are enough (:data:`MIN_PICKUPS`) from a persistent pool, else the target's model (the
    embedded simulator's settings in ``meta``), else the simulator's defaults."""
    notes = []
    target, source = pickup_model(meta or {})
    n = len(pickups or [])
    why = (
        "the pool was ephemeral (a runner's one job tells no idle pickup)"
        if pool["ephemeral"]
        else f"only {count(n, 'job')} found a runner idle, {MIN_PICKUPS} are needed to measure the pickups"
    )
    if n >= MIN_PICKUPS and not pool["ephemeral"]:
        pickup = Pickup.measured(pickups, f"{len(pickups)} jobs of this test that found a runner idle")
    elif target is not None:
        pickup = Pickup(**{f.name: getattr(target, f.name) for f in fields(target)}, source=source)
        notes.append(f"{why}: the pickups are the target's model")
    else:
        pickup = Pickup()
        notes.append(f"{why}: the pickups are the simulator's defaults")
    if pool.get("max_runners"):
        notes.append(f"the pool autoscaled up to {pool['max_runners']} runners: the model sizes a fixed pool")
    return pickup, notes


def decision_from_results(results: Results, summary: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """:func:`decision_section` with the pickups measured on idle runners and each job's billed minutes."""
    jobs = results.jobs
    execution = pd.to_numeric(jobs["execution_s"], errors="coerce").dropna()
    billed = float((execution / 60.0).apply(math.ceil).clip(lower=1).sum()) if len(execution) else None
    return decision_section(summary, results.meta, pickups=idle_pool_pickups(jobs), billed_minutes=billed, **kwargs)
