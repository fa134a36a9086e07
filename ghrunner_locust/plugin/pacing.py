"""The pace of an open-loop user: arrivals at a rate that may change at any moment. No Locust here."""

from __future__ import annotations

from collections.abc import Callable

from ..clock import Clock, SystemClock

__all__ = ["Pacer"]


class Pacer:
    """Credit accrues at the current rate, in mean gaps; an arrival spends its gap (1 for equal gaps, an
    exponential draw for a Poisson process). A late wake-up is made up by the next gap, so the long-run rate
    stays exact; at most ``carry`` of a gap is made up, so a stall (a rate-limit pause, a slow answer) does not
    turn into a burst."""

    carry = 0.5
    """The most of a gap a late arrival passes on to the next one."""
    longest_wait = 1.0
    """Seconds at most between two looks at the rate (a spike is not missed behind a long wait)."""

    def __init__(self, gap: Callable[[], float], first: float, clock: Clock | None = None) -> None:
        self.gap, self.clock = gap, clock or SystemClock()
        self._need, self._credit, self._at = first, 0.0, self.clock.time()

    def resume(self) -> None:
        """Accrue from now: the time since the last look earns no credit (a closed-loop stretch)."""
        self._at = self.clock.time()

    def wait(self, per_minute: float) -> float:
        """Seconds to wait before looking again at this rate; 0: the next arrival is due now (its gap spent)."""
        now = self.clock.time()
        rate = max(0.0, per_minute) / 60.0
        self._credit += rate * (now - self._at)
        self._at = now
        if self._credit >= self._need:
            self._credit, self._need = min(self._credit - self._need, self.carry), self.gap()
            return 0.0
        return min(self.longest_wait, (self._need - self._credit) / rate) if rate > 0 else self.longest_wait
