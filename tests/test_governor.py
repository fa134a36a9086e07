"""The dispatch governor keeps one token within GitHub's secondary limit for content creation."""

from __future__ import annotations

import random

import pytest

from ghrunner_locust.clock import FakeClock
from ghrunner_locust.errors import NotSentError
from ghrunner_locust.simulator.config import SimConfig
from ghrunner_locust.simulator.limits import RateLimiter
from ghrunner_locust.simulator.model import SimError
from ghrunner_locust.tracking.governor import DispatchGovernor


def test_eighty_a_minute_then_waits_for_the_window():
    clock = FakeClock()
    governor = DispatchGovernor(per_minute=80, per_hour=500, clock=clock)
    for _ in range(80):
        assert governor.acquire() == 0
        governor.settle()
    assert governor.wait_time() == 60.0 + governor.margin_s
    assert governor.acquire() == 60.0 + governor.margin_s


def test_a_dispatch_waiting_for_the_window_gives_up_when_the_test_stops():
    clock = FakeClock()
    governor = DispatchGovernor(per_minute=1, per_hour=500, clock=clock)
    governor.acquire()
    governor.settle()
    original = clock.sleep

    def sleep(seconds: float) -> None:  # the test stops 10 s into the 61 s wait
        original(seconds)
        if sum(clock.sleeps) == 10:
            governor.pause.stop_dispatches()

    clock.sleep = sleep
    with pytest.raises(NotSentError):
        governor.acquire()
    assert sum(clock.sleeps) == 10 and governor.wait_time() > 0  # it did not count itself in flight
    governor.pause.stop_dispatches(False)
    assert governor.acquire() == 61 - 10 + governor.margin_s - 1  # the rest of the window, then it goes


def test_hourly_limit_and_worker_share():
    clock = FakeClock()
    governor = DispatchGovernor(per_minute=1000, per_hour=10, clock=clock)
    governor.set_share(0.5)
    for _ in range(5):
        governor.acquire()
        governor.settle()
        clock.sleep(1)
    assert 3590 < governor.wait_time() <= 3601


def test_a_dispatch_in_flight_holds_its_place():
    clock = FakeClock()
    governor = DispatchGovernor(per_minute=2, per_hour=500, clock=clock)
    governor.acquire()
    governor.acquire()
    clock.sleep(100)  # both still unanswered: they may arrive now
    assert governor.wait_time() == 60.0


def test_nothing_dispatched_inside_a_pause():
    clock = FakeClock()
    governor = DispatchGovernor(clock=clock)
    governor.pause_until(clock.time() + 43)
    assert governor.acquire() == 43.0


def offered(governor_factory, minutes: int, per_minute: float, seed: int = 1) -> tuple[int, int, list[float]]:
    """Dispatches offered at ``per_minute``, each answered after a random latency (arrival in between)."""
    rng = random.Random(seed)
    clock = FakeClock()
    limiter = RateLimiter(SimConfig(), clock)
    governor = governor_factory(clock)
    sent = refused = 0
    arrivals: list[float] = []
    end = clock.time() + 60 * minutes
    while clock.time() < end:
        clock.sleep(60.0 / per_minute)
        governor.acquire()
        latency = rng.uniform(0.0, 0.25)
        before = rng.uniform(0.0, latency)  # GitHub counts it somewhere between the send and the answer
        clock.sleep(before)
        try:
            limiter.enter("t", True)
            limiter.leave("t", True)
            arrivals.append(clock.time())
            sent += 1
        except SimError:
            refused += 1
        clock.sleep(latency - before)
        governor.settle()
    return sent, refused, arrivals


def test_no_dispatch_refused_when_200_a_minute_are_offered():
    """GitHub's own counting (the simulator's limiter) over arrivals: 0 refused, and the pace stays near 80."""
    sent, refused, arrivals = offered(lambda clock: DispatchGovernor(clock=clock), minutes=5, per_minute=200)
    assert refused == 0
    assert sent >= 5 * 70
    assert all(sum(1 for t in arrivals if a - 60 < t <= a) <= 80 for a in arrivals)


def test_pacing_on_send_times_was_refused():
    """The old rule (a dispatch counted when sent) lets the 81st arrive within the first's minute."""

    class OnSend(DispatchGovernor):
        margin_s = 0.0

        def acquire(self) -> float:
            waited = super().acquire()
            self.settle()
            return waited

        def settle(self) -> None:
            if self._in_flight:
                super().settle()

    _, refused, _ = offered(lambda clock: OnSend(clock=clock), minutes=5, per_minute=200)
    assert refused > 0
