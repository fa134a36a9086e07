"""``ghrunner sim`` as a process, and clients pointed at it: ``ghrunner dispatch --wait`` and PyGithub."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest

from ghrunner_locust.cli import main

from .conftest import TOKEN

WF = "runner_test.yml"


def test_sim_process_prints_url_serves_and_stops_on_sigterm():
    process = subprocess.Popen(
        [sys.executable, "-m", "ghrunner_locust", "sim", "--port", "0", "--runners", "2", "--fixed-latency"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("GitHub Actions simulator at http://127.0.0.1:")
        url = line.split()[4]
        import requests

        assert requests.get(f"{url}/rate_limit", headers={"Authorization": "Bearer x"}, timeout=5).status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    assert "simulator stopped" in out


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--fault", "dispatch:boom=1"], "ENDPOINT:KIND=VALUE"),
        (["--runners", "4", "--max-runners", "2"], "--max-runners"),
        (["--pickup-tail", "2"], "between 0 and 1"),
        (["--repo", "justaname"], "OWNER/NAME"),
    ],
)
def test_sim_bad_options_exit_2(capsys, argv, words):
    assert main(["sim", "--port", "0", *argv]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1


def test_dispatch_wait_against_the_simulator(sim, monkeypatch, capsys):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    argv = [
        "dispatch",
        "--owner",
        "octo",
        "--repo",
        "runners",
        "--api-url",
        sim.url,
        "--poll-interval",
        "0.1",
        "--inputs",
        '{"job_count": "3", "sleep_duration": "0"}',
        "--wait",
        "--json",
    ]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["conclusion"] == "success" and len(out["jobs"]) == 3
    truth = {j["name"]: j for j in sim.state.truth()}
    for job in out["jobs"]:
        assert abs(job["queue_s"] - truth[job["name"]]["queue_s"]) <= 1.0


def test_dispatch_wait_finds_the_run_without_run_details(monkeypatch, capsys):
    from ghrunner_locust.simulator import SimConfig, Simulator

    from .conftest import FAST_SIM

    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    with Simulator(SimConfig(**{**FAST_SIM, "listable_delay_s": 0.3}, ghes=True)) as ghes:
        argv = [
            "dispatch",
            "--owner",
            "o",
            "--repo",
            "r",
            "--api-url",
            ghes.url + "/api/v3",
            "--poll-interval",
            "0.1",
            "--inputs",
            '{"run_key": "cli-1", "sleep_duration": "0"}',
            "--wait",
        ]
        assert main(argv) == 0
    out = capsys.readouterr().out
    assert "job 1" in out and "success" in out


def test_pygithub_can_dispatch_list_runs_and_list_jobs(sim):
    github = pytest.importorskip("github")
    gh = github.Github(auth=github.Auth.Token(TOKEN), base_url=sim.url)
    repo = gh.get_repo("octo/runners")
    workflow = repo.get_workflow(WF)
    assert workflow.create_dispatch("main", {"job_count": "2", "sleep_duration": "0"})
    runs = list(workflow.get_runs())
    assert len(runs) == 1
    jobs = list(runs[0].jobs())
    assert len([j for j in jobs if j.conclusion != "skipped"]) == 2
