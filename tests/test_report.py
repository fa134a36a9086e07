"""The report: hand-worked numbers on synthetic results, robust input, a real run, an offline page."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from ghrunner_locust.cli import main
from ghrunner_locust.report import ReportError, build_report, compare, load_results, summarize
from ghrunner_locust.tracking.records import JobRecord, RunRecord, Sample
from ghrunner_locust.tracking.results import ResultsWriter

T0 = pd.Timestamp("2026-01-01T00:00:00Z")


def at(seconds: float) -> str:
    return (T0 + pd.Timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def job(i, runner, created, started, completed, conclusion="success", stage="s1"):
    return JobRecord(
        run_id=i,
        job_id=i,
        job_name=f"job {i}",
        run_key=f"k{i}",
        dispatched_at=at(created),
        created_at=at(created),
        started_at=at(started) if started is not None else "",
        completed_at=at(completed) if completed is not None else "",
        queue_s=None if started is None else started - created,
        execution_s=None if completed is None else completed - started,
        status="completed" if completed is not None else "queued",
        conclusion=conclusion,
        runner_name=runner,
        worker="local",
        stage=stage,
    )


def run(i, total, conclusion="success"):
    return RunRecord(
        run_id=i,
        run_key=f"k{i}",
        dispatched_at=at(0),
        created_at=at(0),
        first_started_at=at(0),
        completed_at=at(total),
        status="completed",
        conclusion=conclusion,
        job_count=1,
        total_s=total,
        pickup_s=0,
        job_type="parallel",
        sleep_s=1,
        worker="local",
    )


@pytest.fixture
def synthetic(tmp_path):
    """2 runners over a 100 s test. r1 busy 0-40 and 50-90 (80 s), r2 busy 10-30 (20 s)."""
    writer = ResultsWriter(tmp_path)
    for record in [
        job(1, "r1", 0, 0, 40),
        job(2, "r2", 0, 10, 30),
        job(3, "r1", 20, 50, 90, "failure", "s2"),
        run(1, 40),
        run(2, 30),
        run(3, 90, "failure"),
        Sample(
            time=at(5),
            worker="local",
            in_flight_runs=1,
            queued_jobs=0,
            running_jobs=1,
            busy_runners=1,
            online_runners=2,
            rate_limit_remaining=4999,
            rate_limit_used=1,
            requests_sent=1,
            requests_counted=1,
            users=1,
        ),
    ]:
        writer.write(record)
    writer.write_meta(
        {
            "scenario": "synthetic",
            "start": at(0),
            "end": at(100),
            "target": "embedded simulator",
            "expected": [{"stage": "s1", "expected_queue_s": 4.0, "utilization": 0.5}],
        }
    )
    writer.close()
    return tmp_path


def test_hand_worked_numbers(synthetic):
    s = summarize(load_results(synthetic))
    # queue: 0, 10, 30 -> mean 13.333, p50 10, p95 = 10 + 0.9 * 20 = 28
    assert s["jobs"]["queue_s"]["mean"] == pytest.approx(13.333, abs=1e-3)
    assert (s["jobs"]["queue_s"]["p50"], s["jobs"]["queue_s"]["p95"], s["jobs"]["queue_s"]["max"]) == (10, 28, 30)
    assert s["jobs"]["execution_s"]["p50"] == 40 and s["jobs"]["failed"] == 1
    assert s["runs"]["count"] == 3 and s["runs"]["failed"] == 1 and s["runs"]["total_s"]["max"] == 90
    assert s["runner_utilization"] == pytest.approx((80 + 20) / (2 * 100))
    assert s["max_concurrent_jobs"] == 2
    assert s["throughput_jobs_per_min"] == pytest.approx(3 / (100 / 60), abs=1e-3)
    # Little: lambda = 3 / 100 s; W = mean(40, 30, 70) = 46.67 s; L = (40 + 30 + 70) / 100 = 1.4 = lambda * W
    little = s["littles_law"]
    assert little["arrival_rate_per_s"] == 0.03 and little["mean_in_system"] == pytest.approx(1.4)
    assert little["lambda_w"] == pytest.approx(little["mean_in_system"], abs=1e-3)
    assert [st["stage"] for st in s["stages"]] == ["s1", "s2"]
    # drift: (t, queue) = (0, 0), (0, 10), (20, 30): slope = sum(dt*dq)/sum(dt^2) = 333.3/266.7 = 1.25 s/s = 4500 s/h
    assert s["drift"]["queue_s_slope_per_hour"] == pytest.approx(4500.0)
    assert s["drift"]["runners_seen"] == 2 and s["drift"]["failed_jobs_by_stage"] == {"s2": 1}
    assert (s["drift"]["online_runners_min"], s["drift"]["online_runners_max"]) == (2, 2)
    assert s["expected_vs_measured"] == [
        {"stage": "s1", "expected_mean_queue_s": 4.0, "expected_utilization": 0.5, "measured_mean_queue_s": 5.0}
    ]


def test_build_report_writes_summary_charts_and_an_offline_page(synthetic):
    summary = build_report(synthetic)
    assert json.loads((synthetic / "summary.json").read_text())["jobs"]["count"] == summary["jobs"]["count"] == 3
    for name in ["occupancy.png", "queue_latency.png", "queue_depth.png", "latency_distribution.png", "throughput.png"]:
        assert (synthetic / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (synthetic / "report.html").read_text()
    assert not re.search(r"https?://", page), "the page must work offline"
    assert page.count("data:image/png;base64,") == 5


def test_wrong_path_and_empty_directory(tmp_path, capsys):
    with pytest.raises(ReportError, match="is not a results directory"):
        load_results(tmp_path / "nope")
    assert main(["report", str(tmp_path / "nope")]) == 2
    assert "is not a results directory" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    summary = build_report(empty)
    assert summary["jobs"]["count"] == 0 and "jobs.csv is missing" in summary["notes"]
    assert "no data recorded" not in (empty / "report.html").read_text()  # drawn into the PNGs, page still renders


def test_killed_run_and_missing_timestamps(synthetic):
    with open(synthetic / "jobs.csv", "a") as handle:
        handle.write("4,4,job 4,k4,2026-01-01T00:01:35Z,2026-01-01T00:01:35Z,,,,,queued,,,local,s2\n")
        handle.write("5,5,job 5,k5,2026-01-01T00:0")  # the process died mid-row
    meta = json.loads((synthetic / "meta.json").read_text())
    del meta["end"]
    (synthetic / "meta.json").write_text(json.dumps(meta))
    summary = build_report(synthetic)
    assert summary["jobs"]["count"] == 4 and summary["jobs"]["unstarted"] == 1
    assert any("did not end cleanly" in n for n in summary["notes"])
    assert any("never started" in n for n in summary["notes"])
    assert any("1 incomplete rows left out" in n for n in summary["notes"])


def test_compare_prints_and_writes_deltas(synthetic, tmp_path, capsys):
    other = tmp_path / "other"
    other.mkdir()
    writer = ResultsWriter(other)
    for record in [job(1, "r1", 0, 0, 40), job(2, "r2", 0, 0, 30), run(1, 40)]:
        writer.write(record)
    writer.write_meta({"scenario": "eight runners", "start": at(0), "end": at(100)})
    writer.close()
    assert main(["report", "--compare", str(synthetic), str(other)]) == 0
    out = capsys.readouterr().out
    assert "queue p95 (s)" in out and "B - A" in out
    rows = {r["key"]: r for r in json.loads((other / f"compare-{synthetic.name}.json").read_text())["rows"]}
    assert rows["jobs.queue_s.max"]["a"] == 30 and rows["jobs.queue_s.max"]["b"] == 0 and rows["jobs.queue_s.max"]["delta"] == -30
    assert compare({"jobs": {"count": 2}}, {"jobs": {"count": 3}})[0]["change"] == 0.5


def test_report_command_does_not_import_locust():
    import subprocess
    import sys

    code = "import sys, ghrunner_locust.report, ghrunner_locust.commands.report; print('locust' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout.strip() == "False"
