"""Read a results directory with pandas, tolerating what a killed or empty test leaves behind."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import UsageError
from ..tracking.records import JobRecord, RunRecord, Sample, columns
from .format import count

__all__ = ["Results", "ReportError", "load_results"]

TIME_COLUMNS = {
    "jobs.csv": ["dispatched_at", "created_at", "started_at", "completed_at"],
    "runs.csv": ["dispatched_at", "created_at", "first_started_at", "completed_at"],
    "samples.csv": ["time"],
}


LAST_REQUIRED = {"jobs.csv": "worker", "runs.csv": "worker", "samples.csv": "users"}
"""A column every writer fills: a row without it was cut short."""


class ReportError(UsageError):
    """A results directory that cannot be reported on."""


@dataclass
class Results:
    """The files of one test, as DataFrames (empty where a file is missing), and what was odd about them."""

    directory: Path
    jobs: pd.DataFrame
    runs: pd.DataFrame
    samples: pd.DataFrame
    meta: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    """Plain-language remarks: missing files, a test that did not end, rows without timestamps."""


def _read(directory: Path, name: str, cls: type, notes: list[str]) -> pd.DataFrame:
    path = directory / name
    empty = pd.DataFrame({c: pd.Series(dtype="object") for c in columns(cls)})
    if not path.exists():
        notes.append(f"{name} is missing")
        return empty
    try:
        frame = pd.read_csv(path, on_bad_lines="skip")
    except pd.errors.EmptyDataError:
        notes.append(f"{name} is empty")
        return empty
    for column in columns(cls):
        if column not in frame.columns:
            frame[column] = pd.NA
    complete = frame[LAST_REQUIRED[name]].notna()
    if (~complete).any():
        notes.append(f"{name}: {int((~complete).sum())} incomplete rows left out (the test was stopped while writing them)")
        frame = frame[complete].copy()
    for column in TIME_COLUMNS[name]:
        frame[column] = pd.to_datetime(frame[column], utc=True, errors="coerce", format="ISO8601")
    return frame


def _not_a_parent(directory: Path) -> None:
    """A folder of results folders (e.g. ``results/``) is not one: name the folders to give instead."""
    if any((directory / name).exists() for name in (*TIME_COLUMNS, "meta.json")):
        return
    tests = sorted(
        p.name for p in directory.iterdir() if p.is_dir() and ((p / "meta.json").exists() or (p / "jobs.csv").exists())
    )
    if tests:
        named = ", ".join(str(directory / name) for name in tests[-3:])
        more = f" (or one of {len(tests) - 3} older)" if len(tests) > 3 else ""
        raise ReportError(f"{directory} holds results directories, it is not one: give one of them, e.g. {named}{more}")


def load_results(directory: str | Path) -> Results:
    """Load ``jobs.csv``, ``runs.csv``, ``samples.csv`` and ``meta.json``; only a wrong path is an error."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ReportError(
            f"{directory} is not a results directory: give one that a test wrote, e.g. results/20261130T093000Z-load"
        )
    _not_a_parent(directory)
    if not any((directory / name).exists() for name in (*TIME_COLUMNS, "meta.json")):  # a test writes them all at its start
        raise ReportError(
            f"{directory} holds no results (no meta.json, jobs.csv, runs.csv or samples.csv): give a folder a test "
            "wrote, e.g. results/20261130T093000Z-load"
        )
    notes: list[str] = []
    jobs = _read(directory, "jobs.csv", JobRecord, notes)
    runs = _read(directory, "runs.csv", RunRecord, notes)
    samples = _read(directory, "samples.csv", Sample, notes)
    meta: dict[str, Any] = {}
    try:
        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        notes.append("meta.json is missing")
    except json.JSONDecodeError:
        notes.append("meta.json is not valid JSON")
    if isinstance(meta, dict):
        notes.extend(str(n) for n in meta.get("notes") or [])  # the harness's own (a lost worker, adopted runs)
    if meta and not meta.get("end"):
        notes.append("the test did not end cleanly (meta.json has no end time): the numbers cover what was recorded")
    if len(jobs) and jobs["started_at"].isna().any():
        unstarted = count(int(jobs["started_at"].isna().sum()), "job")
        notes.append(f"{unstarted} never started (no started_at): left out of queue latency")
    if not len(jobs):
        notes.append("no job was recorded")
    return Results(directory, jobs, runs, samples, meta, notes)
