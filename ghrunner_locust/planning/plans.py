"""Load plans: what each kind of test asks of Locust at every tick. Pure, so ticks test with a fake clock.

A plan answers ``tick(run_time, observation)`` with a :class:`Tick` (users, spawn rate, dispatch rate,
stage) or ``None`` to end the test. ``ghrunner_locust.plugin.shapes`` wraps plans in Locust's
``LoadTestShape``. This module is the face of the two that hold them: ``stages`` (fixed plans) and
``reactive`` (plans that react to what they see).
"""

from .reactive import BaselinePlan, Breaking, CapacityPlan, StressPlan
from .stages import (
    RATE_PER_USER,
    SPIKE_RAMP_S,
    Observation,
    Plan,
    Stage,
    StagesPlan,
    Tick,
    load_plan,
    soak_plan,
    spike_plan,
    step_plan,
    users_for,
    volume_plan,
)

__all__ = [
    "Stage",
    "Tick",
    "Observation",
    "Plan",
    "StagesPlan",
    "BaselinePlan",
    "StressPlan",
    "CapacityPlan",
    "Breaking",
    "load_plan",
    "step_plan",
    "spike_plan",
    "soak_plan",
    "volume_plan",
    "users_for",
    "RATE_PER_USER",
    "SPIKE_RAMP_S",
]
