"""Every locustfile runs headless with --quick against the embedded simulator, in under 90 s, leaving results."""

from __future__ import annotations

import json
import time
from datetime import datetime

import pytest

from .conftest import REPO_ROOT, read_csv, run_locust

pytestmark = pytest.mark.slow
PEAK_USERS = {"baseline": 1, "load": 4}
"""Users the shape runs (meta.json's num_users is what ran, not Locust's default of 1)."""
KINDS = ["baseline", "load", "scalability", "spike", "stress", "soak", "volume", "capacity"]


def only_dir(root):
    dirs = [d for d in root.iterdir() if d.is_dir()]
    assert len(dirs) == 1, dirs
    return dirs[0]


@pytest.mark.parametrize("kind", KINDS)
def test_locustfile_quick(tmp_path, kind):
    started = time.monotonic()
    result = run_locust(
        ["-f", str(REPO_ROOT / "locustfiles" / f"{kind}.py"), "--headless", "--quick", "--results-dir", str(tmp_path)],
        timeout=150,
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr[-3000:]
    assert elapsed < 90, f"{kind} took {elapsed:.0f} s"
    directory = only_dir(tmp_path)
    assert read_csv(directory / "jobs.csv"), "no job recorded"
    meta = json.loads((directory / "meta.json").read_text())
    assert meta["scenario"] == kind and meta["end"]
    summary = json.loads((directory / "summary.json").read_text())  # the report ends every run
    assert summary["jobs"]["count"] == len(read_csv(directory / "jobs.csv"))
    page = (directory / "report.html").read_text()
    assert "http://" not in page and "https://" not in page
    assert "ghrunner-locust summary" in result.stdout
    assert result.stdout.rstrip().splitlines()[-1].strip().startswith("report:")
    assert not directory.name.endswith(f"{kind}-{kind}")
    assert meta["num_users"] == meta["options"]["num_users"] == PEAK_USERS.get(kind, meta["num_users"]) >= 1
    if kind == "load":  # 4 users at 6 dispatches a minute: one every 10 s from the start, not 4 at once
        sent = sorted(r["dispatched_at"] for r in read_csv(directory / "runs.csv"))
        times = [datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp() for t in sent]
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        assert len(times) >= 3 and min(gaps) > 5, gaps
    if kind == "stress":
        assert "breaking_point" in meta
    if kind == "capacity":
        assert meta["capacity"]["probes"]


def test_failed_check_exits_3_and_says_by_how_much(tmp_path):
    result = run_locust(
        [
            "-f",
            str(REPO_ROOT / "locustfiles" / "baseline.py"),
            "--headless",
            "--quick",
            "--baseline-runs",
            "2",
            "--check-queue-p95",
            "0.001",
            "--check-fail-ratio",
            "0.5",
            "--results-dir",
            str(tmp_path),
        ],
        timeout=150,
    )
    assert result.returncode == 3, result.stderr[-3000:]
    assert "FAIL p95 queue latency" in result.stderr and "over by" in result.stderr
    assert "PASS failure ratio" in result.stderr


def test_guard_rails_refuse_a_plan_beyond_githubs_limits_unless_forced(tmp_path):
    args = [
        "-f",
        str(REPO_ROOT / "locustfiles" / "load.py"),
        "--headless",
        "--quick",
        "--shape-rate",
        "120",
        "--results-dir",
        str(tmp_path),
    ]
    refused = run_locust(args, timeout=60)
    assert refused.returncode == 2
    last = refused.stderr.strip().splitlines()[-1]  # one line, before anything starts, as any bad option
    assert "exceeds GitHub's secondary limit of 80 a minute" in last and "--force" in last
    assert "embedded GitHub Actions simulator" not in refused.stderr


def test_scenario_file_drives_the_catalogue_shape(tmp_path):
    scenario = tmp_path / "plan.yaml"
    scenario.write_text(
        "name: tiny\nworkload: {sleep_duration: 1, job_count: 2}\nstages:\n"
        "  - {duration: 8s, users: 1, name: warm}\n  - {duration: 8s, rate_per_min: 60, users: 2, name: burst}\n"
        "checks: {timeouts: 0}\n"
    )
    result = run_locust(
        [
            "-f",
            str(REPO_ROOT / "locustfiles" / "catalogue.py"),
            "--headless",
            "--scenario",
            str(scenario),
            "--sim-pickup-tail",
            "0",
            "--sim-pickup-p90",
            "5",
            "--poll-interval",
            "1",
            "--jobs-refresh",
            "1",
            "--results-dir",
            str(tmp_path / "r"),
        ],
        timeout=150,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    jobs = read_csv(only_dir(tmp_path / "r") / "jobs.csv")
    assert {j["stage"] for j in jobs} == {"warm", "burst"}
    assert "PASS runs timed out" in result.stderr


def test_bad_scenario_file_is_one_line_naming_the_line(tmp_path):
    scenario = tmp_path / "bad.yaml"
    scenario.write_text("stages:\n  - {duration: 5m, usres: 2}\n")
    result = run_locust(
        [
            "-f",
            str(REPO_ROOT / "locustfiles" / "catalogue.py"),
            "--headless",
            "--scenario",
            str(scenario),
            "--results-dir",
            str(tmp_path),
        ],
        timeout=60,
    )
    assert result.returncode == 2
    assert f"{scenario}, line 2, stages[0].usres: unknown field" in result.stderr
    assert "Traceback" not in result.stderr


def test_regression_gate_at_the_end_of_a_test(tmp_path):
    """--gate-fail-if as a Locust option: a bad expression costs no test (exit 2); a broken threshold exits 3."""
    args = ["-f", str(REPO_ROOT / "locustfiles" / "baseline.py"), "--headless", "--quick", "--results-dir", str(tmp_path)]
    refused = run_locust([*args, "--gate-fail-if", "queue_p95>>1"], timeout=60)
    assert refused.returncode == 2, refused.stderr[-3000:]
    assert not any(tmp_path.iterdir())  # nothing started
    result = run_locust([*args, "--baseline-runs", "2", "--gate-fail-if", "queue_p95>0.001,fail_ratio>0.5"], timeout=150)
    assert result.returncode == 3, result.stderr[-3000:]
    out = result.stdout + result.stderr
    assert "FAIL queue_p95>0.001" in out and "PASS fail_ratio>0.5" in out
