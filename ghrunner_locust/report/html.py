"""``report.html``: one self-contained page (charts embedded as data URIs, no external URL)."""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any

from .charts import CHARTS

__all__ = ["render_html"]

STYLE = """body{font-family:system-ui,sans-serif;margin:2em auto;max-width:70em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}
th{background:#f0f0f0}td:first-child,th:first-child{text-align:left}.note{color:#8a4b00}img{max-width:100%}"""


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return html.escape(str(value))


def _table(rows: list[list[Any]], head: list[str]) -> str:
    header = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{_fmt(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{header}</tr>{body}</table>"


def _dist_rows(summary: dict[str, Any]) -> list[list[Any]]:
    rows = []
    for label, dist in [
        ("job queue latency (s)", summary["jobs"]["queue_s"]),
        ("job execution time (s)", summary["jobs"]["execution_s"]),
    ]:
        rows.append([label] + [dist.get(k) for k in ("mean", "p50", "p90", "p95", "p99", "max")])
    run = summary["runs"]["total_s"]
    rows.append(["run total (s)", None, run.get("p50"), None, run.get("p95"), None, run.get("max")])
    return rows


def render_html(summary: dict[str, Any], directory: Path, meta: dict[str, Any]) -> str:
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>ghrunner-locust report: {_fmt(summary['scenario'])}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{_fmt(summary['scenario'])}</h1>",
    ]
    parts.append(
        f"<p>Target: {_fmt(meta.get('target'))} &middot; {_fmt(meta.get('owner'))}/{_fmt(meta.get('repo'))} &middot; "
        f"from {_fmt(summary['start'])} to {_fmt(summary['end'])} ({_fmt(summary['duration_s'])} s)</p>"
    )
    for note in summary.get("notes") or []:
        parts.append(f"<p class='note'>Note: {html.escape(note)}</p>")
    jobs, runs = summary["jobs"], summary["runs"]
    parts.append(
        "<h2>Summary</h2>"
        + _table(
            [
                ["jobs", jobs["count"]],
                ["jobs failed", jobs["failed"]],
                ["jobs never started", jobs["unstarted"]],
                ["runs", runs["count"]],
                ["runs failed", runs["failed"]],
                ["throughput (jobs/min)", summary["throughput_jobs_per_min"]],
                ["runners", summary["runners"]],
                ["runner utilization", summary["runner_utilization"]],
                ["max concurrent jobs", summary["max_concurrent_jobs"]],
                ["Little's law: arrival rate x time in system", summary["littles_law"]["lambda_w"]],
                ["Little's law: mean jobs in system", summary["littles_law"]["mean_in_system"]],
            ],
            ["", "value"],
        )
    )
    parts.append("<h2>Latencies</h2>" + _table(_dist_rows(summary), ["", "mean", "p50", "p90", "p95", "p99", "max"]))
    if summary.get("stages"):
        rows = [
            [
                s["stage"],
                s["jobs"],
                s["failed"],
                s["queue_s"]["mean"],
                s["queue_s"]["p50"],
                s["queue_s"]["p95"],
                s["queue_s"]["max"],
            ]
            for s in summary["stages"]
        ]
        parts.append(
            "<h2>Stages</h2>" + _table(rows, ["stage", "jobs", "failed", "queue mean", "queue p50", "queue p95", "queue max"])
        )
    d = summary.get("drift") or {}
    if d:
        parts.append(
            "<h2>Drift</h2>"
            + _table(
                [
                    ["queue latency trend (s per hour)", d.get("queue_s_slope_per_hour")],
                    ["runners seen", d.get("runners_seen")],
                    ["online runners (min / max)", f"{_fmt(d.get('online_runners_min'))} / {_fmt(d.get('online_runners_max'))}"],
                    [
                        "failed jobs by stage",
                        ", ".join(f"{k}: {v}" for k, v in (d.get("failed_jobs_by_stage") or {}).items()) or "none",
                    ],
                ],
                ["", "value"],
            )
        )
    if summary.get("expected_vs_measured"):
        rows = [
            [e["stage"], e["expected_utilization"], e["expected_mean_queue_s"], e["measured_mean_queue_s"]]
            for e in summary["expected_vs_measured"]
        ]
        parts.append(
            "<h2>Expected against measured</h2><p>Expected from the pool size and the plan (waves for bursts, M/D/c for "
            "steady arrivals); '-' where the queue grows without bound.</p>"
            + _table(rows, ["stage", "expected utilization", "expected mean queue (s)", "measured mean queue (s)"])
        )
    if summary.get("breaking_point") is not None and "breaking_point" in summary:
        bp = summary["breaking_point"]
        parts.append(
            f"<h2>Breaking point</h2><p>{_fmt(bp['stage'])} (load {_fmt(bp['level'])} before it): {_fmt(bp['reason'])}</p>"
        )
    if summary.get("capacity"):
        cap = summary["capacity"]
        rows = [[p["rate_per_min"], p["p95_queue_s"], "yes" if p["met"] else "no"] for p in cap["probes"]]
        parts.append(
            f"<h2>Capacity</h2><p>Highest rate meeting p95 queue latency &le; {_fmt(cap['slo_p95_s'])} s: "
            f"{_fmt(cap['rate_per_min'])} dispatches a minute.</p>" + _table(rows, ["rate/min", "p95 queue (s)", "met"])
        )
    if summary.get("checks"):
        rows = [[c["name"], c["limit"], c["measured"], "pass" if c["passed"] else "FAIL"] for c in summary["checks"]]
        parts.append("<h2>Checks</h2>" + _table(rows, ["check", "limit", "measured", "result"]))
    parts.append("<h2>Charts</h2>")
    for name, title in CHARTS.items():
        path = directory / name
        if path.exists():
            data = base64.b64encode(path.read_bytes()).decode()
            parts.append(f"<h3>{html.escape(title)}</h3><img alt='{html.escape(title)}' src='data:image/png;base64,{data}'>")
    parts.append(
        "<p>Queue latency is started_at - created_at of each job, from GitHub's timestamps; exact values are in "
        "jobs.csv beside this page.</p></body></html>"
    )
    return "\n".join(parts)
