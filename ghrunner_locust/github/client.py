"""The GitHub REST client: one ``requests.Session`` with GitHub's retries, auth and caching."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter

from .._version import __version__
from ..clock import Clock, SystemClock
from ..errors import APIError, AuthError, Error, NotFoundError, RateLimitError, ValidationError
from .models import DispatchResult, Job, Page, RateLimit, Runner, Workflow, WorkflowRun
from .ratelimit import RateLimitSnapshot, is_rate_limited
from .retry import GitHubRetry

__all__ = ["GitHubClient", "ConnectionFailedError", "DEFAULT_API_URL", "DEFAULT_API_VERSION", "resolve_token"]

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_API_VERSION = "2022-11-28"
RUN_DETAILS_ALWAYS_VERSION = "2026-03-10"
"""From this API version dispatch always answers 200 with the run, and ``return_run_details`` is gone."""
TOKEN_ENV_VARS = ("GITHUB_TOKEN", "GH_TOKEN")


class ConnectionFailedError(Error):
    """The API could not be reached (DNS, refused connection, TLS, proxy) after retries."""


def resolve_token(
    token: str | None = None, env: Mapping[str, str] | None = None, names: tuple[str, ...] = TOKEN_ENV_VARS
) -> str | None:
    """The token argument, else the first of ``names`` set in the environment."""
    if token:
        return token
    env = os.environ if env is None else env
    for name in names:
        if env.get(name):
            return env[name]
    return None


def resolve_verify(ca_bundle: str | None = None, insecure: bool = False, env: Mapping[str, str] | None = None) -> bool | str:
    """TLS verification: an explicit CA bundle, else ``REQUESTS_CA_BUNDLE``, else ``SSL_CERT_FILE``, else the default store."""
    if insecure:
        return False
    env = os.environ if env is None else env
    return ca_bundle or env.get("REQUESTS_CA_BUNDLE") or env.get("SSL_CERT_FILE") or True


class GitHubClient:
    """GitHub's REST API for what the harness needs, with typed results.

    ``api_url`` is ``https://api.github.com``, ``https://HOST/api/v3`` (Enterprise Server) or any
    http(s) URL (the simulator). The token comes from ``token``, else ``GITHUB_TOKEN``, else
    ``GH_TOKEN``; it is sent only in the ``Authorization`` header and never shown.
    """

    def __init__(
        self,
        api_url: str = DEFAULT_API_URL,
        token: str | None = None,
        *,
        session: requests.Session | None = None,
        api_version: str = DEFAULT_API_VERSION,
        clock: Clock | None = None,
        retry: GitHubRetry | None = None,
        max_wait: float = GitHubRetry.DEFAULT_MAX_WAIT_S,
        ca_bundle: str | None = None,
        insecure: bool = False,
        timeout: tuple[float, float] = (10.0, 30.0),
        pool_size: int = 10,
    ) -> None:
        if not api_url.startswith(("http://", "https://")):
            raise Error(f"API URL {api_url!r} must start with http:// or https://")
        self.api_url = api_url.rstrip("/")
        self.api_version = api_version
        self.clock = clock or SystemClock()
        self.timeout = timeout
        self.verify = resolve_verify(ca_bundle, insecure)
        self._token = resolve_token(token)
        self.session = session or requests.Session()
        self.retry = retry or GitHubRetry(clock=self.clock, max_wait=max_wait)
        adapter = HTTPAdapter(max_retries=self.retry, pool_connections=pool_size, pool_maxsize=pool_size)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self._etags: dict[str, tuple[str, Any, dict[str, Any]]] = {}
        self._run_details_supported = api_version < RUN_DETAILS_ALWAYS_VERSION
        self.rate_limit: RateLimitSnapshot | None = None
        """The latest response's ``x-ratelimit-*`` state."""
        self.requests_sent = 0
        """HTTP requests sent, retries included."""
        self.requests_counted = 0
        """Requests that counted against the primary limit (not 304s, not rate-limit refusals)."""
        self.requests_not_modified = 0
        """Conditional requests answered 304 (free)."""

    def __repr__(self) -> str:
        auth = "token set" if self._token else "no token"
        return f"GitHubClient({self.api_url!r}, {auth}, api_version={self.api_version!r})"

    @property
    def has_token(self) -> bool:
        return bool(self._token)

    @property
    def user_agent(self) -> str:
        return f"ghrunner-locust/{__version__} (+https://github.com/ghrunner-locust)"

    def headers(self) -> dict[str, str]:
        """The headers every request carries."""
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": self.api_version,
            "User-Agent": self.user_agent,
        }
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        return headers

    # -- transport ---------------------------------------------------------------------------

    def url_for(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.api_url}{path}"

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        context: str = "",
        conditional: bool = False,
    ) -> tuple[int, Any, requests.Response]:
        """Send one request (retried by :class:`GitHubRetry`); return status, parsed body and response.

        Error statuses raise the matching :class:`~ghrunner_locust.errors.APIError` subclass.
        """
        url = self.url_for(path)
        headers = self.headers()
        cache_key = requests.Request("GET", url, params=params).prepare().url or url
        cached = self._etags.get(cache_key) if conditional else None
        if cached:
            headers["If-None-Match"] = cached[0]
        try:
            response = self.session.request(
                method, url, params=params, json=json, headers=headers, timeout=self.timeout, verify=self.verify
            )
        except RateLimitError as exc:
            exc.context = context
            raise
        except requests.RequestException as exc:
            raise ConnectionFailedError(f"could not reach {self.api_url} ({context or path}): {_reason(exc)}") from None
        self._account(response)
        log.debug("%s %s -> %s", method, path, response.status_code)
        if response.status_code == 304 and cached:
            response._ghrunner_links = cached[2]  # type: ignore[attr-defined]
            return 304, cached[1], response
        if response.status_code >= 400:
            raise self._error(response, context)
        data = response.json() if response.content else None
        if conditional and response.headers.get("ETag"):
            self._etags[cache_key] = (response.headers["ETag"], data, dict(response.links))
        return response.status_code, data, response

    def _account(self, response: requests.Response) -> None:
        history = getattr(getattr(response.raw, "retries", None), "history", ()) or ()
        attempts = [entry.status for entry in history] + [response.status_code]
        self.requests_sent += len(attempts)
        for status in attempts:
            if status == 304:
                self.requests_not_modified += 1
            elif status is not None and status not in (403, 429):
                self.requests_counted += 1
        snapshot = RateLimitSnapshot.from_headers(response.headers)
        if snapshot is not None:
            self.rate_limit = snapshot

    def _error(self, response: requests.Response, context: str) -> APIError:
        status = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        message = str(body.get("message") or response.reason or "error")
        docs = body.get("documentation_url")
        if status == 401:
            return AuthError(status, message, docs, context=context)
        if status == 404:
            return NotFoundError(status, message, docs, context=context)
        if status in (400, 422):
            return ValidationError(status, message, docs, context=context)
        if is_rate_limited(status, response.headers) or "rate limit" in message.lower():
            reset = response.headers.get("x-ratelimit-reset")
            return RateLimitError(status, message, docs, context=context, reset_at=float(reset) if reset else None)
        if status == 403:
            message += " (the token lacks a permission: it needs the repo scope, or Actions: write)"
        return APIError(status, message, docs, context=context)

    def _paginate(
        self, path: str, key: str, params: dict[str, Any], context: str, max_pages: int, conditional: bool
    ) -> tuple[list[Any], int, bool]:
        items: list[Any] = []
        total = 0
        all_not_modified = True
        url: str | None = path
        query: dict[str, Any] | None = params
        for _ in range(max_pages):
            if url is None:
                break
            status, data, response = self.request("GET", url, params=query, context=context, conditional=conditional)
            all_not_modified &= status == 304
            data = data or {}
            items.extend(data.get(key) or [])
            total = int(data.get("total_count", len(items)))
            links = getattr(response, "_ghrunner_links", None) or response.links
            url = links.get("next", {}).get("url")
            query = None
        return items, total, all_not_modified

    # -- calls -------------------------------------------------------------------------------

    def dispatch_workflow(
        self,
        owner: str,
        repo: str,
        workflow: str | int,
        ref: str = "main",
        inputs: Mapping[str, Any] | None = None,
    ) -> DispatchResult:
        """Trigger ``workflow`` (file name or numeric id) on ``ref`` with ``inputs``.

        Asks for the run's details (``return_run_details``); a server that rejects the key
        (GitHub Enterprise Server before 3.21) is asked again without it, and never again
        for this client's life. Without details the result has no ``run_id`` (204).
        """
        path = f"{_repo_path(owner, repo)}/actions/workflows/{quote(str(workflow), safe='')}/dispatches"
        context = f"workflow {workflow} in {owner}/{repo}"
        body: dict[str, Any] = {"ref": ref, "inputs": {k: _input_value(v) for k, v in (inputs or {}).items()}}
        sent_at = self.clock.time()
        if self._run_details_supported:
            try:
                status, data, _ = self.request("POST", path, json={**body, "return_run_details": True}, context=context)
                return DispatchResult.from_api(status, data, sent_at, self.clock.time() - sent_at)
            except ValidationError as exc:
                if "return_run_details" not in exc.message:
                    raise
                log.info("%s does not know return_run_details; dispatching without it from now on", self.api_url)
                self._run_details_supported = False
        status, data, _ = self.request("POST", path, json=body, context=context)
        return DispatchResult.from_api(status, data, sent_at, self.clock.time() - sent_at)

    def get_workflow(self, owner: str, repo: str, workflow: str | int) -> Workflow:
        path = f"{_repo_path(owner, repo)}/actions/workflows/{quote(str(workflow), safe='')}"
        _, data, _ = self.request("GET", path, context=f"workflow {workflow} in {owner}/{repo}")
        return Workflow.from_api(data)

    def list_workflow_runs(
        self,
        owner: str,
        repo: str,
        workflow: str | int | None = None,
        *,
        event: str | None = None,
        status: str | None = None,
        branch: str | None = None,
        created: str | None = None,
        per_page: int = 100,
        page: int | None = None,
        max_pages: int = 10,
        conditional: bool = True,
    ) -> Page:
        """Runs of the repository (or of one workflow), newest first, following ``Link`` pages."""
        base = _repo_path(owner, repo)
        path = (
            f"{base}/actions/workflows/{quote(str(workflow), safe='')}/runs" if workflow is not None else f"{base}/actions/runs"
        )
        params = {"event": event, "status": status, "branch": branch, "created": created, "per_page": per_page, "page": page}
        params = {k: v for k, v in params.items() if v is not None}
        items, total, not_modified = self._paginate(
            path, "workflow_runs", params, f"runs of {owner}/{repo}", 1 if page else max_pages, conditional
        )
        return Page(tuple(WorkflowRun.from_api(item) for item in items), total, not_modified)

    def get_run(self, owner: str, repo: str, run_id: int, *, conditional: bool = True) -> WorkflowRun:
        _, data, _ = self.request(
            "GET",
            f"{_repo_path(owner, repo)}/actions/runs/{int(run_id)}",
            context=f"run {run_id} in {owner}/{repo}",
            conditional=conditional,
        )
        return WorkflowRun.from_api(data)

    def list_run_jobs(
        self,
        owner: str,
        repo: str,
        run_id: int,
        *,
        filter: str = "latest",
        per_page: int = 100,
        max_pages: int = 10,
        conditional: bool = True,
    ) -> Page:
        """A run's jobs (``filter`` latest or all), following ``Link`` pages."""
        path = f"{_repo_path(owner, repo)}/actions/runs/{int(run_id)}/jobs"
        items, total, not_modified = self._paginate(
            path,
            "jobs",
            {"filter": filter, "per_page": per_page},
            f"jobs of run {run_id} in {owner}/{repo}",
            max_pages,
            conditional,
        )
        return Page(tuple(Job.from_api(item) for item in items), total, not_modified)

    def cancel_run(self, owner: str, repo: str, run_id: int) -> bool:
        """Cancel a run: ``True`` when accepted (202), ``False`` when it had already completed (409)."""
        try:
            self.request(
                "POST", f"{_repo_path(owner, repo)}/actions/runs/{int(run_id)}/cancel", context=f"run {run_id} in {owner}/{repo}"
            )
        except APIError as exc:
            if exc.status == 409:
                return False
            raise
        return True

    def list_runners(self, owner: str, repo: str, *, per_page: int = 100, max_pages: int = 10, conditional: bool = True) -> Page:
        """The repository's self-hosted runners (needs admin access to the repository)."""
        items, total, not_modified = self._paginate(
            f"{_repo_path(owner, repo)}/actions/runners",
            "runners",
            {"per_page": per_page},
            f"runners of {owner}/{repo}",
            max_pages,
            conditional,
        )
        return Page(tuple(Runner.from_api(item) for item in items), total, not_modified)

    def create_registration_token(self, owner: str, repo: str) -> dict[str, str]:
        """A token for ``config.sh`` (``token``, ``expires_at``)."""
        _, data, _ = self.request(
            "POST", f"{_repo_path(owner, repo)}/actions/runners/registration-token", context=f"{owner}/{repo}"
        )
        return dict(data)

    def create_remove_token(self, owner: str, repo: str) -> dict[str, str]:
        """A token for ``config.sh remove`` (``token``, ``expires_at``)."""
        _, data, _ = self.request("POST", f"{_repo_path(owner, repo)}/actions/runners/remove-token", context=f"{owner}/{repo}")
        return dict(data)

    def get_rate_limit(self) -> dict[str, RateLimit]:
        """Every budget of ``GET /rate_limit`` (this call itself is free)."""
        _, data, _ = self.request("GET", "/rate_limit", context="rate limit")
        return RateLimit.all_from_api(data)


def _repo_path(owner: str, repo: str) -> str:
    return f"/repos/{quote(owner, safe='')}/{quote(repo, safe='')}"


def _input_value(value: Any) -> Any:
    """Workflow inputs travel as strings (booleans as ``true``/``false``), as the web UI sends them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def _reason(exc: requests.RequestException) -> str:
    text = str(exc.args[0] if exc.args else exc)
    if "Max retries exceeded" in text and "(Caused by " in text:
        text = text.split("(Caused by ", 1)[1].rstrip(")")
    return text[:300]
