"""Pass/fail criteria for CI: evaluated on the master when a test ends; a failed check exits with 3."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["CheckResult", "percentile", "evaluate", "EXIT_CHECK_FAILED"]

EXIT_CHECK_FAILED = 3


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q`` quantile (0-1) with linear interpolation, as pandas computes it by default."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = q * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class CheckResult:
    """One criterion, its limit and what the test measured."""

    name: str
    limit: float
    measured: float | None
    passed: bool
    unit: str = ""

    def line(self) -> str:
        if self.measured is None:
            return f"{'PASS' if self.passed else 'FAIL'} {self.name}: nothing measured (limit {self.limit:g}{self.unit})"
        verdict = "PASS" if self.passed else "FAIL"
        over = "" if self.passed else f", over by {self.measured - self.limit:.3g}{self.unit}"
        return f"{verdict} {self.name}: {self.measured:.3g}{self.unit} (limit {self.limit:g}{self.unit}{over})"


def evaluate(
    queue_values: Sequence[float],
    failures: int,
    requests: int,
    timeouts: int,
    *,
    queue_p95: float | None = None,
    fail_ratio: float | None = None,
    max_timeouts: float | None = None,
) -> list[CheckResult]:
    """The checks that were asked for (``None``: not asked)."""
    results = []
    if queue_p95 is not None:
        p95 = percentile(queue_values, 0.95)
        results.append(CheckResult("p95 queue latency", queue_p95, p95, p95 is not None and p95 <= queue_p95, " s"))
    if fail_ratio is not None:
        ratio = failures / requests if requests else 0.0
        results.append(CheckResult("failure ratio", fail_ratio, ratio, ratio <= fail_ratio))
    if max_timeouts is not None:
        results.append(CheckResult("runs timed out", max_timeouts, float(timeouts), timeouts <= max_timeouts))
    return results
