"""Paces dispatches under GitHub's secondary limit for content creation (80 a minute, 500 an hour)."""

from __future__ import annotations

from collections import deque

from ..clock import Clock, SystemClock

__all__ = ["DispatchGovernor"]


class DispatchGovernor:
    """A sliding-window limiter: how long to wait before the next dispatch keeps within both windows.

    In a distributed test the master gives each worker its share (``set_share``), so the sum stays within
    the one token's limits.
    """

    def __init__(self, per_minute: float = 80, per_hour: float = 500, *, clock: Clock | None = None) -> None:
        self.clock = clock or SystemClock()
        self.limit_minute = per_minute
        self.limit_hour = per_hour
        self.share = 1.0
        self._sent: deque[float] = deque()

    def set_share(self, share: float) -> None:
        """This process's fraction of the token's limits (1 alone, 1/N for N workers)."""
        self.share = min(1.0, max(1e-6, share))

    def _windows(self) -> tuple[tuple[float, float], ...]:
        return ((60.0, self.limit_minute * self.share), (3600.0, self.limit_hour * self.share))

    def wait_time(self) -> float:
        """Seconds until one more dispatch fits both windows (0: now)."""
        now = self.clock.time()
        while self._sent and self._sent[0] <= now - 3600:
            self._sent.popleft()
        wait = 0.0
        for window, limit in self._windows():
            recent = [t for t in self._sent if t > now - window]
            allowed = max(1, int(limit))
            if len(recent) >= allowed:
                wait = max(wait, recent[len(recent) - allowed] + window - now)
        return wait

    def acquire(self) -> float:
        """Wait (through the clock) until a dispatch fits, record it, and return how long it waited."""
        waited = 0.0
        while (wait := self.wait_time()) > 0:
            self.clock.sleep(wait)
            waited += wait
        self._sent.append(self.clock.time())
        return waited
