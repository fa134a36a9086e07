"""The compact summary printed at the end of a headless run."""

from __future__ import annotations

from typing import Any

__all__ = ["format_summary"]


def _v(value: Any, unit: str = "") -> str:
    if value is None:
        return "-"
    return f"{value:.1f}{unit}" if isinstance(value, float) else f"{value}{unit}"


def format_summary(summary: dict[str, Any], directory: str) -> str:
    jobs, runs, q, e = summary["jobs"], summary["runs"], summary["jobs"]["queue_s"], summary["jobs"]["execution_s"]
    lines = [
        f"ghrunner-locust summary: {summary['scenario']} ({_v(summary['duration_s'], ' s')})",
        f"  jobs {jobs['count']} ({jobs['failed']} failed), runs {runs['count']} ({runs['failed']} failed), "
        f"throughput {_v(summary['throughput_jobs_per_min'])} jobs/min",
        f"  queue latency  p50 {_v(q['p50'], ' s')}  p90 {_v(q['p90'], ' s')}  p95 {_v(q['p95'], ' s')}  "
        f"p99 {_v(q['p99'], ' s')}  max {_v(q['max'], ' s')}",
        f"  execution      p50 {_v(e['p50'], ' s')}  p95 {_v(e['p95'], ' s')}  max {_v(e['max'], ' s')}",
        f"  runners {_v(summary['runners'])}, utilization {_v((summary['runner_utilization'] or 0) * 100, ' %')}, "
        f"max concurrent jobs {summary['max_concurrent_jobs']}",
    ]
    for note in summary.get("notes") or []:
        lines.append(f"  note: {note}")
    lines.append(f"  report: {directory}/report.html")
    return "\n".join(lines)
