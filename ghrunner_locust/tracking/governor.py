"""Paces dispatches under GitHub's secondary limit for content creation (80 a minute, 500 an hour).

GitHub counts a dispatch when it *arrives*, not when it is sent. So a dispatch holds its place in the
windows from when it is sent until its answer came back (it arrived somewhere in between: while in
flight it counts as arriving *now*), then at the moment of its answer, plus a margin. The 81st dispatch of
a minute thus arrives at least 60 s after the first one did, whatever the latency did in between.
"""

from __future__ import annotations

from collections import deque

from ..clock import Clock, SystemClock
from ..github.ratelimit import RateLimitPause

__all__ = ["DispatchGovernor"]


class DispatchGovernor:
    """A sliding-window limiter over arrivals, and the process's rate-limit pause.

    Call :meth:`acquire` before a dispatch and :meth:`settle` when its answer (or error) came back.
    In a distributed test the master gives each worker its share (``set_share``), so the sum stays within
    the one token's limits; a refusal anywhere is relayed with :meth:`pause_until`.
    """

    margin_s = 1.0
    """Seconds added to each answered dispatch's time (clocks and GitHub's counting are not exact)."""

    def __init__(
        self,
        per_minute: float = 80,
        per_hour: float = 500,
        *,
        clock: Clock | None = None,
        pause: RateLimitPause | None = None,
    ) -> None:
        self.clock = clock or SystemClock()
        self.limit_minute = per_minute
        self.limit_hour = per_hour
        self.share = 1.0
        self.pause = pause or RateLimitPause(self.clock)
        """Shared with the process's client: a refusal seen by any request holds every dispatch too."""
        self._answered: deque[float] = deque()
        self._in_flight = 0

    def set_share(self, share: float) -> None:
        """This process's fraction of the token's limits (1 alone, 1/N for N workers)."""
        self.share = min(1.0, max(1e-6, share))

    def pause_until(self, until: float, reason: str = "rate limited", *, relay: bool = True) -> bool:
        """Hold every request of this process until epoch second ``until`` (see :class:`RateLimitPause`)."""
        return self.pause.pause_until(until, reason, relay=relay)

    def _windows(self) -> tuple[tuple[float, float], ...]:
        return ((60.0, self.limit_minute * self.share), (3600.0, self.limit_hour * self.share))

    def wait_time(self) -> float:
        """Seconds until one more dispatch fits both windows and the pause is over (0: now)."""
        now = self.clock.time()
        while self._answered and self._answered[0] <= now - 3600:
            self._answered.popleft()
        arrivals = list(self._answered) + [now] * self._in_flight
        arrivals.sort()
        wait = self.pause.remaining_s()
        for window, limit in self._windows():
            allowed = max(1, int(limit))
            recent = [t for t in arrivals if t > now - window]
            if len(recent) >= allowed:
                wait = max(wait, recent[len(recent) - allowed] + window - now)
        return wait

    def acquire(self) -> float:
        """Wait (through the clock) until a dispatch fits, count it in flight, and return how long it waited.

        Raises :class:`~ghrunner_locust.errors.NotSentError` if the test stops meanwhile (waits of over a
        second are taken a second at a time, so a stop is seen within one)."""
        waited = 0.0
        while (wait := self.wait_time()) > 0:
            self.pause.check_dispatch()
            self.clock.sleep(min(wait, 1.0))
            waited += min(wait, 1.0)
        self.pause.check_dispatch()
        self._in_flight += 1
        return waited

    def settle(self) -> None:
        """A dispatch's answer (or error) came back: it arrived by now, so it counts from now plus the margin."""
        if self._in_flight > 0:
            self._in_flight -= 1
            self._answered.append(self.clock.time() + self.margin_s)
