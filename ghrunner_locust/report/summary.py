"""``summary.json``: the numbers of a test from its job, run and sample rows (README.md says how each is computed)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .drift import drift
from .load import Results
from .measures import busy_intervals, distribution, epoch_s, max_concurrency, num, runner_count, test_window, utilization
from .params import parameters
from .queueing import expected_vs_measured, littles_law, pickup_summary

__all__ = ["summarize", "stages"]


def stages(jobs: pd.DataFrame) -> list[dict[str, Any]]:
    """Per stage, in the order of their first dispatch: jobs, failed, queue latency."""
    if not len(jobs) or jobs["stage"].isna().all():
        return []
    named = jobs[jobs["stage"].notna()]
    first = pd.Series(epoch_s(named["dispatched_at"]), index=named.index).groupby(named["stage"].astype(str)).min()
    out = []
    for stage in first.sort_values(kind="stable").index:
        part = named[named["stage"].astype(str) == stage]
        when = pd.to_datetime(part["dispatched_at"], utc=True, errors="coerce").min()
        out.append(
            {
                "stage": stage,
                "jobs": int(len(part)),
                "failed": int((part["conclusion"].astype(str) != "success").sum()),
                "queue_s": distribution(part["queue_s"], ("mean", "p50", "p95", "max")),
                "first_dispatch": None if pd.isna(when) else when.isoformat(),
            }
        )
    return out


def summarize(results: Results) -> dict[str, Any]:
    """``summary.json``: see README.md for every key."""
    jobs, runs = results.jobs, results.runs
    start, end = test_window(results)
    window = (start.timestamp(), end.timestamp()) if start is not None and end is not None else (0.0, 0.0)
    window_s = window[1] - window[0]
    intervals = busy_intervals(jobs)
    runners, runners_source = runner_count(results, intervals)
    completed = int(np.count_nonzero(~np.isnan(epoch_s(jobs["completed_at"]))))
    pickup = pickup_summary(jobs, results.samples, results.meta, runners)
    summary: dict[str, Any] = {
        "scenario": results.meta.get("scenario", results.directory.name),
        "start": start.isoformat() if start is not None else None,
        "end": end.isoformat() if end is not None else None,
        "duration_s": num(window_s),
        "parameters": parameters(results),
        "jobs": {
            "count": int(len(jobs)),
            "failed": int((jobs["conclusion"].astype(str) != "success").sum()),
            "unstarted": int(jobs["started_at"].isna().sum()),
            "completed": completed,
            "queue_s": distribution(jobs["queue_s"]),
            "execution_s": distribution(jobs["execution_s"]),
        },
        "runs": {
            "count": int(len(runs)),
            "failed": int((runs["conclusion"].astype(str) != "success").sum()),
            "total_s": distribution(runs["total_s"], ("p50", "p95", "max")),
            "pickup_s": distribution(runs["pickup_s"], ("p50", "p95", "max")),
        },
        "pickup": pickup,
        "throughput_jobs_per_min": num(completed / (window_s / 60)) if window_s > 0 else None,
        "runners": num(runners),
        "runners_source": runners_source,
        "runner_utilization": utilization(intervals, runners, window),
        "max_concurrent_jobs": max_concurrency(intervals["start"], intervals["end"]),
        "littles_law": littles_law(jobs, results.samples, window),
        "stages": stages(jobs),
        "drift": drift(results, window),
        "expected_vs_measured": expected_vs_measured(results.meta, jobs, pickup["expected_mean_s"]),
        "notes": list(results.notes),
    }
    for key in ("breaking_point", "capacity", "checks"):
        if key in results.meta:
            summary[key] = results.meta[key]
    return summary
