"""What the charts draw, as plain arrays: occupancy lanes, queued and running jobs over time, throughput bins.

Pure functions, so tests check the numbers a chart shows without reading pixels.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["MAX_NAMED_LANES", "Lanes", "lanes", "depth", "throughput_bins", "bin_width"]

MAX_NAMED_LANES = 150
"""Up to this many runner names (and no more than twice the peak of concurrent jobs) get a lane each."""


@dataclass(frozen=True, eq=False)
class Lanes:
    """Occupancy lanes of the busy intervals."""

    lane: np.ndarray
    """The lane of each interval."""
    labels: list[str]
    """The runner name of each lane (empty for lanes by slot)."""
    by: str
    """``runner`` (a lane per runner name) or ``slot`` (a lane per concurrent job)."""
    runner_names: int
    """Distinct runner names in the intervals."""

    @property
    def count(self) -> int:
        return int(self.lane.max()) + 1 if len(self.lane) else 0


def lanes(intervals: pd.DataFrame, peak: int, pool: float | None = None) -> Lanes:
    """A lane per runner name for a pool of named runners (no more names than twice the peak of concurrent
    jobs, or than the ``pool``'s size); for an ephemeral pool (a name per job), lanes by slot: each job takes
    the lowest lane free when it starts, so lanes = the peak of concurrent jobs."""
    names = intervals["runner"].to_numpy(dtype=str)
    unique = np.unique(names)
    if len(unique) <= MAX_NAMED_LANES and len(unique) <= max(2 * peak, pool or 0, 1):
        return Lanes(np.searchsorted(unique, names), [str(u) for u in unique], "runner", len(unique))
    order = np.lexsort((intervals["end"].to_numpy(), intervals["start"].to_numpy()))
    starts, ends = intervals["start"].to_numpy()[order], intervals["end"].to_numpy()[order]
    lane = np.empty(len(order), dtype=int)
    busy: list[tuple[float, int]] = []  # (end, lane) of lanes in use
    free: list[int] = []
    for k in range(len(order)):
        while busy and busy[0][0] <= starts[k]:
            heapq.heappush(free, heapq.heappop(busy)[1])
        slot = heapq.heappop(free) if free else len(busy) + len(free)
        lane[order[k]] = slot
        heapq.heappush(busy, (ends[k], slot))
    return Lanes(lane, [], "slot", len(unique))


def depth(created: np.ndarray, started: np.ndarray, completed: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Queued and running jobs right after each moment something changed (exact steps from the timestamps).

    Queued at t: created <= t < started (never started: until the end). Running: started <= t < completed.
    """
    created = np.sort(created[~np.isnan(created)])
    began = np.sort(started[~np.isnan(started)])
    ran = ~np.isnan(started)
    ended = np.sort(completed[ran & ~np.isnan(completed)])
    times = np.unique(np.concatenate([created, began, ended]))
    count = np.searchsorted
    queued = count(created, times, side="right") - count(began, times, side="right")
    running = count(began, times, side="right") - count(ended, times, side="right")
    return times, np.maximum(queued, 0), np.maximum(running, 0)


def bin_width(span_s: float) -> float:
    """Whole minutes, at least one, at most about 30 bars over the test."""
    return 60.0 * max(1, math.ceil(span_s / 60 / 30))


def throughput_bins(completed: np.ndarray, span_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Jobs completed per minute in bins of whole minutes since the start: ``(left edges, widths, jobs/min)``.

    A bin cut short by the end of the test is divided by the minutes it covers, so the bars' time-weighted
    mean is the completed jobs over the test's minutes: the summary's ``throughput_jobs_per_min``.
    """
    done = completed[~np.isnan(completed)]
    span = max(span_s, float(done.max()) if len(done) else 0.0)
    if span <= 0:
        return np.zeros(0), np.zeros(0), np.zeros(0)
    width = bin_width(span)
    edges = np.append(np.arange(0.0, span, width), span)
    counts, _ = np.histogram(np.clip(done, 0.0, span), bins=edges)
    widths = np.diff(edges)
    return edges[:-1], widths, counts / (widths / 60.0)
