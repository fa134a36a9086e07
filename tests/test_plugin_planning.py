"""The harness's planning helpers: the results directory's scenario name."""

from __future__ import annotations

from argparse import Namespace

from ghrunner_locust.plugin.planning import scenario_name


def test_the_scenario_name_never_repeats_the_shape():
    assert scenario_name(Namespace(locustfile="locustfiles/baseline.py", shape="baseline", scenario=None)) == "baseline"
    assert scenario_name(Namespace(locustfile="locustfiles/catalogue.py", shape="spike", scenario=None)) == "catalogue-spike"
    assert scenario_name(Namespace(locustfile="locustfiles/load.py", shape=None, scenario=None)) == "load"
    assert scenario_name(Namespace(locustfile="x.py", shape="load", scenario="s/ci-gate.yaml")) == "ci-gate"
