"""How numbers, percentages and times read, the same on the console and in ``report.html``."""

from __future__ import annotations

import html
import re
from typing import Any

import pandas as pd

__all__ = ["value", "count", "percent", "when", "table"]


def value(v: Any, unit: str = "", digits: int = 2) -> str:
    """A number with thousands separators and ``digits`` decimals (integers as they are); '-' when missing."""
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:,.{digits}f}{unit}"
    if isinstance(v, int):
        return f"{v:,}{unit}"
    return f"{v}{unit}"


def count(n: int, noun: str, plural: str = "") -> str:
    """``n`` and its noun, singular for one: ``count(1, "job")`` -> '1 job', ``count(3, "job")`` -> '3 jobs'."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def percent(v: float | None, digits: int = 1) -> str:
    """A fraction as a percentage: 0.1621 -> '16.2 %'."""
    return "-" if v is None else f"{v * 100:.{digits}f} %"


def when(iso: str | None) -> str:
    """An ISO 8601 time as 'YYYY-MM-DD HH:MM:SS UTC' (no fractions of a second)."""
    if not iso:
        return "-"
    t = pd.to_datetime(iso, utc=True, errors="coerce")
    return "-" if pd.isna(t) else t.strftime("%Y-%m-%d %H:%M:%S UTC")


NUMBER = re.compile(r"^[-+]?[\d,.]+( %| s)?$|^-$")
"""Cells that read as a number (or '-') align right."""


def _cell(c: Any) -> str:
    text = c if isinstance(c, str) else value(c)
    align = " class='n'" if NUMBER.match(text) else ""
    return f"<td{align}>{html.escape(text)}</td>"


def table(rows: list[list[Any]], head: list[str] | None = None) -> str:
    """An HTML table; cells that are not already strings go through :func:`value`; numbers align right."""
    header = "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>" if head else ""
    body = "".join("<tr>" + "".join(_cell(c) for c in row) + "</tr>" for row in rows)
    return f"<table>{header}{body}</table>"
