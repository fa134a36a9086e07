"""The Locust plugin end to end, in Locust subprocesses against the simulator (127.0.0.1 only)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from ghrunner_locust.simulator import LatencyModel, SimConfig, Simulator

from .conftest import REPO_ROOT, free_port, read_csv, run_locust

pytestmark = pytest.mark.slow
BASELINE = str(REPO_ROOT / "tests" / "locustfiles" / "closed_loop.py")
SECRET = "ghp_PLUGINSECRET0123456789abcdefXYZ"
QUICK = [
    "--sleep-duration",
    "0.5",
    "--job-count",
    "3",
    "--poll-interval",
    "0.3",
    "--jobs-refresh",
    "0.3",
    "--sample-interval",
    "1",
]


def quick_sim(**overrides) -> Simulator:
    config = dict(
        pickup=LatencyModel(median_s=0.3, fixed=True),
        setup_s=0.2,
        teardown_s=0.1,
        run_to_job_s=0.2,
        listable_delay_s=0.5,
        seed=3,
        cancel_s=0.3,
    )
    return Simulator(SimConfig(**{**config, **overrides}))


def only_dir(root: Path) -> Path:
    dirs = [d for d in root.iterdir() if d.is_dir()]
    assert len(dirs) == 1, dirs
    return dirs[0]


def stats_rows(prefix: Path) -> dict[tuple[str, str], dict]:
    return {(r["Type"], r["Name"]): r for r in read_csv(f"{prefix}_stats.csv") if r["Type"]}


def test_headless_run_matches_ground_truth(tmp_path):
    with quick_sim() as sim:
        result = run_locust(
            [
                "-f",
                BASELINE,
                "--headless",
                "-t",
                "6s",
                "--gh-api-url",
                sim.url,
                *QUICK,
                "--results-dir",
                str(tmp_path / "results"),
                "--csv",
                str(tmp_path / "stats"),
                "--drain-timeout",
                "20",
            ]
        )
        truth = {j["job_id"]: j for j in sim.state.truth()}
        runs = len(sim.state.runs)
    assert result.returncode == 0, result.stderr[-3000:]
    directory = only_dir(tmp_path / "results")
    jobs = read_csv(directory / "jobs.csv")
    assert sorted(int(j["job_id"]) for j in jobs) == sorted(truth) and len(truth) >= 6
    for job in jobs:
        real = truth[int(job["job_id"])]
        assert abs(float(job["queue_s"]) - real["queue_s"]) <= 1.0
        assert abs(float(job["execution_s"]) - real["execution_s"]) <= 1.0
        assert job["conclusion"] == "success" and job["worker"] == "local"
    assert len(read_csv(directory / "runs.csv")) == runs
    assert len(read_csv(directory / "samples.csv")) >= 3
    rows = stats_rows(tmp_path / "stats")
    assert int(rows[("JOB", "queue latency")]["Request Count"]) == len(truth)
    assert int(rows[("JOB", "execution time")]["Request Count"]) == len(truth)
    assert int(rows[("RUN", "total (dispatch to done)")]["Request Count"]) == runs
    assert int(rows[("DISPATCH", "runner_test.yml")]["Request Count"]) == runs


def test_embedded_simulator_is_the_default_target(tmp_path):
    result = run_locust(
        [
            "-f",
            BASELINE,
            "--headless",
            "-t",
            "5s",
            *QUICK,
            "--sim-pickup",
            "0.3",
            "--sim-fixed-latency",
            "--results-dir",
            str(tmp_path),
            "--drain-timeout",
            "20",
        ]
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "embedded GitHub Actions simulator at http://127.0.0.1:" in result.stderr
    assert len(read_csv(only_dir(tmp_path) / "jobs.csv")) >= 3


def test_master_with_two_workers_aggregates_into_one_results_directory(tmp_path):
    port = free_port()
    with quick_sim(runners=6) as sim:
        common = ["-f", BASELINE, "--gh-api-url", sim.url, *QUICK]
        env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_TOKEN", "GH_TOKEN")}
        workers = [
            subprocess.Popen(
                [sys.executable, "-m", "locust", *common, "--worker", "--master-port", str(port)],
                cwd=REPO_ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        try:
            result = run_locust(
                [
                    *common,
                    "--master",
                    "--headless",
                    "--expect-workers",
                    "2",
                    "--master-bind-port",
                    str(port),
                    "-u",
                    "2",
                    "-r",
                    "2",
                    "-t",
                    "8s",
                    "--results-dir",
                    str(tmp_path / "results"),
                    "--csv",
                    str(tmp_path / "stats"),
                    "--drain-timeout",
                    "20",
                ],
                timeout=120,
            )
        finally:
            for worker in workers:
                try:
                    worker.wait(30)
                except subprocess.TimeoutExpired:
                    worker.kill()
        truth = {j["job_id"]: j for j in sim.state.truth()}
    assert result.returncode == 0, result.stderr[-3000:]
    directory = only_dir(tmp_path / "results")
    jobs = read_csv(directory / "jobs.csv")
    assert sorted(int(j["job_id"]) for j in jobs) == sorted(truth)
    assert len({j["worker"] for j in jobs}) == 2
    rows = stats_rows(tmp_path / "stats")
    assert int(rows[("JOB", "queue latency")]["Request Count"]) == len(truth)
    assert int(rows[("JOB", "execution time")]["Request Count"]) == len(truth)


def test_drain_then_cancel_on_stop_frees_the_runners(tmp_path):
    with quick_sim() as sim:
        result = run_locust(
            [
                "-f",
                BASELINE,
                "--headless",
                "-t",
                "3s",
                "--gh-api-url",
                sim.url,
                "--sleep-duration",
                "60",
                "--job-count",
                "2",
                "--poll-interval",
                "0.3",
                "--drain-timeout",
                "1",
                "--cancel-on-stop",
                "--results-dir",
                str(tmp_path),
            ]
        )
        busy = sim.state.pool.busy_count
        conclusions = {run.conclusion for run in sim.state.runs.values()}
    runs = read_csv(only_dir(tmp_path) / "runs.csv")
    assert busy == 0 and conclusions == {"cancelled"}
    assert [r["conclusion"] for r in runs] == ["cancelled"]
    assert result.returncode == 1  # a cancelled run is a failure in Locust's stats


@pytest.mark.parametrize(
    ("args", "env", "words"),
    [
        (["--job-count", "25"], {}, "--job-count must be between 1 and 20 (got 25)"),
        (["--gh-inputs", "[1]"], {}, "--gh-inputs must be a JSON object"),
        (["--gh-inputs", '{"colour": "red"}'], {}, 'Unexpected inputs provided: ["colour"]'),
        (["--gh-owner", "octo"], {}, "give both --gh-owner and --gh-repo"),
        (
            ["--gh-owner", "octo", "--gh-repo", "r", "--gh-api-url", "http://127.0.0.1:9"],
            {},
            "no token: set GITHUB_TOKEN or GH_TOKEN",
        ),
        (["--poll-interval", "0"], {}, "--poll-interval must be positive"),
        (["--check-fail-ratio", "2"], {}, "--check-fail-ratio is a fraction of requests, between 0 and 1 (got 2)"),
        (["--runners", "0"], {}, "--runners must be above 0 (got 0)"),
        (["--shape-duration", "0"], {}, "--shape-duration must be above 0 (got 0)"),
        (["--shape-rate", "0"], {}, "--shape-rate must be above 0 (got 0)"),
        (["--stress-max-fail-ratio", "1e12"], {}, "--stress-max-fail-ratio is a fraction of requests, between 0 and 1"),
        (["--gh-ca-bundle", "/nonexistent/ca.pem"], {}, "--gh-ca-bundle /nonexistent/ca.pem: no readable file there"),
        (["--shape-runners", "2,x"], {}, "--shape-runners must be whole numbers >= 1, comma-separated, e.g. 2,4,8 (got 2,x)"),
        (["--gh-token-env", ""], {}, "--gh-token-env must not be empty (got '')"),
        (["--sim-runners", "-1"], {}, "--sim-runners must be >= 0 (got -1)"),
    ],
)
def test_bad_options_stop_the_test_with_one_line(tmp_path, args, env, words):
    started = time.monotonic()
    result = run_locust(["-f", BASELINE, "--headless", "-t", "60s", *args, "--results-dir", str(tmp_path)], env=env)
    assert result.returncode == 2, result.stderr[-2000:]
    errors = [line for line in result.stderr.splitlines() if "ghrunner:" in line and "ERROR" in line]
    assert len(errors) == 1 and words in errors[0], result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    after = result.stderr[result.stderr.index(errors[0]) + len(errors[0]) :] + result.stdout
    assert "users" not in after.lower() and "percentiles" not in after, after[:2000]  # the line is the last word
    assert time.monotonic() - started < 50


@pytest.mark.parametrize(
    ("results", "words"),
    [
        ("x" * 5000, "--results-dir " + "x" * 80 + "... (5000 characters): cannot write there (File name too long)"),
        ("", "--results-dir must not be empty (got '')"),
    ],
)
def test_a_bad_results_dir_stops_the_test_with_one_line(tmp_path, results, words):
    result = run_locust(["-f", BASELINE, "--headless", "--quick", "--results-dir", results], cwd=tmp_path)
    assert result.returncode == 2, result.stderr[-2000:]
    errors = [line for line in result.stderr.splitlines() if "ghrunner:" in line and "ERROR" in line]
    assert len(errors) == 1 and words in errors[0], result.stderr[-2000:]
    assert "Traceback" not in result.stderr and not (tmp_path / "results").exists()


def test_non_retryable_api_error_stops_the_test_early(tmp_path):
    with quick_sim(repo="octo/runners") as sim:
        started = time.monotonic()
        result = run_locust(
            [
                "-f",
                BASELINE,
                "--headless",
                "-t",
                "60s",
                "--gh-api-url",
                sim.url,
                "--gh-owner",
                "octo",
                "--gh-repo",
                "missing",
                "--results-dir",
                str(tmp_path),
            ],
            env={"GITHUB_TOKEN": SECRET},
        )
    assert result.returncode != 0 and time.monotonic() - started < 50
    assert "not found (404): workflow runner_test.yml in octo/missing" in result.stderr
    assert "Traceback" not in result.stderr


def test_token_never_in_results_logs_or_web_page(tmp_path):
    with quick_sim() as sim:
        headless = run_locust(
            [
                "-f",
                BASELINE,
                "--headless",
                "-t",
                "4s",
                "--gh-api-url",
                sim.url,
                "--gh-owner",
                "octo",
                "--gh-repo",
                "runners",
                *QUICK,
                "--results-dir",
                str(tmp_path / "r"),
                "--drain-timeout",
                "10",
                "--loglevel",
                "DEBUG",
            ],
            env={"GITHUB_TOKEN": SECRET},
        )
        assert headless.returncode == 0, headless.stderr[-2000:]
        assert SECRET not in headless.stdout + headless.stderr
        for path in (tmp_path / "r").rglob("*"):
            if path.is_file():
                assert SECRET.encode() not in path.read_bytes(), path
        port = free_port()
        env = {k: v for k, v in os.environ.items() if k not in ("GH_TOKEN",)}
        env["GITHUB_TOKEN"] = SECRET
        web = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                BASELINE,
                "--web-host",
                "127.0.0.1",
                "--web-port",
                str(port),
                "--gh-api-url",
                sim.url,
                "--gh-owner",
                "octo",
                "--gh-repo",
                "runners",
                *QUICK,
                "--results-dir",
                str(tmp_path / "w"),
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            page = ""
            for _ in range(100):
                try:
                    page = requests.get(f"http://127.0.0.1:{port}/", timeout=2).text
                    break
                except requests.ConnectionError:
                    time.sleep(0.1)
            assert "repository owner" in page and "Runner pool" in page
            assert SECRET not in page
            requests.post(f"http://127.0.0.1:{port}/swarm", data={"user_count": 1, "spawn_rate": 1}, timeout=5)
            time.sleep(3)
            stats = requests.get(f"http://127.0.0.1:{port}/stats/requests", timeout=5).json()
            pool = next(s for s in stats["extended_stats"] if s["key"] == "runner-pool")["data"]
            assert any(row["runner"].startswith("sim-runner") for row in pool)
            assert SECRET not in str(stats)
        finally:
            web.terminate()
            out, err = web.communicate(timeout=30)
        assert SECRET not in out + err


def test_samples_count_queued_and_running_jobs_as_the_simulator_has_them(tmp_path):
    """samples.csv's queued_jobs/running_jobs agree with the simulator within a poll (and a sample) interval."""
    import threading
    from datetime import datetime

    truth: list[tuple[float, int, int]] = []
    with quick_sim(runners=1) as sim:
        done = threading.Event()

        def watch():
            while not done.is_set():
                with sim.state.lock:
                    jobs = [j for j in sim.state.jobs.values() if not j.skipped]
                    counts = (sum(j.status == "queued" for j in jobs), sum(j.status == "in_progress" for j in jobs))
                truth.append((time.time(), *counts))
                time.sleep(0.1)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        try:
            args = ["-f", BASELINE, "--headless", "-u", "2", "-r", "2", "-t", "8s", "--gh-api-url", sim.url, *QUICK]
            args += ["--job-count", "2", "--sleep-duration", "1.5", "--sample-interval", "0.5", "--drain-timeout", "30"]
            result = run_locust([*args, "--results-dir", str(tmp_path / "r")])
        finally:
            done.set()
            watcher.join(5)
    assert result.returncode == 0, result.stderr[-2000:]
    samples = read_csv(only_dir(tmp_path / "r") / "samples.csv")
    assert any(int(s["queued_jobs"]) > 0 for s in samples)  # one runner, four jobs at a time: jobs queue
    tolerance = 0.3 + 0.3 + 0.7  # poll interval, jobs refresh, and the sample's own age
    wrong = []
    for sample in samples:
        at = datetime.fromisoformat(sample["time"].replace("Z", "+00:00")).timestamp()
        seen = (int(sample["queued_jobs"]), int(sample["running_jobs"]))
        if not any(at - tolerance <= t <= at and (q, r) == seen for t, q, r in truth):
            lags = [round(at - t, 1) for t, q, r in truth if (q, r) == seen and at - 5 <= t <= at]
            wrong.append((sample["time"], seen, min(lags, default=None, key=lambda x: x)))
    # the rest: a run seen in progress whose jobs the tracker reads only --jobs-refresh later (tracker's rule)
    assert len(wrong) <= len(samples) // 5, (wrong, len(samples))


def test_the_plugins_summary_is_the_last_thing_printed(tmp_path):
    with quick_sim() as sim:
        args = ["-f", BASELINE, "--headless", "-t", "3s", "--gh-api-url", sim.url, *QUICK, "--results-dir", str(tmp_path)]
        env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_TOKEN", "GH_TOKEN")}
        result = subprocess.run(
            [sys.executable, "-m", "locust", *args],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=120,
        )
    assert result.returncode == 0, result.stdout[-2000:]
    text = result.stdout
    assert text.rindex("ghrunner-locust summary") > text.rindex("Response time percentiles") > 0
    assert text.rindex("ghrunner-locust summary") > text.rindex("Shutting down (exit code")
    assert text.rstrip().splitlines()[-1].strip().startswith("report:")


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("results-file", "is a file, not a folder"),
        ("results-proc", "--results-dir /proc/x: cannot write there"),
        ("binary-scenario", "not a text file"),
        ("sleep-nan", "--sleep-duration must be a finite number (got nan)"),
        ("sleep-inf", "--sleep-duration must be a finite number (got inf)"),
    ],
)
def test_bad_input_exits_2_within_seconds_with_one_line(tmp_path, kind, words):
    (tmp_path / "file").write_text("not a folder")
    (tmp_path / "scenario.yaml").write_bytes(bytes(range(256)) * 8)
    args = {
        "results-file": ["--results-dir", str(tmp_path / "file")],
        "results-proc": ["--results-dir", "/proc/x"],
        "binary-scenario": ["--scenario", str(tmp_path / "scenario.yaml"), "--results-dir", str(tmp_path / "r")],
        "sleep-nan": ["--sleep-duration", "nan", "--results-dir", str(tmp_path / "r")],
        "sleep-inf": ["--sleep-duration", "inf", "--results-dir", str(tmp_path / "r")],
    }[kind]
    started = time.monotonic()
    result = run_locust(["-f", str(REPO_ROOT / "locustfiles" / "catalogue.py"), "--headless", "-t", "60s", *args], timeout=60)
    assert result.returncode == 2, result.stderr[-2000:]
    errors = [line for line in result.stderr.splitlines() if "ghrunner:" in line and "ERROR" in line]
    assert len(errors) == 1 and words in errors[0], result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "embedded GitHub Actions simulator at" not in result.stderr
    assert time.monotonic() - started < 20
    assert not (tmp_path / "r").exists() or not any((tmp_path / "r").iterdir())


def test_the_embedded_simulator_dies_with_its_process_however_it_dies(tmp_path):
    """kill -9 of a local Locust process: its simulator exits too (it was left running with parent 1)."""
    log = tmp_path / "log"
    with open(log, "w") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "locust", "-f", str(REPO_ROOT / "locustfiles" / "load.py"), "--headless", "--quick"]
            + ["--results-dir", str(tmp_path / "r")],
            cwd=REPO_ROOT,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while "embedded GitHub Actions simulator at" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        children = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
        assert len(children) == 1, children
        process.kill()
        process.wait(10)
        child = int(children[0])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and Path(f"/proc/{child}").exists():
            time.sleep(0.2)
        assert not Path(f"/proc/{child}").exists() or "Z" in Path(f"/proc/{child}/stat").read_text().split()[2]
    finally:
        if process.poll() is None:
            process.kill()


@pytest.mark.parametrize("sig, group", [(signal.SIGTERM, False), (signal.SIGINT, True)])
def test_sigterm_or_ctrl_c_ends_a_test_with_its_report_and_no_child_left(tmp_path, sig, group):
    """A terminal's Ctrl-C goes to the whole process group: the embedded simulator must outlive it until the
    drain is done (it died with Locust, so the drain failed against it and the test ended with exit 1)."""
    log = tmp_path / "log"
    with open(log, "w") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "locust", "-f", str(REPO_ROOT / "locustfiles" / "load.py"), "--headless", "--quick"]
            + ["--results-dir", str(tmp_path / "r"), "--check-queue-p95", "120", "--sleep-duration", "12"],
            cwd=REPO_ROOT,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group, as a terminal's foreground job
        )
    deadline = time.monotonic() + 40
    while "ghrunner: stage" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(10)
    children = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
    if group:
        os.killpg(process.pid, sig)
    else:
        process.send_signal(sig)
    assert process.wait(90) == 0, log.read_text()[-3000:]
    directory = only_dir(tmp_path / "r")
    assert (directory / "report.html").exists() and (directory / "summary.json").exists()
    text = log.read_text()
    assert "Traceback" not in text and "could not reach" not in text, text[-3000:]
    assert "waiting up to" in text  # a run was in flight, and the drain followed it
    runs = read_csv(directory / "runs.csv")
    assert runs and all(r["conclusion"] == "success" for r in runs), runs
    time.sleep(1)
    assert children and not any(Path(f"/proc/{c}").exists() for c in children)


def test_a_jobs_execution_row_fires_when_the_job_ends_not_when_its_run_ends(tmp_path):
    """Two parallel jobs whose pickups differ by seconds: the first one's row comes when it ends."""
    pickup = LatencyModel(median_s=1.5, p90_s=5.0, tail_prob=0.0)
    with quick_sim(runners=3, pickup=pickup, seed=11) as sim:
        args = ["-f", str(REPO_ROOT / "tests" / "locustfiles" / "event_times.py"), "--headless", "-u", "1", "-r", "1"]
        args += ["-t", "8s", "--gh-api-url", sim.url, *QUICK, "--job-count", "3", "--sleep-duration", "2"]
        result = run_locust([*args, "--drain-timeout", "30", "--results-dir", str(tmp_path)])
        truth = {(j["run_id"], j["name"]): j["completed_at"] for j in sim.state.truth()}
    assert result.returncode == 0, result.stderr[-2000:]
    rows = [line.split() for line in result.stdout.splitlines() if line.startswith("JOB-ROW")]
    assert len(rows) >= 2, result.stdout[-2000:]
    lags = [float(at) - truth[(int(run), f"{job} {number}")] for _, run, job, number, at in rows]
    # within a poll, a jobs refresh and GitHub's whole seconds (two changes in one second look like one)
    assert len(rows) >= 3 and max(lags) < 0.3 + 0.3 + 2.0, lags  # a poll, a jobs refresh, GitHub's whole seconds
