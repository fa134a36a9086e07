"""Exceptions raised by ghrunner-locust.

Every message says what failed and what to check. None of them ever carries
the API token: messages are built from status codes, GitHub's own message text
and the names the caller gave (owner, repo, workflow).
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = [
    "Error",
    "UsageError",
    "APIError",
    "AuthError",
    "NotFoundError",
    "ValidationError",
    "RateLimitError",
    "OutcomeUnknownError",
    "NotSentError",
]


class Error(Exception):
    """Base class of every error ghrunner-locust raises."""


class UsageError(Error):
    """A bad option, argument or input, found before any request was sent."""


class APIError(Error):
    """GitHub answered with an error status."""

    def __init__(
        self,
        status: int,
        message: str,
        documentation_url: str | None = None,
        *,
        context: str = "",
    ) -> None:
        self.status = status
        self.message = message
        self.documentation_url = documentation_url
        self.context = context
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = f" ({self.context})" if self.context else ""
        text = f"GitHub API error {self.status}{where}: {self.message}"
        if self.documentation_url:
            text += f" [see {self.documentation_url}]"
        return text

    @property
    def retryable(self) -> bool:
        """Whether repeating the same request could succeed."""
        return self.status >= 500


class AuthError(APIError):
    """401: the token is missing, wrong or expired."""

    def _describe(self) -> str:
        return (
            f"authentication failed (401 {self.message}): set GITHUB_TOKEN or GH_TOKEN "
            "to a valid token with the repo scope (or Actions: write for fine-grained tokens)"
        )

    @property
    def retryable(self) -> bool:
        return False


class NotFoundError(APIError):
    """404: the owner, repository or workflow does not exist, or the token cannot see it."""

    def _describe(self) -> str:
        target = self.context or "the resource"
        return (
            f"not found (404): {target}. Check the owner, repository and workflow names; "
            "GitHub also answers 404 when the token has no access to the repository"
        )

    @property
    def retryable(self) -> bool:
        return False


class ValidationError(APIError):
    """422 (or 400): GitHub refused the request's content, e.g. unknown inputs or ref."""

    def _describe(self) -> str:
        where = f" ({self.context})" if self.context else ""
        return f"GitHub rejected the request{where} ({self.status}): {self.message}"

    @property
    def retryable(self) -> bool:
        return False


class RateLimitError(APIError):
    """A primary or secondary rate limit was hit and the wait is longer than allowed."""

    def __init__(
        self,
        status: int,
        message: str,
        documentation_url: str | None = None,
        *,
        context: str = "",
        reset_at: float | None = None,
        wait_s: float | None = None,
    ) -> None:
        self.reset_at = reset_at
        self.wait_s = wait_s
        super().__init__(status, message, documentation_url, context=context)

    def _describe(self) -> str:
        text = f"rate limited ({self.status}): {self.message}"
        if self.reset_at is not None:
            when = datetime.fromtimestamp(self.reset_at, tz=UTC)
            text += f"; the limit resets at {when:%Y-%m-%dT%H:%M:%SZ}"
        if self.wait_s is not None:
            text += f" (a wait of {self.wait_s:.0f} s, over the allowed maximum)"
        return text + ". Lower the dispatch rate or poll less often"

    @property
    def retryable(self) -> bool:
        return True


class OutcomeUnknownError(Error):
    """A request that creates something may have been acted on, but its answer was lost (dropped, timed out, 5xx)."""

    def __init__(self, message: str, cause: Error) -> None:
        super().__init__(message)
        self.cause = cause
        """The error that hid the outcome."""

    @property
    def retryable(self) -> bool:
        """Never fatal; but never re-sent blindly either: look for what it created first."""
        return True


class NotSentError(Error):
    """A dispatch held by a rate-limit pause when the test stopped: it was not sent, so nothing was created."""

    @property
    def retryable(self) -> bool:
        return False
