"""Compare two tests: the deltas of the key numbers (4 against 8 runners, ephemeral against persistent...)."""

from __future__ import annotations

from typing import Any

__all__ = ["KEYS", "compare", "format_comparison"]

KEYS = [
    ("jobs.count", "jobs"),
    ("jobs.failed", "jobs failed"),
    ("jobs.queue_s.mean", "queue mean (s)"),
    ("jobs.queue_s.p50", "queue p50 (s)"),
    ("jobs.queue_s.p95", "queue p95 (s)"),
    ("jobs.queue_s.p99", "queue p99 (s)"),
    ("jobs.queue_s.max", "queue max (s)"),
    ("jobs.execution_s.p50", "execution p50 (s)"),
    ("runs.total_s.p95", "run total p95 (s)"),
    ("throughput_jobs_per_min", "throughput (jobs/min)"),
    ("runner_utilization", "runner utilization"),
    ("max_concurrent_jobs", "max concurrent jobs"),
]


def _get(summary: dict[str, Any], dotted: str) -> float | None:
    value: Any = summary
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value if isinstance(value, int | float) else None


def compare(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per key number: A, B, B - A and the relative change."""
    rows = []
    for key, label in KEYS:
        va, vb = _get(a, key), _get(b, key)
        delta = None if va is None or vb is None else round(vb - va, 4)
        rel = None if delta is None or not va else round(delta / va, 4)
        rows.append({"key": key, "label": label, "a": va, "b": vb, "delta": delta, "change": rel})
    return rows


def format_comparison(rows: list[dict[str, Any]], name_a: str, name_b: str) -> str:
    def cell(v: Any) -> str:
        return "-" if v is None else f"{v:,.2f}" if isinstance(v, float) else str(v)

    lines = [f"{'':<24} {'A':>12} {'B':>12} {'B - A':>12} {'change':>8}", f"A = {name_a}", f"B = {name_b}"]
    lines.insert(1, "-" * 72)
    for row in rows:
        change = "-" if row["change"] is None else f"{row['change']:+.0%}"
        lines.append(f"{row['label']:<24} {cell(row['a']):>12} {cell(row['b']):>12} {cell(row['delta']):>12} {change:>8}")
    return "\n".join(lines)
