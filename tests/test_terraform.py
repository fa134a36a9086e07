"""terraform/: static checks (fmt, offline init, validate, checkov, terraform test) and an apply to moto."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import boto3
import pytest

from ghrunner_locust.ecs import EcsRunnerPool

from .conftest import REPO_ROOT, free_port

TERRAFORM = REPO_ROOT / "terraform"
needs_terraform = pytest.mark.skipif(
    shutil.which("terraform") is None, reason="terraform is not installed here (CI machines carry it and run these tests)"
)


def tf(args: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "TF_CLI_CONFIG_FILE": "/dev/null", "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"}
    return subprocess.run(["terraform", *args, "-no-color"], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def mirror_root() -> str:
    if os.environ.get("TF_PLUGIN_MIRROR"):
        return os.environ["TF_PLUGIN_MIRROR"]
    found = subprocess.run(
        "find /opt /usr /root /home / -xdev -name 'terraform-provider-aws_v5*' -path '*registry.terraform.io*' "
        "2>/dev/null | head -n 1",
        shell=True,
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout.strip()
    if not found:
        pytest.skip("no offline mirror of the AWS provider 5.x on this machine")
    return found.split("/registry.terraform.io/")[0]


@needs_terraform
def test_static_checks_pass():
    checkov = os.environ.get("CHECKOV") or shutil.which("checkov")
    if not checkov:
        pytest.skip("checkov is not installed: `make test` installs it in its own virtual environment and sets CHECKOV")
    result = subprocess.run(
        ["bash", str(TERRAFORM / "check.sh")], env={**os.environ, "CHECKOV": checkov}, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "Failed checks: 0" in result.stdout
    assert "8 passed, 0 failed" in result.stdout


@needs_terraform
@pytest.mark.slow
def test_apply_to_moto_read_back_through_the_pool_then_destroy(tmp_path, monkeypatch):
    from moto.server import ThreadedMotoServer

    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    work = tmp_path / "tf"
    shutil.copytree(TERRAFORM, work, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*", "runner-image"))
    variables = ["-var", f"aws_endpoint={endpoint}", "-var", "runner_count=4"]
    try:
        assert tf(["init", f"-plugin-dir={mirror_root()}"], work).returncode == 0
        applied = tf(["apply", "-auto-approve", *variables], work)
        assert applied.returncode == 0, applied.stdout[-3000:] + applied.stderr[-3000:]
        outputs = {
            line.split(" = ")[0]: line.split(" = ")[1].strip('"')
            for line in tf(["output"], work).stdout.splitlines()
            if " = " in line and not line.startswith(" ")
        }
        client = boto3.client(
            "ecs", region_name="eu-west-1", endpoint_url=endpoint, aws_access_key_id="test", aws_secret_access_key="test"
        )
        pool = EcsRunnerPool(outputs["cluster_name"], outputs["service_name"], client=client)
        assert pool.state().desired == 4
        pool.scale(6, wait=False)
        replan = tf(["plan", *variables], work)
        marker = "Terraform will perform the following actions"
        actions = replan.stdout.split(marker, 1)[1] if marker in replan.stdout else ""
        assert replan.returncode == 0 and "desired_count" not in actions, (
            "terraform must not undo the harness's scaling (desired_count is in ignore_changes)\n" + replan.stdout[-2000:]
        )
    finally:
        destroyed = tf(["destroy", "-auto-approve", *variables], work)
        server.stop()
    assert destroyed.returncode == 0, destroyed.stdout[-2000:]
