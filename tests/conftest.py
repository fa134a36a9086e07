"""Shared fixtures: GitHub's published payloads, a fake clock, a client aimed at a local server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ghrunner_locust.clock import FakeClock
from ghrunner_locust.github import GitHubClient

DATA = Path(__file__).parent / "data" / "github-api"
REPO_ROOT = Path(__file__).resolve().parent.parent
TOKEN = "ghp_TESTSECRETTOKEN0123456789abcdefABCDEF"


def load_api_file(name: str) -> dict:
    return json.loads((DATA / name).read_text())


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(httpserver, clock) -> GitHubClient:
    return GitHubClient(httpserver.url_for("").rstrip("/"), TOKEN, clock=clock)


FAST_SIM = dict(
    pickup=__import__("ghrunner_locust.simulator", fromlist=["LatencyModel"]).LatencyModel(median_s=0.2, fixed=True),
    setup_s=0.1,
    teardown_s=0.1,
    run_to_job_s=0.1,
    listable_delay_s=0.0,
    cancel_s=0.3,
    seed=1,
)


@pytest.fixture(scope="session")
def sim_server():
    """One fast simulator for the whole session (see ``sim`` for the per-test reset)."""
    from ghrunner_locust.simulator import SimConfig, Simulator

    with Simulator(SimConfig(**FAST_SIM)) as server:
        yield server


@pytest.fixture
def sim(sim_server):
    """The session's simulator, reset before the test."""
    sim_server.reset()
    return sim_server


@pytest.fixture
def sim_client(sim) -> GitHubClient:
    return GitHubClient(sim.url, TOKEN)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_locust(args: list[str], *, env: dict | None = None, timeout: float = 120, cwd=None):
    """Run ``locust`` in a subprocess (locust monkey-patches the process, so never in this one)."""
    import os
    import subprocess
    import sys

    full_env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_TOKEN", "GH_TOKEN")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "locust", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
        cwd=cwd or REPO_ROOT,
    )


def read_csv(path):
    import csv

    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))
