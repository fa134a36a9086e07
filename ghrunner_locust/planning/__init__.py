"""Planning: load plans for each kind of test, queueing theory, scenario files and CI checks. No Locust here."""

from .checks import EXIT_CHECK_FAILED, CheckResult, evaluate, percentile
from .plans import (
    BaselinePlan,
    CapacityPlan,
    Observation,
    Plan,
    Stage,
    StagesPlan,
    StressPlan,
    Tick,
    load_plan,
    soak_plan,
    spike_plan,
    step_plan,
    volume_plan,
)
from .scenario import Scenario, ScenarioError, load_scenario, parse_duration
from .theory import Workload, budget_check, erlang_c, forecast, mdc_wait

__all__ = [
    "Plan",
    "Stage",
    "StagesPlan",
    "Tick",
    "Observation",
    "BaselinePlan",
    "StressPlan",
    "CapacityPlan",
    "load_plan",
    "step_plan",
    "spike_plan",
    "soak_plan",
    "volume_plan",
    "Workload",
    "erlang_c",
    "mdc_wait",
    "forecast",
    "budget_check",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "parse_duration",
    "CheckResult",
    "evaluate",
    "percentile",
    "EXIT_CHECK_FAILED",
]
