"""The dispatch governor keeps one token within GitHub's secondary limit for content creation."""

from __future__ import annotations

from ghrunner_locust.clock import FakeClock
from ghrunner_locust.tracking.governor import DispatchGovernor


def test_eighty_a_minute_then_waits_for_the_window():
    clock = FakeClock()
    governor = DispatchGovernor(per_minute=80, per_hour=500, clock=clock)
    for _ in range(80):
        assert governor.acquire() == 0
    assert governor.wait_time() == 60.0
    assert governor.acquire() == 60.0


def test_hourly_limit_and_worker_share():
    clock = FakeClock()
    governor = DispatchGovernor(per_minute=1000, per_hour=10, clock=clock)
    governor.set_share(0.5)
    for _ in range(5):
        governor.acquire()
        clock.sleep(1)
    assert 3590 < governor.wait_time() <= 3600
