"""What a plan implies before it runs: the pool's capacity, expected queue latency, GitHub's budgets.

Queue latency is deterministic for bursts (waves of ``runners`` jobs) and, for steady arrivals, the
M/D/c approximation: the M/M/c waiting time from Erlang's C formula, halved (deterministic service).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .plans import Stage

__all__ = ["Workload", "erlang_c", "mdc_wait", "burst_wait", "StageForecast", "forecast", "BudgetCheck", "budget_check"]


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

    @property
    def job_s(self) -> float:
        """How long one job holds a runner."""
        return self.sleep_s + self.overhead_s + self.pickup_s

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


@dataclass(frozen=True)
class StageForecast:
    """Expected behaviour of one stage."""

    stage: str
    dispatches_per_min: float
    jobs_per_min: float
    capacity_jobs_per_min: float
    utilization: float
    expected_queue_s: float
    """Mean wait for a runner (``inf``: the queue grows without bound)."""

    def line(self) -> str:
        queue = "grows without bound" if math.isinf(self.expected_queue_s) else f"about {self.expected_queue_s:.1f} s"
        return (
            f"{self.stage}: {self.dispatches_per_min:.1f} dispatches/min, {self.jobs_per_min:.1f} jobs/min "
            f"against {self.capacity_jobs_per_min:.1f} jobs/min ({self.utilization:.0%}); expected queue latency {queue}"
        )


def stage_rate(stage: Stage, work: Workload) -> float:
    """Dispatches a minute a stage makes (closed loop: each user one run at a time)."""
    if stage.rate_per_min is not None:
        return stage.rate_per_min
    return stage.users * 60.0 / max(work.run_s, 1e-6)


def forecast(stages: Sequence[Stage], work: Workload, runners: int) -> list[StageForecast]:
    out = []
    for stage in stages:
        jobs = stage.job_count or work.job_count
        w = Workload(work.sleep_s, jobs, work.job_type, work.overhead_s, work.pickup_s)
        rate = stage_rate(stage, w)
        capacity = runners * 60.0 / w.job_s
        jobs_per_min = rate * jobs
        if stage.rate_per_min is None and w.job_type == "parallel":
            wait = burst_wait(stage.users * jobs, runners, w.job_s)  # closed loop: bursts of users x jobs
        else:
            wait = mdc_wait(jobs_per_min / 60.0, w.job_s, runners)
        out.append(
            StageForecast(
                stage.name or "stage", rate, jobs_per_min, capacity, jobs_per_min / capacity if capacity else math.inf, wait
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
