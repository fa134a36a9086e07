"""GitHub's REST API: client, retries, rate-limit state and typed results."""

from .client import DEFAULT_API_URL, DEFAULT_API_VERSION, ConnectionFailedError, GitHubClient, resolve_token
from .models import DispatchResult, Job, Page, RateLimit, Runner, Workflow, WorkflowRun, parse_time
from .ratelimit import RateLimitPause, RateLimitSnapshot, is_rate_limited, rate_limit_wait
from .retry import GitHubRetry

__all__ = [
    "GitHubClient",
    "ConnectionFailedError",
    "DEFAULT_API_URL",
    "DEFAULT_API_VERSION",
    "resolve_token",
    "GitHubRetry",
    "RateLimitSnapshot",
    "RateLimitPause",
    "is_rate_limited",
    "rate_limit_wait",
    "DispatchResult",
    "Workflow",
    "WorkflowRun",
    "Job",
    "Runner",
    "RateLimit",
    "Page",
    "parse_time",
]
