"""Benchmark of the simulator: is it ever the bottleneck of a load test on this machine?

1. Requests per second served for get-run and list-runs (per_page 100 and 30) with 1,000 runs in state
   and 32 concurrent clients (2 processes x 16 threads, on the same 2 cores), beside a naive baseline:
   the same werkzeug threaded server answering the very same bytes with no work behind them (the
   ceiling of the HTTP stack on this machine). Reported as rates and their ratio.
2. Scheduling error with 100 runners and 2,000 queued jobs: how late each job start was carried out
   after it was due (due = the moment its runner became free + the pickup latency).

Run: python bench/sim_bench.py [--seconds 5]   (traffic goes to 127.0.0.1 only, bounded in time)
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import requests

TOKEN = "bench-token"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}
BASELINE = """
import sys
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Response
names = ("/small", "/page100", "/page30")
bodies = {name: open(path, "rb").read() for name, path in zip(names, sys.argv[1:])}
class Quiet(WSGIRequestHandler):
    def log_request(self, *a, **k): pass
def app(environ, start_response):
    return Response(bodies[environ["PATH_INFO"]], mimetype="application/json")(environ, start_response)
server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
print(f"http://127.0.0.1:{server.server_port}", flush=True)
server.serve_forever()
"""


def _start(cmd: list[str]) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    url = next(word for word in line.split() if word.startswith("http://"))
    return process, url


def _hammer(args: tuple[str, float, int]) -> int:
    url, seconds, threads = args
    counts = [0] * threads
    deadline = time.monotonic() + seconds

    def worker(i: int) -> None:
        session = requests.Session()
        while time.monotonic() < deadline:
            if session.get(url, headers=HEADERS, timeout=10).status_code == 200:
                counts[i] += 1

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return sum(counts)


def throughput(url: str, seconds: float, processes: int = 2, threads: int = 16) -> float:
    with multiprocessing.Pool(processes) as pool:
        total = sum(pool.map(_hammer, [(url, seconds, threads)] * processes))
    return total / seconds


def http_benchmark(seconds: float) -> dict[str, float]:
    sim, url = _start(
        [
            sys.executable,
            "-m",
            "ghrunner_locust",
            "sim",
            "--port",
            "0",
            "--runners",
            "4",
            "--secondary-per-minute",
            "5000",
            "--secondary-per-hour",
            "5000",
            "--rate-limit",
            "10000000",
        ]
    )
    base = None
    try:
        session = requests.Session()
        dispatch = f"{url}/repos/o/r/actions/workflows/runner_test.yml/dispatches"
        run_id = None
        for _ in range(1000):
            answer = session.post(
                dispatch, json={"ref": "main", "return_run_details": True, "inputs": {"sleep_duration": "3600"}}, headers=HEADERS
            )
            run_id = answer.json()["workflow_run_id"]
        time.sleep(2.5)  # listable delay
        paths = {
            "get_run": f"/repos/o/r/actions/runs/{run_id}",
            "list_runs_per_page_100": "/repos/o/r/actions/runs?per_page=100&status=queued",
            "list_runs_per_page_30": "/repos/o/r/actions/runs?per_page=30&status=queued",
        }
        files = []
        for path in paths.values():  # the baseline serves the very same bytes, with no work behind them
            body = session.get(url + path, headers=HEADERS).content
            files.append(tempfile.NamedTemporaryFile(suffix=".json", delete=False))
            files[-1].write(body)
            files[-1].close()
        base, base_url = _start([sys.executable, "-c", BASELINE, *(f.name for f in files)])
        results: dict[str, float] = {}
        for (name, path), base_path in zip(paths.items(), ("/small", "/page100", "/page30"), strict=True):
            results[f"{name}_rps"] = ours = throughput(url + path, seconds)
            results[f"{name}_baseline_rps"] = ceiling = throughput(base_url + base_path, seconds)
            results[f"{name}_vs_baseline"] = round(ours / ceiling, 3)
        return results
    finally:
        for process in (sim, base):
            if process is not None:
                process.terminate()
                process.wait(10)


def scheduling_benchmark() -> dict[str, float]:
    from ghrunner_locust.github import GitHubClient
    from ghrunner_locust.simulator import LatencyModel, SimConfig, Simulator

    config = SimConfig(
        runners=100,
        pickup=LatencyModel(median_s=0.2, fixed=True),
        setup_s=0.0,
        teardown_s=0.0,
        run_to_job_s=0.0,
        secondary_per_minute=10_000,
        secondary_per_hour=10_000,
        primary_limit=10**9,
    )
    with Simulator(config) as sim:
        client = GitHubClient(sim.url, TOKEN)
        for _ in range(100):
            client.dispatch_workflow("o", "r", "runner_test.yml", "main", {"job_count": "20", "sleep_duration": "0.5"})
        stop = threading.Event()

        def poll() -> None:  # HTTP load while the scheduler works
            while not stop.is_set():
                client.list_workflow_runs("o", "r", status="in_progress", conditional=False)

        poller = threading.Thread(target=poll)
        poller.start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and sum(1 for j in sim.state.truth() if j["completed_at"]) < 2000:
            time.sleep(0.5)
        stop.set()
        poller.join()
        late = sorted(sim.state.lateness.get("_start_job", []))
        done = sum(1 for j in sim.state.truth() if j["completed_at"])
    ms = [x * 1000 for x in late]
    return {
        "jobs_completed": done,
        "start_events": len(ms),
        "lateness_ms_p50": statistics.median(ms),
        "lateness_ms_p99": ms[int(0.99 * (len(ms) - 1))],
        "lateness_ms_max": ms[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per throughput measurement")
    args = parser.parse_args()
    results = {"http": http_benchmark(args.seconds), "scheduling": scheduling_benchmark()}
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
