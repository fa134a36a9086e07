"""Cost of a runner pool: Fargate prices, the task size in terraform/, GitHub-hosted runners by the minute."""

from __future__ import annotations

import math

import pytest

from ghrunner_locust.errors import UsageError
from ghrunner_locust.planning.cost import Prices, TaskSize, fixed_pool_month, hosted_month, pool_cost, task_size_from_terraform

from .conftest import REPO_ROOT


def test_task_size_comes_from_the_terraform_defaults():
    size = task_size_from_terraform((REPO_ROOT / "terraform" / "variables.tf").read_text())
    assert size == TaskSize(1.0, 2.0)
    with pytest.raises(UsageError, match="--task-vcpu"):
        task_size_from_terraform('variable "cpu" { default = 1024 }')


def test_hourly_price_of_a_task_by_hand():
    prices = Prices()
    assert TaskSize(1, 2).hour(prices) == pytest.approx(0.04048 + 2 * 0.004445 + 0.005)
    assert fixed_pool_month(4, TaskSize(1, 2), prices) == pytest.approx(4 * 730 * (0.04048 + 0.00889 + 0.005))
    assert TaskSize(4, 8).hour(Prices(ipv4_hour=0)) == pytest.approx(4 * 0.04048 + 8 * 0.004445)


def test_hosted_runner_of_the_same_size():
    assert TaskSize(1, 2).hosted(Prices()) == (0.008, "GitHub-hosted Linux 2-core")
    assert TaskSize(4, 16).hosted(Prices()) == (0.016, "GitHub-hosted Linux 4-core")
    assert TaskSize(1, 2).hosted(Prices(hosted_per_minute=0.006))[0] == 0.006
    # 4 jobs a minute of 22 s, each billed a whole minute, all month
    assert hosted_month(4, 22, TaskSize(1, 2), Prices()) == pytest.approx(4 * 60 * 730 * 0.008)
    assert hosted_month(4, 61, TaskSize(1, 2), Prices()) == pytest.approx(2 * 4 * 60 * 730 * 0.008)


def test_pool_cost_by_hand():
    """4 runners for an hour; 1.5 runner-hours busy, 0.25 cold starts, 100 jobs of one billed minute."""
    prices = Prices(vcpu_hour=0.04, gb_hour=0.005, ipv4_hour=0.0, hosted_per_minute=0.01)
    cost = pool_cost(
        window_s=3600,
        paid_runner_s=4.25 * 3600,
        busy_runner_s=1.5 * 3600,
        cold_start_s=0.25 * 3600,
        jobs=100,
        billed_minutes=100,
        size=TaskSize(1, 2),
        prices=prices,
    )
    hour = 0.04 + 2 * 0.005
    assert cost.paid_runner_h == pytest.approx(4.25)
    assert cost.idle_runner_h == pytest.approx(2.5)
    assert cost.idle_share == pytest.approx(2.75 / 4.25)
    assert cost.test_usd == pytest.approx(4.25 * hour)
    assert cost.per_1000_jobs_usd == pytest.approx(4.25 * hour * 10)
    assert cost.per_month_usd == pytest.approx(4.25 * hour * 730)
    assert cost.hosted_per_1000_jobs_usd == pytest.approx(10.0)
    assert cost.hosted_per_month_usd == pytest.approx(1.0 * 730)


def test_self_hosted_minute_charge_is_added():
    plain = fixed_pool_month(2, TaskSize(), Prices())
    charged = fixed_pool_month(2, TaskSize(), Prices(self_hosted_per_minute=0.002), job_minutes_per_month=1000)
    assert charged - plain == pytest.approx(2.0)


@pytest.mark.parametrize("field", ["vcpu_hour", "gb_hour", "ipv4_hour", "hosted_per_minute", "hours_per_month"])
@pytest.mark.parametrize("value", [-0.01, math.nan, math.inf, 1e6])
def test_bad_prices_are_refused(field, value):
    with pytest.raises(UsageError, match=field.replace("_", "-")):
        Prices(**{field: value})


def test_empty_window_has_no_cost():
    with pytest.raises(UsageError, match="empty"):
        pool_cost(
            window_s=0,
            paid_runner_s=0,
            busy_runner_s=0,
            cold_start_s=0,
            jobs=0,
            billed_minutes=0,
            size=TaskSize(),
            prices=Prices(),
        )
