"""The harness's planning helpers: the results directory's scenario name."""

from __future__ import annotations

from argparse import Namespace

import gevent
import pytest

from ghrunner_locust.plugin.planning import scenario_name


def test_the_scenario_name_never_repeats_the_shape():
    assert scenario_name(Namespace(locustfile="locustfiles/baseline.py", shape="baseline", scenario=None)) == "baseline"
    assert scenario_name(Namespace(locustfile="locustfiles/catalogue.py", shape="spike", scenario=None)) == "catalogue-spike"
    assert scenario_name(Namespace(locustfile="locustfiles/load.py", shape=None, scenario=None)) == "load"
    assert scenario_name(Namespace(locustfile="x.py", shape="load", scenario="s/ci-gate.yaml")) == "ci-gate"


def test_the_expected_pickup_is_the_simulators_as_its_options_set_it():
    """The start's expectation and the report's use one pickup model (--quick: p90 5 s, no tail; was 5.5 s
    at the start against 3.2 s in the report)."""
    from ghrunner_locust.planning.theory import Workload
    from ghrunner_locust.plugin.planning import _sim_pickup
    from ghrunner_locust.report.queueing import pickup_model

    options = Namespace(sim_pickup=3.0, sim_pickup_p90=5.0, sim_pickup_tail=0.0, sim_fixed_latency=False)
    work = Workload(2.0, 1, "parallel", **_sim_pickup(options))
    model, _ = pickup_model({"target": "embedded simulator", "options": vars(options)})
    assert model is not None and work.pickup.mean_s == pytest.approx(model.mean_s) == pytest.approx(3.25, abs=0.01)


def test_closed_loop_wait_is_read_from_the_user_classes():
    """soak.py's SteadyUser waits constant(30) between runs: the expectation uses it; a varying wait is flagged.
    (Locust's own wait functions, rebuilt here: importing locust in the test process would patch ssl late.)"""
    import random

    from ghrunner_locust.planning.theory import constant_wait

    def constant(value):
        return lambda instance: value

    def between(low, high):
        return lambda instance: low + random.random() * (high - low)

    def constant_pacing(value):
        return lambda user: value - user._cp_last_run  # needs a live user

    assert constant_wait([constant(30)]) == (30.0, False)
    assert constant_wait([between(5, 50)]) == (0.0, True)
    assert constant_wait([constant_pacing(10)]) == (0.0, True)
    assert constant_wait([constant(30), constant(10)]) == (10.0, True)
    assert constant_wait([]) == (0.0, False)


def test_the_first_steps_runner_count_is_set_once_ecs_is_connected():
    """The shape's first tick comes before test_start connects ECS: step 1's count used to be dropped."""
    from ghrunner_locust.planning.plans import Tick
    from ghrunner_locust.plugin.planning import PlanningMixin

    scaled = []
    harness = PlanningMixin()
    harness.role, harness._runners, harness.on_runners = "local", None, None
    harness.stage, harness.per_user_rate, harness.stage_job_count = "", None, None
    harness.apply_tick(Tick(users=1, spawn_rate=1, stage="step 1", runners=2))  # before test_start: nothing can scale
    harness.on_runners = scaled.append
    harness.apply_tick(Tick(users=1, spawn_rate=1, stage="step 1", runners=2))
    harness.apply_tick(Tick(users=2, spawn_rate=1, stage="step 2", runners=4))
    gevent.sleep(0)
    assert scaled == [2, 4]
