"""Every option, scenario file and results path checked before the first dispatch (and before the embedded
simulator starts): one line saying what to change, as :class:`UsageError` (exit code 2). No Locust here."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from ..commands.sim import config_from_args
from ..ecs import EcsError, EcsRunnerPool
from ..errors import UsageError
from ..planning.scenario import Scenario, load_scenario
from ..report.gate import validate_gate
from .form import check_numbers
from .settings import Settings

__all__ = [
    "preflight",
    "check_ca_bundle",
    "check_ecs",
    "check_results_dir",
    "check_runner_counts",
    "read_scenario",
    "starts_embedded",
]


POSITIVE = ("shape_duration", "shape_rate", "shape_users", "shape_step_interval", "shape_steps", "runners")
"""Options that, when given, must be above 0 (a test of 0 s, at 0 dispatches a minute, or 0 runners to plan
for, is a typo)."""
NON_EMPTY = ("gh_workflow", "gh_ref", "gh_token_env", "gh_ca_bundle", "scenario", "results_dir", "shape_runners")
"""Text options that, when given, must say something (an empty one would silently mean the default)."""
RATIOS = ("check_fail_ratio", "stress_max_fail_ratio")
"""Options that are a fraction of requests: between 0 and 1."""


def preflight(options: Any) -> None:
    """Refuse bad input before anything starts: numbers, the scenario file, the results folder, settings, and
    (with the embedded simulator) its ``--sim-*`` knobs."""
    for dest in NON_EMPTY:
        text = getattr(options, dest, None)
        if text is not None and not str(text).strip():
            raise UsageError(f"--{dest.replace('_', '-')} must not be empty (got {text!r}): give a value or leave the option out")
    check_numbers(options)
    for dest in POSITIVE:
        value = getattr(options, dest, None)
        if value is not None and value <= 0:
            raise UsageError(f"--{dest.replace('_', '-')} must be above 0 (got {value:g})")
    for dest in RATIOS:
        ratio = getattr(options, dest, None)
        if ratio is not None and not 0 <= ratio <= 1:
            raise UsageError(f"--{dest.replace('_', '-')} is a fraction of requests, between 0 and 1 (got {ratio:g})")
    if starts_embedded(options) and getattr(options, "sim_runners", None) is not None:  # the parser gives every knob
        config_from_args(options, prefix="sim_")  # the embedded simulator's knobs, named as given (--sim-...)
    check_runner_counts(getattr(options, "shape_runners", None))
    if getattr(options, "gh_ca_bundle", None):
        check_ca_bundle(options.gh_ca_bundle)
    if getattr(options, "scenario", None):
        read_scenario(options.scenario)
    check_results_dir(getattr(options, "results_dir", None) or "results")
    check_ecs(options)
    Settings.from_options(options).token()  # no token for a repository: refused before anything starts
    validate_gate(options)  # a malformed threshold or a missing baseline costs no test


def starts_embedded(options: Any) -> bool:
    """The test runs against the embedded simulator: no repository, and no API URL but the simulator's own."""
    if getattr(options, "gh_owner", None) or getattr(options, "gh_repo", None):
        return False
    return not getattr(options, "gh_api_url", None) or bool(getattr(options, "ghrunner_embedded", False))


def read_scenario(path: str) -> Scenario:
    """The scenario file, or one line on why it cannot be used (a binary file included)."""
    try:
        return load_scenario(path)
    except UnicodeDecodeError:
        raise UsageError(f"--scenario {path}: not a text file (a scenario is YAML, see README)") from None
    except ValueError as exc:
        raise UsageError(f"--scenario {path}: {exc}") from None


def check_runner_counts(text: str | None) -> None:
    """``--shape-runners``: whole numbers of runners, each at least 1, comma-separated."""
    if text is None:
        return
    for item in str(text).split(","):
        if not item.strip().isdecimal() or int(item) < 1:
            raise UsageError(f"--shape-runners must be whole numbers >= 1, comma-separated, e.g. 2,4,8 (got {shown(text)})")


def check_ca_bundle(path: str) -> None:
    """``--gh-ca-bundle`` names a CA bundle (a file, or a folder of certificates) this process can read, whatever
    the target's scheme: a typo must not wait for the first https request."""
    try:
        readable = os.path.exists(path) and os.access(path, os.R_OK)
    except (OSError, ValueError):
        readable = False
    if not readable:
        raise UsageError(f"--gh-ca-bundle {shown(path)}: no readable file there: give the path of a CA bundle (PEM)")


def check_ecs(options: Any) -> None:
    """With ``--ecs-cluster``/``--ecs-service``: both given, and the service can be read (one call), so a wrong
    name or region costs no test."""
    cluster, service = getattr(options, "ecs_cluster", None), getattr(options, "ecs_service", None)
    if not cluster and not service:
        return
    if not (cluster and service):
        raise UsageError("give both --ecs-cluster and --ecs-service")
    from botocore.exceptions import BotoCoreError

    region, endpoint = getattr(options, "ecs_region", None), getattr(options, "ecs_endpoint_url", None)
    try:
        EcsRunnerPool(cluster, service, region=region, endpoint_url=endpoint).sample()
    except EcsError as exc:
        raise UsageError(str(exc)) from None
    except BotoCoreError as exc:  # no region, a malformed endpoint: before any call
        raise UsageError(f"ECS service {cluster}/{service}: {exc}: check --ecs-region and --ecs-endpoint-url") from None


def check_results_dir(path: str) -> None:
    """The results folder is a folder this process can create and write in."""
    folder = Path(path)
    try:
        if folder.exists() and not folder.is_dir():
            raise UsageError(f"--results-dir {shown(path)}: is a file, not a folder: give a folder")
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".ghrunner-probe-"):
            pass
    except (OSError, ValueError) as exc:  # a name too long, a NUL byte: the probe says why
        reason = getattr(exc, "strerror", None) or str(exc) or exc.__class__.__name__
        raise UsageError(f"--results-dir {shown(path)}: cannot write there ({reason}): give a writable folder") from None
    if not os.access(folder, os.W_OK):
        raise UsageError(f"--results-dir {shown(path)}: cannot write there: give a writable folder")


def shown(value: str, limit: int = 80) -> str:
    """A value as given, shortened when long (a 5000-character path would bury the line)."""
    text = str(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"
