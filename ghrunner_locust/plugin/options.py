"""The plugin's command-line options, on Locust's top-level parser so the web UI shows them all.

No option ever carries the token: Locust renders option values into its web page in clear.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..commands.sim import add_sim_arguments
from ..report.gate import add_gate_arguments

__all__ = ["add_arguments", "sim_argv"]

SIM_PREFIX = "sim-"
SIM_EXCLUDED = ("token",)


def add_arguments(parser: Any) -> None:
    """Register ``--gh-*``, workload, tracking, results and ``--sim-*`` options (no argument groups:
    they break ``include_in_web_ui``)."""
    a = parser.add_argument
    a("--gh-api-url", default=None, help="API base URL: https://api.github.com, https://HOST/api/v3 (GHES), or a simulator")
    a("--gh-owner", default=None, help="repository owner; without --gh-owner/--gh-repo the embedded simulator is the target")
    a("--gh-repo", default=None, help="repository name")
    a("--gh-workflow", default="runner_test.yml", help="workflow file name or id (default: %(default)s)")
    a("--gh-ref", default="main", help="branch or tag to run on (default: %(default)s)")
    a("--gh-token-env", default=None, help="environment variable holding the token (default: GITHUB_TOKEN, else GH_TOKEN)")
    a("--gh-api-version", default="2022-11-28", help="X-GitHub-Api-Version (default: %(default)s)")
    a("--gh-ca-bundle", default=None, help="CA bundle (default: REQUESTS_CA_BUNDLE, else SSL_CERT_FILE, else the system store)")
    a("--gh-inputs", default="{}", help="extra workflow inputs as a JSON object")
    a("--sleep-duration", type=float, default=60.0, help="seconds each job sleeps (default: %(default)s)")
    a("--job-count", type=int, default=1, help="jobs per run, 1-20 (default: %(default)s)")
    a("--job-type", default="parallel", choices=["parallel", "sequential"], help="parallel matrix or sequential chain")
    a("--poll-interval", type=float, default=5.0, help="seconds between tracker polls (default: %(default)s)")
    a(
        "--jobs-refresh",
        type=float,
        default=10.0,
        help="live rows of runs the forecast cannot place: read their jobs at most this often, s (default: %(default)s)",
    )
    a(
        "--live-rows",
        default="on",
        choices=["on", "off"],
        help="report each job's queue latency as it starts (on), or with its run's end: a run then costs 2 requests",
    )
    a(
        "--budget-reserve",
        type=int,
        default=0,
        help="counted requests of the hourly budget the tracker never spends (for the token's other users)",
    )
    a("--run-timeout", type=float, default=3600.0, help="a run not done this long after dispatch fails (default: %(default)s)")
    a("--results-dir", default="results", help="where each test's results directory goes (default: %(default)s)")
    a("--drain-timeout", type=float, default=60.0, help="at the end, wait this long for runs in flight (default: %(default)s)")
    a("--cancel-on-stop", action="store_true", help="cancel runs still in flight after the drain, freeing the runners")
    a("--sample-interval", type=float, default=5.0, help="seconds between rows of samples.csv (default: %(default)s)")
    a(
        "--dispatch-limit-minute",
        type=float,
        default=80.0,
        help="dispatches a minute for the token, all workers together (GitHub's secondary limit: %(default)s)",
    )
    a("--dispatch-limit-hour", type=float, default=500.0, help="dispatches an hour for the token (default: %(default)s)")
    a("--ecs-cluster", default=None, help="ECS cluster of the runners: sample its service into samples.csv")
    a("--ecs-service", default=None, help="ECS service of the runners (with --ecs-cluster); stages with runners scale it")
    a("--ecs-region", default=None, help="AWS region of the ECS service (default: AWS_REGION / the AWS profile)")
    a("--ecs-endpoint-url", default=None, help="ECS API endpoint (a local moto server in tests)")
    add_shape_arguments(parser)
    a("--ghrunner-embedded", action="store_true", include_in_web_ui=False, help=argparse.SUPPRESS)
    add_sim_arguments(_Prefixed(parser), prefix=SIM_PREFIX, exclude=SIM_EXCLUDED)


SHAPE_NAMES = ["baseline", "load", "scalability", "spike", "stress", "soak", "volume", "capacity"]


def add_shape_arguments(parser: Any) -> None:
    """Options of the load shapes, the scenario file, guard rails and CI checks."""
    a = parser.add_argument
    a("--shape", default=None, choices=SHAPE_NAMES, help="with CatalogueShape: the kind of test (default: load)")
    a("--scenario", default=None, help="a YAML file of stages, workload inputs and checks (see README)")
    a("--quick", action="store_true", help="scale durations and sleeps down: a rehearsal in about a minute")
    a("--force", action="store_true", help="run even when the plan exceeds GitHub's limits for one token")
    a("--runners", type=int, default=None, help="runners in the pool, for the expected capacity and queue latency")
    a("--shape-users", type=int, default=None, help="concurrent users (closed loop) of load/soak/stress/scalability")
    a("--shape-rate", type=float, default=None, help="dispatches a minute (open loop) instead of users")
    a("--shape-duration", type=float, default=None, help="seconds of a load, soak or volume test")
    a("--shape-step", type=float, default=None, help="scalability/stress: users (or dispatches a minute) added each step")
    a("--shape-steps", type=int, default=None, help="scalability/stress: number of steps")
    a("--shape-step-interval", type=float, default=None, help="scalability/stress: seconds per step")
    a("--shape-runners", default=None, help="scalability: runner count per step, comma-separated (with ECS)")
    a("--spike-base", type=float, default=None, help="spike: users (or rate) before and after")
    a("--spike-peak", type=float, default=None, help="spike: users (or rate) at the peak")
    a("--spike-duration", type=float, default=None, help="spike: seconds at the peak")
    a("--stress-max-p95", type=float, default=None, help="stress: breaks when p95 queue latency exceeds this, s")
    a("--stress-max-fail-ratio", type=float, default=None, help="stress: breaks when the failure ratio exceeds this")
    a("--capacity-slo", type=float, default=None, help="capacity: the p95 queue latency to stay within, s")
    a("--capacity-low", type=float, default=None, help="capacity: lowest dispatch rate to try, per minute")
    a("--capacity-high", type=float, default=None, help="capacity: highest dispatch rate to try, per minute")
    a("--capacity-probe", type=float, default=None, help="capacity: seconds each rate is held")
    a("--baseline-runs", type=int, default=None, help="baseline: number of runs")
    a("--check-queue-p95", type=float, default=None, help="CI: fail (exit 3) if p95 queue latency exceeds SECONDS")
    a("--check-fail-ratio", type=float, default=None, help="CI: fail (exit 3) if the failure ratio exceeds RATIO")
    a("--check-timeouts", type=int, default=None, help="CI: fail (exit 3) if more than N runs time out")
    add_gate_arguments(parser)  # CI: --gate-baseline DIR --gate-fail-if "queue_p95>+20%,..." (exit 3)


class _Prefixed:
    """Adds the simulator's knobs with help that says they are the embedded simulator's."""

    def __init__(self, parser: Any) -> None:
        self.parser = parser

    def add_argument(self, *names: str, **kwargs: Any) -> Any:
        kwargs["help"] = "embedded simulator: " + kwargs.get("help", "")
        kwargs.setdefault("include_in_web_ui", False)  # a command-line knob: the web form is for the test
        return self.parser.add_argument(*names, **kwargs)


def sim_argv(options: Any) -> list[str]:
    """The ``ghrunner sim`` arguments matching the ``--sim-*`` options that differ from their defaults."""
    parser = argparse.ArgumentParser(add_help=False)
    actions = add_sim_arguments(parser, prefix=SIM_PREFIX, exclude=SIM_EXCLUDED)
    argv: list[str] = []
    for action in actions:
        value = getattr(options, action.dest, action.default)
        if value == action.default or value is None:
            continue
        flag = action.option_strings[0].replace(f"--{SIM_PREFIX}", "--", 1)
        if isinstance(action, argparse._StoreTrueAction):
            argv.append(flag)
        elif isinstance(action, argparse._AppendAction):
            for item in value:
                argv += [flag, str(item)]
        else:
            argv += [flag, str(value)]
    return argv
