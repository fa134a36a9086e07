"""The web UI's start form: which options a person sets there, in words, and the conversion of its values.

Locust's form sends every value as text (an empty field for an empty option); here each value is converted
and validated by the option's own argparse action, exactly as on the command line. An empty field means
the value the process started with (the command line's, else the option's default). No Locust here.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from ..errors import UsageError
from .options import add_arguments

__all__ = ["Field", "FORM", "fields_for", "extra_options", "from_form", "convert", "parser"]


@dataclass(frozen=True)
class Field:
    """One option on the form: its ``dest``, its group and its label in words."""

    dest: str
    group: str
    label: str
    kinds: tuple[str, ...] = ()
    """The shapes whose knob it is (empty: every test)."""
    unset: str | None = None
    """What an unset option means, shown in its place (a list must show a choice: the browser picks one)."""


_SHAPE_KINDS = ("load", "soak", "stress", "scalability")
FORM: tuple[Field, ...] = (
    Field("gh_owner", "Target", "repository owner, empty for the embedded simulator"),
    Field("gh_repo", "Target", "repository name, empty for the embedded simulator"),
    Field("gh_api_url", "Target", "API URL, empty for api.github.com"),
    Field("gh_workflow", "Target", "workflow file"),
    Field("gh_ref", "Target", "branch or tag"),
    Field("sleep_duration", "Workload", "seconds each job sleeps"),
    Field("job_count", "Workload", "jobs per run, one to twenty"),
    Field("job_type", "Workload", "parallel matrix or sequential chain"),
    Field("gh_inputs", "Workload", "further workflow inputs as a JSON object"),
    Field("shape", "Shape", "kind of test", ("catalogue",), unset="load"),
    Field("scenario", "Shape", "scenario file of stages, workload and checks"),
    Field("quick", "Shape", "quick rehearsal of about a minute"),
    Field("baseline_runs", "Shape", "number of runs", ("baseline", "catalogue")),
    Field("shape_users", "Shape", "concurrent users, closed loop", (*_SHAPE_KINDS, "catalogue")),
    Field("shape_rate", "Shape", "dispatches a minute, open loop", (*_SHAPE_KINDS, "volume", "catalogue")),
    Field("shape_duration", "Shape", "seconds the test lasts", ("load", "soak", "volume", "catalogue")),
    Field("shape_step", "Shape", "load added each step", ("scalability", "stress", "catalogue")),
    Field("shape_steps", "Shape", "number of steps", ("scalability", "stress", "catalogue")),
    Field("shape_step_interval", "Shape", "seconds per step", ("scalability", "stress", "catalogue")),
    Field("spike_base", "Shape", "load before and after the spike", ("spike", "catalogue")),
    Field("spike_peak", "Shape", "load at the peak", ("spike", "catalogue")),
    Field("spike_duration", "Shape", "seconds at the peak", ("spike", "catalogue")),
    Field("capacity_slo", "Shape", "queue latency to keep, seconds at the ninety-fifth percentile", ("capacity", "catalogue")),
    Field("capacity_low", "Shape", "lowest dispatch rate to try, a minute", ("capacity", "catalogue")),
    Field("capacity_high", "Shape", "highest dispatch rate to try, a minute", ("capacity", "catalogue")),
    Field("runners", "Tracking", "runners in the pool, for the expected numbers"),
    Field("poll_interval", "Tracking", "seconds between polls"),
    Field("drain_timeout", "Tracking", "seconds to wait for runs in flight at the end"),
    Field("cancel_on_stop", "Tracking", "cancel runs still in flight after the drain"),
    Field("results_dir", "Tracking", "results folder"),
    Field("check_queue_p95", "Checks", "fail if queue latency at the ninety-fifth percentile exceeds, seconds"),
    Field("check_fail_ratio", "Checks", "fail if the failure ratio exceeds"),
    Field("check_timeouts", "Checks", "fail if more runs than this time out"),
    Field("force", "Checks", "run beyond the limits of one token"),
)
"""The options a person sets for a test; every other option stays on the command line."""
FORM_DESTS = frozenset(f.dest for f in FORM)


class _Parser(argparse.ArgumentParser):
    """A plain parser that takes Locust's ``include_in_web_ui`` keyword, for the actions alone."""

    def add_argument(self, *args: Any, include_in_web_ui: bool = True, **kwargs: Any) -> argparse.Action:
        action = super().add_argument(*args, **kwargs)
        action.include_in_web_ui = include_in_web_ui  # type: ignore[attr-defined]
        return action


@cache
def parser() -> argparse.ArgumentParser:
    """The plugin's options alone (no Locust), for their actions."""
    result = _Parser(add_help=False)
    add_arguments(result)
    return result


def actions() -> dict[str, argparse.Action]:
    return {a.dest: a for a in parser()._actions if a.option_strings}


def key(field: Field) -> str:
    """The form's name of a field: Locust shows it as the label (so it holds words, no digits)."""
    return f"{field.group} · {field.label}"


def fields_for(kind: str | None) -> list[Field]:
    """The fields of a test whose shape is ``kind`` (``None``: no plan shape)."""
    return [f for f in FORM if not f.kinds or kind in f.kinds]


def extra_options(base: Mapping[str, Any], kind: str | None) -> dict[str, dict[str, Any]]:
    """Locust's ``extra_options`` template value: each field with the value the test would use as its default."""
    known = actions()
    result: dict[str, dict[str, Any]] = {}
    for field in fields_for(kind):
        action = known[field.dest]
        value = base.get(field.dest, action.default)
        value = field.unset if value is None and field.unset is not None else value
        flag = action.option_strings[0]
        if field.kinds and value is None:
            flag += "; empty: the shape's own"
        result[key(field)] = {
            "default_value": value if isinstance(value, bool) or value is None else str(value),
            "is_secret": False,
            "is_required": False,
            "help_text": flag,
            "is_multiple": False,
            "choices": list(action.choices) if action.choices else None,
        }
    return result


def convert(action: argparse.Action, text: str | None, default: Any) -> Any:
    """The value of an option given as text, as the command line would parse it; empty: ``default``."""
    flag = action.option_strings[0]
    if text is None or str(text).strip() == "":
        return default
    text = str(text).strip()
    if isinstance(action, argparse._StoreTrueAction | argparse._StoreFalseAction):
        if text.lower() in ("true", "on", "1", "yes"):
            return True
        if text.lower() in ("false", "off", "0", "no"):
            return False
        raise UsageError(f"{flag} must be true or false (got {text!r})")
    items = [t.strip() for t in text.split(",") if t.strip()] if isinstance(action, argparse._AppendAction) else [text]
    values = [_one(action, flag, item) for item in items]
    return values if isinstance(action, argparse._AppendAction) else values[0]


def _one(action: argparse.Action, flag: str, text: str) -> Any:
    kind = action.type
    try:
        value = kind(text) if callable(kind) else text
    except (TypeError, ValueError, argparse.ArgumentTypeError):
        name = {int: "a whole number", float: "a number"}.get(kind, "a valid value")  # type: ignore[call-overload]
        raise UsageError(f"{flag} must be {name} (got {text!r})") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise UsageError(f"{flag} must be a finite number (got {text!r})")
    if action.choices and value not in action.choices:
        raise UsageError(f"{flag} must be one of {', '.join(map(str, action.choices))} (got {text!r})")
    return value


def from_form(form: Mapping[str, str], base: Mapping[str, Any]) -> dict[str, Any]:
    """The options a start form sets (by field name or by option name), converted; raises :class:`UsageError`."""
    known = actions()
    by_key = {key(f): f.dest for f in FORM}
    values: dict[str, Any] = {}
    for name, text in form.items():
        dest = by_key.get(name, name)
        if dest not in known:
            continue
        values[dest] = convert(known[dest], text, base.get(dest, known[dest].default))
    return values


def plugin_keys(form: Mapping[str, str]) -> set[str]:
    """The names in a start form that are the plugin's (Locust's own handler must not see them)."""
    known, by_key = actions(), {key(f) for f in FORM}
    return {name for name in form if name in by_key or name in known}


def check_numbers(options: Any) -> None:
    """Every numeric option is a finite number, and none of the plugin's is negative (``nan``, ``inf``: refused)."""
    for dest, action in actions().items():
        value = getattr(options, dest, None)
        values = value if isinstance(value, list) else [value]
        for item in values:
            if isinstance(item, bool) or not isinstance(item, int | float):
                continue
            flag = action.option_strings[0]
            if not math.isfinite(item):
                raise UsageError(f"{flag} must be a finite number (got {item})")
            if item < 0 and not dest.startswith("sim_"):
                raise UsageError(f"{flag} must not be negative (got {item})")
