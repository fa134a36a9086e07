"""The simulator's knobs, with defaults from the sourced timings in REALISM.md."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, replace

__all__ = ["SimConfig", "Faults", "LatencyModel"]


@dataclass(frozen=True)
class Faults:
    """Faults injected into one endpoint's answers."""

    error_rate: float = 0.0
    """Fraction of requests answered 500, 502 or 503."""
    latency_s: float = 0.0
    """Seconds added before answering."""
    drop_rate: float = 0.0
    """Fraction of requests whose connection is closed without an answer."""
    error_after_rate: float = 0.0
    """Fraction of requests answered 502 *after* the handler acted (a dispatch's run is created)."""
    drop_after_rate: float = 0.0
    """Fraction of requests whose connection is closed *after* the handler acted."""


@dataclass(frozen=True)
class LatencyModel:
    """Pickup latency (free runner to job start): lognormal with a rare long tail, or fixed."""

    median_s: float = 3.0
    """Median pickup (GitHub's assignment plus the runner's long poll)."""
    p90_s: float = 10.0
    """90th percentile of the lognormal body."""
    tail_prob: float = 0.01
    """Probability of a pickup in the rare 60-120 s tail."""
    tail_range_s: tuple[float, float] = (60.0, 120.0)
    fixed: bool = False
    """Always exactly ``median_s``: repeatable tests and demonstrations."""

    @property
    def sigma(self) -> float:
        if self.p90_s <= self.median_s or self.median_s <= 0:
            return 0.0
        return math.log(self.p90_s / self.median_s) / 1.2815515655446004

    def sample(self, rng: random.Random) -> float:
        if self.fixed or self.median_s <= 0:
            return max(0.0, self.median_s)
        if self.tail_prob and rng.random() < self.tail_prob:
            return rng.uniform(*self.tail_range_s)
        return rng.lognormvariate(math.log(self.median_s), self.sigma)


@dataclass(frozen=True)
class SimConfig:
    """Everything the simulator can be told. Every limit is configurable so tests hit them in seconds."""

    runners: int = 4
    """Runners online at start (the minimum of an autoscaling pool)."""
    runner_labels: tuple[str, ...] = ("self-hosted", "linux", "x64")
    """Labels every runner carries."""
    runner_prefix: str = "sim-runner"
    pickup: LatencyModel = field(default_factory=LatencyModel)
    setup_s: float = 1.5
    """'Set up job' before the steps run."""
    teardown_s: float = 0.5
    """Post steps and 'Complete job'."""
    run_to_job_s: float = 1.0
    """Run created to its first job queued."""
    listable_delay_s: float = 2.0
    """Dispatch answered to the run showing in run listings."""
    ephemeral: bool = False
    """After each job a runner leaves, and a new one comes online after ``provision_s``."""
    provision_s: float = 75.0
    """Fargate cold start (task launch to runner online), for ephemeral and scaled-up runners."""
    max_runners: int | None = None
    """Autoscaling pool: up to this many runners while jobs queue (``None``: fixed pool)."""
    scale_down_idle_s: float = 300.0
    """An autoscaled runner idle this long above the minimum leaves."""
    job_failure_rate: float = 0.0
    """Fraction of jobs that conclude ``failure``."""
    timestamp_resolution_s: float = 1.0
    """GitHub's timestamps are whole seconds; 0.001 gives milliseconds."""
    early_start_rate: float = 0.0
    """GitHub quirk: the fraction of jobs whose ``started_at`` is a second before ``created_at``."""
    seed: int | None = None
    """Seed of the random latencies (``None``: a fresh seed)."""
    # API
    repo: str | None = None
    """Serve only this OWNER/NAME (``None``: any repository)."""
    tokens: tuple[str, ...] = ()
    """Accepted tokens (empty: any non-empty token)."""
    branches: tuple[str, ...] = ("main",)
    ghes: bool = False
    """Behave as GitHub Enterprise Server before 3.21 (rejects ``return_run_details``)."""
    workflow_path: str | None = None
    """The workflow file to serve (default: the repository's runner_test.yml)."""
    # rate limits
    primary_limit: int = 5000
    """Requests per token per hour."""
    primary_window_s: float = 3600.0
    secondary_per_minute: int = 80
    """Content-creating requests (dispatch, cancel) per minute per token."""
    secondary_per_hour: int = 500
    max_concurrent: int = 100
    """Requests in flight per token."""
    limited_status: int = 403
    """Status of a secondary-limit refusal (GitHub answers 403 or 429)."""
    no_retry_after_share: float = 0.0
    """Share of secondary-limit refusals sent without ``retry-after`` (GitHub sometimes omits it; clients must then
    wait at least a minute). 0 by default so refused clients learn their wait, as in GitHub's recorded refusals."""
    cancel_s: float = 3.0
    """A cancel request to the run's end as ``completed``/``cancelled`` (GitHub cancels asynchronously)."""
    max_body_bytes: int = 1024 * 1024
    """Request bodies above this are answered 413 (GitHub documents no REST body limit; a dispatch's inputs
    may hold at most 65,535 characters, so 1 MiB refuses nothing GitHub would accept)."""
    faults: dict[str, Faults] = field(default_factory=dict)
    """Per endpoint name (``dispatch``, ``get_run``, ``list_runs``, ``list_jobs``, ...)."""

    def with_(self, **changes: object) -> SimConfig:
        return replace(self, **changes)  # type: ignore[arg-type]

    def faults_for(self, endpoint: str) -> Faults:
        return self.faults.get(endpoint) or self.faults.get("*") or Faults()
