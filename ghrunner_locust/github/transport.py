"""The client's transport: one ``requests.Session`` with GitHub's retries, auth, ETags and accounting.

Each request is prepared once (its URL is its ETag key), proxies are read from the environment once per
client, and a refusal pauses every request of the process (:class:`.ratelimit.RateLimitPause`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from .._version import __version__
from ..clock import Clock, SystemClock
from ..errors import APIError, AuthError, Error, NotFoundError, RateLimitError, ValidationError
from .etags import ETagCache
from .ratelimit import RateLimitPause, RateLimitSnapshot, is_rate_limited
from .retry import GitHubRetry, creates_a_run

__all__ = ["Transport", "ConnectionFailedError", "resolve_token", "resolve_verify", "TOKEN_ENV_VARS"]

log = logging.getLogger(__name__)

TOKEN_ENV_VARS = ("GITHUB_TOKEN", "GH_TOKEN")


class ConnectionFailedError(Error):
    """The API could not be reached (DNS, refused connection, TLS, proxy), or the connection broke mid-answer."""

    def __init__(self, message: str, *, sent: bool = False) -> None:
        super().__init__(message)
        self.sent = sent
        """Whether the request may have reached GitHub (the connection broke after sending, or the answer
        timed out): for a POST its outcome is then unknown. ``False``: it was never sent."""

    @property
    def retryable(self) -> bool:
        """Always: a network failure is no verdict on the request (a POST is re-sent only if never sent)."""
        return True


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


class Transport:
    """Sends requests to one API base URL with one token; :class:`GitHubClient` adds the calls."""

    def __init__(
        self,
        api_url: str,
        token: str | None = None,
        *,
        session: requests.Session | None = None,
        api_version: str = "2022-11-28",
        clock: Clock | None = None,
        retry: GitHubRetry | None = None,
        max_wait: float = GitHubRetry.DEFAULT_MAX_WAIT_S,
        ca_bundle: str | None = None,
        insecure: bool = False,
        timeout: tuple[float, float] = (10.0, 30.0),
        pool_size: int = 10,
        pause: RateLimitPause | None = None,
        etag_entries: int = 4096,
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
        self.pause = pause or (retry.pause if retry is not None else RateLimitPause(self.clock))
        """Shared by every request of the process: a refusal pauses them all (see :class:`RateLimitPause`)."""
        self.retry = retry or GitHubRetry(clock=self.clock, max_wait=max_wait, pause=self.pause)
        adapter = HTTPAdapter(max_retries=self.retry, pool_connections=pool_size, pool_maxsize=pool_size)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        # Proxies from the environment once, for this API URL (requests would look them up on every call).
        self._proxies = requests.utils.get_environ_proxies(self.api_url) if self.session.trust_env else {}
        self.etags = ETagCache(etag_entries)
        self._headers = self._base_headers()
        self.rate_limit: RateLimitSnapshot | None = None
        """The latest response's ``x-ratelimit-*`` state."""
        self.requests_sent = 0
        """HTTP requests sent, retries included."""
        self.requests_counted = 0
        """Requests that counted against the primary limit (not 304s, not rate-limit refusals)."""
        self.requests_not_modified = 0
        """Conditional requests answered 304 (free)."""

    @property
    def has_token(self) -> bool:
        return bool(self._token)

    @property
    def user_agent(self) -> str:
        return f"ghrunner-locust/{__version__} (+https://github.com/ghrunner-locust)"

    def _base_headers(self) -> dict[str, str]:
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": self.api_version,
            "User-Agent": self.user_agent,
        }
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        return headers

    def headers(self) -> dict[str, str]:
        """The headers every request carries."""
        return dict(self._headers)

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

        Waits out a rate-limit pause first. Error statuses raise the matching
        :class:`~ghrunner_locust.errors.APIError` subclass.
        """
        self._wait_out_pause(context or path, dispatch=creates_a_run(method, path))
        prepared = self.session.prepare_request(
            requests.Request(method, self.url_for(path), params=params, json=json, headers=self._headers, auth=_no_auth)
        )
        key = prepared.url or path
        cached = self.etags.get(key) if conditional else None
        if cached:
            prepared.headers["If-None-Match"] = cached[0]
        try:
            response = self.session.send(prepared, timeout=self.timeout, verify=self.verify, proxies=self._proxies)
        except RateLimitError as exc:
            exc.context = context
            raise
        except requests.RequestException as exc:
            raise ConnectionFailedError(
                f"could not reach {self.api_url} ({context or path}): {_reason(exc)}", sent=_maybe_sent(exc)
            ) from None
        self._account(response)
        log.debug("%s %s -> %s", method, path, response.status_code)
        if response.status_code == 304 and cached:
            response._ghrunner_links = cached[2]  # type: ignore[attr-defined]
            return 304, cached[1], response
        if response.status_code >= 400:
            raise self._error(response, context)
        data = response.json() if response.content else None
        if conditional and response.headers.get("ETag"):
            self.etags.put(key, (response.headers["ETag"], data, dict(response.links)))
        return response.status_code, data, response

    def _wait_out_pause(self, context: str, *, dispatch: bool = False) -> None:
        """Sleep through a rate-limit pause, or refuse at once (sending nothing) when it lasts over ``max_wait``;
        a dispatch is not sent once the test stopped (:meth:`RateLimitPause.check_dispatch`)."""
        left = self.pause.remaining_s()
        if left > self.retry.max_wait:
            raise RateLimitError(403, f"paused: {self.pause.reason}", context=context, reset_at=self.pause.until, wait_s=left)
        self.pause.wait(dispatch=dispatch, context=context)

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
            if response.status_code < 400:
                self.pause.exhausted(snapshot)

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
            wait = self.pause.refused(status, response.headers)
            reset = response.headers.get("x-ratelimit-reset")
            return RateLimitError(
                status, message, docs, context=context, reset_at=float(reset) if reset else self.clock.time() + wait
            )
        if status == 403:
            message += " (the token lacks a permission: it needs the repo scope, or Actions: write)"
        return APIError(status, message, docs, context=context)

    def paginate(
        self, path: str, key: str, params: dict[str, Any], context: str, max_pages: int | None, conditional: bool
    ) -> tuple[list[Any], int, bool]:
        """Every page's ``key`` items (up to ``max_pages``; ``None``: all), the total count, and whether all were 304."""
        items: list[Any] = []
        total = 0
        all_not_modified = True
        url: str | None = path
        query: dict[str, Any] | None = params
        pages = 0
        while url is not None and (max_pages is None or pages < max_pages):
            status, data, response = self.request("GET", url, params=query, context=context, conditional=conditional)
            pages += 1
            all_not_modified &= status == 304
            data = data or {}
            items.extend(data.get(key) or [])
            total = int(data.get("total_count", len(items)))
            links = getattr(response, "_ghrunner_links", None) or response.links
            url = links.get("next", {}).get("url")
            query = None
        return items, total, all_not_modified


def _no_auth(request: requests.PreparedRequest) -> requests.PreparedRequest:
    """The token travels in our own header: this keeps requests from looking up ~/.netrc on every call."""
    return request


def _maybe_sent(exc: requests.RequestException) -> bool:
    """Whether a failed request may have reached the server (not a refused or timed-out connect)."""
    if isinstance(exc, requests.ConnectTimeout | requests.exceptions.SSLError | requests.exceptions.ProxyError):
        return False
    cause: Any = exc.args[0] if exc.args else None
    reason = getattr(cause, "reason", cause)
    return not isinstance(reason, NewConnectionError | ConnectTimeoutError)


def _reason(exc: requests.RequestException) -> str:
    text = str(exc.args[0] if exc.args else exc)
    if "Max retries exceeded" in text and "(Caused by " in text:
        text = text.split("(Caused by ", 1)[1].rstrip(")")
    return text[:300]
