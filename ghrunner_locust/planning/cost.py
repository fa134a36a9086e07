"""What a runner pool costs: Fargate tasks by vCPU-hour and GB-hour, beside GitHub-hosted runners by the minute.

Defaults are **list prices to check** (we cannot reach the price pages from here): AWS Fargate, Linux/x86,
us-east-1 and eu-west-1 (the same there), as published since the January 2019 price cut and still listed in
2025; a public IPv4 address $0.005 an hour (since February 2024); GitHub-hosted Linux runners per minute as
listed in 2025 (2-core $0.008, doubling with each size). GitHub announced changes for 2026 (lower hosted
rates, and a per-minute platform charge on self-hosted minutes): pass the current figures as options.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..errors import UsageError

__all__ = ["Prices", "TaskSize", "PoolCost", "task_size_from_terraform", "pool_cost", "fixed_pool_month", "hosted_month"]

PRICES_AS_OF = "2025 list prices (AWS us-east-1/eu-west-1 Fargate Linux/x86; GitHub-hosted Linux), to check"
HOSTED_PER_MINUTE = {2: 0.008, 4: 0.016, 8: 0.032, 16: 0.064, 32: 0.128, 64: 0.256}
"""GitHub-hosted Linux x64 runners, USD a minute by cores (2025 list; 2-core is the standard private-repo runner)."""
HOURS_PER_MONTH = 730.0


@dataclass(frozen=True)
class Prices:
    """Unit prices in USD. Every one is a ``ghrunner plan`` option."""

    vcpu_hour: float = 0.04048
    """Fargate Linux/x86, per vCPU-hour (us-east-1, eu-west-1)."""
    gb_hour: float = 0.004445
    """Fargate Linux/x86, per GB of memory an hour."""
    ipv4_hour: float = 0.005
    """A public IPv4 address per running task (the Terraform gives each task one)."""
    hosted_per_minute: float | None = None
    """GitHub-hosted runner of the same size, a minute (``None``: from ``HOSTED_PER_MINUTE`` by vCPU)."""
    self_hosted_per_minute: float = 0.0
    """A GitHub charge per self-hosted job minute, if your plan has one (0: none)."""
    hours_per_month: float = HOURS_PER_MONTH

    def __post_init__(self) -> None:
        for name in ("vcpu_hour", "gb_hour", "ipv4_hour", "self_hosted_per_minute", "hours_per_month", "hosted_per_minute"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and 0 <= value < 1000):
                raise UsageError(f"price {name.replace('_', '-')} = {value!r}: give a finite amount in USD, 0 or more")


@dataclass(frozen=True)
class TaskSize:
    """A Fargate task's size."""

    vcpu: float = 1.0
    memory_gb: float = 2.0

    @classmethod
    def from_units(cls, cpu_units: float, memory_mib: float) -> TaskSize:
        return cls(cpu_units / 1024.0, memory_mib / 1024.0)

    def hour(self, prices: Prices) -> float:
        """USD a task costs an hour running (compute, memory and its IPv4 address)."""
        return self.vcpu * prices.vcpu_hour + self.memory_gb * prices.gb_hour + prices.ipv4_hour

    def hosted(self, prices: Prices) -> tuple[float, str]:
        """The per-minute price of the GitHub-hosted runner of the same size, and its name."""
        cores = next((c for c in sorted(HOSTED_PER_MINUTE) if c >= self.vcpu), max(HOSTED_PER_MINUTE))
        price = HOSTED_PER_MINUTE[cores] if prices.hosted_per_minute is None else prices.hosted_per_minute
        return price, f"GitHub-hosted Linux {cores}-core"

    def describe(self) -> str:
        return f"{self.vcpu:g} vCPU, {self.memory_gb:g} GB"


def task_size_from_terraform(text: str) -> TaskSize:
    """The defaults of ``variable "cpu"`` and ``variable "memory"`` in a Terraform variables file."""
    found = {}
    for name in ("cpu", "memory"):
        match = re.search(r'variable\s+"' + name + r'"\s*\{[^}]*?default\s*=\s*(\d+)', text, re.S)
        if match is None:
            raise UsageError(f'no default for variable "{name}" in the Terraform variables: give --task-vcpu, --task-memory-gb')
        found[name] = float(match.group(1))
    return TaskSize.from_units(found["cpu"], found["memory"])


@dataclass(frozen=True)
class PoolCost:
    """Runner-hours and money of a pool over a test, and at that load for a month."""

    window_h: float
    jobs: int
    paid_runner_h: float
    busy_runner_h: float
    """Running jobs (started to completed)."""
    cold_start_runner_h: float
    """Paid while starting (ephemeral and autoscaled runners): launch to online."""
    idle_runner_h: float
    """Paid, online and not running a job (pickup time included)."""
    idle_share: float
    """Idle and cold-start runner-hours over paid runner-hours."""
    test_usd: float
    per_1000_jobs_usd: float | None
    per_month_usd: float
    """The test's load kept up all month (``hours_per_month``)."""
    hosted_name: str
    hosted_per_1000_jobs_usd: float | None
    hosted_per_month_usd: float | None
    """``None`` with no job measured (nothing to price; not $0)."""


def pool_cost(
    *,
    window_s: float,
    paid_runner_s: float,
    busy_runner_s: float,
    cold_start_s: float,
    jobs: int,
    billed_minutes: float,
    size: TaskSize,
    prices: Prices,
) -> PoolCost:
    """Cost of a measured pool. ``billed_minutes``: the jobs' execution times, each rounded up to a minute."""
    if window_s <= 0:
        raise UsageError("the test window is empty: no cost can be given")
    hour = size.hour(prices)
    paid_h = paid_runner_s / 3600.0
    busy_h = min(busy_runner_s / 3600.0, paid_h)
    cold_h = min(cold_start_s / 3600.0, paid_h - busy_h)
    idle_h = max(0.0, paid_h - busy_h - cold_h)
    minutes = busy_runner_s / 60.0
    test_usd = paid_h * hour + minutes * prices.self_hosted_per_minute
    months = prices.hours_per_month * 3600.0 / window_s
    per_minute, name = size.hosted(prices)
    hosted_test = billed_minutes * per_minute
    return PoolCost(
        window_h=window_s / 3600.0,
        jobs=jobs,
        paid_runner_h=paid_h,
        busy_runner_h=busy_h,
        cold_start_runner_h=cold_h,
        idle_runner_h=idle_h,
        idle_share=(idle_h + cold_h) / paid_h if paid_h else 0.0,
        test_usd=test_usd,
        per_1000_jobs_usd=test_usd / jobs * 1000 if jobs else None,
        per_month_usd=test_usd * months,
        hosted_name=name,
        hosted_per_1000_jobs_usd=hosted_test / jobs * 1000 if jobs else None,
        hosted_per_month_usd=hosted_test * months if jobs else None,
    )


def fixed_pool_month(runners: int, size: TaskSize, prices: Prices, *, job_minutes_per_month: float = 0.0) -> float:
    """A pool of ``runners`` tasks kept running all month (plus any self-hosted per-minute charge)."""
    return runners * size.hour(prices) * prices.hours_per_month + job_minutes_per_month * prices.self_hosted_per_minute


def hosted_month(jobs_per_min: float, job_s: float, size: TaskSize, prices: Prices) -> float:
    """The same jobs on GitHub-hosted runners for a month (each job billed in whole minutes)."""
    per_minute, _ = size.hosted(prices)
    return jobs_per_min * 60.0 * prices.hours_per_month * math.ceil(max(job_s, 1e-9) / 60.0) * per_minute
