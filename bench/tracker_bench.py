"""Benchmark of the run tracker: counted API requests and CPU per run, and accuracy, against a naive poller.

Three settings, each against its own simulator, ours beside the naive per-run poller:

- ``burst``: 200 runs of 4 jobs dispatched at once on 8 runners, for each poll interval (1 s and 10 s);
- ``closed``: 4 closed-loop users on 4 runners, 2 parallel jobs of 30 s, poll 5 s, 100 s (live rows on and off);
- ``workers``: a master and 2 workers (2 closed-loop users each) on 4 runners, 1 job of 3 s, poll 5 s, 40 s.

Reported: requests that counted against the primary rate limit per completed run (the simulator's own
ledger, ``/_sim/stats``), CPU seconds of the Locust process(es) per completed run (everything the
process did: imports, the test, the end-of-test report), the largest difference between our
queue_s/execution_s and the simulator's ground truth, and (local runs) how late the tracker noticed runs'
ends and reported jobs' starts (p50/p95, from meta.json).

Run: python bench/tracker_bench.py [--settings burst,closed,workers] [--runs 200] [--users-polls 5,10]
[--users-live on,off,naive] [--seeds 1,2,3] [--burst-live on,off]   (127.0.0.1 only)
"""

from __future__ import annotations

import argparse
import csv
import itertools
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


def start_sim(args: list[str] | None = None) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "ghrunner_locust", "sim", "--port", "0", *(SIM if args is None else args)],
        stdout=subprocess.PIPE,
        text=True,
    )
    url = next(w for w in process.stdout.readline().split() if w.startswith("http://"))
    return process, url


def ours_command(url: str, poll: float, results_dir: str, live: str = "on") -> list[str]:
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
        "--live-rows",
        live,
    ]


def run_pair(poll: float, runs: int, live: str = "on") -> dict[str, dict[str, float]]:
    sims = {name: start_sim() for name in ("ours", "naive")}
    results_dir = Path(tempfile.mkdtemp())
    env = {**os.environ, "BENCH_RUNS": str(runs), "BENCH_POLL": str(poll), "GITHUB_TOKEN": "bench-token"}
    ours_cmd = ours_command(sims["ours"][1], poll, str(results_dir), live)
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


def cpu_alone(poll: float, runs: int, live: str = "on") -> float:
    """CPU seconds of our Locust process alone (a second run, on its own)."""
    process, url = start_sim()
    results_dir = tempfile.mkdtemp()
    env = {**os.environ, "BENCH_RUNS": str(runs), "GITHUB_TOKEN": "bench-token"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        ours_command(url, poll, results_dir, live),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=1200,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    process.terminate()
    process.wait(10)
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def accuracy(url: str, results_dir: Path) -> dict[str, float]:
    """Our jobs against the simulator's ground truth."""
    truth = {j["job_id"]: j for j in requests.get(f"{url}/_sim/truth", timeout=30).json()["jobs"]}
    jobs = list(csv.DictReader(open(next(results_dir.glob("*/jobs.csv")), newline="")))
    done = [j for j in jobs if j["queue_s"] and j["execution_s"]]
    return {
        "jobs_recorded": len(jobs),
        "jobs_in_truth": len(truth),
        "worst_queue_error_s": round(
            max((abs(float(j["queue_s"]) - truth[int(j["job_id"])]["queue_s"]) for j in done), default=0), 3
        ),
        "worst_execution_error_s": round(
            max((abs(float(j["execution_s"]) - truth[int(j["job_id"])]["execution_s"]) for j in done), default=0), 3
        ),
    }


def ledger(url: str, jobs_per_run: int, timeout: float = 300) -> dict[str, float]:
    """Counted requests per completed run, once every run the simulator knows has completed."""
    deadline = time.monotonic() + timeout
    while True:
        jobs = requests.get(f"{url}/_sim/truth", timeout=30).json()["jobs"]
        if all(j["completed_at"] for j in jobs) or time.monotonic() > deadline:
            break
        time.sleep(1)
    stats = requests.get(f"{url}/_sim/stats", timeout=30).json()
    completed = sum(1 for j in jobs if j["completed_at"]) / jobs_per_run
    return {
        "completed_runs": completed,
        "counted_requests": stats["counted"],
        "not_counted": stats["not_counted"],
        "counted_per_run": round(stats["counted"] / max(1, completed), 2),
        "by_endpoint": stats.get("by_endpoint") or stats.get("endpoints") or {},
    }


def locust_cmd(locustfile: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "locust", "-f", str(HERE / locustfile), *args]


def users_setting(name: str, live: str = "on", poll: str = "5", seed: str = "1") -> dict[str, object]:
    """One of the users' settings (``closed`` or ``workers``) with our plugin, or the naive poller (``live='naive'``)."""
    closed = name == "closed"
    sleep, jobs, duration, users = ("30", "2", "100", 4) if closed else ("3", "1", "40", 4)
    process, url = start_sim(["--runners", "4", "--seed", seed])
    results_dir = Path(tempfile.mkdtemp())
    env = {
        **os.environ,
        "GITHUB_TOKEN": "bench-token",
        "BENCH_URL": url,
        "BENCH_POLL": poll,
        "BENCH_SLEEP": sleep,
        "BENCH_JOBS": jobs,
    }
    common = [
        "--gh-api-url", url, "--gh-owner", "bench", "--gh-repo", "ours", "--sleep-duration", sleep, "--job-count", jobs,
        "--poll-interval", poll, "--jobs-refresh", poll, "--drain-timeout", "300", "--results-dir", str(results_dir),
        "--live-rows", "off" if live == "off" else "on",
    ]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    if live == "naive":
        cmd = locust_cmd(
            "tracker_naive_closed_locustfile.py", "--headless", "-u", str(users), "-r", str(users), "-t", f"{duration}s"
        )
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=900)
    elif closed:
        cmd = locust_cmd(
            "tracker_closed_locustfile.py", "--headless", "-u", str(users), "-r", str(users), "-t", f"{duration}s", *common
        )
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=900)
    else:
        port = str(free_port())
        worker_cmd = locust_cmd("tracker_closed_locustfile.py", "--worker", "--master-port", port, *common)
        workers = [subprocess.Popen(worker_cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
        master = locust_cmd(
            "tracker_closed_locustfile.py", "--master", "--headless", "--expect-workers", "2", "--master-bind-port", port,
            "-u", str(users), "-r", str(users), "-t", f"{duration}s", *common,
        )  # fmt: skip
        subprocess.run(master, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=900)
        for worker in workers:
            worker.wait(60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    out: dict[str, object] = dict(ledger(url, int(jobs)))
    out["cpu_s_per_run"] = round(
        ((after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)) / max(1.0, float(out["completed_runs"])), 3
    )
    if live != "naive":
        out.update(accuracy(url, results_dir))
        meta = json.loads(next(results_dir.glob("*/meta.json")).read_text())
        if "tracking" in meta:
            out["tracking"] = meta["tracking"]
    process.terminate()
    process.wait(10)
    return out


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--polls", default="1,10")
    parser.add_argument("--settings", default="burst,closed,workers")
    parser.add_argument("--burst-live", default="on,off", help="live rows in the burst setting")
    parser.add_argument("--users-live", default="on,off,naive", help="the users' settings: live rows on, off, naive poller")
    parser.add_argument("--users-polls", default="5", help="the users' settings: poll intervals, s")
    parser.add_argument("--seeds", default="1", help="the users' settings: simulator seeds (pickup draws), one run each")
    args = parser.parse_args()
    report: dict[str, object] = {}
    settings = args.settings.split(",")
    for name in ("closed", "workers"):
        if name in settings:
            variants = itertools.product(args.users_polls.split(","), args.users_live.split(","), args.seeds.split(","))
            for poll, live, seed in variants:
                key = f"{name}_{live}" + ("" if poll == "5" else f"_poll_{poll}s") + ("" if seed == "1" else f"_seed_{seed}")
                report[key] = result = users_setting(name, live, poll, seed)
                print(json.dumps({key: result}, indent=2), flush=True)
    for poll in (float(p) for p in args.polls.split(",")) if "burst" in settings else ():
        for live in args.burst_live.split(","):
            pair = run_pair(poll, args.runs, live)
            pair["ours"]["cpu_s_per_run"] = round(cpu_alone(poll, args.runs, live) / args.runs, 4)
            report[f"poll_{poll:g}s_live_{live}"] = pair
            print(json.dumps({f"poll_{poll:g}s_live_{live}": pair}, indent=2), flush=True)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
