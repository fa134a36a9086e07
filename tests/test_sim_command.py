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
        (["--fault", "dispatch:error=5"], "between 0 and 1"),
        (["--fault", "dispatch:drop-after=-0.1"], "between 0 and 1"),
        (["--fault", "dispatch:error=nan"], "between 0 and 1"),
        (["--fault", "get_run:latency=inf"], "finite"),
        (["--fault", "get_run:latency=-1"], "finite"),
        (["--fault", ":error=0.1"], "name an endpoint"),
        (["--pickup", "nan"], "finite"),
        (["--setup", "inf"], "finite"),
        (["--no-retry-after", "1.5"], "between 0 and 1"),
        (["--cancel", "-1"], "must not be negative"),
        (["--workflow-file", "/nonexistent/runner_test.yml"], "not found"),
    ],
)
def test_sim_bad_options_exit_2(capsys, argv, words):
    assert main(["sim", "--port", "0", *argv]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1


def test_sim_rejects_a_binary_or_unreadable_workflow_file_in_one_line(capsys, tmp_path):
    binary = tmp_path / "runner_test.yml"
    binary.write_bytes(bytes(range(256)) * 40)
    assert main(["sim", "--port", "0", "--workflow-file", str(binary)]) == 2
    err = capsys.readouterr().err
    assert "not a UTF-8 text file" in err and err.count("\n") == 1
    assert main(["sim", "--port", "0", "--workflow-file", str(tmp_path)]) == 2  # a directory
    err = capsys.readouterr().err
    assert "cannot read it" in err and err.count("\n") == 1
    broken = tmp_path / "broken.yml"
    broken.write_text("on: [\n  workflow_dispatch\n  - x: {\n")
    assert main(["sim", "--port", "0", "--workflow-file", str(broken)]) == 2
    err = capsys.readouterr().err
    assert "not valid YAML" in err and err.count("\n") == 1


@pytest.mark.parametrize("port", ["70000", "-1", "65536"])
def test_sim_port_out_of_range_exits_2_in_one_line(capsys, port):
    assert main(["sim", "--port", port]) == 2
    err = capsys.readouterr().err
    assert "between 0 and 65535" in err and err.count("\n") == 1


def test_sim_port_in_use_exits_2_in_one_line():
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "ghrunner_locust", "sim", "--port", str(port)], capture_output=True, text=True, timeout=30
        )
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and "pick another --port" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_sim_accepts_after_handler_faults(capsys):
    from ghrunner_locust.commands.sim import parse_faults

    faults = parse_faults(["dispatch:error-after=0.2", "dispatch:drop-after=0.05", "*:latency=0.1"])
    assert (faults["dispatch"].error_after_rate, faults["dispatch"].drop_after_rate) == (0.2, 0.05)
    assert faults["*"].latency_s == 0.1


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
