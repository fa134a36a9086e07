"""What a plan implies before it runs: the pool's capacity, expected queue latency, GitHub's budgets.

A job's queue latency is the wait for a runner plus the pickup (free runner to job start, which holds the
runner too). The wait is deterministic for bursts (waves of ``runners`` jobs) and, for steady arrivals, the
M/D/c approximation: the M/M/c waiting time from Erlang's C formula, halved (deterministic service); an
open-loop dispatch of several parallel jobs is a burst: its waves, plus M/D/1 of the bursts on the pool. The
pickup's mean comes from its distribution: lognormal body with a rare uniform tail, as the simulator draws it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .plans import Stage

__all__ = [
    "Pickup",
    "Workload",
    "erlang_c",
    "mdc_wait",
    "burst_wait",
    "bursts_wait",
    "constant_wait",
    "StageForecast",
    "forecast",
    "BudgetCheck",
    "budget_check",
]

Z90 = 1.2815515655446004
"""The standard normal's 90th percentile."""


@dataclass(frozen=True)
class Pickup:
    """Pickup latency, free runner to job start: lognormal (``median_s``, ``p90_s``) and, with probability
    ``tail_prob``, uniform over ``tail_range_s``; or always ``median_s`` when ``fixed``."""

    median_s: float = 3.0
    p90_s: float = 10.0
    tail_prob: float = 0.01
    tail_range_s: tuple[float, float] = (60.0, 120.0)
    fixed: bool = False

    @property
    def sigma(self) -> float:
        """The lognormal's shape, from its median and 90th percentile."""
        if self.fixed or self.p90_s <= self.median_s or self.median_s <= 0:
            return 0.0
        return math.log(self.p90_s / self.median_s) / Z90

    @property
    def mean_s(self) -> float:
        """Mean pickup: ``(1 - tail) x median x exp(sigma^2 / 2) + tail x mid-range``."""
        if self.fixed or self.median_s <= 0:
            return max(0.0, self.median_s)
        body = self.median_s * math.exp(self.sigma**2 / 2)
        low, high = self.tail_range_s
        return (1 - self.tail_prob) * body + self.tail_prob * (low + high) / 2


@dataclass(frozen=True)
class Workload:
    """One dispatch: ``job_count`` jobs of ``sleep_s`` plus overheads, parallel or sequential."""

    sleep_s: float = 60.0
    job_count: int = 1
    job_type: str = "parallel"
    overhead_s: float = 2.0
    """Set-up and completion of a job (a ``sleep N`` job lasts about N + 2 s)."""
    pickup_s: float = 3.0
    """Median time from a free runner to the job starting."""
    pickup_p90_s: float = 10.0
    """90th percentile of the pickup's lognormal body."""
    pickup_tail: float = 0.01
    """Probability of a pickup in the 60-120 s tail."""
    pickup_fixed: bool = False
    """Pickup always exactly ``pickup_s``."""
    think_s: float = 0.0
    """Closed loop: a user's wait between the end of its run and its next dispatch (a constant ``wait_time``)."""

    @property
    def pickup(self) -> Pickup:
        return Pickup(self.pickup_s, self.pickup_p90_s, self.pickup_tail, fixed=self.pickup_fixed)

    @property
    def job_s(self) -> float:
        """How long one job holds a runner on average: pickup (the runner is taken), set-up, sleep, completion."""
        return self.sleep_s + self.overhead_s + self.pickup.mean_s

    @property
    def run_s(self) -> float:
        """A run's duration on an idle pool."""
        return self.job_s * (self.job_count if self.job_type == "sequential" else 1)


def erlang_c(servers: int, offered: float) -> float:
    """Probability that an arrival waits (Erlang C), for ``offered`` = arrival rate x service time."""
    if servers <= 0 or offered >= servers:
        return 1.0
    term, total = 1.0, 1.0
    for k in range(1, servers):
        term *= offered / k
        total += term
    last = term * offered / servers
    tail = last * servers / (servers - offered)
    return tail / (total + tail)


def mdc_wait(rate_per_s: float, service_s: float, servers: int) -> float:
    """Mean wait in queue of M/D/c (approximation: half of M/M/c); ``inf`` when overloaded."""
    offered = rate_per_s * service_s
    if servers <= 0 or offered >= servers:
        return math.inf
    if rate_per_s <= 0:
        return 0.0
    mmc = erlang_c(servers, offered) * service_s / (servers - offered)
    return mmc / 2


def burst_wait(jobs: int, runners: int, job_s: float) -> float:
    """Mean wait of ``jobs`` queued at once on ``runners``: wave k waits k x job_s."""
    if jobs <= 0 or runners <= 0:
        return 0.0 if jobs <= 0 else math.inf
    return sum((i // runners) * job_s for i in range(jobs)) / jobs


def bursts_wait(rate_per_s: float, jobs: int, runners: int, job_s: float, *, uniform: bool = False) -> float:
    """Mean wait of jobs arriving in bursts of ``jobs`` (``rate_per_s`` bursts a second): the burst's own waves,
    plus the wait of a burst for the ones before it (Poisson: M/D/1, a burst taking ``jobs x job_s / runners``
    of the pool; ``uniform``, equal gaps: none); ``inf`` when overloaded."""
    clear_s = jobs * job_s / max(runners, 1)
    load = rate_per_s * clear_s
    if runners <= 0 or load >= 1:
        return math.inf
    return burst_wait(jobs, runners, job_s) + (0.0 if uniform else load * clear_s / (2 * (1 - load)))


@dataclass(frozen=True)
class StageForecast:
    """Expected behaviour of one stage."""

    stage: str
    dispatches_per_min: float
    jobs_per_min: float
    capacity_jobs_per_min: float
    utilization: float
    expected_wait_s: float
    """Mean wait for a runner (``inf``: the queue grows without bound)."""
    expected_pickup_s: float = 0.0
    """Mean pickup, free runner to job start."""
    runners: int = 0
    """The runner count the stage is expected on."""

    expected_queue_s: float = field(init=False)
    """Mean queue latency (``started_at - created_at``): the wait for a runner plus the pickup."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "expected_queue_s", self.expected_wait_s + self.expected_pickup_s)

    def line(self) -> str:
        queue = (
            "grows without bound"
            if math.isinf(self.expected_queue_s)
            else f"about {self.expected_queue_s:.1f} s (pickup {self.expected_pickup_s:.1f} s + "
            f"wait for a runner {self.expected_wait_s:.1f} s)"
        )
        return (
            f"{self.stage}: {self.dispatches_per_min:.1f} dispatches/min, {self.jobs_per_min:.1f} jobs/min "
            f"against {self.capacity_jobs_per_min:.1f} jobs/min{f' of {self.runners} runners' if self.runners else ''} "
            f"({self.utilization:.0%}); expected queue latency {queue}"
        )


def constant_wait(waits: Sequence[Callable[[Any], Any]]) -> tuple[float, bool]:
    """Closed-loop users' wait between runs, from their Locust ``wait_time`` functions: the wait when it is
    constant (``constant(30)``; the least of several), and whether it varies or differs (``between``,
    ``constant_pacing``: then 0 s for a varying one, and the expected rates are upper bounds)."""
    values: list[float | None] = []
    for wait in waits:
        try:
            first, second = wait(None), wait(None)
        except Exception:  # noqa: BLE001 - a wait that needs a live user (constant_pacing) is not constant
            first, second = None, None
        values.append(float(first) if isinstance(first, int | float) and first == second else None)
    known = [v for v in values if v is not None]
    return (min(known) if known and None not in values else 0.0), len(set(values)) > 1 or None in values


def stage_rate(stage: Stage, work: Workload) -> float:
    """Dispatches a minute a stage makes (closed loop: each user one run, then its ``think_s``, at a time)."""
    if stage.rate_per_min is not None:
        return stage.rate_per_min
    return stage.users * 60.0 / max(work.run_s + work.think_s, 1e-6)


def forecast(stages: Sequence[Stage], work: Workload, runners: int | None, *, uniform: bool = False) -> list[StageForecast]:
    """Each stage's expectation on its own runner count (``stage.runners``, else ``runners``; none: left out).
    ``uniform``: open-loop dispatches at equal gaps (``--quick``, ``arrivals = "uniform"``), not Poisson."""
    out = []
    for stage in stages:
        pool = stage.runners or runners
        if not pool:
            continue
        jobs = stage.job_count or work.job_count
        w = replace(work, job_count=jobs)
        rate = stage_rate(stage, w)
        capacity = pool * 60.0 / w.job_s
        jobs_per_min = rate * jobs
        if stage.rate_per_min is None and w.job_type == "parallel" and not w.think_s:
            wait = burst_wait(stage.users * jobs, pool, w.job_s)  # closed loop: bursts of users x jobs
        elif jobs > 1 and w.job_type == "parallel":
            wait = bursts_wait(rate / 60.0, jobs, pool, w.job_s, uniform=uniform)  # a dispatch's jobs arrive together: waves
        else:
            wait = mdc_wait(jobs_per_min / 60.0, w.job_s, pool)
        out.append(
            StageForecast(
                stage.name or "stage",
                rate,
                jobs_per_min,
                capacity,
                jobs_per_min / capacity if capacity else math.inf,
                wait,
                w.pickup.mean_s,
                pool,
            )
        )
    return out


@dataclass(frozen=True)
class BudgetCheck:
    """What a plan asks of one token, against GitHub's limits."""

    peak_dispatches_per_min: float
    dispatches_per_hour: float
    requests_per_hour: float
    problems: tuple[str, ...]


def budget_check(
    stages: Sequence[Stage],
    work: Workload,
    poll_interval: float,
    *,
    per_minute: float = 80,
    per_hour: float = 500,
    primary_per_hour: float = 5000,
) -> BudgetCheck:
    """Peak dispatch rate, dispatches in the busiest hour, and API requests an hour with the polling."""
    rates = [stage_rate(s, work) for s in stages] or [0.0]
    hour, elapsed = 0.0, 0.0
    for stage, rate in zip(stages, rates, strict=False):
        take = min(stage.duration_s, max(0.0, 3600.0 - elapsed))
        hour += rate * take / 60.0
        elapsed += stage.duration_s
    peak = max(rates)
    polls = 3600.0 / max(poll_interval, 1e-6) * 1.2  # in-progress listing, and queued every fifth poll
    requests = hour + polls + 2 * hour  # a dispatch, two jobs reads per run
    problems = []
    if peak > per_minute:
        problems.append(
            f"{peak:.0f} dispatches a minute exceeds GitHub's secondary limit of {per_minute:g} a minute for one token"
        )
    if hour > per_hour:
        problems.append(f"{hour:.0f} dispatches in the first hour exceeds GitHub's secondary limit of {per_hour:g} an hour")
    if requests > primary_per_hour:
        problems.append(
            f"about {requests:.0f} API requests an hour (dispatches plus polling every {poll_interval:g} s) "
            f"exceeds the primary budget of {primary_per_hour:g}: poll less often (--poll-interval)"
        )
    return BudgetCheck(peak, hour, requests, tuple(problems))
