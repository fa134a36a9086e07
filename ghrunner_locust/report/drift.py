"""Drift, for soaks: does queue latency creep up, do runners churn, do failures pile up?

The trend is a least-squares line through the mean queue latency of fixed windows (jobs by the time they were
queued), with a 95 % confidence interval from Student's t. Window means, not single jobs: jobs of one burst
wait together, so single jobs are not independent and their interval would be too narrow. Too few windows,
and the answer is "not enough data".
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .format import count
from .load import Results
from .measures import epoch_s, num

__all__ = ["MIN_WINDOWS", "MIN_JOBS_PER_WINDOW", "window_length", "t975", "queue_trend", "drift"]

MIN_WINDOWS = 6
"""Windows (each with enough jobs) needed before a trend is reported."""
MIN_JOBS_PER_WINDOW = 3
T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228,
        11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120, 17: 2.110, 18: 2.101, 19: 2.093,
        20: 2.086, 21: 2.080, 22: 2.074, 23: 2.069, 24: 2.064, 25: 2.060, 26: 2.056, 27: 2.052, 28: 2.048,
        29: 2.045, 30: 2.042, 40: 2.021, 60: 2.000, 120: 1.980}  # fmt: skip
"""Student's t, two-sided 95 % (0.975 quantile), by degrees of freedom (standard tables)."""


def t975(df: int) -> float:
    """The 0.975 quantile of Student's t with ``df`` degrees of freedom (the next smaller tabled df: conservative)."""
    if df < 1:
        return math.inf
    return T975[max(k for k in T975 if k <= df)] if df <= 120 else 1.960


def window_length(duration_s: float) -> float:
    """Whole minutes, at least one, about a twentieth of the test."""
    return 60.0 * max(1, math.ceil(duration_s / 20 / 60))


def queue_trend(jobs: pd.DataFrame, window: tuple[float, float]) -> dict[str, Any]:
    """Slope (s per hour) of the window means of queue latency, with its 95 % interval, or why there is none."""
    start, end = window
    width = window_length(max(end - start, 0.0))
    created = epoch_s(jobs["created_at"])
    queue = pd.to_numeric(jobs["queue_s"], errors="coerce").to_numpy(dtype=float)
    ok = ~(np.isnan(created) | np.isnan(queue))
    index = np.floor((created[ok] - start) / width)
    frame = pd.DataFrame({"window": index, "queue": queue[ok]})
    groups = frame.groupby("window")["queue"].agg(["mean", "size"])
    groups = groups[groups["size"] >= MIN_JOBS_PER_WINDOW]
    out: dict[str, Any] = {"window_s": width, "windows": int(len(groups)), "slope_s_per_hour": None, "ci95_s_per_hour": None}
    if len(groups) < MIN_WINDOWS:
        windows = f"{count(len(groups), 'window')} of {width:.0f} s"
        out["verdict"] = f"not enough data: {windows} with {MIN_JOBS_PER_WINDOW}+ jobs, a trend needs {MIN_WINDOWS}"
        return out
    x = (groups.index.to_numpy(dtype=float) + 0.5) * width / 3600.0  # window middles, hours
    y = groups["mean"].to_numpy(dtype=float)
    sxx = float(((x - x.mean()) ** 2).sum())
    slope = float(((x - x.mean()) * (y - y.mean())).sum()) / sxx
    residuals = y - (y.mean() + slope * (x - x.mean()))
    se = math.sqrt(float((residuals**2).sum()) / (len(x) - 2) / sxx)
    half = t975(len(x) - 2) * se
    low, high = slope - half, slope + half
    out.update(slope_s_per_hour=num(slope), ci95_s_per_hour=[num(low), num(high)])
    out["verdict"] = "rising" if low > 0 else "falling" if high < 0 else "no clear trend (the interval includes 0)"
    return out


def drift(results: Results, window: tuple[float, float]) -> dict[str, Any]:
    """The queue latency trend, runner churn and failed jobs by stage."""
    jobs, samples = results.jobs, results.samples
    online = pd.to_numeric(samples["online_runners"], errors="coerce").dropna() if len(samples) else pd.Series(dtype=float)
    failed = jobs[jobs["conclusion"].astype(str) != "success"]
    return {
        "queue_s_trend": queue_trend(jobs, window),
        "runners_seen": int(jobs["runner_name"].dropna().nunique()),
        "online_runners_min": num(online.min()) if len(online) else None,
        "online_runners_max": num(online.max()) if len(online) else None,
        "failed_jobs_by_stage": {str(k): int(v) for k, v in failed.groupby(failed["stage"].astype(str)).size().items()},
    }
