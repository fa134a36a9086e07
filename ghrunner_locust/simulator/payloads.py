"""GitHub-shaped JSON for the simulator's records, with URLs that point back at the simulator.

Complete to GitHub's REST API description with every ``$ref`` resolved (NESTED.md); checked field by field
by tests/test_sim_conformance.py.
"""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime
from typing import Any

from .accounts import ACTOR, minimal_repository, node_id, simple_user
from .model import SimJob, SimRun, SimRunner
from .steps import job_steps

__all__ = ["Payloads"]


class Payloads:
    """Serialises records for one request: ``base`` is the API root the client used."""

    def __init__(
        self,
        base: str,
        resolution_s: float = 1.0,
        workflow_path: str = ".github/workflows/runner_test.yml",
        workflow_name: str = "runner-test",
        workflow_id: int = 161335,
        *,
        created_at: float = 0.0,
        now: float = 0.0,
        setup_s: float = 0.0,
        teardown_s: float = 0.0,
    ) -> None:
        self.base = base.rstrip("/")
        self.web = self.base.removesuffix("/api/v3")
        self.resolution_s = resolution_s
        self.workflow_path = workflow_path
        self.workflow_name = workflow_name
        self.workflow_id = workflow_id
        self.created_at = created_at
        """When the workflow file was added to the repository (the workflow's and head commit's time)."""
        self.now = now
        self.setup_s = setup_s
        self.teardown_s = teardown_s

    def time(self, t: float | None) -> str | None:
        """An epoch second as GitHub prints it, truncated to the configured resolution."""
        if t is None:
            return None
        if self.resolution_s >= 1:
            return datetime.fromtimestamp(math.floor(t), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        millis = math.floor(t * 1000) / 1000
        return datetime.fromtimestamp(millis, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"

    def repo(self, owner: str, name: str) -> dict[str, Any]:
        return minimal_repository(self.base, self.web, owner, name)

    def workflow(self, owner: str, repo: str) -> dict[str, Any]:
        file_name = self.workflow_path.rsplit("/", 1)[-1]
        return {
            "id": self.workflow_id,
            "node_id": node_id("workflow", self.workflow_id),
            "name": self.workflow_name,
            "path": self.workflow_path,
            "state": "active",
            "created_at": self.time(self.created_at),
            "updated_at": self.time(self.created_at),
            "url": f"{self.base}/repos/{owner}/{repo}/actions/workflows/{self.workflow_id}",
            "html_url": f"{self.web}/{owner}/{repo}/blob/main/{self.workflow_path}",
            "badge_url": f"{self.web}/{owner}/{repo}/workflows/{file_name}/badge.svg",
        }

    def run(self, run: SimRun) -> dict[str, Any]:
        api = f"{self.base}/repos/{run.owner}/{run.repo}"
        repository = self.repo(run.owner, run.repo)
        actor = simple_user(self.base, self.web, *ACTOR)
        sha = hashlib.sha1(f"{run.owner}/{run.repo}".encode()).hexdigest()
        return {
            "id": run.id,
            "name": self.workflow_name,
            "node_id": node_id("run", run.id),
            "check_suite_id": run.id + 1,
            "check_suite_node_id": node_id("suite", run.id),
            "head_branch": run.ref,
            "head_sha": sha,
            "path": self.workflow_path,
            "run_number": run.run_number,
            "run_attempt": 1,
            "referenced_workflows": [],
            "event": "workflow_dispatch",
            "status": run.status,
            "conclusion": run.conclusion,
            "workflow_id": run.workflow_id,
            "url": f"{api}/actions/runs/{run.id}",
            "html_url": f"{self.web}/{run.owner}/{run.repo}/actions/runs/{run.id}",
            "pull_requests": [],
            "created_at": self.time(run.created_at),
            "updated_at": self.time(run.updated_at),
            "run_started_at": self.time(run.created_at),
            "actor": actor,
            "triggering_actor": actor,
            "jobs_url": f"{api}/actions/runs/{run.id}/jobs",
            "logs_url": f"{api}/actions/runs/{run.id}/logs",
            "check_suite_url": f"{api}/check-suites/{run.id + 1}",
            "artifacts_url": f"{api}/actions/runs/{run.id}/artifacts",
            "cancel_url": f"{api}/actions/runs/{run.id}/cancel",
            "rerun_url": f"{api}/actions/runs/{run.id}/rerun",
            "previous_attempt_url": None,
            "workflow_url": f"{api}/actions/workflows/{run.workflow_id}",
            "head_commit": {
                "id": sha,
                "tree_id": sha,
                "message": "load test",
                "timestamp": self.time(self.created_at),
                "author": {"name": "octo", "email": "octo@example.com"},
                "committer": {"name": "octo", "email": "octo@example.com"},
            },
            "repository": repository,
            "head_repository": repository,
            "head_repository_id": repository["id"],
            "display_title": run.display_title,
        }

    def job(self, job: SimJob, run: SimRun) -> dict[str, Any]:
        api = f"{self.base}/repos/{run.owner}/{run.repo}"
        created = self.time(job.created_at)
        started = self.time(job.started_at) if job.started_at is not None else created
        if job.early_start and job.runner_id is not None and job.started_at - job.created_at < 1.5:
            started = self.time(math.floor(job.created_at) - 1)
        steps = job_steps(job, self.now, self.setup_s, self.teardown_s, self.time)
        return {
            "id": job.id,
            "run_id": run.id,
            "run_url": f"{api}/actions/runs/{run.id}",
            "run_attempt": 1,
            "node_id": node_id("job", job.id),
            "head_sha": hashlib.sha1(f"{run.owner}/{run.repo}".encode()).hexdigest(),
            "url": f"{api}/actions/jobs/{job.id}",
            "html_url": f"{self.web}/{run.owner}/{run.repo}/actions/runs/{run.id}/job/{job.id}",
            "status": job.status,
            "conclusion": job.conclusion,
            "created_at": created,
            "started_at": started,
            "completed_at": self.time(job.completed_at),
            "name": job.name,
            "steps": steps,
            "check_run_url": f"{api}/check-runs/{job.id}",
            "labels": list(job.labels),
            "runner_id": job.runner_id,
            "runner_name": job.runner_name,
            "runner_group_id": 1 if job.runner_id is not None else None,
            "runner_group_name": "Default" if job.runner_id is not None else None,
            "workflow_name": self.workflow_name,
            "head_branch": run.ref,
        }

    def timing(self, run: SimRun) -> dict[str, Any]:
        """``workflow-run-usage``: self-hosted runners bill nothing, so ``billable`` is empty
        (docs.github.com/rest/actions/workflow-runs#get-workflow-run-usage)."""
        end = run.updated_at if run.status == "completed" else self.now
        return {"billable": {}, "run_duration_ms": max(0, int((end - run.created_at) * 1000))}

    def runner(self, runner: SimRunner) -> dict[str, Any]:
        labels = [
            {"id": i + 1, "name": name, "type": "read-only" if i == 0 else "custom"} for i, name in enumerate(runner.labels)
        ]
        return {
            "id": runner.id,
            "runner_group_id": 1,
            "name": runner.name,
            "os": "linux",
            "status": runner.status,
            "busy": runner.busy,
            "labels": labels,
            "ephemeral": runner.ephemeral,
            "version": "2.330.0",
        }
