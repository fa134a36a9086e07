"""The decision section as HTML: a ``<section>`` fragment for ``report.html`` (all text escaped)."""

from __future__ import annotations

import html
from typing import Any

__all__ = ["render_decision_html"]


def _cells(values: list[Any]) -> str:
    def one(v: Any) -> str:
        if v is None:
            return "-"
        return f"{v:,.2f}" if isinstance(v, float) else html.escape(str(v))

    return "<tr>" + "".join(f"<td>{one(v)}</td>" for v in values) + "</tr>"


def _head(names: list[str]) -> str:
    return "<tr>" + "".join(f"<th>{html.escape(n)}</th>" for n in names) + "</tr>"


def render_decision_html(section: dict[str, Any]) -> str:
    """The decision section as an HTML fragment (``<section>``) for ``report.html``; all text escaped."""
    parts = [
        "<section id='decision'><h2>Decision</h2>",
        f"<p><strong>{html.escape(section.get('recommendation') or '')}</strong></p>",
    ]
    pickup = section.get("pickup") or {}
    target = section.get("slo_p95_s")
    target_text = f"p95 target {html.escape(str(target))} s" if target else "no p95 target"
    parts.append(
        f"<p>Model: seeded Monte Carlo of the pool at {section.get('dispatches_per_min') or 0:.2f} dispatches a minute "
        f"({target_text}); pickups from "
        f"{html.escape(str(pickup.get('source')))}, p95 {pickup.get('p95_s')} s.</p>"
    )
    if section.get("estimates"):
        parts.append(
            "<table>" + _head(["runners", "p50 (s)", "p95 (s)", "p95 std. error", "utilization", "waited", "USD a month"])
        )
        for e in section["estimates"]:
            parts.append(
                _cells(
                    [e["runners"], e["p50_s"], e["p95_s"], e["p95_stderr_s"], e["utilization"], e["waited_share"], e["usd_month"]]
                )
            )
        parts.append("</table>")
    if section.get("agreement"):
        parts.append("<h3>Model against this test</h3><table>")
        parts.append(
            _head(
                ["stage", "dispatches/min", "jobs", "p50 measured", "p50 model", "p95 measured", "p95 model", "model/measured"]
                + ["p95 a test this long would measure (90%)"]
            )
        )
        for a in section["agreement"]:
            parts.append(
                _cells(
                    [
                        a["stage"],
                        a["dispatches_per_min"],
                        a["jobs"],
                        a["measured_p50_s"],
                        a["model_p50_s"],
                        a["measured_p95_s"],
                        a["model_p95_s"],
                        a["model_over_measured_p95"],
                        " to ".join("-" if v is None else f"{v:.1f}" for v in a["model_p95_range_s"]),
                    ]
                )
            )
        parts.append("</table>")
    cost = section.get("cost")
    if cost:
        parts.append("<h3>Cost of this pool</h3><table>" + _head(["", "value"]))
        for label, key in [
            ("paid runner-hours", "paid_runner_h"),
            ("busy (running jobs)", "busy_runner_h"),
            ("idle", "idle_runner_h"),
            ("cold starts", "cold_start_runner_h"),
            ("idle share", "idle_share"),
            ("USD per 1,000 jobs", "per_1000_jobs_usd"),
            ("USD a month at this load", "per_month_usd"),
            (f"{cost['hosted_name']}: USD per 1,000 jobs", "hosted_per_1000_jobs_usd"),
            (f"{cost['hosted_name']}: USD a month", "hosted_per_month_usd"),
        ]:
            parts.append(_cells([label, cost.get(key)]))
        prices = section.get("prices") or {}
        as_of, task = html.escape(str(prices.get("as_of"))), html.escape(str(prices.get("task")))
        parts.append(f"</table><p class='note'>Prices: {as_of}; task {task}.</p>")
    for note in section.get("notes") or []:
        parts.append(f"<p class='note'>{html.escape(note)}</p>")
    parts.append("</section>")
    return "".join(parts)
