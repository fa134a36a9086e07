"""GitHub's rate-limit headers as immutable values, and the rules for waiting on them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..clock import Clock, SystemClock
from ..errors import NotSentError

__all__ = ["RateLimitSnapshot", "RateLimitPause", "is_rate_limited", "rate_limit_wait", "SECONDARY_DEFAULT_WAIT_S"]

log = logging.getLogger(__name__)

SECONDARY_DEFAULT_WAIT_S = 60.0
"""GitHub: with neither ``retry-after`` nor an exhausted primary budget, wait at least a minute."""


def _int(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


@dataclass(frozen=True)
class RateLimitSnapshot:
    """The ``x-ratelimit-*`` headers of one response."""

    limit: int
    """Requests allowed in the window (5,000 an hour for a personal token)."""
    remaining: int
    """Requests left in the window."""
    used: int
    """Requests counted in the window."""
    reset: int
    """Epoch second at which the window resets."""
    resource: str = "core"
    """Which budget the request counted against (``core``, ``search``, ...)."""

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimitSnapshot | None:
        """Parse a response's headers; ``None`` when they carry no rate-limit state."""
        limit = _int(headers, "x-ratelimit-limit")
        remaining = _int(headers, "x-ratelimit-remaining")
        if limit is None or remaining is None:
            return None
        used = _int(headers, "x-ratelimit-used")
        return cls(
            limit=limit,
            remaining=remaining,
            used=used if used is not None else max(0, limit - remaining),
            reset=_int(headers, "x-ratelimit-reset") or 0,
            resource=headers.get("x-ratelimit-resource") or "core",
        )

    def seconds_to_reset(self, now: float) -> float:
        """Seconds from ``now`` until the window resets (never negative)."""
        return max(0.0, self.reset - now)


def is_rate_limited(status: int, headers: Mapping[str, str]) -> bool:
    """Whether a 403/429 answer is a rate limit (and so worth waiting for), judged by headers.

    A 403 is also what GitHub answers for a token without permission; that one carries
    neither ``retry-after`` nor an exhausted ``x-ratelimit-remaining`` and must not be retried.
    """
    if status not in (403, 429):
        return False
    if status == 429:
        return True
    return headers.get("retry-after") is not None or headers.get("x-ratelimit-remaining") == "0"


def rate_limit_wait(headers: Mapping[str, str], now: float) -> float:
    """Seconds to wait before retrying a rate-limited request, by GitHub's documented rules.

    ``retry-after`` first; else, with ``x-ratelimit-remaining: 0``, until ``x-ratelimit-reset``;
    else at least a minute.
    """
    retry_after = headers.get("retry-after")
    if retry_after is not None:
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            pass
    if headers.get("x-ratelimit-remaining") == "0":
        reset = _int(headers, "x-ratelimit-reset")
        if reset is not None:
            return max(0.0, reset - now) + 1.0
    return SECONDARY_DEFAULT_WAIT_S


class RateLimitPause:
    """One token's pause, shared by every request of a process: nothing is sent before :attr:`until`.

    A refusal (403/429 with ``retry-after``, or ``x-ratelimit-remaining: 0`` until ``x-ratelimit-reset``,
    or a minute when GitHub gives neither) sets it; :meth:`wait` is called before every request. The
    clients, the dispatch governor and the tracker of a process share one instance.

    In a distributed test a process relays its pauses to the others: :meth:`subscribe` a callback that
    sends ``(until, reason)`` to the master, and apply what the master relays with
    ``pause_until(until, reason, relay=False)`` (so a relayed pause is not relayed again).
    """

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock: Clock = clock or SystemClock()
        self.until = 0.0
        """Epoch second before which nothing is sent (0: no pause)."""
        self.reason = ""
        """Why, in words (the refusal's status and headers)."""
        self.pauses = 0
        """How many times a refusal set or extended the pause."""
        self.dispatches_stopped = False
        """The test stopped: a dispatch still waiting out the pause is never sent (:meth:`stop_dispatches`)."""
        self._subscribers: list[Callable[[float, str], None]] = []

    def subscribe(self, callback: Callable[[float, str], None]) -> None:
        """Call ``callback(until, reason)`` whenever a refusal seen here sets or extends the pause."""
        self._subscribers.append(callback)

    def pause_until(self, until: float, reason: str = "rate limited", *, relay: bool = True) -> bool:
        """Pause every request until epoch second ``until``; ``False`` when an existing pause already covers it."""
        if until <= self.until:
            return False
        self.until, self.reason = until, reason
        self.pauses += 1
        log.warning("every request to GitHub from this process waits %.0f s (%s)", self.remaining_s(), reason)
        if relay:
            for callback in list(self._subscribers):
                try:
                    callback(until, reason)
                except Exception:  # noqa: BLE001 - a broken relay must not break the request that saw the refusal
                    log.exception("rate-limit pause relay failed")
        return True

    def refused(self, status: int, headers: Mapping[str, str]) -> float:
        """Record a refusal seen in a response; return how long to wait from now."""
        now = self.clock.time()
        wait = rate_limit_wait(headers, now)
        self.pause_until(now + wait, f"{status} rate limit: waiting {wait:.0f} s")
        return wait

    def exhausted(self, snapshot: RateLimitSnapshot) -> None:
        """A successful answer said the budget is spent: pause until it resets (plus a second of margin)."""
        if snapshot.remaining <= 0 and snapshot.reset > self.clock.time():
            self.pause_until(snapshot.reset + 1.0, f"primary budget spent ({snapshot.used} used); resets at {snapshot.reset}")

    def remaining_s(self) -> float:
        """Seconds the pause still lasts (0: none)."""
        return max(0.0, self.until - self.clock.time())

    def stop_dispatches(self, stopped: bool = True) -> None:
        """The test stops (or, with ``False``, starts again): dispatches that wait out the pause give up
        (:meth:`check_dispatch`) rather than start runs in the drain or after the test. Reads and cancels go on."""
        self.dispatches_stopped = stopped

    def check_dispatch(self, context: str = "dispatch") -> None:
        """Raise :class:`NotSentError` if the test stopped: for a dispatch, before it is sent."""
        if self.dispatches_stopped:
            raise NotSentError(f"{context}: not sent, the test stopped while it waited out a rate-limit pause")

    def wait(self, *, dispatch: bool = False, context: str = "dispatch") -> float:
        """Sleep (through the clock) until the pause is over; return how long it slept. A ``dispatch`` waits in
        slices of at most a second and raises :class:`NotSentError` (:meth:`check_dispatch`) once the test stopped."""
        waited = 0.0
        while (left := self.remaining_s()) > 0 and not (dispatch and self.dispatches_stopped):
            step = min(left, 1.0) if dispatch else left
            self.clock.sleep(step)
            waited += step
        if dispatch:
            self.check_dispatch(context)
        return waited
