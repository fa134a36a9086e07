"""Compare two tests: the deltas of the key numbers (4 against 8 runners, ephemeral against persistent...).

Every number has a short name (``queue_p95``, ``fail_ratio``, ``usd_month``...): the regression gate
(``--fail-if``) takes the same names. The cost rows come from ``summary["decision"]`` when it is there.
"""

from __future__ import annotations

from typing import Any

__all__ = ["METRICS", "KEYS", "metric", "compare", "format_comparison"]

METRICS: dict[str, tuple[str, str]] = {
    "jobs": ("jobs.count", "jobs"),
    "failed_jobs": ("jobs.failed", "jobs failed"),
    "fail_ratio": ("", "failed / jobs"),
    "queue_mean": ("jobs.queue_s.mean", "queue mean (s)"),
    "queue_p50": ("jobs.queue_s.p50", "queue p50 (s)"),
    "queue_p90": ("jobs.queue_s.p90", "queue p90 (s)"),
    "queue_p95": ("jobs.queue_s.p95", "queue p95 (s)"),
    "queue_p99": ("jobs.queue_s.p99", "queue p99 (s)"),
    "queue_max": ("jobs.queue_s.max", "queue max (s)"),
    "execution_p50": ("jobs.execution_s.p50", "execution p50 (s)"),
    "execution_p95": ("jobs.execution_s.p95", "execution p95 (s)"),
    "run_total_p95": ("runs.total_s.p95", "run total p95 (s)"),
    "throughput": ("throughput_jobs_per_min", "throughput (jobs/min)"),
    "utilization": ("runner_utilization", "runner utilization"),
    "max_concurrent": ("max_concurrent_jobs", "max concurrent jobs"),
    "paid_runner_h": ("decision.cost.paid_runner_h", "paid runner-hours"),
    "idle_share": ("decision.cost.idle_share", "idle share (incl. cold starts)"),
    "usd_per_1000_jobs": ("decision.cost.per_1000_jobs_usd", "USD per 1,000 jobs"),
    "usd_month": ("decision.cost.per_month_usd", "USD a month at this load"),
    "hosted_usd_month": ("decision.cost.hosted_per_month_usd", "GitHub-hosted USD a month"),
}
"""Short name -> (dotted key in summary.json, label)."""

KEYS = [(key, label) for key, label in METRICS.values() if key]


def _get(summary: dict[str, Any], dotted: str) -> float | None:
    value: Any = summary
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def metric(summary: dict[str, Any], name: str) -> float | None:
    """The value of a named number in a summary (``None`` when the test did not measure it)."""
    if name == "fail_ratio":
        count, failed = _get(summary, "jobs.count"), _get(summary, "jobs.failed")
        return None if not count or failed is None else round(failed / count, 4)
    return _get(summary, METRICS[name][0])


def compare(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per key number: A, B, B - A and the relative change (rows neither test has are left out)."""
    rows = []
    for name, (key, label) in METRICS.items():
        va, vb = metric(a, name), metric(b, name)
        if va is None and vb is None and key.startswith("decision."):
            continue
        delta = None if va is None or vb is None else round(vb - va, 4)
        rel = None if delta is None or not va else round(delta / va, 4)
        rows.append({"metric": name, "key": key or name, "label": label, "a": va, "b": vb, "delta": delta, "change": rel})
    return rows


def format_comparison(rows: list[dict[str, Any]], name_a: str, name_b: str) -> str:
    def cell(v: Any) -> str:
        return "-" if v is None else f"{v:,.2f}" if isinstance(v, float) else str(v)

    width = max([24] + [len(r["label"]) for r in rows])
    lines = [f"{'':<{width}} {'A':>12} {'B':>12} {'B - A':>12} {'change':>8}", f"A = {name_a}", f"B = {name_b}"]
    lines.insert(1, "-" * (width + 48))
    for row in rows:
        change = "-" if row["change"] is None else f"{row['change']:+.0%}"
        lines.append(f"{row['label']:<{width}} {cell(row['a']):>12} {cell(row['b']):>12} {cell(row['delta']):>12} {change:>8}")
    return "\n".join(lines)
