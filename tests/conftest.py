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
