"""The regression gate: thresholds on a new test against a baseline, for CI (exit 3 when one is broken).

``--fail-if "queue_p95>+20%,fail_ratio>0.01"``: comma-separated ``METRIC OP VALUE`` with ``OP`` one of
``> >= < <=`` and ``METRIC`` a name of :data:`~ghrunner_locust.report.compare.METRICS`. ``VALUE`` is

- ``+20%`` / ``-10%``: relative to the baseline (broken when NEW > BASE x 1.2 / NEW < BASE x 0.9 ...);
- ``+5`` / ``-5`` (a sign, no %): a change from the baseline in the metric's unit (NEW > BASE + 5);
- ``0.01`` (no sign): an absolute limit on NEW, whatever the baseline.

A metric that either test did not measure breaks its threshold: a gate never passes for want of data.
"""

from __future__ import annotations

import argparse
import json
import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..planning.checks import EXIT_CHECK_FAILED
from .compare import METRICS, metric

__all__ = [
    "Threshold",
    "GateResult",
    "GateError",
    "parse_fail_if",
    "evaluate_gate",
    "add_gate_arguments",
    "check_gate",
    "validate_gate",
    "load_summary",
]

OPERATORS: dict[str, Callable[[float, float], bool]] = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}
PATTERN = re.compile(r"^([a-z_0-9]+)\s*(>=|<=|>|<)\s*([+-]?)(\d+(?:\.\d*)?|\.\d+)(%?)$")


class GateError(UsageError):
    """A malformed ``--fail-if`` expression or an unreadable baseline."""


@dataclass(frozen=True)
class Threshold:
    """One ``METRIC OP VALUE``: a limit on the new test, absolute or relative to the baseline."""

    metric: str
    op: str
    value: float
    """The number as written (a fraction for percentages: +20% is 0.2)."""
    kind: str
    """``absolute`` (a limit), ``delta`` (NEW - BASE) or ``relative`` (NEW / BASE - 1)."""
    text: str

    def limit(self, base: float | None) -> float | None:
        """The value NEW is held against (``None``: a relative limit without a baseline)."""
        if self.kind == "absolute":
            return self.value
        if base is None:
            return None
        return base + self.value if self.kind == "delta" else base * (1 + self.value)


def parse_fail_if(text: str | None, flag: str = "--fail-if") -> tuple[Threshold, ...]:
    """Parse ``--fail-if``; one clear :class:`GateError` for anything malformed, naming ``flag`` (the option the
    user typed: ``--fail-if`` of ``ghrunner report``, ``--gate-fail-if`` of a load test)."""
    if text is None or not text.strip():
        raise GateError(f'{flag} is empty: give thresholds such as "queue_p95>+20%,fail_ratio>0.01"')
    out = []
    for part in text.split(","):
        item = part.strip()
        match = PATTERN.match(item.replace(" ", ""))
        if not item or match is None:
            raise GateError(
                f"{flag}: cannot read {item!r}: expected METRIC OP VALUE, e.g. queue_p95>+20% (relative to the "
                "baseline), queue_p95>+5 (a change in seconds) or fail_ratio>0.01 (an absolute limit)"
            )
        name, op, sign, number, percent = match.groups()
        if name not in METRICS:
            raise GateError(f"{flag}: unknown metric {name!r}; known: {', '.join(METRICS)}")
        if percent and not sign:
            raise GateError(f"{flag}: {item!r}: a percentage is a change from the baseline, write +{number}% or -{number}%")
        value = float(number) * (-1 if sign == "-" else 1) / (100 if percent else 1)
        if not math.isfinite(value) or abs(value) > 1e9:
            raise GateError(f"{flag}: {item!r}: the value is out of range")
        kind = "relative" if percent else "delta" if sign else "absolute"
        out.append(Threshold(name, op, value, kind, item))
    return tuple(out)


@dataclass(frozen=True)
class GateResult:
    """One threshold checked: the values, the limit, broken or not, and the line to print."""

    threshold: Threshold
    base: float | None
    new: float | None
    limit: float | None
    broken: bool
    line: str


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def evaluate_gate(base: dict[str, Any], new: dict[str, Any], thresholds: tuple[Threshold, ...]) -> list[GateResult]:
    """Hold the new summary's numbers against each threshold."""
    out = []
    for t in thresholds:
        vb, vn = metric(base, t.metric), metric(new, t.metric)
        limit = t.limit(vb)
        if vn is None or limit is None:
            missing = "the new test" if vn is None else "the baseline"
            out.append(GateResult(t, vb, vn, limit, True, f"FAIL {t.text}: {t.metric} was not measured in {missing}"))
            continue
        broken = OPERATORS[t.op](vn, limit)
        verdict = "FAIL" if broken else "PASS"
        versus = "" if vb is None else f" against {_fmt(vb)} in the baseline"
        change = f" ({(vn - vb) / vb:+.0%})" if vb and t.kind == "relative" else ""
        out.append(
            GateResult(
                t, vb, vn, limit, broken, f"{verdict} {t.text}: {t.metric} {_fmt(vn)}{versus}{change}, limit {_fmt(limit)}"
            )
        )
    return out


def load_summary(path: str | Path) -> dict[str, Any]:
    """A baseline: a results directory (its ``summary.json``) or a ``summary.json`` file."""
    path = Path(path)
    file = path / "summary.json" if path.is_dir() else path
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GateError(f"baseline {path}: no summary.json there; run `ghrunner report {path}` first") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise GateError(
            f"baseline {path}: cannot read {file.name} ({exc.__class__.__name__}): give a results directory"
        ) from None
    if not isinstance(data, dict) or "jobs" not in data:
        raise GateError(f"baseline {path}: {file.name} is not a ghrunner summary")
    return data


def add_gate_arguments(parser: Any) -> None:
    """The gate's options for a load test (Locust's parser or any argparse parser)."""
    parser.add_argument(
        "--gate-baseline",
        default=None,
        help="results directory (or summary.json) of a baseline test: the gate compares this test with it",
    )
    parser.add_argument(
        "--gate-fail-if",
        default=None,
        help='thresholds against the baseline, e.g. "queue_p95>+20%%,fail_ratio>0.01": a broken one exits with 3',
    )


def check_gate(options: argparse.Namespace | Any, summary: dict[str, Any], *, echo: Callable[[str], None] = print) -> int:
    """At a test's end: print a line per threshold; return 3 if any is broken, else 0 (no gate asked: 0).

    Raises :class:`GateError` for a malformed expression or baseline (validate at start with :func:`validate_gate`).
    """
    baseline, fail_if = getattr(options, "gate_baseline", None), getattr(options, "gate_fail_if", None)
    if baseline is None and fail_if is None:
        return 0
    thresholds = validate_gate(options)
    base = load_summary(baseline) if baseline else {}
    results = evaluate_gate(base, summary, thresholds)
    for result in results:
        echo(result.line)
    return EXIT_CHECK_FAILED if any(r.broken for r in results) else 0


def validate_gate(options: argparse.Namespace | Any) -> tuple[Threshold, ...]:
    """Check the gate options before a test starts (so a typo costs no test): the parsed thresholds."""
    baseline, fail_if = getattr(options, "gate_baseline", None), getattr(options, "gate_fail_if", None)
    if baseline is None and fail_if is None:
        return ()
    if fail_if is None:
        raise GateError(f'--gate-baseline {baseline} needs --gate-fail-if: give thresholds such as "queue_p95>+20%"')
    thresholds = parse_fail_if(fail_if, "--gate-fail-if")
    if baseline is None and any(t.kind != "absolute" for t in thresholds):
        raise GateError("--gate-fail-if has thresholds relative to a baseline: give --gate-baseline DIR")
    if baseline is not None:
        load_summary(baseline)
    return thresholds
