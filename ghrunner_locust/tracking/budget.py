"""How often the tracker may poll, from what its polls actually cost and what the token has left.

A poll interval has two parts: the *base* (the reads of runs the forecast says are due, the conditional
listing of completed runs when it is cheaper, finding runs dispatched without an id), which notices every
run's end, and the *live* part (for runs the forecast cannot place: the listing of runs in progress and the
reads that report jobs as they start). Both are measured in counted requests (a 304 is free). Within a
budget the base part keeps the poll interval and the live part runs every poll; when the budget is short
the live part runs every k-th poll first (and the forecast stops reading runs for their starts), then the
interval stretches. Nothing is spent from the reserve the user keeps for the token's other users.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..github.ratelimit import RateLimitSnapshot

__all__ = ["PollBudget", "PollPlan"]


@dataclass(frozen=True)
class PollPlan:
    """When to poll next, and how often the live part runs."""

    interval: float
    """Seconds until the next poll."""
    live_every: int
    """The live part runs every this many polls (1: every poll; 0: not until the budget allows)."""
    base_budget: float = math.inf
    """Counted requests the base part may spend this poll (reads of ended runs beyond it wait for the next)."""
    live_budget: float = math.inf
    """Counted requests the live part may spend when it runs (jobs not read stay due for a later round)."""


class PollBudget:
    """Keeps the tracker's counted requests within ``remaining - reserve`` until the window resets."""

    smoothing = 0.3
    """Weight of the newest observation in the moving averages."""
    headroom = 0.9
    """Fraction of the spendable rate the tracker plans to use."""
    horizon_s = 600.0
    """The budget left is spread over at most this many seconds (or until it resets, if sooner): a short test
    may spend freely, a long one slows down as the budget runs low, and none runs it dry before the reset."""

    def __init__(self, poll_interval: float, reserve: int = 0) -> None:
        self.poll_interval = poll_interval
        self.reserve = reserve
        self.cost = {"base": 0.0, "live": 0.0}
        """Counted requests per poll of each part (moving averages)."""
        self._other = (0, 0.0)

    def observe(self, part: str, counted: int) -> None:
        self.cost[part] += self.smoothing * (counted - self.cost[part])

    max_interval = 60.0
    """The longest wait between polls while any budget is left (a spent budget pauses the process anyway)."""
    other_window_s = 60.0
    """The rate of others' requests is averaged over at least this long (a burst of dispatches is not a pace)."""

    def observe_other(self, counted: int, seconds: float) -> None:
        """``counted`` requests the rest of the process (dispatches, samples) spent in ``seconds``."""
        total, elapsed = self._other
        self._other = (total + max(0, counted), elapsed + max(0.0, seconds))

    @property
    def other_rate(self) -> float:
        """Counted requests per second the process spends besides the tracker, on average since it began."""
        total, elapsed = self._other
        return total / max(self.other_window_s, elapsed)

    def plan(self, snapshot: RateLimitSnapshot | None, now: float) -> PollPlan:
        if snapshot is None:
            return PollPlan(self.poll_interval, 1)
        to_reset = max(1.0, snapshot.seconds_to_reset(now))
        spendable = snapshot.remaining - self.reserve
        if spendable <= 0:
            return PollPlan(max(self.poll_interval, to_reset), 0)
        rate = max(1e-6, (spendable / min(to_reset, self.horizon_s) - self.other_rate) * self.headroom)
        base, live = self.cost["base"], self.cost["live"]
        interval = max(self.poll_interval, min(self.max_interval, base / rate))
        allowed = max(1.0, rate * interval)
        leftover = allowed - base
        if leftover <= 0:
            return PollPlan(interval, 0, allowed, 0.0)
        every = max(1, math.ceil(live / leftover)) if live > 0 else 1
        return PollPlan(interval, every, allowed, leftover * every)
