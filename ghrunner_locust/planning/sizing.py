"""How many runners a p95 queue-latency target needs: the queue-latency distribution of the pool, by Monte Carlo.

The model (the simulator's rules, see README "Runner count for a target"): dispatches arrive as a Poisson
process at ``rate_per_min``; each makes ``job_count`` jobs, all at once (``parallel``) or each when the one
before it ends (``sequential``). A free runner takes the oldest waiting job (first come, first served) and
holds it for its pickup (free runner to job start) plus the job's duration; on an ephemeral pool the runner
then leaves and its replacement comes online ``provision_s`` later (a Fargate cold start). A job's queue
latency (``started_at - created_at``) is the wait for a runner plus its own pickup.

Why Monte Carlo and not a formula: the target is a p95, not a mean, pickups are heavy-tailed (lognormal with a
1% 60-120 s tail) and parallel dispatches arrive in batches, so M/D/c's mean (``theory.mdc_wait``) is no guide
to the 95th percentile. The queue is replayed with the Kiefer-Wolfowitz recursion (a heap of runner free
times), seeded, so the same inputs give the same answer; the first 10% of dispatches (an empty pool warming
up) are left out, and the spread of the p95 over ten consecutive batches gives its standard error. Near
utilization 1 the queue takes long to settle (:func:`settle_jobs`): an answer there is replayed until it does.
"""

from __future__ import annotations

import functools
import heapq
import math
import random
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..errors import UsageError
from . import theory
from .theory import Workload

__all__ = ["Pickup", "QueueEstimate", "Sizing", "simulate_queue", "size_for_slo", "p95_range", "quantile", "settle_jobs"]

BATCHES = 10
MAX_SETTLE_JOBS = 500_000  # the most jobs size_for_slo replays for one count near utilization 1


def settle_jobs(utilization: float) -> int:
    """Jobs a replay from an empty pool needs for a settled p95: 20 relaxation times of the queue, each about
    ``2 u^2 / (1 - u)^2`` arrivals (heavy-traffic diffusion); 1,960 at 0.9, 392,000 at 0.99."""
    return math.ceil(20 * 2 * utilization**2 / (1 - utilization) ** 2) if utilization < 1 else 2**62


def quantile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile with linear interpolation (pandas' and numpy's default)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


@dataclass(frozen=True)
class Pickup(theory.Pickup):
    """The pickup latency distribution of :class:`theory.Pickup` (lognormal with a rare long tail), or the
    values measured in a test, which are then resampled (bootstrap)."""

    samples: tuple[float, ...] = ()
    """Measured pickups; when given they are resampled (bootstrap) instead of the lognormal."""
    source: str = "the simulator's defaults (REALISM.md): lognormal median 3 s, p90 10 s, 1% in 60-120 s"

    @classmethod
    def measured(cls, values: Iterable[float], source: str) -> Pickup:
        clean = tuple(float(v) for v in values if v is not None and math.isfinite(float(v)) and float(v) >= 0)
        if not clean:
            raise UsageError(f"no pickup latency could be measured from {source}: use the simulator's defaults instead")
        return cls(samples=clean, source=source)

    def sample(self, rng: random.Random) -> float:
        if self.samples:
            return self.samples[int(rng.random() * len(self.samples))]
        if self.fixed:
            return max(0.0, self.median_s)
        if self.tail_prob and rng.random() < self.tail_prob:
            return rng.uniform(*self.tail_range_s)
        if self.median_s <= 0:
            return 0.0
        return rng.lognormvariate(math.log(self.median_s), self.sigma)

    def mean(self) -> float:
        return _moments(self)[0]

    def p95(self) -> float:
        """The floor under any pool's p95 queue latency: no runner count makes a pickup shorter."""
        return _moments(self)[1]


@functools.lru_cache(maxsize=64)
def _moments(pickup: Pickup) -> tuple[float, float]:
    """Mean and p95 of a pickup distribution (exact for measured values, else from 20,000 seeded draws)."""
    if pickup.samples:
        return statistics.fmean(pickup.samples), quantile(pickup.samples, 0.95)
    rng = random.Random(7)
    values = [pickup.sample(rng) for _ in range(20000)]
    return statistics.fmean(values), quantile(values, 0.95)


@dataclass(frozen=True)
class QueueEstimate:
    """The model's queue latency for one runner count at one dispatch rate (seconds; ``inf``: overloaded)."""

    runners: int
    rate_per_min: float
    utilization: float
    """Offered load: jobs a second x mean time a job holds a runner / runners (>= 1: the queue grows)."""
    mean_s: float
    p50_s: float
    p95_s: float
    p99_s: float
    p95_stderr_s: float
    """Standard error of ``p95_s`` (batch means over ten consecutive batches)."""
    waited_share: float
    """Fraction of jobs that waited for a runner (0 when every job found one idle)."""
    jobs: int
    """Jobs the estimate is made of (after the warm-up)."""
    steady: bool = True
    """``jobs`` >= :func:`settle_jobs`: else the queue was still growing and the true p95 is higher."""

    @property
    def overloaded(self) -> bool:
        return math.isinf(self.p95_s)


def _check(rate_per_min: float, work: Workload, runners: int, provision_s: float) -> None:
    if not (math.isfinite(rate_per_min) and rate_per_min > 0):
        raise UsageError(f"dispatch rate {rate_per_min!r}: give a positive number of dispatches a minute")
    if runners < 1:
        raise UsageError(f"runner count {runners}: give at least 1")
    if not (math.isfinite(provision_s) and provision_s >= 0):
        raise UsageError(f"cold start {provision_s!r}: give seconds >= 0")
    if work.job_count < 1 or not (math.isfinite(work.sleep_s) and work.sleep_s >= 0):
        raise UsageError("the workload needs job_count >= 1 and sleep_s >= 0")


def simulate_queue(
    rate_per_min: float,
    work: Workload,
    pickup: Pickup,
    runners: int,
    *,
    provision_s: float = 0.0,
    jobs: int = 40000,
    seed: int = 1,
    dispatches: int | None = None,
    warmup: float = 0.1,
) -> QueueEstimate:
    """Replay about ``jobs`` jobs (or exactly ``dispatches`` runs) through ``runners`` runners, from an idle pool;
    the queue-latency distribution of the jobs after the first ``warmup`` share of dispatches."""
    _check(rate_per_min, work, runners, provision_s)
    duration = work.sleep_s + work.overhead_s
    hold = pickup.mean() + duration + provision_s
    utilization = rate_per_min / 60.0 * work.job_count * hold / runners
    if utilization >= 1.0:
        inf = math.inf
        return QueueEstimate(runners, rate_per_min, utilization, inf, inf, inf, inf, 0.0, 1.0, 0)
    rng = random.Random(seed)
    dispatches = dispatches or max(400, jobs // work.job_count)
    pending: list[tuple[float, int, int, int]] = []  # (created, seq, dispatch index, jobs left in the chain)
    t, seq = 0.0, 0
    for index in range(dispatches):
        t += rng.expovariate(rate_per_min / 60.0)
        if work.job_type == "sequential":
            pending.append((t, seq, index, work.job_count))
            seq += 1
        else:
            for _ in range(work.job_count):
                pending.append((t, seq, index, 1))
                seq += 1
    heapq.heapify(pending)
    free = [0.0] * runners
    warm = int(dispatches * warmup)
    latencies: list[float] = []
    waited = 0
    while pending:
        created, _, index, left = heapq.heappop(pending)
        runner_free = heapq.heappop(free)
        assigned = max(created, runner_free)
        started = assigned + pickup.sample(rng)
        ended = started + duration
        heapq.heappush(free, ended + provision_s)
        if left > 1:
            heapq.heappush(pending, (ended, seq, index, left - 1))
            seq += 1
        if index >= warm:
            latencies.append(started - created)
            waited += runner_free > created
    return _estimate(runners, rate_per_min, utilization, latencies, waited)


def _estimate(runners: int, rate: float, utilization: float, latencies: list[float], waited: int) -> QueueEstimate:
    size = len(latencies) // BATCHES
    batch_p95 = [quantile(latencies[i * size : (i + 1) * size], 0.95) for i in range(BATCHES)] if size else []
    stderr = statistics.stdev(batch_p95) / math.sqrt(BATCHES) if len(batch_p95) > 1 else math.nan
    ordered = sorted(latencies)
    return QueueEstimate(
        runners=runners,
        rate_per_min=rate,
        utilization=utilization,
        mean_s=statistics.fmean(ordered),
        p50_s=quantile(ordered, 0.5),
        p95_s=quantile(ordered, 0.95),
        p99_s=quantile(ordered, 0.99),
        p95_stderr_s=stderr,
        waited_share=waited / len(ordered),
        jobs=len(ordered),
        steady=len(ordered) >= settle_jobs(utilization),
    )


def p95_range(
    rate_per_min: float,
    work: Workload,
    pickup: Pickup,
    runners: int,
    dispatches: int,
    *,
    provision_s: float = 0.0,
    replicas: int = 200,
    seed: int = 1,
) -> tuple[float, float, float]:
    """What a test of ``dispatches`` runs from an idle pool would measure as its p95: the 5th, 50th and 95th
    percentiles over ``replicas`` simulated tests (a short test's p95 rests on a handful of jobs)."""
    values = []
    for k in range(replicas):
        estimate = simulate_queue(
            rate_per_min, work, pickup, runners, provision_s=provision_s, seed=seed + k, dispatches=max(2, dispatches), warmup=0.0
        )
        values.append(estimate.p95_s)
    return quantile(values, 0.05), quantile(values, 0.5), quantile(values, 0.95)


@dataclass(frozen=True)
class Sizing:
    """The smallest runner count whose p95 queue latency meets the target, and the counts around it."""

    slo_p95_s: float
    runners: int | None
    """``None``: no count meets the target (the pickups alone break it, or ``limit`` runners were not enough)."""
    estimates: tuple[QueueEstimate, ...]
    """From the largest count that misses the target (if any) to two above the answer."""
    pickup_p95_s: float
    reason: str = ""

    def estimate(self, runners: int) -> QueueEstimate | None:
        return next((e for e in self.estimates if e.runners == runners), None)


def size_for_slo(
    rate_per_min: float,
    work: Workload,
    pickup: Pickup,
    slo_p95_s: float,
    *,
    provision_s: float = 0.0,
    jobs: int = 40000,
    seed: int = 1,
    limit: int = 500,
    extra: int = 2,
) -> Sizing:
    """Scan runner counts upward from the least that is not overloaded until the p95 meets ``slo_p95_s``.

    Every count replays the same arrivals and pickups (same seed), so the p95 falls as runners are added.
    """
    if not (math.isfinite(slo_p95_s) and slo_p95_s > 0):
        raise UsageError(f"p95 target {slo_p95_s!r}: give a positive number of seconds")
    _check(rate_per_min, work, 1, provision_s)
    floor = pickup.p95()
    if floor > slo_p95_s:
        return Sizing(
            slo_p95_s,
            None,
            (),
            floor,
            f"the pickups alone have a p95 of {floor:.1f} s, above the {slo_p95_s:g} s target: no runner count can meet "
            "it (shorten the pickup: persistent runners, a warm pool, a smaller image)",
        )
    hold = pickup.mean() + work.sleep_s + work.overhead_s + provision_s
    first = max(1, math.floor(rate_per_min / 60.0 * work.job_count * hold) + 1)
    found: list[QueueEstimate] = []
    for runners in range(first, limit + 1):
        used = jobs
        estimate = simulate_queue(rate_per_min, work, pickup, runners, provision_s=provision_s, jobs=used, seed=seed)
        if estimate.p95_s <= slo_p95_s and not estimate.steady:  # near utilization 1: replay until it settles
            used = math.ceil(settle_jobs(estimate.utilization) / 0.9) + work.job_count
            if used <= max(jobs, MAX_SETTLE_JOBS):
                estimate = simulate_queue(rate_per_min, work, pickup, runners, provision_s=provision_s, jobs=used, seed=seed)
        found.append(estimate)
        if estimate.p95_s <= slo_p95_s and estimate.steady:
            for more in range(runners + 1, min(runners + extra, limit) + 1):
                found.append(simulate_queue(rate_per_min, work, pickup, more, provision_s=provision_s, jobs=used, seed=seed))
            return Sizing(slo_p95_s, runners, tuple(found[-(extra + 2) :]), floor)
        if estimate.waited_share < 0.002:
            reason = (
                f"with {runners} runners almost no job waits and the p95 is still {estimate.p95_s:.1f} s: the pickups "
                "set the floor (shorten them: persistent runners, a warm pool, a smaller image)"
            )
            return Sizing(slo_p95_s, None, tuple(found[-3:]), floor, reason)
    return Sizing(slo_p95_s, None, tuple(found[-3:]), floor, f"{limit} runners were not enough for a p95 of {slo_p95_s:g} s")
