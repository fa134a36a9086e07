"""The numbers of a test, from its job and run rows. Pure functions over DataFrames."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from .load import Results

__all__ = ["summarize", "drift", "distribution", "busy_intervals", "max_concurrency", "utilization", "littles_law", "test_window"]

QUANTILES = {"p50": 0.5, "p90": 0.9, "p95": 0.95, "p99": 0.99}


def _num(value: Any) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return round(float(value), 3)


def distribution(
    series: pd.Series, keys: tuple[str, ...] = ("mean", "p50", "p90", "p95", "p99", "max")
) -> dict[str, float | None]:
    """Mean, exact percentiles (linear interpolation, pandas' default) and max of a column."""
    values = pd.to_numeric(series, errors="coerce").dropna()
    out: dict[str, float | None] = {}
    for key in keys:
        if values.empty:
            out[key] = None
        elif key == "mean":
            out[key] = _num(values.mean())
        elif key == "max":
            out[key] = _num(values.max())
        else:
            out[key] = _num(values.quantile(QUANTILES[key]))
    return out


def test_window(results: Results) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """The test's start and end: meta.json's, else the first job created and the last completed."""
    start = pd.to_datetime(results.meta.get("start"), utc=True, errors="coerce") if results.meta.get("start") else None
    end = pd.to_datetime(results.meta.get("end"), utc=True, errors="coerce") if results.meta.get("end") else None
    jobs = results.jobs
    if (start is None or pd.isna(start)) and len(jobs):
        start = jobs["created_at"].min()
    if (end is None or pd.isna(end)) and len(jobs):
        end = jobs[["completed_at", "started_at", "created_at"]].max().max()
    return (None if start is None or pd.isna(start) else start), (None if end is None or pd.isna(end) else end)


def busy_intervals(jobs: pd.DataFrame) -> pd.DataFrame:
    """Each job's (runner, start, end) on a runner, in seconds since the epoch."""
    ran = jobs.dropna(subset=["started_at", "completed_at"])
    return pd.DataFrame(
        {
            "runner": ran["runner_name"].astype(str),
            "start": ran["started_at"].map(pd.Timestamp.timestamp),
            "end": ran["completed_at"].map(pd.Timestamp.timestamp),
        }
    )


def max_concurrency(starts: pd.Series, ends: pd.Series) -> int:
    """Most intervals open at once (an interval ending when another starts does not overlap it)."""
    events = sorted([(t, 1) for t in starts] + [(t, -1) for t in ends], key=lambda e: (e[0], e[1]))
    running = peak = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    return peak


def utilization(intervals: pd.DataFrame, runners: float, window_s: float) -> float | None:
    """Busy runner-seconds over available runner-seconds (overlaps on one runner counted once)."""
    if runners <= 0 or window_s <= 0:
        return None
    busy = 0.0
    for _, group in intervals.sort_values("start").groupby("runner"):
        end = -math.inf
        for start, stop in zip(group["start"], group["end"], strict=True):
            busy += max(0.0, stop - max(start, end))
            end = max(end, stop)
    return round(busy / (runners * window_s), 4)


def littles_law(jobs: pd.DataFrame, window: tuple[float, float]) -> dict[str, float | None]:
    """Arrival rate x mean time in system (L = lambda W) against the mean number of jobs in the system."""
    done = jobs.dropna(subset=["created_at", "completed_at"])
    start, end = window
    span = end - start
    if done.empty or span <= 0:
        return {"arrival_rate_per_s": None, "mean_time_in_system_s": None, "lambda_w": None, "mean_in_system": None}
    created = done["created_at"].map(pd.Timestamp.timestamp)
    completed = done["completed_at"].map(pd.Timestamp.timestamp)
    rate = len(done) / span
    mean_w = float((completed - created).clip(lower=0).mean())
    area = float((completed.clip(upper=end) - created.clip(lower=start)).clip(lower=0).sum())
    return {
        "arrival_rate_per_s": _num(rate),
        "mean_time_in_system_s": _num(mean_w),
        "lambda_w": _num(rate * mean_w),
        "mean_in_system": _num(area / span),
    }


def _runner_count(results: Results, intervals: pd.DataFrame) -> float:
    online = (
        pd.to_numeric(results.samples.get("online_runners"), errors="coerce").dropna() if len(results.samples) else pd.Series()
    )
    if len(online):
        return float(online.mean())
    options = results.meta.get("options") or {}
    for key in ("runners", "sim_runners"):
        if options.get(key):
            return float(options[key])
    return float(intervals["runner"].nunique())


def summarize(results: Results) -> dict[str, Any]:
    """``summary.json``: see README.md for every key."""
    jobs, runs = results.jobs, results.runs
    start, end = test_window(results)
    window_s = (end - start).total_seconds() if start is not None and end is not None else 0.0
    intervals = busy_intervals(jobs)
    runners = _runner_count(results, intervals)
    ok_jobs = jobs["conclusion"].astype(str) == "success"
    completed = int(jobs["completed_at"].notna().sum())
    summary: dict[str, Any] = {
        "scenario": results.meta.get("scenario", results.directory.name),
        "start": start.isoformat() if start is not None else None,
        "end": end.isoformat() if end is not None else None,
        "duration_s": _num(window_s),
        "jobs": {
            "count": int(len(jobs)),
            "failed": int((~ok_jobs).sum()),
            "unstarted": int(jobs["started_at"].isna().sum()),
            "queue_s": distribution(jobs["queue_s"]),
            "execution_s": distribution(jobs["execution_s"]),
        },
        "runs": {
            "count": int(len(runs)),
            "failed": int((runs["conclusion"].astype(str) != "success").sum()),
            "total_s": distribution(runs["total_s"], ("p50", "p95", "max")),
            "pickup_s": distribution(runs["pickup_s"], ("p50", "p95", "max")),
        },
        "throughput_jobs_per_min": _num(completed / (window_s / 60)) if window_s > 0 else None,
        "runners": _num(runners),
        "runner_utilization": utilization(intervals, runners, window_s),
        "max_concurrent_jobs": max_concurrency(intervals["start"], intervals["end"]) if len(intervals) else 0,
        "littles_law": littles_law(
            jobs, (start.timestamp(), end.timestamp()) if start is not None and end is not None else (0, 0)
        ),
        "stages": _stages(jobs),
        "drift": drift(results),
        "expected_vs_measured": _expected(results, jobs),
        "notes": list(results.notes),
    }
    for key in ("breaking_point", "capacity", "checks"):
        if key in results.meta:
            summary[key] = results.meta[key]
    return summary


def drift(results: Results) -> dict[str, Any]:
    """For soaks: does queue latency creep up, do runners churn, do failures pile up over time?"""
    jobs = results.jobs.dropna(subset=["created_at", "queue_s"])
    slope = None
    if len(jobs) >= 3:
        hours = jobs["created_at"].map(pd.Timestamp.timestamp) / 3600.0
        queue = pd.to_numeric(jobs["queue_s"], errors="coerce")
        spread = float(((hours - hours.mean()) ** 2).sum())
        if spread > 0:
            slope = float(((hours - hours.mean()) * (queue - queue.mean())).sum()) / spread
    online = pd.to_numeric(results.samples["online_runners"], errors="coerce").dropna() if len(results.samples) else pd.Series()
    failed = results.jobs[results.jobs["conclusion"].astype(str) != "success"]
    return {
        "queue_s_slope_per_hour": _num(slope),
        "runners_seen": int(results.jobs["runner_name"].dropna().nunique()),
        "online_runners_min": _num(online.min()) if len(online) else None,
        "online_runners_max": _num(online.max()) if len(online) else None,
        "failed_jobs_by_stage": {str(k): int(v) for k, v in failed.groupby(failed["stage"].astype(str)).size().items()}
        if len(failed)
        else {},
    }


def _stages(jobs: pd.DataFrame) -> list[dict[str, Any]]:
    if not len(jobs) or jobs["stage"].isna().all():
        return []
    out = []
    order = jobs.dropna(subset=["stage"]).sort_values("dispatched_at")["stage"].astype(str).unique()
    for stage in order:
        part = jobs[jobs["stage"].astype(str) == stage]
        out.append(
            {
                "stage": stage,
                "jobs": int(len(part)),
                "failed": int((part["conclusion"].astype(str) != "success").sum()),
                "queue_s": distribution(part["queue_s"], ("mean", "p50", "p95", "max")),
                "first_dispatch": part["dispatched_at"].min().isoformat() if part["dispatched_at"].notna().any() else None,
            }
        )
    return out


def _expected(results: Results, jobs: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for item in results.meta.get("expected") or []:
        if not isinstance(item, dict):
            continue
        part = jobs[jobs["stage"].astype(str) == item.get("stage")] if len(jobs) else jobs
        queue = pd.to_numeric(part["queue_s"], errors="coerce").dropna()
        expected = item.get("expected_queue_s")
        out.append(
            {
                "stage": item.get("stage"),
                "expected_mean_queue_s": None
                if expected in (None, math.inf) or (isinstance(expected, float) and math.isinf(expected))
                else _num(expected),
                "expected_utilization": _num(item.get("utilization")),
                "measured_mean_queue_s": _num(queue.mean()) if len(queue) else None,
            }
        )
    return out
