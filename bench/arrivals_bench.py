"""Exact arrivals with thousands of runs in flight: one Locust process fills a 2,500-runner simulator with
``--fill`` runs (sleep ``--sleep`` s) in ``--fill-minutes``, then dispatches ``--rate`` a minute with equal gaps
for ``--steady-minutes`` while its one tracker follows them all (live rows on, poll 5 s). The fill's runs
end during the steady stage, so the tracker reads their ends while the users dispatch.

Reported for the steady stage: dispatches in each whole minute, the gaps between dispatches (the ideal is
60 / rate) and the largest drift of a dispatch from its place on the ideal grid; runs in flight (samples.csv);
the Locust process's CPU share of one core; counted requests an hour (the simulator's ledger).

Run: python bench/arrivals_bench.py [--fill 2000 --fill-minutes 2 --rate 80 --steady-minutes 6 --sleep 240]
(127.0.0.1 only; bounded by the stages and --timeout)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import requests
from tracker_scale import start_sim  # bench/ is the script's folder

HERE = Path(__file__).resolve().parent
RAISED = ["--secondary-per-minute", "1000000", "--secondary-per-hour", "1000000", "--max-concurrent", "100000"]


def scenario(args: argparse.Namespace, folder: Path) -> Path:
    path = folder / "arrivals.yaml"
    fill_rate = args.fill / args.fill_minutes
    path.write_text(
        "name: arrivals\n"
        f"workload: {{sleep_duration: {args.sleep:g}, job_count: 1, job_type: parallel}}\n"
        "stages:\n"
        f"  - {{duration: {args.fill_minutes * 60:g}s, rate_per_min: {fill_rate:g}, name: fill}}\n"
        f"  - {{duration: {args.steady_minutes * 60:g}s, rate_per_min: {args.rate:g}, name: steady}}\n"
    )
    return path


def gaps(sent: pd.Series, rate: float) -> dict[str, object]:
    """The steady stage's dispatches against a grid of equal gaps (fitted to their first one)."""
    times = sent.sort_values().map(pd.Timestamp.timestamp).to_numpy()
    ideal = 60.0 / rate
    gap = pd.Series(times[1:] - times[:-1])
    drift = times - (times[0] + ideal * pd.RangeIndex(len(times)).to_numpy())
    minutes = pd.Series((times - times[0]) // 60).value_counts().sort_index()
    whole = minutes.iloc[:-1] if len(minutes) > 1 else minutes  # the last minute is cut by the stage's end
    return {
        "dispatches": len(times),
        "ideal_gap_s": round(ideal, 3),
        "gap_s": {q: round(float(gap.quantile(p)), 3) for q, p in (("p1", 0.01), ("p50", 0.5), ("p99", 0.99))},
        "gap_max_s": round(float(gap.max()), 3),
        "drift_from_grid_s": {"min": round(float(drift.min()), 3), "max": round(float(drift.max()), 3)},
        "per_whole_minute": [int(n) for n in whole],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fill", type=int, default=2000)
    parser.add_argument("--fill-minutes", type=float, default=2)
    parser.add_argument("--rate", type=float, default=80)
    parser.add_argument("--steady-minutes", type=float, default=6)
    parser.add_argument("--sleep", type=float, default=240)
    parser.add_argument("--runners", type=int, default=2500)
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="arrivals-"))
    sim, url = start_sim("--runners", str(args.runners), "--seed", "1", "--rate-limit", "100000000", *RAISED)
    limit = str(int(max(args.rate, args.fill / args.fill_minutes) * 2))
    command = [sys.executable, "-m", "locust", "-f", str(HERE / "arrivals_locustfile.py"), "--headless"]
    command += ["--scenario", str(scenario(args, folder)), "--gh-api-url", url, "--gh-owner", "bench", "--gh-repo", "arrivals"]
    command += ["--dispatch-limit-minute", limit, "--dispatch-limit-hour", str(int(limit) * 60), "--force"]
    command += ["--drain-timeout", "0", "--sample-interval", "10", "--results-dir", str(folder / "results")]
    before, began = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic()
    env = {**os.environ, "GITHUB_TOKEN": "bench-token"}
    with open(folder / "locust.log", "w") as log:
        subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=args.timeout, check=False)
    wall, after = time.monotonic() - began, resource.getrusage(resource.RUSAGE_CHILDREN)
    stats = requests.get(f"{url}/_sim/stats", timeout=30).json()
    sim.terminate()
    sim.wait(10)
    results = next((folder / "results").iterdir())
    runs = pd.read_csv(results / "runs.csv", parse_dates=["dispatched_at"])
    samples = pd.read_csv(results / "samples.csv")
    steady = samples[samples["stage"] == "steady"]["in_flight_runs"]
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    meta = json.loads((results / "meta.json").read_text())
    print(
        json.dumps(
            {
                "results": str(results),
                "runs_dispatched": len(runs),
                "steady": gaps(runs[runs["stage"] == "steady"]["dispatched_at"], args.rate),
                "in_flight_runs_in_steady_stage": {"min": int(steady.min()), "max": int(steady.max())},
                "locust_cpu_share_of_a_core": round(cpu / wall, 3),
                "counted_per_hour": round(stats["counted"] / wall * 3600),
                "tracking": meta.get("tracking"),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
