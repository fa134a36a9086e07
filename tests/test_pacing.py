"""An open-loop user's pace: arrivals at a changing rate, late wake-ups made up, stalls not turned into bursts."""

from __future__ import annotations

import pytest

from ghrunner_locust.clock import FakeClock
from ghrunner_locust.plugin.pacing import Pacer


def arrivals(pacer: Pacer, clock: FakeClock, per_minute: float, until: float, late: float = 0.0) -> list[float]:
    """Arrival times (from the clock's start) while following the pacer, each wake-up ``late`` seconds late."""
    start, seen = clock.time(), []
    while clock.time() - start < until:
        wait = pacer.wait(per_minute)
        if wait == 0:
            seen.append(round(clock.time() - start, 6))
        else:
            clock.sleep(wait + late)
    return seen


def test_equal_gaps_at_the_rate():
    clock = FakeClock()
    assert arrivals(Pacer(lambda: 1.0, 1.0, clock), clock, 80, 6.0) == pytest.approx([0.75, 1.5, 2.25, 3.0, 3.75, 4.5, 5.25])


def test_late_wake_ups_do_not_drift_the_long_run_rate():
    """Each wake-up 40 ms late: the next gap is that much shorter, so an hour holds 80 a minute exactly."""
    clock = FakeClock()
    seen = arrivals(Pacer(lambda: 1.0, 1.0, clock), clock, 80, 3600.5, late=0.04)
    assert len(seen) == 80 * 60
    assert max(abs(t - 0.75 * (k + 1)) for k, t in enumerate(seen)) <= 0.04 + 1e-9  # never off the grid by more


def test_a_stall_is_made_up_by_half_a_gap_at_most():
    clock = FakeClock()
    pacer = Pacer(lambda: 1.0, 1.0, clock)
    clock.sleep(60.0)  # a minute without looking (a rate-limit pause): 80 gaps of credit
    assert arrivals(pacer, clock, 80, 1.0) == pytest.approx([0.0, 0.375])  # then the grid again, not 80 at once


def test_the_rate_is_read_again_within_a_second_and_a_zero_rate_waits():
    clock = FakeClock()
    pacer = Pacer(lambda: 1.0, 1.0, clock)
    assert pacer.wait(1.0) == pacer.longest_wait and pacer.wait(0.0) == pacer.longest_wait
    clock.sleep(1.0)
    assert pacer.wait(600.0) == 0.0  # a spike: the next look comes at once


def test_resume_earns_no_credit_for_the_time_before():
    clock = FakeClock()
    pacer = Pacer(lambda: 1.0, 1.0, clock)
    clock.sleep(30.0)  # a closed-loop stretch
    pacer.resume()
    assert pacer.wait(60.0) == pytest.approx(1.0)
