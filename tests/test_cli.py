"""``ghrunner dispatch``: exit codes, messages, and nothing sent on bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ghrunner_locust.cli import main

from .conftest import TOKEN

DISPATCH = "/repos/octo/runners/actions/workflows/runner_test.yml/dispatches"


@pytest.fixture(autouse=True)
def token_env(monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)


def run(httpserver, *extra):
    return main(["dispatch", "--owner", "octo", "--repo", "runners", "--api-url", httpserver.url_for(""), *extra])


def test_help_documents_every_option(capsys):
    with pytest.raises(SystemExit) as info:
        main(["dispatch", "--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    for option in [
        "--owner",
        "--repo",
        "--workflow",
        "--ref",
        "--inputs",
        "--token",
        "--api-url",
        "--wait",
        "--json",
        "--ca-bundle",
    ]:
        assert option in text


@pytest.mark.parametrize("inputs", ["{not json", "[1, 2]", '"text"'])
def test_bad_inputs_rejected_before_any_request(httpserver, capsys, inputs):
    assert run(httpserver, "--inputs", inputs) == 2
    err = capsys.readouterr().err
    assert err.startswith("ghrunner dispatch: error: --inputs") and err.count("\n") == 1
    assert httpserver.log == []


def test_missing_token_is_usage_error(httpserver, monkeypatch, capsys):
    monkeypatch.delenv("GITHUB_TOKEN")
    monkeypatch.delenv("GH_TOKEN", raising=False)
    assert run(httpserver) == 2
    assert "set GITHUB_TOKEN" in capsys.readouterr().err


def test_success_prints_run_id_and_url(httpserver, capsys):
    httpserver.expect_request(DISPATCH, method="POST").respond_with_json(
        {"workflow_run_id": 77, "run_url": "u", "html_url": "http://h/77"}
    )
    assert run(httpserver, "--inputs", '{"job_count": "2"}') == 0
    out = capsys.readouterr().out
    assert "run 77" in out and "http://h/77" in out


def test_json_output(httpserver, capsys):
    httpserver.expect_request(DISPATCH, method="POST").respond_with_data("", status=204)
    assert run(httpserver, "--json") == 0
    assert json.loads(capsys.readouterr().out) == {"status": 204, "run_id": None, "html_url": None}


@pytest.mark.parametrize(("status", "message"), [(401, "Bad credentials"), (404, "Not Found"), (422, "No ref found for: nope")])
def test_api_errors_exit_1_with_one_line(httpserver, capsys, status, message):
    httpserver.expect_request(DISPATCH, method="POST").respond_with_json({"message": message}, status=status)
    assert run(httpserver, "--ref", "nope") == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and TOKEN not in err


def test_wait_follows_run_and_prints_job_times(httpserver, capsys):
    httpserver.expect_request(DISPATCH, method="POST").respond_with_json({"workflow_run_id": 5, "run_url": "u", "html_url": "h"})
    httpserver.expect_request("/repos/octo/runners/actions/runs/5").respond_with_json(
        {"id": 5, "status": "completed", "conclusion": "success", "display_title": "t"}
    )
    job = {
        "id": 1,
        "run_id": 5,
        "name": "job 1",
        "status": "completed",
        "conclusion": "success",
        "runner_id": 1,
        "runner_name": "r1",
        "created_at": "2026-01-01T00:00:00Z",
        "started_at": "2026-01-01T00:00:04Z",
        "completed_at": "2026-01-01T00:01:06Z",
    }
    httpserver.expect_request("/repos/octo/runners/actions/runs/5/jobs").respond_with_json({"total_count": 1, "jobs": [job]})
    assert run(httpserver, "--wait", "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["jobs"] == [{"name": "job 1", "queue_s": 4.0, "execution_s": 62.0, "conclusion": "success", "runner": "r1"}]


def test_python_dash_m_works_and_argparse_usage_exits_2():
    result = subprocess.run([sys.executable, "-m", "ghrunner_locust", "dispatch"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "--owner" in result.stderr


def test_cli_does_not_import_locust():
    code = (
        "import sys, ghrunner_locust, ghrunner_locust.cli, ghrunner_locust.github, ghrunner_locust.simulator, "
        "ghrunner_locust.commands.sim; print('locust' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "False"
