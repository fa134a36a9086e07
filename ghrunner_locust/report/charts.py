"""The charts people look at, as PNG files: occupancy, queue latency, queue depth, distributions, throughput."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .load import Results  # noqa: E402
from .summary import busy_intervals, test_window  # noqa: E402

__all__ = ["draw_all", "CHARTS"]

CHARTS = {
    "occupancy.png": "Runner occupancy",
    "queue_latency.png": "Queue latency of each job",
    "queue_depth.png": "Queued and running jobs",
    "latency_distribution.png": "Latency distributions",
    "throughput.png": "Throughput",
}
COLOURS = {"success": "#2e7d32", "failure": "#c62828", "cancelled": "#9e9e9e"}


def _seconds(series: pd.Series, origin: float) -> pd.Series:
    return series.map(lambda t: t.timestamp() - origin if pd.notna(t) else np.nan)


def _stage_lines(ax: plt.Axes, jobs: pd.DataFrame, origin: float) -> None:
    if "stage" not in jobs or jobs["stage"].isna().all():
        return
    firsts = jobs.dropna(subset=["stage", "dispatched_at"]).groupby("stage")["dispatched_at"].min().sort_values()
    for stage, when in firsts.items():
        x = when.timestamp() - origin
        ax.axvline(x, color="#607d8b", linestyle="--", linewidth=0.8)
        ax.annotate(str(stage), (x, 1), xycoords=("data", "axes fraction"), rotation=90, va="top", ha="right", fontsize=7)


def _empty(ax: plt.Axes, text: str = "no data recorded") -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)


def draw_all(results: Results, out: Path) -> list[Path]:
    """Write every chart into ``out``; return their paths."""
    start, _ = test_window(results)
    origin = start.timestamp() if start is not None else 0.0
    jobs = results.jobs
    paths = []
    for name, draw in [
        ("occupancy.png", _occupancy),
        ("queue_latency.png", _queue),
        ("queue_depth.png", _depth),
        ("latency_distribution.png", _distribution),
        ("throughput.png", _throughput),
    ]:
        fig, ax = plt.subplots(figsize=(10, 4.2), dpi=100)
        try:
            draw(ax, jobs, origin)
            ax.set_title(CHARTS[name])
            fig.tight_layout()
            fig.savefig(out / name)
        finally:
            plt.close(fig)
        paths.append(out / name)
    return paths


def _occupancy(ax: plt.Axes, jobs: pd.DataFrame, origin: float) -> None:
    intervals = busy_intervals(jobs)
    if intervals.empty:
        return _empty(ax)
    intervals["conclusion"] = jobs.dropna(subset=["started_at", "completed_at"])["conclusion"].astype(str).values
    runners = sorted(intervals["runner"].unique())
    for lane, runner in enumerate(runners):
        part = intervals[intervals["runner"] == runner]
        bars = [(s - origin, e - s) for s, e in zip(part["start"], part["end"], strict=True)]
        colours = [COLOURS.get(c, "#1565c0") for c in part["conclusion"]]
        ax.broken_barh(bars, (lane - 0.4, 0.8), facecolors=colours, edgecolor="white", linewidth=0.5)
    ax.set_yticks(range(len(runners)), runners, fontsize=7)
    ax.set_xlabel("seconds since the test started")
    ax.set_ylabel("runner")
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in COLOURS.values()]
    ax.legend(handles, list(COLOURS), loc="upper right", fontsize=7, title="job conclusion")


def _queue(ax: plt.Axes, jobs: pd.DataFrame, origin: float) -> None:
    started = jobs.dropna(subset=["created_at", "queue_s"])
    if started.empty:
        return _empty(ax)
    ax.scatter(_seconds(started["created_at"], origin), started["queue_s"], s=10, alpha=0.7, label="job (by time queued)")
    _stage_lines(ax, jobs, origin)
    ax.set_xlabel("seconds since the test started (job queued)")
    ax.set_ylabel("queue latency (s)")
    ax.legend(loc="best", fontsize=7)


def _depth(ax: plt.Axes, jobs: pd.DataFrame, origin: float) -> None:
    if jobs.empty or jobs["created_at"].isna().all():
        return _empty(ax)
    created = _seconds(jobs["created_at"], origin)
    started = _seconds(jobs["started_at"], origin)
    completed = _seconds(jobs["completed_at"], origin)
    horizon = np.nanmax(np.concatenate([created, started, completed]))
    grid = np.linspace(0, max(horizon, 1.0), 600)
    started_filled = started.fillna(np.inf).to_numpy()
    completed_filled = completed.fillna(np.inf).to_numpy()
    c = created.to_numpy()
    queued = [(np.sum((c <= t) & (started_filled > t))) for t in grid]
    running = [(np.sum((started_filled <= t) & (completed_filled > t))) for t in grid]
    ax.step(grid, queued, where="post", label="queued")
    ax.step(grid, running, where="post", label="running")
    _stage_lines(ax, jobs, origin)
    ax.set_xlabel("seconds since the test started")
    ax.set_ylabel("jobs")
    ax.legend(loc="upper left", fontsize=7)


def _distribution(ax: plt.Axes, jobs: pd.DataFrame, origin: float) -> None:
    drawn = False
    for column, label in [("queue_s", "queue latency"), ("execution_s", "execution time")]:
        values = np.sort(pd.to_numeric(jobs[column], errors="coerce").dropna().to_numpy())
        if len(values):
            ax.step(values, np.arange(1, len(values) + 1) / len(values), where="post", label=label)
            drawn = True
    if not drawn:
        return _empty(ax)
    ax.set_xlabel("seconds")
    ax.set_ylabel("fraction of jobs (ECDF)")
    ax.legend(loc="lower right", fontsize=7)


def _throughput(ax: plt.Axes, jobs: pd.DataFrame, origin: float) -> None:
    done = _seconds(jobs["completed_at"], origin).dropna()
    if done.empty:
        return _empty(ax)
    width = 60.0 if done.max() > 600 else 10.0
    bins = np.arange(0, done.max() + width, width)
    counts, edges = np.histogram(done, bins=bins)
    ax.bar(edges[:-1], counts * 60.0 / width, width=width, align="edge", label="jobs completed")
    _stage_lines(ax, jobs, origin)
    ax.set_xlabel("seconds since the test started")
    ax.set_ylabel("jobs per minute")
    ax.legend(loc="upper left", fontsize=7)
