"""GitHub's rate limits per token: the primary hourly budget and the secondary limits."""

from __future__ import annotations

import math
import random
import threading
from collections import deque
from dataclasses import dataclass, field

from ..clock import Clock
from .config import SimConfig
from .model import SimError

__all__ = ["RateLimiter", "Budget"]

PRIMARY_DOCS = "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"
SECONDARY_DOCS = (
    "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
)
SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID."
)


@dataclass
class Budget:
    """One token's primary window and its recent content-creating requests."""

    window_start: float
    used: int = 0
    in_flight: int = 0
    created: deque[float] = field(default_factory=deque)


class RateLimiter:
    """Counts requests per token and refuses them the way GitHub does (403 or 429)."""

    def __init__(self, config: SimConfig, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self._lock = threading.Lock()
        self._budgets: dict[str, Budget] = {}
        self._rng = random.Random(config.seed)

    def reset(self) -> None:
        with self._lock:
            self._budgets.clear()

    def _budget(self, token: str, now: float) -> Budget:
        budget = self._budgets.get(token)
        if budget is None or now >= budget.window_start + self.config.primary_window_s:
            budget = self._budgets[token] = Budget(window_start=now, in_flight=budget.in_flight if budget else 0)
        return budget

    def headers(self, token: str) -> dict[str, str]:
        """The ``x-ratelimit-*`` headers of the token's current state."""
        with self._lock:
            budget = self._budget(token, self.clock.time())
            limit = self.config.primary_limit
            return {
                "x-ratelimit-limit": str(limit),
                "x-ratelimit-remaining": str(max(0, limit - budget.used)),
                "x-ratelimit-used": str(budget.used),
                "x-ratelimit-reset": str(math.ceil(budget.window_start + self.config.primary_window_s)),
                "x-ratelimit-resource": "core",
            }

    def enter(self, token: str, creates_content: bool) -> None:
        """Admit a request or raise :class:`SimError`; pair every admitted request with :meth:`leave`."""
        with self._lock:
            now = self.clock.time()
            budget = self._budget(token, now)
            if budget.used >= self.config.primary_limit:
                raise SimError(403, "API rate limit exceeded for user ID 1.", PRIMARY_DOCS)
            if budget.in_flight >= self.config.max_concurrent:
                raise self._secondary(60)
            if creates_content:
                self._check_creations(budget, now)
            budget.in_flight += 1

    def _check_creations(self, budget: Budget, now: float) -> None:
        created = budget.created
        while created and created[0] <= now - 3600:
            created.popleft()
        last_minute = sum(1 for t in created if t > now - 60)
        if last_minute >= self.config.secondary_per_minute:
            oldest = next(t for t in created if t > now - 60)
            raise self._secondary(oldest + 60 - now)
        if len(created) >= self.config.secondary_per_hour:
            raise self._secondary(created[0] + 3600 - now)
        created.append(now)

    def _secondary(self, wait_s: float) -> SimError:
        """A secondary-limit refusal; a share of them come without ``retry-after``, as GitHub's sometimes do
        (docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api: "If the retry-after response
        header is present ... Otherwise ... wait for at least one minute")."""
        share = self.config.no_retry_after_share
        retry_after = None if share and self._rng.random() < share else max(1, math.ceil(wait_s))
        return SimError(self.config.limited_status, SECONDARY_MESSAGE, SECONDARY_DOCS, retry_after=retry_after)

    def leave(self, token: str, counted: bool) -> None:
        """The request is answered; ``counted`` when it spends the primary budget (not 304, not /rate_limit)."""
        with self._lock:
            budget = self._budget(token, self.clock.time())
            budget.in_flight = max(0, budget.in_flight - 1)
            if counted:
                budget.used += 1

    def snapshot(self, token: str) -> dict[str, int]:
        """The token's budget as ``GET /rate_limit`` shows it."""
        headers = self.headers(token)
        return {
            "limit": int(headers["x-ratelimit-limit"]),
            "remaining": int(headers["x-ratelimit-remaining"]),
            "used": int(headers["x-ratelimit-used"]),
            "reset": int(headers["x-ratelimit-reset"]),
        }
