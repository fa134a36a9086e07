"""The ``workflow_dispatch`` inputs of a workflow file, validated the way GitHub validates them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import UsageError

__all__ = ["InputSpec", "WorkflowSpec", "InputError", "DEFAULT_WORKFLOW_PATH", "default_workflow_path", "parse_inputs_json"]

DEFAULT_WORKFLOW_PATH = Path(".github/workflows/runner_test.yml")
MAX_INPUTS = 25
_EXPRESSION = re.compile(r"\$\{\{\s*inputs\.([A-Za-z_][A-Za-z0-9_-]*)\s*\}\}")


def default_workflow_path() -> Path:
    """``runner_test.yml`` of the working directory, else the copy shipped beside this package."""
    if DEFAULT_WORKFLOW_PATH.exists():
        return DEFAULT_WORKFLOW_PATH
    return Path(__file__).resolve().parents[2] / DEFAULT_WORKFLOW_PATH


def parse_inputs_json(text: str, option: str = "--inputs") -> dict[str, Any]:
    """Workflow inputs given as a JSON object on the command line; anything else is a usage error."""
    example = 'give an object like \'{"job_count": "4"}\''
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{option} is not valid JSON ({exc.msg} at position {exc.pos}): {example}") from None
    if not isinstance(value, dict):
        raise UsageError(f"{option} must be a JSON object, not {type(value).__name__}: {example}")
    return value


class InputError(UsageError):
    """Dispatch inputs GitHub would refuse (422); the message is GitHub's wording."""


@dataclass(frozen=True)
class InputSpec:
    """One ``workflow_dispatch`` input."""

    name: str
    type: str = "string"
    """string, number, boolean, choice or environment."""
    required: bool = False
    default: str | None = None
    options: tuple[str, ...] = ()
    description: str = ""

    def check(self, value: str) -> None:
        """Raise :class:`InputError` when GitHub would refuse ``value``."""
        if self.type == "choice" and value not in self.options:
            raise InputError(f"Provided value '{value}' for input '{self.name}' not in the list of allowed values")
        if self.type == "boolean" and value not in ("true", "false"):
            raise InputError(f"Provided value '{value}' for input '{self.name}' is not a valid boolean")
        if self.type == "number":
            try:
                float(value)
            except ValueError:
                raise InputError(f"Provided value '{value}' for input '{self.name}' is not a valid number") from None


@dataclass(frozen=True)
class WorkflowSpec:
    """What the harness and the simulator need of a workflow file."""

    path: str
    name: str
    run_name: str
    inputs: tuple[InputSpec, ...]
    dispatchable: bool = True

    @classmethod
    def load(cls, path: str | Path) -> WorkflowSpec:
        """Read a workflow file; a missing or malformed file raises :class:`UsageError`."""
        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UsageError(f"workflow file {path} not found: pass the path of runner_test.yml") from None
        except yaml.YAMLError as exc:
            raise UsageError(f"workflow file {path} is not valid YAML: {exc}") from None
        return cls.from_dict(data, str(path))

    @classmethod
    def from_dict(cls, data: Any, path: str = "runner_test.yml") -> WorkflowSpec:
        if not isinstance(data, dict):
            raise UsageError(f"workflow file {path} is not a mapping")
        triggers = data.get("on", data.get(True))  # YAML 1.1 reads a bare `on` as true
        if isinstance(triggers, str):
            triggers = {triggers: None}
        elif isinstance(triggers, list):
            triggers = {name: None for name in triggers}
        triggers = triggers or {}
        dispatch = triggers.get("workflow_dispatch") if isinstance(triggers, dict) else None
        raw_inputs = (dispatch or {}).get("inputs") or {}
        inputs = tuple(
            InputSpec(
                name=name,
                type=str((spec or {}).get("type", "string")),
                required=bool((spec or {}).get("required", False)),
                default=_as_input((spec or {}).get("default")),
                options=tuple(_as_input(o) or "" for o in (spec or {}).get("options") or ()),
                description=str((spec or {}).get("description", "")),
            )
            for name, spec in raw_inputs.items()
        )
        return cls(
            path=path,
            name=str(data.get("name") or Path(path).name),
            run_name=str(data.get("run-name") or ""),
            inputs=inputs,
            dispatchable=isinstance(triggers, dict) and "workflow_dispatch" in triggers,
        )

    def input(self, name: str) -> InputSpec | None:
        return next((spec for spec in self.inputs if spec.name == name), None)

    def resolve_inputs(self, given: dict[str, Any] | None) -> dict[str, str]:
        """Defaults merged with ``given``, checked as GitHub checks them (422 wording)."""
        if not self.dispatchable:
            raise InputError("Workflow does not have 'workflow_dispatch' trigger")
        given = {k: _as_input(v) or "" for k, v in (given or {}).items()}
        if len(given) > MAX_INPUTS:
            raise InputError(f"you may only define up to {MAX_INPUTS} `inputs` for a `workflow_dispatch` event")
        known = {spec.name for spec in self.inputs}
        unexpected = [name for name in given if name not in known]
        if unexpected:
            raise InputError("Unexpected inputs provided: [" + ", ".join(f'"{n}"' for n in unexpected) + "]")
        resolved: dict[str, str] = {}
        for spec in self.inputs:
            if spec.name in given:
                spec.check(given[spec.name])
                resolved[spec.name] = given[spec.name]
            elif spec.required and spec.default is None:
                raise InputError(f"Required input '{spec.name}' not provided")
            else:
                resolved[spec.name] = spec.default if spec.default is not None else ""
        return resolved

    def render_run_name(self, inputs: dict[str, str]) -> str:
        """``run-name`` with ``${{ inputs.X }}`` filled in (else the workflow's name)."""
        if not self.run_name:
            return self.name
        return _EXPRESSION.sub(lambda m: inputs.get(m.group(1), ""), self.run_name)


def _as_input(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
