"""The tracker at scale, in this process against a simulator in another: memory over a soak, and lag within
GitHub's budget with thousands of runs in flight. No Locust: this measures the tracker and the client alone.

- ``--mode soak``: short runs (1 job, sleep 0) kept ``--in-flight`` at a time until ``--runs`` ended; RSS of
  this process after 1,000 and after every further 1,000 runs, CPU seconds per run, counted requests per run.
- ``--mode budget``: ``--runs`` runs of one ``--sleep`` s job dispatched at once onto as many runners, the
  token's primary budget left at GitHub's 5,000 an hour (dispatch limits raised so they all go out); reports
  counted requests, the poll interval the budget allowed, and the lag of job-start reports and run-end notices.

Run: python bench/tracker_scale.py --mode soak --runs 10000
     python bench/tracker_scale.py --mode budget --runs 2000 --sleep 120 [--live-rows off]
(127.0.0.1 only; bounded by --timeout)
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import uuid

import requests

from ghrunner_locust.errors import Error
from ghrunner_locust.github import GitHubClient
from ghrunner_locust.tracking import Dispatched, RunTracker


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def start_sim(*args: str) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "ghrunner_locust", "sim", "--port", "0", *args], stdout=subprocess.PIPE, text=True
    )
    url = next(w for w in process.stdout.readline().split() if w.startswith("http://"))  # type: ignore[union-attr]
    return process, url


def dispatch(client: GitHubClient, tracker: RunTracker, sleep: float) -> None:
    key = uuid.uuid4().hex[:12]
    sent = time.time()
    result = client.dispatch_workflow("bench", "scale", "runner_test.yml", "main", {"run_key": key, "sleep_duration": str(sleep)})
    tracker.track(Dispatched(key, sent, result.run_id, sleep_s=sleep))


def soak(args: argparse.Namespace) -> dict[str, object]:
    limits = [
        "--rate-limit",
        "100000000",
        "--secondary-per-minute",
        "1000000",
        "--secondary-per-hour",
        "1000000",
        "--max-concurrent",
        "100000",
    ]
    process, url = start_sim(
        "--runners", str(args.in_flight), "--fixed-latency", "--pickup", "0.2", "--setup", "0.05", "--teardown", "0.05", *limits
    )
    client = GitHubClient(url, "bench-token", pool_size=4)
    tracker = RunTracker(
        client,
        "bench",
        "scale",
        "runner_test.yml",
        poll_interval=args.poll,
        jobs_refresh=args.poll,
        live=args.live_rows == "on",
        runners=args.in_flight,  # the pool's size, as the plugin reads it from the runners API
    )
    sent, marks, start_cpu, deadline = 0, [], cpu_s(), time.monotonic() + args.timeout
    next_mark = 1000
    while tracker.finished_runs < args.runs and time.monotonic() < deadline:
        while tracker.in_flight < args.in_flight and sent < args.runs:
            dispatch(client, tracker, 0)
            sent += 1
        tracker.poll_once()
        if tracker.finished_runs >= next_mark:
            marks.append({"runs": tracker.finished_runs, "rss_mb": round(rss_mb(), 1), "etags": len(client.etags)})
            print(json.dumps(marks[-1]), flush=True)
            next_mark += 1000
        time.sleep(args.poll)
    stats = requests.get(f"{url}/_sim/stats", timeout=30).json()
    process.terminate()
    return {
        "runs": tracker.finished_runs,
        "rss": marks,
        "cpu_s_per_run": round((cpu_s() - start_cpu) / max(1, tracker.finished_runs), 5),
        "counted_per_run": round(stats["counted"] / max(1, tracker.finished_runs), 3),
    }


def budget(args: argparse.Namespace) -> dict[str, object]:
    limits = [
        "--rate-limit",
        "5000",
        "--secondary-per-minute",
        "1000000",
        "--secondary-per-hour",
        "1000000",
        "--max-concurrent",
        "100000",
    ]
    process, url = start_sim("--runners", str(args.runs), "--seed", "1", *limits)
    client = GitHubClient(url, "bench-token", pool_size=4)
    tracker = RunTracker(
        client,
        "bench",
        "scale",
        "runner_test.yml",
        poll_interval=args.poll,
        jobs_refresh=10,
        live=args.live_rows == "on",
        runners=args.runs,
    )
    for _ in range(args.runs):
        dispatch(client, tracker, args.sleep)
    start_cpu, began, intervals, polls, errors = cpu_s(), time.monotonic(), [], [], []
    deadline = began + args.timeout
    while tracker.runs and time.monotonic() < deadline:
        t0 = time.monotonic()
        try:
            tracker.poll_once()
        except Error as exc:  # as the Locust glue does: note it, poll again after the interval
            errors.append(str(exc)[:200])
        polls.append(time.monotonic() - t0)
        intervals.append(tracker.next_interval())
        time.sleep(max(0.0, min(intervals[-1], deadline - time.monotonic()) - polls[-1]))
    stats = requests.get(f"{url}/_sim/stats", timeout=30).json()
    process.terminate()
    wall = time.monotonic() - began
    return {
        "runs": tracker.finished_runs,
        "live_rows": args.live_rows,
        "counted": stats["counted"],
        "counted_per_hour_while_tracking": round((stats["counted"] - args.runs) / wall * 3600),
        "rate_limit_remaining_at_end": client.rate_limit.remaining if client.rate_limit else None,
        "interval_s": {"min": round(min(intervals), 1), "max": round(max(intervals), 1)},
        "poll_duration_s_max": round(max(polls), 2),
        "errors": errors[:3],
        "cpu_share_of_a_core": round((cpu_s() - start_cpu) / wall, 3),
        **tracker.summary(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["soak", "budget"], default="soak")
    parser.add_argument("--runs", type=int, default=10000)
    parser.add_argument("--in-flight", type=int, default=200)
    parser.add_argument("--sleep", type=float, default=120)
    parser.add_argument("--poll", type=float, default=None)
    parser.add_argument("--live-rows", choices=["on", "off"], default="on")
    parser.add_argument("--timeout", type=float, default=1200)
    args = parser.parse_args()
    args.poll = args.poll if args.poll is not None else (0.5 if args.mode == "soak" else 5.0)
    print(json.dumps(soak(args) if args.mode == "soak" else budget(args), indent=2))


if __name__ == "__main__":
    main()
