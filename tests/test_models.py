"""Every published GitHub example parses into the typed values."""

from __future__ import annotations

from datetime import UTC

from ghrunner_locust.github import DispatchResult, Job, RateLimit, RateLimitSnapshot, Runner, Workflow, WorkflowRun

from .conftest import load_api_file


def _value(name):
    data = load_api_file(name)
    return data.get("value", data)


def test_workflow_run_example():
    run = WorkflowRun.from_api(_value("workflow-run.example.json"))
    assert run.id > 0 and run.created_at.tzinfo == UTC
    assert run.jobs_url.endswith("/jobs")


def test_workflow_runs_list_example():
    data = _value("workflow-runs-list.example.json")
    runs = [WorkflowRun.from_api(item) for item in data["workflow_runs"]]
    assert len(runs) == len(data["workflow_runs"]) >= 1


def test_job_examples_old_payload_without_created_at():
    job = Job.from_api(_value("job.example.json"))
    assert job.completed and job.execution_s is not None and job.execution_s >= 0
    assert job.queue_s is None or job.queue_s >= 0
    for item in _value("jobs-list.example.json")["jobs"]:
        Job.from_api(item)


def test_job_from_webhook_payload():
    data = load_api_file("workflow-job-webhook.example.json")
    payloads = [v for v in data.values() if isinstance(v, dict) and "workflow_job" in v]
    assert payloads
    for payload in payloads:
        job = Job.from_api(payload["workflow_job"])
        assert job.id > 0


def test_runner_examples():
    runner = Runner.from_api(_value("runner.example.json"))
    assert runner.labels and runner.online in (True, False)
    runners = [Runner.from_api(item) for item in _value("runners-list.example.json")["runners"]]
    assert len(runners) >= 1


def test_rate_limit_example():
    limits = RateLimit.all_from_api(_value("rate-limit.example.json"))
    assert limits["core"].limit == 5000 and limits["core"].remaining == 4999


def test_workflow_and_dispatch_values():
    workflow = Workflow.from_api({"id": 5, "node_id": "x", "name": "CI", "path": ".github/workflows/ci.yml", "state": "active"})
    assert workflow.id == 5
    result = DispatchResult.from_api(200, {"workflow_run_id": 9, "run_url": "u", "html_url": "h"}, 1.0, 0.2)
    assert result.run_id == 9


def test_job_latencies_are_clamped_and_need_the_start_signal():
    base = {"id": 1, "run_id": 2, "name": "j", "conclusion": None}
    early = Job.from_api(
        dict(base, status="in_progress", runner_id=3, created_at="2026-01-01T00:00:10Z", started_at="2026-01-01T00:00:09Z")
    )
    assert early.queue_s == 0.0
    not_started = Job.from_api(dict(base, status="queued", created_at="2026-01-01T00:00:10Z", started_at="2026-01-01T00:00:10Z"))
    assert not not_started.started and not_started.queue_s is None


def test_rate_limit_snapshot_from_headers():
    snap = RateLimitSnapshot.from_headers({"x-ratelimit-limit": "60", "x-ratelimit-remaining": "59", "x-ratelimit-reset": "10"})
    assert snap.used == 1 and snap.resource == "core" and snap.seconds_to_reset(4) == 6
    assert RateLimitSnapshot.from_headers({}) is None
