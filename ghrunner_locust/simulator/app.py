"""The simulator's HTTP layer: a WSGI app that answers like api.github.com (and GHES under /api/v3)."""

from __future__ import annotations

import hashlib
import json
import random
import socket
import threading
import time
from collections import Counter
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .control import ControlHandlers
from .limits import RateLimiter
from .model import SimError
from .payloads import Payloads
from .query import CreatedFilter, link_header, page_slice
from .state import WORKFLOW_ID, SimState

__all__ = ["SimApp"]

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
CREATES_CONTENT = frozenset({"dispatch", "cancel"})
NOT_COUNTED = frozenset({"rate_limit"})
NEWEST_VERSION = "2026-03-10"


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, separators=(",", ":")), status=status, mimetype="application/json")


class SimApp:
    """WSGI application over a :class:`SimState`."""

    def __init__(self, state: SimState) -> None:
        self.state = state
        self.config = state.config
        self.limiter = RateLimiter(state.config, state.clock)
        self.counts: Counter[tuple[str, str]] = Counter()
        """(endpoint, counted|not_counted) -> requests."""
        self.counts_lock = threading.Lock()
        self.control = ControlHandlers(self)
        self._fault_rng = random.Random(state.config.seed)
        self._cache: dict[tuple[str, int], tuple[tuple[Any, ...], bytes]] = {}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        response = self.handle(request)
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        path, prefix = request.path, ""
        if path.startswith("/api/v3"):
            prefix, path = "/api/v3", path[len("/api/v3") :] or "/"
        if path.startswith("/_sim/"):
            return self.control.handle(request, path)
        try:
            endpoint, args = URLS.bind("localhost").match(path, method=request.method)
        except HTTPException:
            return self._error(SimError(404, "Not Found", "https://docs.github.com/rest"))
        faults = self.config.faults_for(endpoint)
        if faults.drop_rate and self._fault_rng.random() < faults.drop_rate:
            return self._drop(request)
        if faults.error_rate and self._fault_rng.random() < faults.error_rate:
            status = self._fault_rng.choice((500, 502, 503))
            return self._error(SimError(status, "Server Error" if status == 500 else "Service Unavailable"))
        token = self._token(request)
        if isinstance(token, Response):
            return token
        payloads = Payloads(
            request.host_url.rstrip("/") + prefix,
            self.config.timestamp_resolution_s,
            self.state.workflow.path,
            self.state.workflow.name,
            WORKFLOW_ID,
        )
        counted = endpoint not in NOT_COUNTED
        try:
            self.limiter.enter(token, endpoint in CREATES_CONTENT)
        except SimError as exc:
            self._count(endpoint, False)
            return self._error(exc, self.limiter.headers(token))
        try:
            if faults.latency_s:  # a slow answer holds its place among the token's concurrent requests
                time.sleep(faults.latency_s)
            response = self._answer(endpoint, request, payloads, token, args)
            if request.method == "GET" and response.status_code == 200:
                etag = '"' + hashlib.md5(response.get_data()).hexdigest() + '"'
                response.headers["ETag"] = etag
                if etag in request.headers.get("If-None-Match", ""):
                    response, counted = Response(status=304, headers={"ETag": etag}), False
        except SimError as exc:
            response = self._error(exc)
        finally:
            self.limiter.leave(token, counted)
        self._count(endpoint, counted)
        response.headers.update(self.limiter.headers(token))
        return response

    def _answer(self, endpoint: str, request: Request, payloads: Payloads, token: str, args: dict[str, Any]) -> Response:
        owner, repo = args.pop("owner", None), args.pop("repo", None)
        if owner is not None and self.config.repo and f"{owner}/{repo}".lower() != self.config.repo.lower():
            raise SimError(404, "Not Found", "https://docs.github.com/rest/repos/repos#get-a-repository")
        handler = getattr(self, f"do_{endpoint}")
        if owner is None:
            return handler(request, payloads, token, **args)
        return handler(request, payloads, owner, repo, **args)

    # -- plumbing -----------------------------------------------------------------------------

    def _token(self, request: Request) -> str | Response:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        token = token.strip() if scheme.lower() in ("bearer", "token") else ""
        if not token:
            return self._error(SimError(401, "Requires authentication", "https://docs.github.com/rest"))
        if self.config.tokens and token not in self.config.tokens:
            return self._error(SimError(401, "Bad credentials", "https://docs.github.com/rest"))
        return token

    def _error(self, exc: SimError, headers: dict[str, str] | None = None) -> Response:
        response = _json(
            {"message": exc.message, "documentation_url": exc.documentation_url, "status": str(exc.status)}, exc.status
        )
        if getattr(exc, "retry_after", None) is not None:
            response.headers["retry-after"] = str(exc.retry_after)  # type: ignore[attr-defined]
        response.headers.update(headers or {})
        return response

    def _drop(self, request: Request) -> Response:
        sock = request.environ.get("werkzeug.socket")
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        return Response(status=500)

    def _count(self, endpoint: str, counted: bool) -> None:
        with self.counts_lock:
            self.counts[(endpoint, "counted" if counted else "not_counted")] += 1

    def _encoded(self, kind: str, version: tuple[Any, ...], render: Any, record: Any) -> bytes:
        """A record's JSON, encoded once per version (list-runs of 100 runs would otherwise re-encode each)."""
        cached = self._cache.get((kind, record.id))
        if cached is not None and cached[0] == version:
            return cached[1]
        data = json.dumps(render(record), separators=(",", ":")).encode()
        self._cache[(kind, record.id)] = (version, data)
        return data

    def _run_json(self, payloads: Payloads, run: Any) -> bytes:
        return self._encoded("run", (payloads.base, run.status, run.conclusion, run.updated_at), payloads.run, run)

    def _job_json(self, payloads: Payloads, run: Any, job: Any) -> bytes:
        version = (payloads.base, job.status, job.conclusion, job.runner_id, job.completed_at)
        return self._encoded("job", version, lambda j: payloads.job(j, run), job)

    def _paged(self, request: Request, key: str, items: list[Any], encode: Any) -> Response:
        page, number, pages = page_slice(items, request.args.get("per_page"), request.args.get("page"))
        body = b'{"total_count":%d,"%s":[' % (len(items), key.encode()) + b",".join(encode(i) for i in page) + b"]}"
        response = Response(body, mimetype="application/json")
        link = link_header(request.base_url, {k: v for k, v in request.args.items() if k != "page"}, number, pages)
        if link:
            response.headers["Link"] = link
        return response

    # -- GitHub endpoints ---------------------------------------------------------------------

    def do_rate_limit(self, request: Request, payloads: Payloads, token: str) -> Response:
        core = self.limiter.snapshot(token)
        fixed = {"search": 30, "graphql": 5000, "code_search": 10, "actions_runner_registration": 10000}
        others = {name: {"limit": n, "used": 0, "remaining": n, "reset": core["reset"]} for name, n in fixed.items()}
        return _json({"resources": {"core": core, **others}, "rate": core})

    def do_get_repo(self, request: Request, payloads: Payloads, owner: str, repo: str) -> Response:
        return _json(payloads.repo(owner, repo))

    def do_list_workflows(self, request: Request, payloads: Payloads, owner: str, repo: str) -> Response:
        return _json({"total_count": 1, "workflows": [payloads.workflow(owner, repo)]})

    def do_get_workflow(self, request: Request, payloads: Payloads, owner: str, repo: str, workflow: str) -> Response:
        self.state.find_workflow(workflow)
        return _json(payloads.workflow(owner, repo))

    def do_dispatch(self, request: Request, payloads: Payloads, owner: str, repo: str, workflow: str) -> Response:
        try:
            body = json.loads(request.get_data() or b"{}")
        except json.JSONDecodeError:
            raise SimError(400, "Problems parsing JSON", "https://docs.github.com/rest") from None
        if not isinstance(body, dict):
            raise SimError(422, "Invalid request.\n\nFor 'links/0/schema', is not an object.")
        newest = request.headers.get("X-GitHub-Api-Version") == NEWEST_VERSION
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
            return _json(
                {"workflow_run_id": run.id, "run_url": api, "html_url": f"{payloads.web}/{owner}/{repo}/actions/runs/{run.id}"}
            )
        return Response(status=204)

    def do_list_runs(self, request: Request, payloads: Payloads, owner: str, repo: str, workflow: str | None = None) -> Response:
        if workflow is not None:
            self.state.find_workflow(workflow)
        args = request.args
        created = CreatedFilter(args["created"]) if args.get("created") else None
        event, status, branch = args.get("event"), args.get("status"), args.get("branch")
        if event and event != "workflow_dispatch":
            return self._paged(request, "workflow_runs", [], None)
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

    def do_get_run(self, request: Request, payloads: Payloads, owner: str, repo: str, run_id: int) -> Response:
        with self.state.lock:
            run = self.state.get_run(run_id)
            if (run.owner, run.repo) != (owner, repo):
                raise SimError(404, "Not Found")
            return Response(self._run_json(payloads, run), mimetype="application/json")

    def do_list_jobs(
        self, request: Request, payloads: Payloads, owner: str, repo: str, run_id: int, attempt: int = 1
    ) -> Response:
        if request.args.get("filter", "latest") not in ("latest", "all"):
            raise SimError(422, "Invalid value for filter: must be one of latest, all")
        with self.state.lock:
            run = self.state.get_run(run_id)
            if (run.owner, run.repo) != (owner, repo) or attempt != 1:
                raise SimError(404, "Not Found")
            return self._paged(request, "jobs", list(run.jobs), lambda job: self._job_json(payloads, run, job))

    def do_get_job(self, request: Request, payloads: Payloads, owner: str, repo: str, job_id: int) -> Response:
        with self.state.lock:
            job = self.state.jobs.get(job_id)
            if job is None:
                raise SimError(404, "Not Found")
            return _json(payloads.job(job, self.state.runs[job.run_id]))

    def do_cancel(self, request: Request, payloads: Payloads, owner: str, repo: str, run_id: int) -> Response:
        self.state.cancel(run_id)
        return _json({}, 202)

    def do_list_runners(self, request: Request, payloads: Payloads, owner: str, repo: str) -> Response:
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

    def _runner_token(self, prefix: str) -> Response:
        expires = payloads_time(self.state.clock.time() + 3600)
        token = prefix + hashlib.sha1(f"{prefix}{time.time_ns()}".encode()).hexdigest()[:29].upper()
        return _json({"token": token, "expires_at": expires}, 201)

    def do_registration_token(self, request: Request, payloads: Payloads, owner: str, repo: str) -> Response:
        return self._runner_token("AREG")

    def do_remove_token(self, request: Request, payloads: Payloads, owner: str, repo: str) -> Response:
        return self._runner_token("AREM")

    def do_get_installation(self, request: Request, payloads: Payloads, owner: str, repo: str) -> Response:
        """A GitHub App's installation on the repository (for runners that register with an App)."""
        return _json({"id": 1, "app_id": 1, "target_type": "Organization", "account": payloads.repo(owner, repo)["owner"]})

    def do_installation_token(self, request: Request, payloads: Payloads, token: str, installation_id: int) -> Response:
        return self._runner_token("ghs_")

    def do_delete_runner(self, request: Request, payloads: Payloads, owner: str, repo: str, runner_id: int) -> Response:
        with self.state.lock:
            runner = self.state.pool.runners.get(runner_id)
            if runner is None:
                raise SimError(404, "Not Found")
            if runner.busy:
                raise SimError(422, f'Bad request - Runner "{runner.name}" is still running a job"')
            self.state.pool.remove(self.state.clock.time(), runner_id)
        return Response(status=204)


def payloads_time(t: float) -> str:
    return Payloads("").time(t) or ""
