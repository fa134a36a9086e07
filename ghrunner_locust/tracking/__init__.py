"""Tracking: follow dispatched runs, keep their job and run records, write them to the results directory."""

from .budget import PollBudget, PollPlan
from .governor import DispatchGovernor
from .pool_view import pool_rows
from .records import JobRecord, RunRecord, Sample, as_row, columns, from_row, iso
from .results import FILES, ResultsWriter, results_dir_name
from .runs import Dispatched, TrackedRun, TrackerListener
from .tracker import RunTracker

__all__ = [
    "RunTracker",
    "TrackerListener",
    "Dispatched",
    "TrackedRun",
    "JobRecord",
    "RunRecord",
    "Sample",
    "columns",
    "as_row",
    "from_row",
    "iso",
    "ResultsWriter",
    "results_dir_name",
    "FILES",
    "DispatchGovernor",
    "pool_rows",
    "PollBudget",
    "PollPlan",
]
