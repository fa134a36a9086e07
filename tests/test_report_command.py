"""``ghrunner report``: the console summary, robust input, compare, and no Locust in the report's imports."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ghrunner_locust.cli import main
from ghrunner_locust.report import ReportError, build_report, compare, load_results

from .reportdata import META, at, job, run, synthetic, write_results


def test_console_summary(tmp_path, capsys):
    assert main(["report", str(synthetic(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert "jobs 4 (1 failed), runs 4 (1 failed), throughput 2.4 jobs/min" in out
    assert "queue latency  mean 11.2 s  p50 6.5 s  p90 24.0 s  p95 27.0 s  p99 29.4 s  max 30.0 s" in out
    assert "pickup         mean 5.0 s over 3 jobs that found a free runner (model mean 2.5 s)" in out
    assert "runners 2, utilization 52.5 %, max concurrent jobs 2" in out
    assert "s1: expected mean queue 6.5 s (pickup 2.5 s + wait 4.0 s), measured 6.0 s" in out
    assert "s3: expected mean queue grows without bound, measured -" in out
    assert main(["report", str(tmp_path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["jobs"]["count"] == 4


def test_wrong_path_and_empty_directory(tmp_path, capsys):
    with pytest.raises(ReportError, match="is not a results directory"):
        load_results(tmp_path / "nope")
    assert main(["report", str(tmp_path / "nope")]) == 2
    assert "is not a results directory" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["report", str(empty)]) == 2  # none of a test's files (results/ of a fresh clone): no junk report
    assert "holds no results" in capsys.readouterr().err and not (empty / "report.html").exists()
    (empty / "meta.json").write_text("{}")  # a test that recorded nothing, its CSV files lost
    summary = build_report(empty)
    assert summary["jobs"]["count"] == 0 and "jobs.csv is missing" in summary["notes"]
    assert summary["littles_law"]["verdict"].startswith("not checked")
    assert (empty / "report.html").exists()


def test_killed_run_and_missing_timestamps(tmp_path):
    directory = synthetic(tmp_path)
    with open(directory / "jobs.csv", "a") as handle:
        handle.write("5,5,job 5,k5,2026-01-01T00:01:35Z,2026-01-01T00:01:35Z,,,,,queued,,,local,s2\n")
        handle.write("6,6,job 6,k6,2026-01-01T00:0")  # the process died mid-row
    meta = json.loads((directory / "meta.json").read_text())
    del meta["end"]
    (directory / "meta.json").write_text(json.dumps(meta))
    summary = build_report(directory)
    assert summary["jobs"]["count"] == 5 and summary["jobs"]["unstarted"] == 1
    assert summary["end"] == "2026-01-01T00:01:35+00:00"  # the last timestamp seen
    assert any("did not end cleanly" in n for n in summary["notes"])
    assert any("never started" in n for n in summary["notes"])
    assert any("1 incomplete rows left out" in n for n in summary["notes"])


def test_compare_prints_and_writes_deltas(tmp_path, capsys):
    a = synthetic(tmp_path / "a")
    b = write_results(tmp_path / "b", [job(1, "r1", 0, 0, 40), job(2, "r2", 0, 0, 30), run(1, 40)], {**META, "expected": []})
    assert main(["report", "--compare", str(a), str(b)]) == 0
    out = capsys.readouterr().out
    assert "queue p95 (s)" in out and "B - A" in out
    rows = {r["key"]: r for r in json.loads((b / "compare-a.json").read_text())["rows"]}
    assert rows["jobs.queue_s.max"]["a"] == 30 and rows["jobs.queue_s.max"]["b"] == 0 and rows["jobs.queue_s.max"]["delta"] == -30
    assert compare({"jobs": {"count": 2}}, {"jobs": {"count": 3}})[0]["change"] == 0.5
    assert at(0) == "2026-01-01T00:00:00Z"


def test_report_command_does_not_import_locust():
    code = "import sys, ghrunner_locust.report, ghrunner_locust.commands.report; print('locust' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout.strip() == "False"


def test_a_folder_of_results_folders_is_refused_and_named(tmp_path, capsys):
    synthetic(tmp_path / "20260101T000000Z-load")
    synthetic(tmp_path / "20260102T000000Z-spike")
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "holds results directories" in err
    assert "20260101T000000Z-load" in err and "20260102T000000Z-spike" in err and "Traceback" not in err
    assert not (tmp_path / "report.html").exists() and not (tmp_path / "summary.json").exists()
    assert main(["plan", "--from-results", str(tmp_path)]) == 2
    empty = tmp_path / "20260103T000000Z-empty"  # a test that recorded nothing still gets its report
    empty.mkdir()
    (empty / "meta.json").write_text("{}")
    assert main(["report", str(empty)]) == 0
