"""The compact summary printed at the end of a headless run."""

from __future__ import annotations

from typing import Any

from .format import count, percent

__all__ = ["format_summary"]


def _v(value: Any, unit: str = "") -> str:
    if value is None:
        return "-"
    return f"{value:.1f}{unit}" if isinstance(value, float) else f"{value}{unit}"


def _whole(value: Any) -> Any:
    """4.0 runners read as 4."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def format_summary(summary: dict[str, Any], directory: str) -> str:
    jobs, runs, q, e = summary["jobs"], summary["runs"], summary["jobs"]["queue_s"], summary["jobs"]["execution_s"]
    pickup = summary.get("pickup") or {}
    idle = pickup.get("measured_idle_pool") or {}
    lines = [
        f"ghrunner-locust summary: {summary['scenario']} ({_v(summary['duration_s'], ' s')})",
        f"  jobs {jobs['count']} ({jobs['failed']} failed), runs {runs['count']} ({runs['failed']} failed), "
        f"throughput {_v(summary['throughput_jobs_per_min'])} jobs/min",
        f"  queue latency  mean {_v(q['mean'], ' s')}  p50 {_v(q['p50'], ' s')}  p90 {_v(q['p90'], ' s')}  "
        f"p95 {_v(q['p95'], ' s')}  p99 {_v(q['p99'], ' s')}  max {_v(q['max'], ' s')}",
        f"  pickup         mean {_v(idle.get('mean'), ' s')} over {count(idle.get('jobs', 0), 'job')} that found a free runner"
        + (f" (model mean {_v(pickup['model']['mean_s'], ' s')})" if pickup.get("model") else ""),
        f"  execution      p50 {_v(e['p50'], ' s')}  p95 {_v(e['p95'], ' s')}  max {_v(e['max'], ' s')}",
        f"  runners {_v(_whole(summary['runners']))}, utilization {percent(summary['runner_utilization'])}, "
        f"max concurrent jobs {summary['max_concurrent_jobs']}",
    ]
    for item in summary.get("expected_vs_measured") or []:
        expected = (
            "grows without bound"
            if item["queue_grows_without_bound"]
            else f"{_v(item['expected_mean_queue_s'], ' s')} (pickup {_v(item['expected_pickup_s'], ' s')}"
            f" + wait {_v(item['expected_wait_s'], ' s')})"
        )
        lines.append(f"  {item['stage']}: expected mean queue {expected}, measured {_v(item['measured_mean_queue_s'], ' s')}")
    trend = ((summary.get("drift") or {}).get("queue_s_trend") or {}).get("verdict")
    if trend and not trend.startswith("not enough data"):
        lines.append(f"  queue latency trend: {trend}")
    for note in summary.get("notes") or []:
        lines.append(f"  note: {note}")
    lines.append(f"  report: {directory}/report.html")
    return "\n".join(lines)
