"""Queueing numbers: pickup latency (the target's model and the test's idle-pool jobs), expected against
measured queue latency, and Little's law checked against the sampled queue."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ..planning.theory import Pickup
from .format import count
from .measures import distribution, epoch_s, num

__all__ = ["LITTLE_TOLERANCE", "pickup_model", "idle_pool", "pickup_summary", "expected_vs_measured", "littles_law"]

LITTLE_TOLERANCE = 0.2
"""Little's law 'agrees' when the sampled mean number of jobs is within 20 % of arrival rate x time in system."""

SIM_OPTIONS = "meta.json options.sim_pickup, sim_pickup_p90, sim_pickup_tail, sim_fixed_latency"


def pickup_model(meta: dict[str, Any]) -> tuple[Pickup | None, str]:
    """The target's pickup distribution and where it comes from: ``meta["simulator"]["pickup"]``, else the
    embedded simulator's options; ``None`` for a real target (then the pickup is measured)."""
    sim = meta.get("simulator")
    given = sim.get("pickup") if isinstance(sim, dict) else None
    try:
        if isinstance(given, dict):
            low, high = given.get("tail_range_s") or (60.0, 120.0)
            model = Pickup(
                float(given["median_s"]),
                float(given.get("p90_s", given["median_s"])),
                float(given.get("tail_prob", 0.0)),
                (float(low), float(high)),
                bool(given.get("fixed", False)),
            )
            return model, "the embedded simulator's settings (meta.json simulator.pickup)"
        options = meta.get("options") or {}
        if meta.get("target") == "embedded simulator" and options.get("sim_pickup") is not None:
            model = Pickup(
                float(options["sim_pickup"]),
                float(options.get("sim_pickup_p90") or options["sim_pickup"]),
                float(options.get("sim_pickup_tail") or 0.0),
                fixed=bool(options.get("sim_fixed_latency")),
            )
            return model, f"the embedded simulator's settings ({SIM_OPTIONS})"
    except (KeyError, TypeError, ValueError):
        pass
    return None, ""


def _pool_size_at(times: np.ndarray, samples: pd.DataFrame, runners: float) -> np.ndarray:
    """Online runners at each time: the latest sample at or before it (the first before any), else ``runners``."""
    if not len(samples) or "online_runners" not in samples:
        return np.full(len(times), runners)
    at, online = epoch_s(samples["time"]), pd.to_numeric(samples["online_runners"], errors="coerce").to_numpy(dtype=float)
    keep = ~(np.isnan(at) | np.isnan(online))
    if not keep.any():
        return np.full(len(times), runners)
    order = np.argsort(at[keep], kind="stable")
    at, online = at[keep][order], online[keep][order]
    index = np.clip(np.searchsorted(at, times, side="right") - 1, 0, len(at) - 1)
    return online[index]


def idle_pool(jobs: pd.DataFrame, samples: pd.DataFrame, runners: float) -> np.ndarray:
    """Jobs that found a free runner when queued: fewer jobs than runners were queued or running at that
    moment. Of jobs queued in the same second (a matrix), those that started first took the free runners.
    Their queue latency is pickup alone."""
    created, started, completed = (epoch_s(jobs[c]) for c in ("created_at", "started_at", "completed_at"))
    if not len(created):
        return np.zeros(0, dtype=bool)
    order = np.lexsort((np.where(np.isnan(started), np.inf, started), created))  # by created, then started
    queued_before = np.empty(len(created), dtype=int)
    queued_before[order] = np.arange(len(created))
    done_by = np.searchsorted(np.sort(completed[~np.isnan(completed)]), created, side="right")
    ahead = np.maximum(queued_before - done_by, 0)  # in the system at ``created``, ahead of this job
    return ~np.isnan(created) & ~np.isnan(started) & (ahead < _pool_size_at(created, samples, runners))


def pickup_summary(jobs: pd.DataFrame, samples: pd.DataFrame, meta: dict[str, Any], runners: float) -> dict[str, Any]:
    """The pickup latency: the target's model (embedded simulator) and the idle-pool jobs' queue latency;
    ``expected_mean_s`` is the model's mean, else the measured mean."""
    model, source = pickup_model(meta)
    idle = jobs[idle_pool(jobs, samples, runners)] if len(jobs) else jobs
    measured = {"jobs": int(len(idle)), **distribution(idle["queue_s"], ("mean", "p50", "p90", "p95", "max"))}
    out: dict[str, Any] = {"model": None, "measured_idle_pool": measured}
    if model is not None:
        out["model"] = {
            "source": source,
            "median_s": model.median_s,
            "p90_s": model.p90_s,
            "tail_prob": model.tail_prob,
            "tail_range_s": list(model.tail_range_s),
            "fixed": model.fixed,
            "mean_s": num(model.mean_s),
        }
        out["expected_mean_s"], out["expected_source"] = num(model.mean_s), source
    elif measured["jobs"]:
        out["expected_mean_s"] = measured["mean"]
        out["expected_source"] = f"measured: mean queue latency of the {count(measured['jobs'], 'job')} that found a free runner"
    else:
        out["expected_mean_s"], out["expected_source"] = None, "unknown: no pickup settings and no job found a free runner"
    return out


def expected_vs_measured(meta: dict[str, Any], jobs: pd.DataFrame, pickup_mean_s: float | None) -> list[dict[str, Any]]:
    """Per stage of ``meta["expected"]``: expected queue latency = wait for a runner (the plan's forecast)
    + mean pickup (the target's), against the measured mean."""
    out = []
    for item in meta.get("expected") or []:
        if not isinstance(item, dict):
            continue
        wait = item.get("expected_wait_s", item.get("expected_queue_s"))  # before 0.2 expected_queue_s was the wait
        wait = None if wait is None or (isinstance(wait, int | float) and math.isinf(wait)) else float(wait)
        part = jobs[jobs["stage"].astype(str) == str(item.get("stage"))] if len(jobs) else jobs
        queue = pd.to_numeric(part["queue_s"], errors="coerce").dropna()
        expected = None if wait is None or pickup_mean_s is None else wait + pickup_mean_s
        out.append(
            {
                "stage": item.get("stage"),
                "expected_utilization": num(item.get("utilization")),
                "expected_wait_s": num(wait),
                "expected_pickup_s": num(pickup_mean_s),
                "expected_mean_queue_s": num(expected),
                "queue_grows_without_bound": wait is None,
                "measured_jobs": int(len(queue)),
                "measured_mean_queue_s": num(queue.mean()) if len(queue) else None,
            }
        )
    return out


def littles_law(jobs: pd.DataFrame, samples: pd.DataFrame, window: tuple[float, float]) -> dict[str, Any]:
    """L = lambda W: arrival rate x mean time in system, from the job rows' timestamps, against the mean number
    of queued + running jobs in samples.csv (the tracker's live view, an independent count)."""
    start, end = window
    created, completed = epoch_s(jobs["created_at"]), epoch_s(jobs["completed_at"])
    inside = (created >= start) & (created <= end)
    done = inside & ~np.isnan(completed)
    span = end - start
    rate = float(inside.sum()) / span if span > 0 else math.nan
    mean_w = float(np.mean(np.maximum(completed[done] - created[done], 0))) if done.any() else math.nan
    sampled, at_samples, count = math.nan, math.nan, 0
    if len(samples):
        at = epoch_s(samples["time"])
        counts = pd.to_numeric(samples["queued_jobs"], errors="coerce") + pd.to_numeric(samples["running_jobs"], errors="coerce")
        frame = pd.DataFrame({"worker": samples["worker"].astype(str).to_numpy(), "at": at, "jobs": counts.to_numpy(dtype=float)})
        frame = frame[(at >= start) & (at <= end)].dropna()
        count = int(len(frame))
        if count:
            sampled = float(frame.groupby("worker")["jobs"].mean().sum())  # each process samples its own runs
            # the job rows' own count of jobs in the system at the same moments (created <= t < completed)
            began = np.sort(created[~np.isnan(created)])
            ended = np.sort(completed[~np.isnan(created) & ~np.isnan(completed)])
            moments = frame["at"].to_numpy()
            rows = np.searchsorted(began, moments, side="right") - np.searchsorted(ended, moments, side="right")
            at_samples = float(pd.Series(rows, index=frame.index).groupby(frame["worker"]).mean().mean())
    lambda_w = rate * mean_w
    gap = (sampled - lambda_w) / lambda_w if lambda_w > 0 and not math.isnan(sampled) else math.nan
    if math.isnan(gap):
        verdict = "not checked: no samples or no completed job"
    elif abs(gap) <= LITTLE_TOLERANCE:
        verdict = f"agrees within {LITTLE_TOLERANCE:.0%}"
    elif abs(at_samples - lambda_w) <= LITTLE_TOLERANCE * lambda_w:
        verdict = (
            f"differs by {gap:+.0%}: the tracker's live counts lagged GitHub's timestamps (the job rows, counted at "
            "the same moments, agree)"
        )
    else:
        verdict = f"differs by {gap:+.0%}: too few samples for the test's variation, or jobs missing from jobs.csv"
    return {
        "arrival_rate_per_s": num(rate, 4),
        "mean_time_in_system_s": num(mean_w),
        "lambda_w": num(lambda_w),
        "mean_in_system_sampled": num(sampled),
        "samples": count,
        "rows_at_sample_times": num(at_samples),
        "relative_gap": num(gap),
        "verdict": verdict,
    }
