"""ghrunner-locust: load-test GitHub Actions self-hosted runners with Locust.

The package root never imports locust; the Locust glue lives in modules that a locustfile imports.
"""

from ._version import __version__
from .clock import Clock, FakeClock, SystemClock
from .errors import APIError, AuthError, Error, NotFoundError, RateLimitError, UsageError, ValidationError
from .github import (
    DispatchResult,
    GitHubClient,
    GitHubRetry,
    Job,
    Page,
    RateLimit,
    RateLimitSnapshot,
    Runner,
    Workflow,
    WorkflowRun,
)
from .workflow import InputSpec, WorkflowSpec

__all__ = [
    "__version__",
    "Clock",
    "SystemClock",
    "FakeClock",
    "Error",
    "UsageError",
    "APIError",
    "AuthError",
    "NotFoundError",
    "ValidationError",
    "RateLimitError",
    "GitHubClient",
    "GitHubRetry",
    "RateLimitSnapshot",
    "DispatchResult",
    "Workflow",
    "WorkflowRun",
    "Job",
    "Runner",
    "RateLimit",
    "Page",
    "InputSpec",
    "WorkflowSpec",
]
