"""The simulator's HTTP layer: a WSGI app that answers like api.github.com (and GHES under /api/v3).

Per request: route, API version, faults before the handler, token, rate limits, the handler, faults after it
(the handler acted: a dispatch's run exists, yet the answer is lost), ETag/304, headers, gzip.
"""

from __future__ import annotations

import logging
import random
import socket
import threading
import time
from collections import Counter
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from .control import ControlHandlers
from .endpoints import CREATES_CONTENT, DOCS, NOT_COUNTED, URLS, GitHubEndpoints
from .limits import RateLimiter
from .model import SimError
from .state import SimState
from .wire import GzipCache, api_version, compress, conditional, error_response

__all__ = ["SimApp"]

log = logging.getLogger(__name__)


class SimApp:
    """WSGI application over a :class:`SimState`."""

    def __init__(self, state: SimState) -> None:
        self.state = state
        self.config = state.config
        self.limiter = RateLimiter(state.config, state.clock)
        self.endpoints = GitHubEndpoints(state, self.limiter)
        self.counts: Counter[tuple[str, str]] = Counter()
        """(endpoint, counted|not_counted) -> requests."""
        self.counts_lock = threading.Lock()
        self.control = ControlHandlers(state, reset=self.reset, stats=self.stats, authorized=self._authorized)
        self._fault_rng = random.Random(state.config.seed)
        self._fault_lock = threading.Lock()
        self._gzipped = GzipCache()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        try:
            response = self.handle(request)
        except Exception:  # a bug, never the client's input: one JSON 500, the traceback to the log only
            log.exception("simulator error on %s %s", request.method, request.path)
            response = error_response(SimError(500, "Server Error"))
        return response(environ, start_response)

    def reset(self) -> None:
        """Forget runs, jobs, budgets and counts (a fresh pool)."""
        self.state.reset()
        self.endpoints.clear()
        self.limiter.reset()
        with self.counts_lock:
            self.counts.clear()

    def stats(self) -> dict[tuple[str, str], int]:
        with self.counts_lock:
            return dict(self.counts)

    def handle(self, request: Request) -> Response:
        path, prefix = request.path, ""
        if path.startswith("/api/v3"):
            prefix, path = "/api/v3", path[len("/api/v3") :] or "/"
        if path.startswith("/_sim/"):
            return self.control.handle(request, path)
        try:
            endpoint, args = URLS.bind("localhost").match(path, method=request.method)
        except HTTPException:
            return error_response(SimError(404, "Not Found"))
        docs = DOCS[endpoint]
        try:
            version = api_version(request)
            if request.content_length and request.content_length > self.config.max_body_bytes:
                raise SimError(413, "Payload too large")
        except SimError as exc:
            return error_response(exc, docs)
        faults = self.config.faults_for(endpoint)
        if self._fires(faults.drop_rate):
            return self._drop(request)
        if self._fires(faults.error_rate):
            with self._fault_lock:
                status = self._fault_rng.choice((500, 502, 503))
            return error_response(SimError(status, "Server Error" if status == 500 else "Service Unavailable"), docs)
        token = self._token(request)
        if isinstance(token, Response):
            return token
        payloads = self.endpoints.payloads(request.host_url.rstrip("/") + prefix)
        limited = endpoint not in NOT_COUNTED  # GET /rate_limit always answers and is not counted
        counted = limited
        if limited:
            try:
                self.limiter.enter(token, endpoint in CREATES_CONTENT)
            except SimError as exc:
                self._count(endpoint, False)
                response = error_response(exc, docs)
                response.headers.update(self.limiter.headers(token))
                return response
        try:
            if faults.latency_s:  # a slow answer holds its place among the token's concurrent requests
                time.sleep(faults.latency_s)
            response = self._answer(endpoint, request, payloads, version, token, args)
            if request.method == "GET" and response.status_code == 200:
                response, fresh = conditional(request, response)
                counted = counted and fresh
        except SimError as exc:
            response = error_response(exc, docs)
        finally:
            if limited:
                self.limiter.leave(token, counted)
        self._count(endpoint, counted)
        if response.status_code < 400 and (faults.drop_after_rate or faults.error_after_rate):
            with self._fault_lock:  # one draw: each rate is exactly its share of the answers
                draw = self._fault_rng.random()
            if draw < faults.drop_after_rate:  # the handler acted; its answer is lost
                return self._drop(request)
            if draw < faults.drop_after_rate + faults.error_after_rate:
                response = error_response(SimError(502, "Server Error"), docs)
        response.headers.update(self.limiter.headers(token))
        response.headers["x-github-api-version-selected"] = version
        return compress(request, response, self._gzipped)

    def _answer(self, endpoint: str, request: Request, payloads: Any, version: str, token: str, args: dict[str, Any]) -> Response:
        owner, repo = args.pop("owner", None), args.pop("repo", None)
        if owner is not None and self.config.repo and f"{owner}/{repo}".lower() != self.config.repo.lower():
            raise SimError(404, "Not Found", DOCS["get_repo"])
        handler = getattr(self.endpoints, f"do_{endpoint}")
        if owner is None:
            return handler(request, payloads, version, token, **args)
        return handler(request, payloads, version, owner, repo, **args)

    # -- plumbing -----------------------------------------------------------------------------

    def _fires(self, rate: float) -> bool:
        if not rate:
            return False
        with self._fault_lock:
            return self._fault_rng.random() < rate

    def _authorized(self, request: Request) -> bool:
        """The request carries a token the simulator accepts (any non-empty one when none are configured)."""
        return not isinstance(self._token(request), Response)

    def _token(self, request: Request) -> str | Response:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        token = token.strip() if scheme.lower() in ("bearer", "token") else ""
        if not token:
            return error_response(SimError(401, "Requires authentication"))
        if self.config.tokens and token not in self.config.tokens:
            return error_response(SimError(401, "Bad credentials"))
        return token

    def _drop(self, request: Request) -> Response:
        """Close the client's connection without an answer (waitress or werkzeug's server)."""
        sock = request.environ.get("werkzeug.socket")
        disconnected = request.environ.get("waitress.client_disconnected")
        if sock is None and disconnected is not None:
            sock = getattr(getattr(disconnected, "__self__", None), "socket", None)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        return Response(status=500)

    def _count(self, endpoint: str, counted: bool) -> None:
        with self.counts_lock:
            self.counts[(endpoint, "counted" if counted else "not_counted")] += 1
