"""The harness's planning helpers: the results directory's scenario name."""

from __future__ import annotations

from argparse import Namespace

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
