"""``report.html``: one self-contained page (charts embedded as data URIs, no external URL)."""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any

from . import sections
from .charts import CHARTS
from .decision_html import render_decision_html
from .format import value, when

__all__ = ["render_html"]

STYLE = """body{font-family:system-ui,sans-serif;margin:2em auto;max-width:70em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}
th{background:#f0f0f0}td.n{text-align:right;font-variant-numeric:tabular-nums}.note{color:#8a4b00}img{max-width:100%}
figure{margin:1em 0}"""


def render_html(summary: dict[str, Any], directory: Path) -> str:
    """The page: parameters, numbers, then the charts found in ``directory`` (each titled once, in the image)."""
    name = html.escape(str(summary["scenario"]))
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>ghrunner-locust report: {name}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{name}</h1>",
        f"<p>From {when(summary['start'])} to {when(summary['end'])} ({value(summary['duration_s'], ' s', 1)})</p>",
    ]
    parts += [f"<p class='note'>Note: {html.escape(note)}</p>" for note in summary.get("notes") or []]
    for section in (
        sections.parameters,
        sections.overview,
        sections.latencies,
        sections.pickup,
        sections.expected,
        sections.littles_law,
        sections.stages,
        sections.drift,
        sections.plan_results,
    ):
        parts.append(section(summary))
    if summary.get("decision"):
        parts.append(render_decision_html(summary["decision"]))
    parts.append("<h2>Charts</h2>")
    for file, title in CHARTS.items():
        path = directory / file
        if path.exists():
            data = base64.b64encode(path.read_bytes()).decode()
            parts.append(f"<figure><img alt='{html.escape(title)}' src='data:image/png;base64,{data}'></figure>")
    parts.append(
        "<p>Queue latency is started_at - created_at of each job, from GitHub's timestamps; exact values are in "
        "jobs.csv beside this page, and every number above in summary.json.</p></body></html>"
    )
    return "\n".join(p for p in parts if p)
