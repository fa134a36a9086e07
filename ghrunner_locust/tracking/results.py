"""The results directory of one test: CSV rows appended and flushed as they arrive, and meta.json.

A process killed mid-test leaves every row it wrote readable: each row is flushed when written.
"""

from __future__ import annotations

import csv
import json
import os
import re
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from .records import JobRecord, RunRecord, Sample, as_row, columns

__all__ = ["ResultsWriter", "results_dir_name", "FILES"]

FILES = {"jobs.csv": JobRecord, "runs.csv": RunRecord, "samples.csv": Sample}


def results_dir_name(scenario: str, now: datetime | None = None) -> str:
    """``<UTC time>-<scenario>``, e.g. ``20261130T093000Z-load``."""
    now = now or datetime.now(UTC)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", scenario).strip("-") or "test"
    return f"{now:%Y%m%dT%H%M%SZ}-{safe}"


class ResultsWriter:
    """Writes one test's ``jobs.csv``, ``runs.csv``, ``samples.csv`` and ``meta.json``."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._files: dict[type, tuple[IO[str], csv.DictWriter]] = {}
        self.counts: dict[str, int] = {name: 0 for name in FILES}
        for name, cls in FILES.items():
            handle = open(self.directory / name, "a", newline="", encoding="utf-8")  # noqa: SIM115 - kept open for the test
            writer = csv.DictWriter(handle, fieldnames=columns(cls))
            if handle.tell() == 0:
                writer.writeheader()
                handle.flush()
            self._files[cls] = (handle, writer)

    def write(self, record: JobRecord | RunRecord | Sample) -> None:
        """Append one record and flush it to disk."""
        with self._lock:
            handle, writer = self._files[type(record)]
            writer.writerow({k: "" if v is None else v for k, v in as_row(record).items()})
            handle.flush()
            self.counts[next(n for n, c in FILES.items() if c is type(record))] += 1

    def write_meta(self, meta: dict[str, Any]) -> None:
        """Write (or rewrite) meta.json atomically."""
        path = self.directory / "meta.json"
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(meta, indent=2, sort_keys=True, default=str), encoding="utf-8")
        os.replace(tmp, path)

    def close(self) -> None:
        with self._lock:
            for handle, _ in self._files.values():
                handle.close()
            self._files.clear()
