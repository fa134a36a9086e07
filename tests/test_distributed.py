"""Master and workers when a process dies: a dead worker's runs adopted, no load left after a dead master."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import REPO_ROOT, free_port, read_csv
from .test_plugin import QUICK, quick_sim

pytestmark = pytest.mark.slow
CLOSED_LOOP = str(REPO_ROOT / "tests" / "locustfiles" / "closed_loop.py")
ENV = {k: v for k, v in os.environ.items() if k not in ("GITHUB_TOKEN", "GH_TOKEN")}
WORKLOAD = [*QUICK[:2], "--job-count", "2", *QUICK[4:]]  # jobs of 0.5 s, runs short enough to end in the drain


def locust(args: list[str], log: Path) -> subprocess.Popen:
    with open(log, "w") as handle:
        return subprocess.Popen(
            [sys.executable, "-m", "locust", "-f", CLOSED_LOOP, *args],
            cwd=REPO_ROOT,
            env=ENV,
            stdout=handle,
            stderr=subprocess.STDOUT,
            text=True,
        )


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def test_a_killed_workers_runs_are_adopted_and_no_completed_job_is_lost(tmp_path):
    port = free_port()
    with quick_sim(runners=6) as sim:
        common = ["--gh-api-url", sim.url, *WORKLOAD, "--sleep-duration", "3"]
        workers = [locust([*common, "--worker", "--master-port", str(port)], tmp_path / f"w{i}.log") for i in range(2)]
        master = locust(
            [
                *common,
                *("--master", "--headless", "--expect-workers", "2", "--master-bind-port", str(port)),
                *("-u", "4", "-r", "4", "-t", "14s", "--drain-timeout", "30"),
                *("--results-dir", str(tmp_path / "results")),
            ],
            tmp_path / "master.log",
        )
        try:
            deadline = time.monotonic() + 40
            while len(sim.state.runs) < 6 and time.monotonic() < deadline:  # runs in flight on both workers
                time.sleep(0.2)
            workers[0].send_signal(signal.SIGKILL)
            killed = time.monotonic()
            master.wait(90)
            took = time.monotonic() - killed
        finally:
            stop([master, *workers])
        truth = {j["job_id"]: j for j in sim.state.truth() if j["completed_at"] is not None}
    log = (tmp_path / "master.log").read_text()
    (directory,) = [d for d in (tmp_path / "results").iterdir() if d.is_dir()]
    jobs = {int(j["job_id"]) for j in read_csv(directory / "jobs.csv")}
    assert set(truth) <= jobs, (sorted(set(truth) - jobs), log[-3000:])
    assert len(read_csv(directory / "jobs.csv")) == len(jobs)  # nothing written twice
    notes = json.loads((directory / "summary.json").read_text())["notes"]
    lost = [n for n in notes if "was lost" in n]
    assert len(lost) == 1 and "the master follows every run it dispatched" in lost[0], notes
    assert "(0 in all)" not in lost[0], notes  # it had dispatched runs, and they were followed (truth above)
    print(f"{lost[0]}; completed jobs {len(truth)}, recorded {len(jobs)}; the master ended {took:.1f} s after the kill")
    assert "did not finish draining" not in log  # the master did not wait for the dead worker
    assert took < 60, took
    users = [int(s["users"]) for s in read_csv(directory / "samples.csv") if s["users"]]
    lost_at = next(i for i in range(1, len(users)) if users[i - 1] == 4 and 0 < users[i] < 4)
    assert 4 in users[lost_at:], users  # the dead worker's users moved to the other one: the load held
    drain = log[log.index("ghrunner: waiting up to") :] if "ghrunner: waiting up to" in log else ""
    assert "Sending spawn jobs" not in drain, drain[:2000]  # no users sent to a worker once the test is stopping


def test_workers_stop_dispatching_within_ten_seconds_of_losing_the_master(tmp_path):
    port = free_port()
    with quick_sim(runners=6) as sim:
        common = ["--gh-api-url", sim.url, *WORKLOAD]
        workers = [locust([*common, "--worker", "--master-port", str(port)], tmp_path / f"w{i}.log") for i in range(2)]
        master = locust(
            [
                *common,
                *("--master", "--headless", "--expect-workers", "2", "--master-bind-port", str(port)),
                *("-u", "4", "-r", "4", "-t", "120s", "--results-dir", str(tmp_path / "results")),
            ],
            tmp_path / "master.log",
        )
        try:
            time.sleep(6)
            master.send_signal(signal.SIGKILL)
            killed = sim.state.clock.time()
            before = len(sim.state.runs)
            for worker in workers:
                worker.wait(60)
            last = max(run.created_at for run in sim.state.runs.values())
        finally:
            stop([master, *workers])
    print(f"last dispatch {last - killed:.1f} s after the master was killed; {len(sim.state.runs) - before} runs after")
    assert before > 0
    assert last - killed < 10, f"dispatched {last - killed:.1f} s after the master died"
    for i in range(2):
        assert "no heartbeat from the master" in (tmp_path / f"w{i}.log").read_text()


def test_web_ui_master_stop_after_a_lost_worker_writes_one_clean_report(tmp_path):
    """The web UI on a master: START, a worker killed, STOP: its runs adopted, the report, no traceback."""
    import requests

    from .weblocust import web_locust

    port = free_port()
    results = tmp_path / "results"
    with quick_sim(runners=6) as sim:
        common = ["--gh-api-url", sim.url, *WORKLOAD, "--sleep-duration", "3"]
        master_args = ["--master", "--master-bind-port", str(port), "--results-dir", str(results), *common]
        with web_locust(CLOSED_LOOP, tmp_path, *master_args) as web:
            workers = [locust([*common, "--worker", "--master-port", str(port)], tmp_path / f"w{i}.log") for i in range(2)]
            try:
                deadline = time.monotonic() + 30
                while web.get("/stats/requests").get("worker_count", 0) < 2 and time.monotonic() < deadline:
                    time.sleep(0.3)
                assert web.post("/swarm", {"user_count": "4", "spawn_rate": "4"})["success"] is True
                while len(sim.state.runs) < 6 and time.monotonic() < deadline + 30:
                    time.sleep(0.2)
                workers[0].send_signal(signal.SIGKILL)
                time.sleep(5)
                requests.post(web.url + "/stop", timeout=120)
                deadline = time.monotonic() + 60
                while "ghrunner: report in" not in web.text() and time.monotonic() < deadline:
                    time.sleep(0.5)
                time.sleep(3)  # the sampler must not write into the closed results
            finally:
                stop(workers)
        truth = {j["job_id"] for j in sim.state.truth() if j["completed_at"] is not None}
    (directory,) = [d for d in results.iterdir() if d.is_dir()]
    assert truth <= {int(j["job_id"]) for j in read_csv(directory / "jobs.csv")}
    assert any("was lost" in n for n in json.loads((directory / "summary.json").read_text())["notes"])
    assert "Traceback" not in web.text(), web.text()[-3000:]
