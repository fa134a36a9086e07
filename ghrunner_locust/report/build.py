"""Build a report: ``summary.json``, the chart PNGs and ``report.html`` from a results directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import Error
from .charts import draw_all
from .decision import decision_from_results
from .html import render_html
from .load import load_results
from .summary import summarize

__all__ = ["build_report"]


def build_report(directory: str | Path) -> dict[str, Any]:
    """Write ``summary.json``, the chart PNGs and ``report.html`` into ``directory``; return the summary."""
    results = load_results(directory)
    summary = summarize(results)
    try:
        summary["decision"] = decision_from_results(results, summary)
    except Error as exc:  # too little data for a plan: the rest of the report stands
        summary.setdefault("notes", []).append(f"no runner-count plan: {exc}")
    (results.directory / "summary.json").write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
    draw_all(results, results.directory, summary["runners"])
    (results.directory / "report.html").write_text(render_html(summary, results.directory), encoding="utf-8")
    return summary
