"""Clocks: the one place that reads the time or sleeps, so tests can control both."""

from __future__ import annotations

import time
from typing import Protocol

__all__ = ["Clock", "SystemClock", "FakeClock"]


class Clock(Protocol):
    """What the client, retries, tracker and shapes need of time."""

    def time(self) -> float:
        """Seconds since the epoch (wall clock, for GitHub's timestamps)."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds``."""
        ...


class SystemClock:
    """The real clock: ``time.time`` and ``time.sleep`` (gevent-friendly once patched)."""

    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds))  # 0 too: under gevent it lets the other greenlets run


class FakeClock:
    """A clock that only moves when slept on; it records every sleep."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)
