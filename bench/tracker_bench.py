"""Benchmark of the run tracker: counted API requests and CPU per run, and accuracy, against a naive poller.

For each poll interval (1 s and 10 s), two Locust processes run side by side, each against its own
simulator (8 runners, identical settings): ours (one tracker per process, batched conditional polls)
and the naive per-run poller. Each dispatches 200 runs of 4 jobs. Reported: requests that counted
against the primary rate limit per completed run (from the simulator's own counts), CPU seconds of
the Locust process per run, and the largest difference between our queue_s/execution_s and the
simulator's ground truth.

Run: python bench/tracker_bench.py [--runs 200]   (127.0.0.1 only; bounded by timeouts)
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
SIM = [
    "--runners",
    "8",
    "--fixed-latency",
    "--pickup",
    "0.5",
    "--setup",
    "0.2",
    "--teardown",
    "0.1",
    "--rate-limit",
    "100000000",
    "--secondary-per-minute",
    "100000",
    "--secondary-per-hour",
    "100000",
    "--max-concurrent",
    "10000",
]


def start_sim() -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "ghrunner_locust", "sim", "--port", "0", *SIM], stdout=subprocess.PIPE, text=True
    )
    url = next(w for w in process.stdout.readline().split() if w.startswith("http://"))
    return process, url


def ours_command(url: str, poll: float, results_dir: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(HERE / "tracker_ours_locustfile.py"),
        "--headless",
        "-t",
        "10s",
        "--gh-api-url",
        url,
        "--gh-owner",
        "bench",
        "--gh-repo",
        "ours",
        "--poll-interval",
        str(poll),
        "--jobs-refresh",
        str(poll),
        "--drain-timeout",
        "900",
        "--results-dir",
        results_dir,
        "--dispatch-limit-minute",
        "100000",
        "--dispatch-limit-hour",
        "100000",
        "--sample-interval",
        "30",
    ]


def run_pair(poll: float, runs: int) -> dict[str, dict[str, float]]:
    sims = {name: start_sim() for name in ("ours", "naive")}
    results_dir = Path(tempfile.mkdtemp())
    env = {**os.environ, "BENCH_RUNS": str(runs), "BENCH_POLL": str(poll), "GITHUB_TOKEN": "bench-token"}
    ours_cmd = ours_command(sims["ours"][1], poll, str(results_dir))
    naive_cmd = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(HERE / "tracker_naive_locustfile.py"),
        "--headless",
        "-t",
        "900s",
        "-u",
        str(runs),
        "-r",
        str(runs),
    ]
    started = {}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    procs = {
        "ours": subprocess.Popen(ours_cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        "naive": subprocess.Popen(
            naive_cmd, env={**env, "BENCH_URL": sims["naive"][1]}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        ),
    }
    wall: dict[str, float] = {}
    for name in procs:
        started[name] = time.monotonic()
    pending = dict(procs)
    while pending:
        for name, process in list(pending.items()):
            if process.poll() is not None:
                wall[name] = time.monotonic() - started[name]
                del pending[name]
        time.sleep(0.2)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    total_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    out: dict[str, dict[str, float]] = {}
    truth = requests.get(f"{sims['ours'][1]}/_sim/truth", timeout=30).json()["jobs"]
    for name, (process, url) in sims.items():
        stats = requests.get(f"{url}/_sim/stats", timeout=30).json()
        completed = sum(1 for j in requests.get(f"{url}/_sim/truth", timeout=30).json()["jobs"] if j["completed_at"]) / 4
        out[name] = {
            "completed_runs": completed,
            "counted_requests": stats["counted"],
            "not_counted": stats["not_counted"],
            "counted_per_run": round(stats["counted"] / max(1, completed), 2),
            "wall_s": round(wall[name], 1),
        }
        process.terminate()
        process.wait(10)
    out["both_locust_processes_cpu_s"] = {"total": round(total_cpu, 2)}  # ours alone: cpu_alone()
    jobs = list(csv.DictReader(open(next(results_dir.glob("*/jobs.csv")), newline="")))
    by_id = {j["job_id"]: j for j in truth}
    worst_queue = max(abs(float(j["queue_s"]) - by_id[int(j["job_id"])]["queue_s"]) for j in jobs)
    worst_exec = max(abs(float(j["execution_s"]) - by_id[int(j["job_id"])]["execution_s"]) for j in jobs)
    out["ours"].update(
        jobs_recorded=len(jobs),
        jobs_in_truth=len(truth),
        worst_queue_error_s=round(worst_queue, 3),
        worst_execution_error_s=round(worst_exec, 3),
    )
    out["ratio_counted_per_run_naive_over_ours"] = {
        "value": round(out["naive"]["counted_per_run"] / out["ours"]["counted_per_run"], 2)
    }
    return out


def cpu_alone(poll: float, runs: int) -> float:
    """CPU seconds of our Locust process alone (a second run, on its own)."""
    process, url = start_sim()
    results_dir = tempfile.mkdtemp()
    env = {**os.environ, "BENCH_RUNS": str(runs), "GITHUB_TOKEN": "bench-token"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        ours_command(url, poll, results_dir),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=1200,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    process.terminate()
    process.wait(10)
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--polls", default="1,10")
    args = parser.parse_args()
    report = {}
    for poll in (float(p) for p in args.polls.split(",")):
        pair = run_pair(poll, args.runs)
        pair["ours"]["cpu_s_per_run"] = round(cpu_alone(poll, args.runs) / args.runs, 4)
        report[f"poll_{poll:g}s"] = pair
        print(json.dumps({f"poll_{poll:g}s": pair}, indent=2), flush=True)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
