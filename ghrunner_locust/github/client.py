"""The GitHub REST client: the calls the harness needs, with typed results (transport in ``transport``)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from ..errors import APIError, Error, OutcomeUnknownError, ValidationError
from .models import DispatchResult, Job, Page, RateLimit, Runner, Workflow, WorkflowRun
from .transport import ConnectionFailedError, Transport, resolve_token

__all__ = ["GitHubClient", "ConnectionFailedError", "DEFAULT_API_URL", "DEFAULT_API_VERSION", "resolve_token"]

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_API_VERSION = "2022-11-28"
RUN_DETAILS_ALWAYS_VERSION = "2026-03-10"
"""From this API version dispatch always answers 200 with the run, and ``return_run_details`` is gone."""


class GitHubClient(Transport):
    """GitHub's REST API for what the harness needs, with typed results.

    ``api_url`` is ``https://api.github.com``, ``https://HOST/api/v3`` (Enterprise Server) or any
    http(s) URL (the simulator). The token comes from ``token``, else ``GITHUB_TOKEN``, else
    ``GH_TOKEN``; it is sent only in the ``Authorization`` header and never shown. Keyword
    arguments are :class:`~ghrunner_locust.github.transport.Transport`'s (``session=``, ``clock=``,
    ``pause=``, ...).
    """

    def __init__(self, api_url: str = DEFAULT_API_URL, token: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("api_version", DEFAULT_API_VERSION)
        super().__init__(api_url, token, **kwargs)
        self._run_details_supported = self.api_version < RUN_DETAILS_ALWAYS_VERSION

    def __repr__(self) -> str:
        auth = "token set" if self._token else "no token"
        return f"GitHubClient({self.api_url!r}, {auth}, api_version={self.api_version!r})"

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

        Raises :class:`~ghrunner_locust.errors.OutcomeUnknownError` when GitHub may have created the
        run but its answer was lost (a 5xx, a dropped connection after sending, a read timeout):
        look for the run (by the ``run_key`` in its title) rather than dispatch again.
        """
        path = f"{_repo_path(owner, repo)}/actions/workflows/{quote(str(workflow), safe='')}/dispatches"
        context = f"workflow {workflow} in {owner}/{repo}"
        body: dict[str, Any] = {"ref": ref, "inputs": {k: _input_value(v) for k, v in (inputs or {}).items()}}
        sent_at = self.clock.time()
        try:
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
        except (APIError, ConnectionFailedError) as exc:
            if _outcome_unknown(exc):
                raise OutcomeUnknownError(f"dispatch outcome unknown ({context}): {exc}", exc) from None
            raise
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
        max_pages: int | None = None,
        conditional: bool = True,
    ) -> Page:
        """Runs of the repository (or of one workflow), newest first, following ``Link`` pages (all: ``None``)."""
        base = _repo_path(owner, repo)
        path = (
            f"{base}/actions/workflows/{quote(str(workflow), safe='')}/runs" if workflow is not None else f"{base}/actions/runs"
        )
        params = {"event": event, "status": status, "branch": branch, "created": created, "per_page": per_page, "page": page}
        params = {k: v for k, v in params.items() if v is not None}
        items, total, not_modified = self.paginate(
            path, "workflow_runs", params, f"runs of {owner}/{repo}", 1 if page else max_pages, conditional
        )
        return Page(tuple(WorkflowRun.from_api(item) for item in items), total, not_modified)

    def runs_page(
        self, owner: str, repo: str, workflow: str | int | None, params: dict[str, Any], url: str | None = None
    ) -> tuple[Page, str | None]:
        """One conditional page of a runs listing (``url``: a ``next`` link), and the next page's URL."""
        base = _repo_path(owner, repo)
        path = url or (
            f"{base}/actions/workflows/{quote(str(workflow), safe='')}/runs" if workflow is not None else f"{base}/actions/runs"
        )
        status, data, response = self.request(
            "GET", path, params=None if url else params, context=f"runs of {owner}/{repo}", conditional=True
        )
        data = data or {}
        links = getattr(response, "_ghrunner_links", None) or response.links
        runs = tuple(WorkflowRun.from_api(item) for item in data.get("workflow_runs") or [])
        page = Page(runs, int(data.get("total_count", len(runs))), status == 304)
        return page, links.get("next", {}).get("url")

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
        max_pages: int | None = None,
        conditional: bool = True,
    ) -> Page:
        """A run's jobs (``filter`` latest or all), following ``Link`` pages."""
        path = f"{_repo_path(owner, repo)}/actions/runs/{int(run_id)}/jobs"
        items, total, not_modified = self.paginate(
            path,
            "jobs",
            {"filter": filter, "per_page": per_page},
            f"jobs of run {run_id} in {owner}/{repo}",
            max_pages,
            conditional,
        )
        return Page(tuple(Job.from_api(item) for item in items), total, not_modified)

    def forget_run(self, run_id: int) -> int:
        """Drop the cached answers about one run (its jobs, the run itself); return how many."""
        return self.etags.forget(f"/actions/runs/{int(run_id)}")

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

    def list_runners(
        self, owner: str, repo: str, *, per_page: int = 100, max_pages: int | None = None, conditional: bool = True
    ) -> Page:
        """The repository's self-hosted runners, every page (needs admin access to the repository)."""
        items, total, not_modified = self.paginate(
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


def _outcome_unknown(exc: Error) -> bool:
    """Whether a failed POST may still have been acted on by GitHub."""
    if isinstance(exc, ConnectionFailedError):
        return exc.sent
    return isinstance(exc, APIError) and exc.status >= 500


def _repo_path(owner: str, repo: str) -> str:
    return f"/repos/{quote(owner, safe='')}/{quote(repo, safe='')}"


def _input_value(value: Any) -> Any:
    """Workflow inputs travel as strings (booleans as ``true``/``false``), as the web UI sends them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)
