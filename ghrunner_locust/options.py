"""The plugin's command-line options, on Locust's top-level parser so the web UI shows them all.

No option ever carries the token: Locust renders option values into its web page in clear.
"""

from __future__ import annotations

import argparse
from typing import Any

from .commands.sim import add_sim_arguments

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
    a("--jobs-refresh", type=float, default=10.0, help="read a running run's jobs at most this often, s (default: %(default)s)")
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
    a("--ghrunner-embedded", action="store_true", include_in_web_ui=False, help=argparse.SUPPRESS)
    add_sim_arguments(_Prefixed(parser), prefix=SIM_PREFIX, exclude=SIM_EXCLUDED)


class _Prefixed:
    """Adds the simulator's knobs with help that says they are the embedded simulator's."""

    def __init__(self, parser: Any) -> None:
        self.parser = parser

    def add_argument(self, *names: str, **kwargs: Any) -> Any:
        kwargs["help"] = "embedded simulator: " + kwargs.get("help", "")
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
