"""The charts people look at, as PNG files: occupancy, queue latency, queue depth, distributions, throughput.

Legends sit outside the plot, right of it, so they never cover data; stage names label a top axis.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from .chartdata import bin_width, depth, lanes, throughput_bins  # noqa: E402
from .format import count  # noqa: E402
from .load import Results  # noqa: E402
from .measures import busy_intervals, epoch_s, max_concurrency, test_window  # noqa: E402

__all__ = ["CHARTS", "Chart", "figure", "draw_all"]

CHARTS = {
    "occupancy.png": "Runner occupancy",
    "queue_latency.png": "Queue latency of each job",
    "queue_depth.png": "Queued and running jobs",
    "latency_distribution.png": "Latency distributions",
    "throughput.png": "Throughput",
}
COLOURS = {"success": "#2e7d32", "failure": "#c62828", "cancelled": "#9e9e9e"}
OTHER = "#1565c0"
X_LABEL = "seconds since the test started"
MAX_STAGE_LABELS = 12


class Chart:
    """One test's data in seconds since its start, shared by the charts."""

    def __init__(self, results: Results, runners: float | None = None) -> None:
        start, end = test_window(results)
        self.origin = start.timestamp() if start is not None else 0.0
        self.span = (end.timestamp() - self.origin) if start is not None and end is not None else 0.0
        jobs = self.jobs = results.jobs
        self.created, self.started, self.completed = (
            epoch_s(jobs[c]) - self.origin for c in ("created_at", "started_at", "completed_at")
        )
        self.queue = pd.to_numeric(jobs["queue_s"], errors="coerce").to_numpy(dtype=float)
        self.execution = pd.to_numeric(jobs["execution_s"], errors="coerce").to_numpy(dtype=float)
        dispatched = epoch_s(jobs["dispatched_at"]) - self.origin
        named = jobs["stage"].notna().to_numpy() & ~np.isnan(dispatched) if len(jobs) else np.zeros(0, dtype=bool)
        firsts = pd.Series(dispatched[named]).groupby(jobs["stage"].astype(str).to_numpy()[named]).min()
        self.stages = firsts.sort_values(kind="stable")
        self.runners = runners

    def stage_marks(self, ax: plt.Axes) -> None:
        """A dashed line at each stage's first dispatch, its name on a top axis (when there is more than one)."""
        if len(self.stages) < 2:
            return
        for x in self.stages.to_numpy():
            ax.axvline(x, color="#607d8b", linestyle="--", linewidth=0.8)
        every = -(-len(self.stages) // MAX_STAGE_LABELS)  # more stages than fit: name every n-th
        named = self.stages.iloc[::every]
        top = ax.secondary_xaxis("top")
        top.set_xticks(named.to_numpy(), [str(s) for s in named.index], fontsize=7, rotation=30, ha="left")
        top.tick_params(length=0)


def _legend(ax: plt.Axes, *args: Any, **kwargs: Any) -> None:
    ax.legend(*args, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0, fontsize=7, **kwargs)


def _empty(ax: plt.Axes, text: str = "no data recorded") -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)


def figure(name: str, chart: Chart) -> plt.Figure:
    """The figure of one chart (``CHARTS``' file name); the caller closes it."""
    fig = plt.figure(figsize=(11, 4.4), dpi=100)
    DRAW[name](fig, chart)
    fig.suptitle(CHARTS[name])
    fig.tight_layout()
    return fig


def draw_all(results: Results, out: Path, runners: float | None = None) -> list[Path]:
    """Write every chart into ``out`` (``runners``: the pool's size, a line on the queue depth); return their paths."""
    chart = Chart(results, runners)
    paths = []
    for name in CHARTS:
        fig = figure(name, chart)
        try:
            fig.savefig(out / name)
        finally:
            plt.close(fig)
        paths.append(out / name)
    return paths


def _time_axes(fig: plt.Figure, chart: Chart) -> plt.Axes:
    """One plot over the test's time: x from 0 to the end of the test."""
    ax = fig.add_subplot()
    span = max(chart.span, 1.0)
    ax.set_xlim(-0.01 * span, 1.01 * span)  # a job at 0 s clear of the axis
    ax.set_xlabel(X_LABEL)
    return ax


def _occupancy(fig: plt.Figure, chart: Chart) -> None:
    ax = _time_axes(fig, chart)
    intervals = busy_intervals(chart.jobs)
    if intervals.empty:
        return _empty(ax)
    layout = lanes(intervals, max_concurrency(intervals["start"], intervals["end"]), chart.runners)
    x0, x1 = intervals["start"].to_numpy() - chart.origin, intervals["end"].to_numpy() - chart.origin
    y0, y1 = layout.lane - 0.4, layout.lane + 0.4
    boxes = np.stack([np.column_stack(p) for p in ((x0, y0), (x0, y1), (x1, y1), (x1, y0))], axis=1)
    colours = [COLOURS.get(c, OTHER) for c in intervals["conclusion"]]
    thin = len(intervals) > 2000  # white edges would hide sub-pixel bars
    ax.add_collection(PolyCollection(boxes, facecolors=colours, edgecolors="white", linewidths=0 if thin else 0.5))
    high = max(chart.span, float(x1.max()), 1.0)
    ax.set_xlim(min(-0.01 * high, float(x0.min())), 1.01 * high)
    ax.set_ylim(-0.6, layout.count - 0.4)
    if layout.by == "runner" and layout.count <= 40:
        ax.set_yticks(range(layout.count), layout.labels, fontsize=7)
        ax.set_ylabel("runner")
    else:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        what = "runner" if layout.by == "runner" else "slot: a lane per job running at once"
        ax.set_ylabel(f"{what}\n({layout.runner_names:,} runner names)", fontsize=8)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in COLOURS.values()]
    _legend(ax, handles, list(COLOURS), title="job conclusion", title_fontsize=7)
    chart.stage_marks(ax)


def _queue(fig: plt.Figure, chart: Chart) -> None:
    ax = _time_axes(fig, chart)
    ok = ~(np.isnan(chart.created) | np.isnan(chart.queue))
    if not ok.any():
        return _empty(ax)
    size = 7 if ok.sum() < 500 else 4 if ok.sum() < 20_000 else 2
    ax.plot(chart.created[ok], chart.queue[ok], ".", markersize=size, alpha=0.6, label="a job, by the time it was queued")
    ax.set_ylim(0, max(1.0, float(chart.queue[ok].max())) * 1.08)
    chart.stage_marks(ax)
    ax.set_xlabel(X_LABEL + " (job queued)")
    ax.set_ylabel("queue latency (s)")
    _legend(ax)


def _depth(fig: plt.Figure, chart: Chart) -> None:
    ax = _time_axes(fig, chart)
    if np.isnan(chart.created).all():
        return _empty(ax)
    times, queued, running = depth(chart.created, chart.started, chart.completed)
    times, queued, running = np.insert(times, 0, 0.0), np.insert(queued, 0, 0), np.insert(running, 0, 0)
    ax.fill_between(times, running, step="post", color="C1", alpha=0.45, linewidth=0, label="running")
    ax.step(times, queued, where="post", color="C0", linewidth=1.2, label="queued")
    top = max(queued.max(), running.max(), 1)
    if chart.runners:
        ax.axhline(chart.runners, color="#424242", linestyle="--", linewidth=0.9, label=f"runners ({chart.runners:g})")
        top = max(top, chart.runners)
    ax.set_ylim(0, top * 1.08)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    chart.stage_marks(ax)
    ax.set_ylabel("jobs")
    _legend(ax)


def _distribution(fig: plt.Figure, chart: Chart) -> None:
    """Side by side, each on its own scale (queue latency may be seconds where execution is minutes)."""
    pairs = [(chart.queue, "queue latency", "C0"), (chart.execution, "execution time", "C1")]
    for k, (values, label, colour) in enumerate(pairs):
        ax = fig.add_subplot(1, 2, k + 1)
        values = values[~np.isnan(values)]
        if not len(values):
            _empty(ax)
            continue
        ax.ecdf(values, color=colour, linewidth=1.8)
        high = float(values.max())
        high = high if high > 0 else 1.0
        ax.set_xlim(-0.03 * high, high * 1.06)  # the first and the last step clear of the axes
        ax.set_ylim(0, 1.04)
        for q in (0.5, 0.95):
            ax.axhline(q, color="#9e9e9e", linewidth=0.6, linestyle=":")
            ax.annotate(f"p{q * 100:.0f}", (1.0, q), xycoords=("axes fraction", "data"), xytext=(2, 0),
                        textcoords="offset points", va="center", fontsize=7, color="#616161")  # fmt: skip
        ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
        ax.set_title(f"{label} ({count(len(values), 'job')})", fontsize=9)
        ax.set_xlabel(f"{label} (s)")
        ax.set_ylabel("fraction of jobs at or below (ECDF)" if k == 0 else "")


def _throughput(fig: plt.Figure, chart: Chart) -> None:
    """Bars in jobs/min (the summary's unit) over whole minutes; the running count of completed jobs on the
    right axis shows the pace within a minute, so a short test is not one flat bar."""
    ax = _time_axes(fig, chart)
    if np.isnan(chart.completed).all():
        return _empty(ax)
    left, widths, rates = throughput_bins(chart.completed, chart.span)
    minutes = bin_width(max(chart.span, float(np.nanmax(chart.completed)))) / 60
    ax.bar(left, rates, width=widths, align="edge", edgecolor="white", alpha=0.45, label=f"jobs/min, {minutes:.0f}-minute bins")
    done = np.sort(chart.completed[~np.isnan(chart.completed)])
    if chart.span > 0:
        mean = len(done) / (chart.span / 60)
        ax.axhline(mean, color="#e65100", linestyle="--", linewidth=1.2, label=f"jobs/min over the test: {mean:.1f}")
    ax.set_ylim(0, max(rates.max(), 1.0) * 1.12)
    chart.stage_marks(ax)
    ax.set_ylabel("jobs per minute")
    count = ax.twinx()
    xs = np.concatenate([[0.0], done, [max(chart.span, float(done[-1]))]])
    count.step(xs, np.concatenate([np.arange(len(done) + 1), [len(done)]]), where="post", color="#2e7d32", linewidth=1.4)
    count.set_ylim(0, max(len(done), 1) * 1.12)
    count.yaxis.set_major_locator(MaxNLocator(integer=True))
    count.set_ylabel("jobs completed so far", color="#2e7d32")
    handles, labels = ax.get_legend_handles_labels()
    handles.append(count.get_lines()[0])
    labels.append("jobs completed so far (right axis)")
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.09, 1.0), borderaxespad=0, fontsize=7)


DRAW = {
    "occupancy.png": _occupancy,
    "queue_latency.png": _queue,
    "queue_depth.png": _depth,
    "latency_distribution.png": _distribution,
    "throughput.png": _throughput,
}
