"""Results files: rows appended and flushed as they come, readable by pandas even after a kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

import pandas as pd

from ghrunner_locust.tracking.records import JobRecord, RunRecord, Sample, columns
from ghrunner_locust.tracking.results import ResultsWriter, results_dir_name


def job(i: int) -> JobRecord:
    return JobRecord(
        run_id=1,
        job_id=i,
        job_name=f"job {i}",
        run_key="k",
        dispatched_at="2026-01-01T00:00:00.000Z",
        created_at="2026-01-01T00:00:01.000Z",
        started_at="2026-01-01T00:00:04.000Z",
        completed_at="2026-01-01T00:01:06.000Z",
        queue_s=3.0,
        execution_s=62.0,
        status="completed",
        conclusion="success",
        runner_name="r1",
        worker="local",
    )


def test_directory_name():
    assert results_dir_name("load test!", datetime(2026, 11, 30, 9, 30, tzinfo=UTC)) == "20261130T093000Z-load-test"


def test_columns_are_the_documented_contract(tmp_path):
    writer = ResultsWriter(tmp_path)
    writer.write(job(1))
    writer.close()
    frame = pd.read_csv(tmp_path / "jobs.csv")
    assert list(frame.columns) == columns(JobRecord)
    for required in [
        "run_id",
        "job_id",
        "job_name",
        "run_key",
        "dispatched_at",
        "created_at",
        "started_at",
        "completed_at",
        "queue_s",
        "execution_s",
        "status",
        "conclusion",
        "runner_name",
        "worker",
    ]:
        assert required in frame.columns
    assert frame.loc[0, "queue_s"] == 3.0
    assert list(pd.read_csv(tmp_path / "runs.csv").columns) == columns(RunRecord)
    assert list(pd.read_csv(tmp_path / "samples.csv").columns) == columns(Sample)


def test_rows_survive_a_killed_process(tmp_path):
    code = f"""
import sys, time
sys.path.insert(0, {str(os.getcwd())!r})
from tests.test_results import job
from ghrunner_locust.tracking.results import ResultsWriter
writer = ResultsWriter({str(tmp_path)!r})
for i in range(5):
    writer.write(job(i))
print("written", flush=True)
time.sleep(60)
"""
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "written"
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    assert len(pd.read_csv(tmp_path / "jobs.csv")) == 5


def test_meta_is_rewritten_atomically(tmp_path):
    writer = ResultsWriter(tmp_path)
    writer.write_meta({"start": 1})
    writer.write_meta({"start": 1, "end": 2})
    assert json.loads((tmp_path / "meta.json").read_text()) == {"start": 1, "end": 2}
    assert not list(tmp_path.glob("*.tmp"))
    time.sleep(0)
