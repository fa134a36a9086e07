"""urllib3 ``Retry`` taught GitHub's rules: rate limits, non-idempotent dispatches, a clock."""

from __future__ import annotations

from typing import Any

from urllib3.exceptions import MaxRetryError
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from ..clock import Clock, SystemClock
from ..errors import RateLimitError
from .ratelimit import RateLimitPause, is_rate_limited, rate_limit_wait

__all__ = ["GitHubRetry", "creates_a_run"]

SERVER_ERRORS = frozenset({500, 502, 503, 504})
RATE_LIMIT_STATUSES = frozenset({403, 429})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE", "PUT"})


def creates_a_run(method: str | None, path: str | None) -> bool:
    """A workflow dispatch (``POST .../dispatches``): held back, not sent, once the test stopped."""
    return (method or "").upper() == "POST" and (path or "").split("?")[0].rstrip("/").endswith("/dispatches")


class GitHubRetry(Retry):
    """Retries as GitHub's documentation asks for them.

    - connection errors and 500/502/503/504: exponential backoff with jitter;
    - 429, and 403 *only when it is a rate limit*: wait as the headers say
      (``retry-after``, else until ``x-ratelimit-reset``, else a minute); a wait longer
      than ``max_wait`` raises :class:`RateLimitError` instead of sleeping;
    - never 401/404/422 (they are not in the status list).

    A rate-limit refusal also sets the shared :class:`RateLimitPause` (``pause=``), so every other
    request of the process waits too instead of being refused in turn.

    **POST is not idempotent** (a repeated dispatch starts a second run), so a POST is
    retried only when GitHub cannot have acted on it:

    - a connection error (urllib3's connect errors: the request was never sent);
    - a rate-limit refusal (403/429): GitHub rejected it before doing anything.

    A POST that got a 5xx, a read timeout or a dropped connection after it was sent is
    *not* retried: the run may exist, and a blind retry would double the load under test.
    """

    DEFAULT_MAX_WAIT_S = 60.0

    def __init__(
        self,
        total: int = 5,
        *,
        backoff_factor: float = 0.5,
        backoff_jitter: float = 0.5,
        backoff_max: float = 30.0,
        clock: Clock | None = None,
        max_wait: float = DEFAULT_MAX_WAIT_S,
        pause: RateLimitPause | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("status_forcelist", SERVER_ERRORS | RATE_LIMIT_STATUSES)
        kwargs.setdefault("allowed_methods", SAFE_METHODS)
        kwargs.setdefault("raise_on_status", False)
        kwargs.setdefault("respect_retry_after_header", True)
        kwargs.setdefault("redirect", 0)
        super().__init__(
            total=total,
            backoff_factor=backoff_factor,
            backoff_jitter=backoff_jitter,
            backoff_max=backoff_max,
            **kwargs,
        )
        self.clock: Clock = clock or SystemClock()
        self.max_wait = max_wait
        self.pause = pause or RateLimitPause(self.clock)

    def new(self, **kw: Any) -> GitHubRetry:
        kw.setdefault("clock", self.clock)
        kw.setdefault("max_wait", self.max_wait)
        kw.setdefault("pause", self.pause)
        return super().new(**kw)  # type: ignore[return-value]

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if status_code in RATE_LIMIT_STATUSES:
            # Whether it really is a rate limit needs the headers: decided in increment().
            return True
        return super().is_retry(method, status_code, has_retry_after)

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> GitHubRetry:
        if response is not None and response.status in RATE_LIMIT_STATUSES:
            if not is_rate_limited(response.status, response.headers):
                # A plain 403 (no permission): hand the response back to the caller, unretried.
                raise MaxRetryError(_pool, url or "", None)  # type: ignore[arg-type]
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        retry.dispatch = creates_a_run(method, url)  # type: ignore[attr-defined]
        return retry  # type: ignore[return-value]

    def wait_for(self, response: BaseHTTPResponse | None) -> float:
        """Seconds to wait before the next attempt."""
        if response is not None and is_rate_limited(response.status, response.headers):
            return rate_limit_wait(response.headers, self.clock.time())
        if response is not None and self.respect_retry_after_header:
            retry_after = self.get_retry_after(response)
            if retry_after is not None:
                return retry_after
        return self.get_backoff_time()

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        limited = response is not None and is_rate_limited(response.status, response.headers)
        wait = self.pause.refused(response.status, response.headers) if limited else self.wait_for(response)  # type: ignore[union-attr]
        if wait > self.max_wait and response is not None:
            reset = response.headers.get("x-ratelimit-reset")
            raise RateLimitError(
                response.status,
                "GitHub asked to wait before retrying",
                reset_at=float(reset) if reset and reset.isdigit() else self.clock.time() + wait,
                wait_s=wait,
            )
        dispatch = getattr(self, "dispatch", False)
        if limited:
            # the shared pause (it may have been extended meanwhile); a dispatch refused before the test stopped
            # is not sent after it
            self.pause.wait(dispatch=dispatch)
        else:
            self.clock.sleep(wait)
            if dispatch:
                self.pause.check_dispatch()
