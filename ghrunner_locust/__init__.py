"""ghrunner-locust: load-test GitHub Actions self-hosted runners with Locust.

The package root imports nothing heavy: Locust must monkey-patch the process (gevent) before requests and
urllib3 are imported, so a script may ``import ghrunner_locust.plugin`` first. The names below are handed on
lazily, on first use.
"""

from __future__ import annotations

from ._lazy import lazy_names
from ._version import __version__

_WHERE = {
    "Clock": "clock",
    "SystemClock": "clock",
    "FakeClock": "clock",
    "Error": "errors",
    "UsageError": "errors",
    "APIError": "errors",
    "AuthError": "errors",
    "NotFoundError": "errors",
    "ValidationError": "errors",
    "RateLimitError": "errors",
    "OutcomeUnknownError": "errors",
    "GitHubClient": "github",
    "GitHubRetry": "github",
    "RateLimitSnapshot": "github",
    "DispatchResult": "github",
    "Workflow": "github",
    "WorkflowRun": "github",
    "Job": "github",
    "Runner": "github",
    "RateLimit": "github",
    "Page": "github",
    "InputSpec": "github.workflow",
    "WorkflowSpec": "github.workflow",
}

__all__ = ["__version__", *_WHERE]


__getattr__, __dir__ = lazy_names(__name__, _WHERE)
