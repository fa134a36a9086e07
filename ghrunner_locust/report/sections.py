"""The sections of ``report.html``, each from ``summary.json`` alone."""

from __future__ import annotations

import html
from typing import Any

from .format import count, percent, table, value

__all__ = ["parameters", "overview", "latencies", "pickup", "expected", "littles_law", "stages", "drift", "plan_results"]


STAGE_BITS = {
    "duration_s": "{:g} s",
    "users": "{} users",
    "rate_per_min": "{:.1f} dispatches/min",
    "job_count": "{} jobs a run",
    "runners": "{} runners",
}


def _h(title: str, body: str, intro: str = "") -> str:
    return f"<h2>{html.escape(title)}</h2>" + (f"<p>{intro}</p>" if intro else "") + body


def parameters(s: dict[str, Any]) -> str:
    p = s.get("parameters") or {}
    w = p.get("workload") or {}
    load = []
    if p.get("users_max") is not None:
        load.append(f"{p['users_max']} users at most")
    if p.get("rate_per_min") is not None:
        load.append(f"{value(p['rate_per_min'], digits=1)} dispatches/min")
    for st in p.get("stages") or []:
        bits = [STAGE_BITS[k].format(v) for k, v in st.items() if k in STAGE_BITS and v is not None]
        load.append(f"{st.get('name') or 'stage'}: " + ", ".join(bits))
    runners = [value(p.get("runners_configured"))]
    if p.get("ephemeral"):
        runners.append("ephemeral")
    if p.get("max_runners"):
        runners.append(f"autoscaling to {p['max_runners']}")
    rows = [
        ["locustfile", p.get("locustfile") or "-"],
        ["shape", value(p.get("shape")) + (" (--quick)" if p.get("quick") else "")],
        ["load", "; ".join(load) or "-"],
        [
            "workload",
            f"{value(w.get('job_count'))} {value(w.get('job_type'))} job(s) of sleep {value(w.get('sleep_s'), ' s', 0)}"
            + (f", inputs {w['inputs']}" if w.get("inputs") else ""),
        ],
        ["target", value(p.get("target")) + (f" ({p['repository']}, {value(p.get('workflow'))})" if p.get("repository") else "")],
        ["runners configured", ", ".join(runners)],
    ]
    if p.get("scenario_file"):
        rows.insert(1, ["scenario file", p["scenario_file"]])
    return _h("Test parameters", table(rows), "From meta.json.")


def overview(s: dict[str, Any]) -> str:
    jobs, runs = s["jobs"], s["runs"]
    rows = [
        ["jobs", jobs["count"]],
        ["jobs failed", jobs["failed"]],
        ["jobs never started", jobs["unstarted"]],
        ["runs", runs["count"]],
        ["runs failed", runs["failed"]],
        ["throughput (jobs completed per minute)", s["throughput_jobs_per_min"]],
        [f"runners ({s.get('runners_source', '')})", s["runners"]],
        ["runner utilization", percent(s["runner_utilization"])],
        ["max concurrent jobs", s["max_concurrent_jobs"]],
    ]
    return _h("Summary", table(rows, ["", "value"]))


def latencies(s: dict[str, Any]) -> str:
    keys = ("mean", "p50", "p90", "p95", "p99", "max")
    idle = (s.get("pickup") or {}).get("measured_idle_pool") or {}
    rows = [
        ["job queue latency (s)"] + [s["jobs"]["queue_s"].get(k) for k in keys],
        ["job execution time (s)"] + [s["jobs"]["execution_s"].get(k) for k in keys],
        [f"pickup: queue latency of the {count(idle.get('jobs', 0), 'job')} that found a free runner (s)"]
        + [idle.get(k) for k in keys],
        ["run: dispatch to first job started (s)"] + [s["runs"]["pickup_s"].get(k) for k in keys],
        ["run: dispatch to last job completed (s)"] + [s["runs"]["total_s"].get(k) for k in keys],
    ]
    return _h("Latencies", table(rows, ["", *keys]), "Exact percentiles of the job and run rows; '-' where not computed.")


def pickup(s: dict[str, Any]) -> str:
    p = s.get("pickup") or {}
    model = p.get("model")
    rows: list[list[Any]] = []
    if model:
        low, high = model["tail_range_s"]
        tail = f", {percent(model['tail_prob'])} in {low:g}-{high:g} s" if model["tail_prob"] else ""
        shape = "fixed" if model["fixed"] else f"lognormal, median {model['median_s']:g} s, p90 {model['p90_s']:g} s{tail}"
        rows.append(["target's pickup model", shape])
        rows.append(["model's mean pickup (s)", model["mean_s"]])
    idle = p.get("measured_idle_pool") or {}
    rows.append(
        [
            f"measured: mean queue latency of the {count(idle.get('jobs', 0), 'job')} that found a free runner (s)",
            idle.get("mean"),
        ]
    )
    if model and not model["fixed"]:
        rows.append(["median / p90: the model's lognormal body (s)", f"{model['median_s']:.2f} / {model['p90_s']:.2f}"])
    rows.append(["median / p90: measured (s)", f"{value(idle.get('p50'))} / {value(idle.get('p90'))}"])
    rows.append(["expected pickup used below (s)", p.get("expected_mean_s")])
    intro = (
        "Pickup: a free runner to the job starting (GitHub's assignment and the runner's poll); part of every job's "
        f"queue latency. Expected pickup from {html.escape(p.get('expected_source') or '-')}."
    )
    return _h("Pickup latency", table(rows), intro)


def expected(s: dict[str, Any]) -> str:
    items = s.get("expected_vs_measured") or []
    if not items:
        return ""
    rows = [
        [
            e["stage"],
            percent(e["expected_utilization"]),
            "grows without bound" if e["queue_grows_without_bound"] else e["expected_wait_s"],
            e["expected_pickup_s"],
            e["expected_mean_queue_s"],
            e["measured_mean_queue_s"],
            e["measured_jobs"],
        ]
        for e in items
    ]
    head = ["stage", "expected utilization", "wait for a runner (s)", "pickup (s)", "expected mean queue (s)"]
    intro = (
        "Expected queue latency = the wait for a runner (from the pool size and the plan: waves for bursts, M/D/c for "
        "steady arrivals) + the mean pickup."
    )
    return _h("Expected against measured", table(rows, [*head, "measured mean queue (s)", "jobs"]), intro)


def littles_law(s: dict[str, Any]) -> str:
    law = s.get("littles_law") or {}
    rows = [
        ["arrival rate (jobs/s)", value(law.get("arrival_rate_per_s"), digits=4)],
        ["mean time in system, created to completed (s)", law.get("mean_time_in_system_s")],
        ["arrival rate x time in system", law.get("lambda_w")],
        [f"mean queued + running jobs sampled ({law.get('samples', 0)} samples)", law.get("mean_in_system_sampled")],
        ["job rows in the system at the same moments", law.get("rows_at_sample_times")],
        ["result", law.get("verdict") or "-"],
    ]
    intro = "L = &lambda;W: the job rows' timestamps against the live counts in samples.csv, two independent records."
    return _h("Little's law", table(rows), intro)


def stages(s: dict[str, Any]) -> str:
    if not s.get("stages"):
        return ""
    rows = [
        [
            st["stage"],
            st["jobs"],
            st["failed"],
            st["queue_s"]["mean"],
            st["queue_s"]["p50"],
            st["queue_s"]["p95"],
            st["queue_s"]["max"],
        ]
        for st in s["stages"]
    ]
    return _h(
        "Stages", table(rows, ["stage", "jobs", "failed", "queue mean (s)", "queue p50 (s)", "queue p95 (s)", "queue max (s)"])
    )


def drift(s: dict[str, Any]) -> str:
    d = s.get("drift") or {}
    if not d:
        return ""
    trend = d.get("queue_s_trend") or {}
    ci = trend.get("ci95_s_per_hour")
    slope = "-" if trend.get("slope_s_per_hour") is None else f"{trend['slope_s_per_hour']:+,.1f}"
    rows = [
        ["queue latency trend", trend.get("verdict") or "-"],
        ["trend (s per hour)", slope + (f" (95 % interval {ci[0]:+,.1f} to {ci[1]:+,.1f})" if ci else "")],
        ["windows", f"{trend.get('windows', 0)} of {value(trend.get('window_s'), ' s', 0)}"],
        ["runners seen", d.get("runners_seen")],
        ["online runners (min / max)", f"{value(d.get('online_runners_min'))} / {value(d.get('online_runners_max'))}"],
        ["failed jobs by stage", ", ".join(f"{k}: {v}" for k, v in (d.get("failed_jobs_by_stage") or {}).items()) or "none"],
    ]
    return _h("Drift", table(rows))


def plan_results(s: dict[str, Any]) -> str:
    parts = []
    if s.get("breaking_point") is not None:
        bp = s["breaking_point"]
        parts.append(
            _h(
                "Breaking point",
                "",
                f"{html.escape(str(bp['stage']))} (load {value(bp['level'])} before it): {html.escape(str(bp['reason']))}",
            )
        )
    if s.get("capacity"):
        cap = s["capacity"]
        rows = [[p["rate_per_min"], p["p95_queue_s"], "yes" if p["met"] else "no"] for p in cap["probes"]]
        intro = (
            f"Highest rate meeting p95 queue latency &le; {value(cap['slo_p95_s'])} s: "
            f"{value(cap['rate_per_min'])} dispatches a minute."
        )
        parts.append(_h("Capacity", table(rows, ["rate/min", "p95 queue (s)", "met"]), intro))
    if s.get("checks"):
        rows = [[c["name"], c["limit"], c["measured"], "pass" if c["passed"] else "FAIL"] for c in s["checks"]]
        parts.append(_h("Checks", table(rows, ["check", "limit", "measured", "result"])))
    return "".join(parts)
