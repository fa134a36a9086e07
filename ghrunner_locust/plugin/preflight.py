"""Every option, scenario file and results path checked before the first dispatch (and before the embedded
simulator starts): one line saying what to change, as :class:`UsageError` (exit code 2). No Locust here."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..planning.scenario import Scenario, load_scenario
from ..report.gate import validate_gate
from .form import check_numbers
from .settings import Settings

__all__ = ["preflight", "check_results_dir", "read_scenario"]


def preflight(options: Any) -> None:
    """Refuse bad input before anything starts: numbers, the scenario file, the results folder, settings."""
    check_numbers(options)
    if getattr(options, "scenario", None):
        read_scenario(options.scenario)
    check_results_dir(getattr(options, "results_dir", None) or "results")
    Settings.from_options(options).token()  # no token for a repository: refused before anything starts
    validate_gate(options)  # a malformed threshold or a missing baseline costs no test


def read_scenario(path: str) -> Scenario:
    """The scenario file, or one line on why it cannot be used (a binary file included)."""
    try:
        return load_scenario(path)
    except UnicodeDecodeError:
        raise UsageError(f"--scenario {path}: not a text file (a scenario is YAML, see README)") from None
    except ValueError as exc:
        raise UsageError(f"--scenario {path}: {exc}") from None


def check_results_dir(path: str) -> None:
    """The results folder is a folder this process can create and write in."""
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--results-dir {path}: is a file, not a folder: give a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".ghrunner-probe-"):
            pass
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise UsageError(f"--results-dir {path}: cannot write there ({reason}): give a writable folder") from None
    if not os.access(folder, os.W_OK):
        raise UsageError(f"--results-dir {path}: cannot write there: give a writable folder")
