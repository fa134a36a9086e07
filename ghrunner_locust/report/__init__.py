"""Results analysis: ``summary.json``, charts and ``report.html`` from a results directory. No Locust here."""

from __future__ import annotations

from .build import build_report
from .compare import compare, format_comparison
from .console import format_summary
from .load import ReportError, Results, load_results
from .summary import summarize

__all__ = [
    "build_report",
    "load_results",
    "summarize",
    "compare",
    "format_comparison",
    "format_summary",
    "Results",
    "ReportError",
]
