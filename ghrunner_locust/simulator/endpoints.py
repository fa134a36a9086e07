"""GitHub's REST endpoints the simulator serves: routes, each endpoint's documentation page, the handlers."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from typing import Any

from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .limits import RateLimiter
from .model import SimError, SimJob, SimRun
from .payloads import Payloads
from .query import CreatedFilter, link_header, page_slice
from .state import WORKFLOW_ID, SimState
from .steps import phase
from .wire import JSON_TYPE, VERSIONS, json_object, json_response

__all__ = ["GitHubEndpoints", "URLS", "DOCS", "CREATES_CONTENT", "NOT_COUNTED"]

R = "/repos/<owner>/<repo>/actions"
URLS = Map(
    [
        Rule("/rate_limit", endpoint="rate_limit", methods=["GET"]),
        Rule("/repos/<owner>/<repo>", endpoint="get_repo", methods=["GET"]),
        Rule(f"{R}/workflows", endpoint="list_workflows", methods=["GET"]),
        Rule(f"{R}/workflows/<workflow>", endpoint="get_workflow", methods=["GET"]),
        Rule(f"{R}/workflows/<workflow>/dispatches", endpoint="dispatch", methods=["POST"]),
        Rule(f"{R}/workflows/<workflow>/runs", endpoint="list_runs", methods=["GET"]),
        Rule(f"{R}/runs", endpoint="list_runs", methods=["GET"]),
        Rule(f"{R}/runs/<int:run_id>", endpoint="get_run", methods=["GET"]),
        Rule(f"{R}/runs/<int:run_id>/timing", endpoint="run_timing", methods=["GET"]),
        Rule(f"{R}/runs/<int:run_id>/jobs", endpoint="list_jobs", methods=["GET"]),
        Rule(f"{R}/runs/<int:run_id>/attempts/<int:attempt>/jobs", endpoint="list_jobs", methods=["GET"]),
        Rule(f"{R}/runs/<int:run_id>/cancel", endpoint="cancel", methods=["POST"]),
        Rule(f"{R}/jobs/<int:job_id>", endpoint="get_job", methods=["GET"]),
        Rule(f"{R}/runners", endpoint="list_runners", methods=["GET"]),
        Rule(f"{R}/runners/registration-token", endpoint="registration_token", methods=["POST"]),
        Rule(f"{R}/runners/remove-token", endpoint="remove_token", methods=["POST"]),
        Rule(f"{R}/runners/<int:runner_id>", endpoint="delete_runner", methods=["DELETE"]),
        Rule("/repos/<owner>/<repo>/installation", endpoint="get_installation", methods=["GET"]),
        Rule("/app/installations/<int:installation_id>/access_tokens", endpoint="installation_token", methods=["POST"]),
    ],
    strict_slashes=False,
)
_D = "https://docs.github.com/rest/"
DOCS = {
    "rate_limit": _D + "rate-limit/rate-limit#get-rate-limit-status-for-the-authenticated-user",
    "get_repo": _D + "repos/repos#get-a-repository",
    "list_workflows": _D + "actions/workflows#list-repository-workflows",
    "get_workflow": _D + "actions/workflows#get-a-workflow",
    "dispatch": _D + "actions/workflows#create-a-workflow-dispatch-event",
    "list_runs": _D + "actions/workflow-runs#list-workflow-runs-for-a-repository",
    "get_run": _D + "actions/workflow-runs#get-a-workflow-run",
    "run_timing": _D + "actions/workflow-runs#get-workflow-run-usage",
    "list_jobs": _D + "actions/workflow-jobs#list-jobs-for-a-workflow-run",
    "cancel": _D + "actions/workflow-runs#cancel-a-workflow-run",
    "get_job": _D + "actions/workflow-jobs#get-a-job-for-a-workflow-run",
    "list_runners": _D + "actions/self-hosted-runners#list-self-hosted-runners-for-a-repository",
    "registration_token": _D + "actions/self-hosted-runners#create-a-registration-token-for-a-repository",
    "remove_token": _D + "actions/self-hosted-runners#create-a-remove-token-for-a-repository",
    "delete_runner": _D + "actions/self-hosted-runners#delete-a-self-hosted-runner-from-a-repository",
    "get_installation": _D + "apps/apps#get-a-repository-installation-for-the-authenticated-app",
    "installation_token": _D + "apps/apps#create-an-installation-access-token-for-an-app",
}
"""Each endpoint's own documentation page: GitHub's 404 and 422 bodies carry it."""
CREATES_CONTENT = frozenset({"dispatch", "cancel"})
NOT_COUNTED = frozenset({"rate_limit"})
NEWEST_VERSION = VERSIONS[0]


class GitHubEndpoints:
    """The handlers: ``do_<endpoint>(request, payloads, version, owner, repo, **args)`` (no owner for
    ``rate_limit`` and ``installation_token``, which get the token instead)."""

    def __init__(self, state: SimState, limiter: RateLimiter) -> None:
        self.state = state
        self.config = state.config
        self.limiter = limiter
        self._cache: dict[tuple[str, int], tuple[tuple[Any, ...], bytes]] = {}
        self._cache_lock = threading.Lock()

    def clear(self) -> None:
        with self._cache_lock:
            self._cache.clear()

    def payloads(self, base: str) -> Payloads:
        cfg = self.config
        return Payloads(
            base,
            cfg.timestamp_resolution_s,
            self.state.workflow.path,
            self.state.workflow.name,
            WORKFLOW_ID,
            created_at=self.state.started_at,
            now=self.state.clock.time(),
            setup_s=cfg.setup_s,
            teardown_s=cfg.teardown_s,
        )

    # -- encoding -----------------------------------------------------------------------------

    def _encoded(self, kind: str, version: tuple[Any, ...], render: Callable[[Any], Any], record: Any) -> bytes:
        """A record's JSON, encoded once per version (list-runs of 100 runs would otherwise re-encode each)."""
        with self._cache_lock:
            cached = self._cache.get((kind, record.id))
        if cached is not None and cached[0] == version:
            return cached[1]
        data = json.dumps(render(record), separators=(",", ":")).encode()
        with self._cache_lock:
            self._cache[(kind, record.id)] = (version, data)
        return data

    def _run_json(self, payloads: Payloads, run: SimRun) -> bytes:
        return self._encoded("run", (payloads.base, run.status, run.conclusion, run.updated_at), payloads.run, run)

    def _job_json(self, payloads: Payloads, run: SimRun, job: SimJob) -> bytes:
        step = phase(job, payloads.now, payloads.setup_s, payloads.teardown_s)
        version = (payloads.base, job.status, job.conclusion, job.runner_id, job.completed_at, step)
        return self._encoded("job", version, lambda j: payloads.job(j, run), job)

    def _paged(self, request: Request, key: str, items: list[Any], encode: Callable[[Any], bytes]) -> Response:
        page, number, pages = page_slice(items, request.args.get("per_page"), request.args.get("page"))
        body = b'{"total_count":%d,"%s":[' % (len(items), key.encode()) + b",".join(encode(i) for i in page) + b"]}"
        response = Response(body, content_type=JSON_TYPE)
        link = link_header(request.base_url, {k: v for k, v in request.args.items() if k != "page"}, number, pages)
        if link:
            response.headers["Link"] = link
        return response

    def _own_run(self, run_id: int, owner: str, repo: str) -> SimRun:
        run = self.state.get_run(run_id)
        if (run.owner, run.repo) != (owner, repo):
            raise SimError(404, "Not Found")
        return run

    # -- GitHub endpoints ---------------------------------------------------------------------

    def do_rate_limit(self, request: Request, payloads: Payloads, version: str, token: str) -> Response:
        core = self.limiter.snapshot(token)
        fixed = {"search": 30, "graphql": 5000, "code_search": 10, "actions_runner_registration": 10000}
        others = {name: {"limit": n, "used": 0, "remaining": n, "reset": core["reset"]} for name, n in fixed.items()}
        return json_response({"resources": {"core": core, **others}, "rate": core})

    def do_get_repo(self, request: Request, payloads: Payloads, version: str, owner: str, repo: str) -> Response:
        return json_response({**payloads.repo(owner, repo), "default_branch": "main"})

    def do_list_workflows(self, request: Request, payloads: Payloads, version: str, owner: str, repo: str) -> Response:
        return json_response({"total_count": 1, "workflows": [payloads.workflow(owner, repo)]})

    def do_get_workflow(
        self, request: Request, payloads: Payloads, version: str, owner: str, repo: str, workflow: str
    ) -> Response:
        self.state.find_workflow(workflow)
        return json_response(payloads.workflow(owner, repo))

    def do_dispatch(self, request: Request, payloads: Payloads, version: str, owner: str, repo: str, workflow: str) -> Response:
        body = json_object(request, self.config.max_body_bytes)
        newest = version == NEWEST_VERSION
        if "return_run_details" in body and (self.config.ghes or newest):
            raise SimError(422, 'Invalid request.\n\n"return_run_details" is not a permitted key.')
        unknown = sorted(set(body) - {"ref", "inputs", "return_run_details"})
        if unknown:
            raise SimError(422, f'Invalid request.\n\n"{unknown[0]}" is not a permitted key.')
        inputs = body.get("inputs") or {}
        if not isinstance(inputs, dict):
            raise SimError(422, "Invalid request.\n\nFor 'properties/inputs', is not an object.")
        self.state.find_workflow(workflow)
        run = self.state.dispatch(owner, repo, workflow, body.get("ref"), inputs)
        if newest or body.get("return_run_details") is True:
            api = f"{payloads.base}/repos/{owner}/{repo}/actions/runs/{run.id}"
            html = f"{payloads.web}/{owner}/{repo}/actions/runs/{run.id}"
            return json_response({"workflow_run_id": run.id, "run_url": api, "html_url": html})
        return Response(status=204)

    def do_list_runs(
        self, request: Request, payloads: Payloads, version: str, owner: str, repo: str, workflow: str | None = None
    ) -> Response:
        if workflow is not None:
            self.state.find_workflow(workflow)
        args = request.args
        created = CreatedFilter(args["created"]) if args.get("created") else None
        event, status, branch = args.get("event"), args.get("status"), args.get("branch")
        if event and event != "workflow_dispatch":
            return self._paged(request, "workflow_runs", [], lambda run: b"")
        now = self.state.clock.time()
        with self.state.lock:
            runs = [
                run
                for run in reversed(self.state.runs.values())
                if run.listable_at <= now
                and run.owner == owner
                and run.repo == repo
                and (not status or status == run.status or status == run.conclusion)
                and (not branch or branch == run.ref)
                and (created is None or run.created_at in created)
            ]
            return self._paged(request, "workflow_runs", runs, lambda run: self._run_json(payloads, run))

    def do_get_run(self, request: Request, payloads: Payloads, version: str, owner: str, repo: str, run_id: int) -> Response:
        with self.state.lock:
            return Response(self._run_json(payloads, self._own_run(run_id, owner, repo)), content_type=JSON_TYPE)

    def do_run_timing(self, request: Request, payloads: Payloads, version: str, owner: str, repo: str, run_id: int) -> Response:
        with self.state.lock:
            return json_response(payloads.timing(self._own_run(run_id, owner, repo)))

    def do_list_jobs(
        self, request: Request, payloads: Payloads, version: str, owner: str, repo: str, run_id: int, attempt: int = 1
    ) -> Response:
        if request.args.get("filter", "latest") not in ("latest", "all"):
            raise SimError(422, "Invalid value for filter: must be one of latest, all")
        with self.state.lock:
            run = self._own_run(run_id, owner, repo)
            if attempt != 1:
                raise SimError(404, "Not Found")
            return self._paged(request, "jobs", list(run.jobs), lambda job: self._job_json(payloads, run, job))

    def do_get_job(self, request: Request, payloads: Payloads, version: str, owner: str, repo: str, job_id: int) -> Response:
        with self.state.lock:
            job = self.state.jobs.get(job_id)
            if job is None:
                raise SimError(404, "Not Found")
            return Response(self._job_json(payloads, self.state.runs[job.run_id], job), content_type=JSON_TYPE)

    def do_cancel(self, request: Request, payloads: Payloads, version: str, owner: str, repo: str, run_id: int) -> Response:
        with self.state.lock:
            self._own_run(run_id, owner, repo)
            self.state.cancel(run_id)
        return json_response({}, 202)

    def do_list_runners(self, request: Request, payloads: Payloads, version: str, owner: str, repo: str) -> Response:
        args = request.args
        wanted = set(filter(None, args.get("labels", "").split(",")))
        with self.state.lock:
            runners = [
                r
                for r in self.state.pool.runners.values()
                if (not args.get("status") or args["status"] == r.status)
                and (not args.get("busy") or args["busy"] == str(r.busy).lower())
                and (not args.get("name") or args["name"] == r.name)
                and wanted.issubset(r.labels)
            ]
            return self._paged(request, "runners", runners, lambda r: json.dumps(payloads.runner(r)).encode())

    def _runner_token(self, payloads: Payloads, prefix: str) -> Response:
        expires = payloads.time(self.state.clock.time() + 3600)
        token = prefix + hashlib.sha1(f"{prefix}{time.time_ns()}".encode()).hexdigest()[:29].upper()
        return json_response({"token": token, "expires_at": expires}, 201)

    def do_registration_token(self, request: Request, payloads: Payloads, version: str, owner: str, repo: str) -> Response:
        return self._runner_token(payloads, "AREG")

    def do_remove_token(self, request: Request, payloads: Payloads, version: str, owner: str, repo: str) -> Response:
        return self._runner_token(payloads, "AREM")

    def do_get_installation(self, request: Request, payloads: Payloads, version: str, owner: str, repo: str) -> Response:
        """A GitHub App's installation on the repository (for runners that register with an App)."""
        account = payloads.repo(owner, repo)["owner"]
        return json_response({"id": 1, "app_id": 1, "target_type": "Organization", "account": account})

    def do_installation_token(
        self, request: Request, payloads: Payloads, version: str, token: str, installation_id: int
    ) -> Response:
        return self._runner_token(payloads, "ghs_")

    def do_delete_runner(
        self, request: Request, payloads: Payloads, version: str, owner: str, repo: str, runner_id: int
    ) -> Response:
        with self.state.lock:
            runner = self.state.pool.runners.get(runner_id)
            if runner is None:
                raise SimError(404, "Not Found")
            if runner.busy:
                raise SimError(422, f'Bad request - Runner "{runner.name}" is still running a job"')
            self.state.pool.remove(self.state.clock.time(), runner_id)
        return Response(status=204)
