"""GitHub's rate-limit headers as immutable values, and the rules for waiting on them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["RateLimitSnapshot", "is_rate_limited", "rate_limit_wait", "SECONDARY_DEFAULT_WAIT_S"]

SECONDARY_DEFAULT_WAIT_S = 60.0
"""GitHub: with neither ``retry-after`` nor an exhausted primary budget, wait at least a minute."""


def _int(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


@dataclass(frozen=True)
class RateLimitSnapshot:
    """The ``x-ratelimit-*`` headers of one response."""

    limit: int
    """Requests allowed in the window (5,000 an hour for a personal token)."""
    remaining: int
    """Requests left in the window."""
    used: int
    """Requests counted in the window."""
    reset: int
    """Epoch second at which the window resets."""
    resource: str = "core"
    """Which budget the request counted against (``core``, ``search``, ...)."""

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimitSnapshot | None:
        """Parse a response's headers; ``None`` when they carry no rate-limit state."""
        limit = _int(headers, "x-ratelimit-limit")
        remaining = _int(headers, "x-ratelimit-remaining")
        if limit is None or remaining is None:
            return None
        used = _int(headers, "x-ratelimit-used")
        return cls(
            limit=limit,
            remaining=remaining,
            used=used if used is not None else max(0, limit - remaining),
            reset=_int(headers, "x-ratelimit-reset") or 0,
            resource=headers.get("x-ratelimit-resource") or "core",
        )

    def seconds_to_reset(self, now: float) -> float:
        """Seconds from ``now`` until the window resets (never negative)."""
        return max(0.0, self.reset - now)


def is_rate_limited(status: int, headers: Mapping[str, str]) -> bool:
    """Whether a 403/429 answer is a rate limit (and so worth waiting for), judged by headers.

    A 403 is also what GitHub answers for a token without permission; that one carries
    neither ``retry-after`` nor an exhausted ``x-ratelimit-remaining`` and must not be retried.
    """
    if status not in (403, 429):
        return False
    if status == 429:
        return True
    return headers.get("retry-after") is not None or headers.get("x-ratelimit-remaining") == "0"


def rate_limit_wait(headers: Mapping[str, str], now: float) -> float:
    """Seconds to wait before retrying a rate-limited request, by GitHub's documented rules.

    ``retry-after`` first; else, with ``x-ratelimit-remaining: 0``, until ``x-ratelimit-reset``;
    else at least a minute.
    """
    retry_after = headers.get("retry-after")
    if retry_after is not None:
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            pass
    if headers.get("x-ratelimit-remaining") == "0":
        reset = _int(headers, "x-ratelimit-reset")
        if reset is not None:
            return max(0.0, reset - now) + 1.0
    return SECONDARY_DEFAULT_WAIT_S
