"""Benchmark of ``ghrunner report``: wall time and peak memory on large synthetic results directories.

Generates (into a temporary directory, nothing committed) the results of a test as the harness writes them:
Poisson arrivals in stages, FIFO on the runners, lognormal pickups that hold the runner, jobs.csv, runs.csv,
samples.csv and meta.json. Two pools by default, 100,000 job rows each:
  - persistent: 80 runners with stable names;
  - ephemeral: every job on a runner of its own name.
Each report runs in a fresh process (``python -m ghrunner_locust report DIR``); its wall time and peak RSS
(``wait4`` rusage) are printed.

Run: python bench/report_bench.py [--jobs 100000] [--runners 80] [--keep DIR]
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

T0 = pd.Timestamp("2026-01-01T00:00:00Z")
STAGES = [("warm-up", 0.5), ("peak", 0.95), ("cool-down", 0.6)]
"""Stage names and their utilization of the pool; each stage takes a third of the jobs."""


def iso(seconds: np.ndarray) -> np.ndarray:
    stamps = (T0 + pd.to_timedelta(seconds, unit="s")).strftime("%Y-%m-%dT%H:%M:%S.%f")
    return np.asarray(stamps.str.slice(0, 23) + "Z", dtype=object)


def make_results(directory: Path, jobs: int, runners: int, ephemeral: bool, seed: int = 1) -> None:
    """Write a results directory of ``jobs`` job rows on ``runners`` runners."""
    rng = np.random.default_rng(seed)
    directory.mkdir(parents=True, exist_ok=True)
    sleep, overhead, median, p90 = 60.0, 2.0, 3.0, 10.0
    sigma = math.log(p90 / median) / 1.2815515655446004
    service = sleep + overhead + median * math.exp(sigma**2 / 2)
    per_stage = jobs // len(STAGES)
    gaps, stage_of = [], []
    for name, rho in STAGES:
        rate = rho * runners / service
        gaps.append(rng.exponential(1 / rate, per_stage))
        stage_of += [name] * per_stage
    arrived = np.cumsum(np.concatenate(gaps))  # continuous times; GitHub's timestamps are whole seconds
    created = np.floor(arrived)
    n = len(created)
    pickup = rng.lognormal(math.log(median), sigma, n)
    execution = sleep + overhead + rng.uniform(-0.5, 0.5, n)
    free = [(0.0, r) for r in range(runners)]  # (free at, runner)
    heapq.heapify(free)
    began, runner = np.empty(n), np.empty(n, dtype=int)
    for i in range(n):
        at, r = heapq.heappop(free)
        began[i] = max(at, arrived[i]) + pickup[i]
        runner[i] = r
        heapq.heappush(free, (began[i] + execution[i], r))
    started, completed = np.floor(began), np.floor(began + execution)
    names = np.array([f"eph-{i:06d}" for i in range(n)]) if ephemeral else np.char.add("runner-", runner.astype(str))
    ids = np.arange(1, n + 1)
    created_iso, started_iso, completed_iso = iso(created), iso(started), iso(completed)
    pd.DataFrame(
        {
            "run_id": ids,
            "job_id": ids + 10**9,
            "job_name": "job 1",
            "run_key": [f"k{i}" for i in ids],
            "dispatched_at": iso(created - 1),
            "created_at": created_iso,
            "started_at": started_iso,
            "completed_at": completed_iso,
            "queue_s": started - created,
            "execution_s": completed - started,
            "status": "completed",
            "conclusion": np.where(rng.random(n) < 0.01, "failure", "success"),
            "runner_name": names,
            "worker": "local",
            "stage": stage_of,
        }
    ).to_csv(directory / "jobs.csv", index=False)
    pd.DataFrame(
        {
            "run_id": ids,
            "run_key": [f"k{i}" for i in ids],
            "dispatched_at": iso(created - 1),
            "created_at": created_iso,
            "first_started_at": started_iso,
            "completed_at": completed_iso,
            "status": "completed",
            "conclusion": "success",
            "job_count": 1,
            "total_s": completed - created + 1,
            "pickup_s": started - created + 1,
            "job_type": "parallel",
            "sleep_s": sleep,
            "worker": "local",
            "stage": stage_of,
            "reason": "",
        }
    ).to_csv(directory / "runs.csv", index=False)
    end = float(completed.max()) + 1
    times = np.arange(0.0, end, 5.0)
    in_system = np.searchsorted(np.sort(created), times, "right") - np.searchsorted(np.sort(completed), times, "right")
    running = np.searchsorted(np.sort(started), times, "right") - np.searchsorted(np.sort(completed), times, "right")
    pd.DataFrame(
        {
            "time": iso(times),
            "worker": "local",
            "in_flight_runs": in_system,
            "queued_jobs": in_system - running,
            "running_jobs": running,
            "busy_runners": running,
            "online_runners": runners,
            "rate_limit_remaining": 4000,
            "rate_limit_used": 1000,
            "requests_sent": 0,
            "requests_counted": 0,
            "users": 10,
            "stage": "",
        }
    ).to_csv(directory / "samples.csv", index=False)
    meta = {
        "scenario": f"bench-{'ephemeral' if ephemeral else 'persistent'}",
        "target": "embedded simulator",
        "owner": "ghrunner",
        "repo": "sim",
        "workflow": "runner_test.yml",
        "start": str(iso(np.array([0.0]))[0]),
        "end": str(iso(np.array([end]))[0]),
        "options": {
            "locustfile": "locustfiles/load.py",
            "sleep_duration": sleep,
            "job_count": 1,
            "job_type": "parallel",
            "sim_runners": runners,
            "sim_ephemeral": ephemeral,
            "sim_pickup": median,
            "sim_pickup_p90": p90,
            "sim_pickup_tail": 0.0,
            "sim_fixed_latency": False,
        },
    }
    (directory / "meta.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")


def time_report(directory: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of ``ghrunner report DIR`` in a fresh process."""
    began = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "ghrunner_locust", "report", str(directory)], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"ghrunner report {directory} failed with exit code {process.returncode}")
    return time.perf_counter() - began, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--runners", type=int, default=80)
    parser.add_argument("--keep", default=None, help="write the results directories here (default: a temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(args.keep or tmp)
        for ephemeral in (False, True):
            kind = "ephemeral" if ephemeral else "persistent"
            directory = base / f"bench-{kind}"
            make_results(directory, args.jobs, args.runners, ephemeral)
            wall, rss = time_report(directory)
            print(f"{kind:<10} {args.jobs:>8,} jobs on {args.runners} runners: {wall:6.1f} s, peak RSS {rss:6.0f} MB")


if __name__ == "__main__":
    main()
