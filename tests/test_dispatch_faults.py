"""Issue 11 items 1, 2, 5 end to end: lost dispatch answers and rate limits in a Locust test (127.0.0.1 only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ghrunner_locust.simulator import Faults, LatencyModel, SimConfig, Simulator

from .conftest import REPO_ROOT, read_csv, run_locust

pytestmark = pytest.mark.slow
BASELINE = str(REPO_ROOT / "tests" / "locustfiles" / "closed_loop.py")
QUICK = ["--sleep-duration", "0.5", "--job-count", "1", "--poll-interval", "0.5", "--jobs-refresh", "0.5"]


def fast_sim(**overrides) -> Simulator:
    config = dict(pickup=LatencyModel(median_s=0.2, fixed=True), setup_s=0.1, teardown_s=0.1, run_to_job_s=0.1, seed=3)
    return Simulator(SimConfig(**{**config, **overrides}))


def only_dir(root: Path) -> Path:
    (directory,) = [d for d in root.iterdir() if d.is_dir()]
    return directory


def test_dropped_dispatch_connections_do_not_stop_the_test(tmp_path):
    """Item 1: ``--fault dispatch:drop=0.1`` with 6 closed-loop users used to end the test (exit 1) in seconds."""
    with fast_sim(runners=6, faults={"dispatch": Faults(drop_rate=0.1)}) as sim:
        result = run_locust(
            [
                "-f",
                BASELINE,
                "--headless",
                "-u",
                "6",
                "-r",
                "6",
                "-t",
                "10s",
                "--gh-api-url",
                sim.url,
                *QUICK,
                "--results-dir",
                str(tmp_path),
                "--drain-timeout",
                "45",
                "--exit-code-on-error",
                "0",
            ],
            env={"GITHUB_TOKEN": "t"},
            timeout=110,
        )
        created = {run.id for run in sim.state.runs.values()}
    assert result.returncode == 0, result.stderr[-3000:]
    assert "dispatch refused, stopping" not in result.stderr
    runs = read_csv(only_dir(tmp_path) / "runs.csv")
    recorded = {int(r["run_id"]) for r in runs if r["run_id"]}
    assert recorded == created and len(created) >= 12
    failed = [r for r in runs if not r["run_id"]]
    assert failed and all(r["conclusion"] == "not_found" and "failed" in r["reason"] for r in failed)


def test_nothing_sent_while_the_budget_is_spent(tmp_path):
    """Item 5: with the primary budget spent (403, remaining 0), nothing is sent until it resets.

    It used to send 48 dispatches and 11 GETs in 54 s, all refused. A 30-request budget in a 20 s window here.
    """
    from .faultproxy import FaultProxy

    with fast_sim(runners=4, primary_limit=30, primary_window_s=20) as sim, FaultProxy(sim.url) as proxy:
        result = run_locust(
            [
                "-f",
                BASELINE,
                "--headless",
                "-u",
                "4",
                "-r",
                "4",
                "-t",
                "25s",
                "--gh-api-url",
                proxy.url,
                *QUICK,
                "--sample-interval",
                "60",
                "--results-dir",
                str(tmp_path),
                "--drain-timeout",
                "30",
                "--exit-code-on-error",
                "0",
            ],
            env={"GITHUB_TOKEN": "t"},
            timeout=100,
        )
        log = list(proxy.log)
    assert result.returncode == 0, result.stderr[-3000:]
    refusals = [entry for entry in log if entry[3] == 403]
    assert len(log) > 35  # the budget was spent, then requests went on after the reset
    assert len(refusals) <= 4, refusals  # at most the requests already in flight
    for _, answered, _, _, limits in refusals:
        reset = int(limits["x-ratelimit-reset"])
        inside = [e for e in log if answered + 0.3 < e[0] < reset]
        assert not inside, inside
    spent = [e for e in log if e[4].get("x-ratelimit-remaining") == "0" and e[3] < 400]
    for _, answered, _, _, limits in spent:  # the answer that spent the budget pauses the process too
        reset = int(limits["x-ratelimit-reset"])
        assert not [e for e in log if answered + 0.3 < e[0] < reset]
    runs = read_csv(only_dir(tmp_path) / "runs.csv")
    assert runs and all(r["conclusion"] == "success" for r in runs)
