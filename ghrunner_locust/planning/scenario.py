"""``--scenario FILE.yaml``: stages, workload inputs and checks, with errors that name file, line and field.

name: nightly-spike
workload: {sleep_duration: 30, job_count: 4, job_type: parallel, inputs: {runner_labels: '["self-hosted"]'}}
stages:
  - {duration: 5m, users: 2}
  - {duration: 1m, rate_per_min: 40, name: spike}
  - {duration: 5m, users: 2, runners: 8}
checks: {queue_p95: 120, fail_ratio: 0.01, timeouts: 0}
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import UsageError
from .plans import Stage, StagesPlan

__all__ = ["Scenario", "ScenarioError", "parse_duration", "load_scenario"]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*$")
STAGE_FIELDS = {"duration", "users", "rate_per_min", "spawn_rate", "runners", "name", "job_count", "user_classes"}
TOP_FIELDS = {"name", "workload", "stages", "checks"}
WORKLOAD_FIELDS = {"sleep_duration", "job_count", "job_type", "inputs"}
CHECK_FIELDS = {"queue_p95", "fail_ratio", "timeouts"}


class ScenarioError(UsageError):
    """A scenario file that cannot be used; the message names the file, line and field."""


def parse_duration(value: Any) -> float:
    """``90``, ``"90s"``, ``"5m"`` or ``"2h"`` as seconds."""
    if isinstance(value, bool):
        raise ValueError("a duration is a number of seconds or a string like 90s, 5m, 2h")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise ValueError(f"{value!r} is not a duration (use seconds or 90s, 5m, 2h)")
        seconds = float(match.group(1)) * {"s": 1, "m": 60, "h": 3600, None: 1}[match.group(2)]
    if seconds <= 0:
        raise ValueError("a duration must be positive")
    return seconds


@dataclass(frozen=True)
class Scenario:
    """A parsed scenario file."""

    name: str
    plan: StagesPlan
    workload: dict[str, Any] = field(default_factory=dict)
    checks: dict[str, float] = field(default_factory=dict)


class _Reader:
    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, node: yaml.Node, where: str, message: str) -> ScenarioError:
        return ScenarioError(f"{self.path}, line {node.start_mark.line + 1}, {where}: {message}")

    def mapping(self, node: yaml.Node, where: str, allowed: set[str]) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, where, "expected a mapping")
        out = {}
        for key, value in node.value:
            if key.value not in allowed:
                raise self.fail(
                    key,
                    f"{where}.{key.value}" if where else key.value,
                    f"unknown field (expected one of {', '.join(sorted(allowed))})",
                )
            out[key.value] = value
        return out

    def value(self, node: yaml.Node, where: str, kind: Any) -> Any:
        data = yaml.safe_load(yaml.serialize(node))
        try:
            return kind(data)
        except (TypeError, ValueError) as exc:
            raise self.fail(node, where, str(exc) or f"expected {getattr(kind, '__name__', 'a value')}") from None


def _number(low: float | None = None, high: float | None = None):
    def convert(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"expected a number, got {value!r}")
        if low is not None and value < low:
            raise ValueError(f"must be at least {low:g}")
        if high is not None and value > high:
            raise ValueError(f"must be at most {high:g} (got {value:g})")
        return value

    return convert


def load_scenario(path: str | Path) -> Scenario:
    """Read and check a scenario file."""
    path = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read the scenario file ({exc.strerror})") from None
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark else ""
        raise ScenarioError(f"{path}{line}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    reader = _Reader(path)
    if root is None:
        raise ScenarioError(f"{path}: the scenario file is empty")
    top = reader.mapping(root, "", TOP_FIELDS)
    if "stages" not in top:
        raise reader.fail(root, "stages", "missing: a scenario needs a list of stages")
    stages_node = top["stages"]
    if not isinstance(stages_node, yaml.SequenceNode) or not stages_node.value:
        raise reader.fail(stages_node, "stages", "expected a non-empty list")
    stages = []
    for i, node in enumerate(stages_node.value):
        where = f"stages[{i}]"
        fields = reader.mapping(node, where, STAGE_FIELDS)
        if "duration" not in fields:
            raise reader.fail(node, f"{where}.duration", "missing")
        kwargs: dict[str, Any] = {"duration_s": reader.value(fields["duration"], f"{where}.duration", parse_duration)}
        for name, key, kind in [
            ("users", "users", lambda v: int(_number(0)(v))),
            ("rate_per_min", "rate_per_min", _number(0)),
            ("spawn_rate", "spawn_rate", _number(0)),
            ("runners", "runners", lambda v: int(_number(0)(v))),
            ("name", "name", str),
            ("job_count", "job_count", lambda v: int(_number(1)(v))),
        ]:
            if key in fields:
                kwargs[name] = reader.value(fields[key], f"{where}.{key}", kind)
        if "user_classes" in fields:
            kwargs["user_classes"] = tuple(reader.value(fields["user_classes"], f"{where}.user_classes", list))
        if kwargs.get("job_count", 1) > 20:
            raise reader.fail(fields["job_count"], f"{where}.job_count", "must be between 1 and 20")
        stages.append(Stage(**kwargs))
    workload: dict[str, Any] = {}
    if "workload" in top:
        fields = reader.mapping(top["workload"], "workload", WORKLOAD_FIELDS)
        for key, node in fields.items():
            workload[key] = reader.value(node, f"workload.{key}", dict if key == "inputs" else lambda v: v)
        if workload.get("job_type", "parallel") not in ("parallel", "sequential"):
            raise reader.fail(fields["job_type"], "workload.job_type", "must be parallel or sequential")
    checks: dict[str, float] = {}
    if "checks" in top:
        for key, node in reader.mapping(top["checks"], "checks", CHECK_FIELDS).items():
            checks[key] = reader.value(node, f"checks.{key}", _number(0, 1 if key == "fail_ratio" else None))
    name = reader.value(top["name"], "name", str) if "name" in top else Path(path).stem
    return Scenario(name, StagesPlan(tuple(stages), kind="scenario"), workload, checks)
