"""``ghrunner plan``: the smallest runner count whose p95 queue latency meets a target, and what it costs."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any, NoReturn

from ..errors import UsageError

__all__ = ["add_parser", "run", "number", "parse_workload"]

TERRAFORM_VARIABLES = Path(__file__).resolve().parents[2] / "terraform" / "variables.tf"
WORKLOAD_KEYS = ("sleep_duration", "job_count", "job_type")


def number(low: float, high: float, *, integer: bool = False, low_open: bool = False) -> Any:
    """An argparse ``type``: a finite number in [low, high] (``low_open``: above ``low``); nan, inf and junk refused."""

    def parse(text: str) -> float | int:
        try:
            value = int(text) if integer else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {'a whole number' if integer else 'a number'}") from None
        if not math.isfinite(value) or value > high or value < low or (low_open and value == low):
            bound = f"above {low:g}" if low_open else f"at least {low:g}"
            raise argparse.ArgumentTypeError(f"{text!r} is out of range: give a number {bound} and at most {high:g}")
        return value

    return parse


def one_line_errors(parser: argparse.ArgumentParser, command: str) -> argparse.ArgumentParser:
    """Make argparse's errors one line (``ghrunner CMD: error: ...``, exit 2) instead of usage and error."""

    def error(message: str) -> NoReturn:
        print(f"ghrunner {command}: error: {message} (see ghrunner {command} --help)", file=sys.stderr)
        raise SystemExit(2)

    parser.error = error  # type: ignore[method-assign]
    return parser


def parse_workload(text: str) -> dict[str, Any]:
    """``sleep_duration=30,job_count=4,job_type=parallel`` (the workflow's inputs) as a dict."""
    out: dict[str, Any] = {}
    for part in (text or "").split(","):
        key, sep, value = part.strip().partition("=")
        key = key.strip().replace("-", "_")
        if not sep or key not in WORKLOAD_KEYS:
            raise UsageError(f"--workload {text!r}: expected KEY=VALUE pairs with KEY in {', '.join(WORKLOAD_KEYS)}")
        if key == "job_type":
            if value not in ("parallel", "sequential"):
                raise UsageError(f"--workload job_type={value!r}: give parallel or sequential")
            out[key] = value
            continue
        try:
            out[key] = number(0, 86400 if key == "sleep_duration" else 20, integer=key == "job_count")(value)
        except argparse.ArgumentTypeError as exc:
            raise UsageError(f"--workload {key}: {exc}") from None
        if key == "job_count" and out[key] < 1:
            raise UsageError("--workload job_count: give 1 to 20 jobs per run")
    return out


def add_parser(commands: Any) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "plan",
        help="runner count for a p95 queue-latency target, and its cost",
        description="Give the smallest runner count whose p95 queue latency (wait for a runner + pickup) meets "
        "--slo-p95 at --rate dispatches a minute, from a seeded Monte Carlo of the pool with the pickups measured "
        "in a test (--from-results) or the simulator's; with the cost of each count on Fargate and on GitHub-hosted "
        "runners. --check-sim searches the simulator (virtual time) for its own answer beside the model's.",
    )
    one_line_errors(parser, "plan")
    a = parser.add_argument
    a("--rate", type=number(0, 10000, low_open=True), help="dispatches a minute (default: the test's, with --from-results)")
    a("--workload", default=None, help="sleep_duration=S,job_count=N,job_type=parallel|sequential (default: the test's)")
    a("--slo-p95", type=number(0, 86400, low_open=True), help="p95 queue latency target, s (default: the test's check)")
    a("--from-results", metavar="DIR", help="a results directory: measured pickups, workload, rate and model agreement")
    a("--runners", type=number(1, 1000, integer=True), help="the pool you have now, to compare with (default: the test's)")
    a("--pickup-median", type=number(0, 3600), default=3.0, help="median pickup, s, when none is measured (default: %(default)s)")
    a("--pickup-p90", type=number(0, 3600), default=10.0, help="90th percentile of the pickup body, s (default: %(default)s)")
    a("--pickup-tail", type=number(0, 1), default=0.01, help="share of pickups of 60-120 s (default: %(default)s)")
    a("--ephemeral", action="store_true", help="ephemeral runners: each job is followed by a cold start of --provision")
    a("--provision", type=number(0, 3600), default=75.0, help="cold start of an ephemeral runner, s (default: %(default)s)")
    a("--check-sim", action="store_true", help="also search the simulator (in virtual time) for the smallest count")
    a(
        "--compare-pools",
        action="store_true",
        help="run the plan on the simulator (virtual time) as a fixed pool and as ephemeral runners; print both",
    )
    a("--max-runners", type=number(1, 1000, integer=True), help="with --compare-pools: the ephemeral pool's autoscaling limit")
    a(
        "--jobs",
        type=number(1000, 1_000_000, integer=True),
        default=40000,
        help="Monte Carlo jobs per count (default: %(default)s)",
    )
    a("--seed", type=number(0, 2**31, integer=True), default=1, help="seed of the Monte Carlo (default: %(default)s)")
    add_price_arguments(parser)
    a("--json", action="store_true", help="print the plan as JSON")
    parser.set_defaults(run=run)
    return parser


def add_price_arguments(parser: argparse.ArgumentParser) -> None:
    from ..planning.cost import Prices

    p = Prices()
    a = parser.add_argument
    money = number(0, 1000)
    a("--vcpu-hour", type=money, default=p.vcpu_hour, help="Fargate USD per vCPU-hour (default: %(default)s, list price)")
    a("--gb-hour", type=money, default=p.gb_hour, help="Fargate USD per GB-hour (default: %(default)s, list price)")
    a("--ipv4-hour", type=money, default=p.ipv4_hour, help="USD per public IPv4 address an hour (default: %(default)s)")
    a("--hosted-per-minute", type=money, default=None, help="GitHub-hosted runner of the same size, USD a minute")
    a("--self-hosted-per-minute", type=money, default=0.0, help="a GitHub charge per self-hosted job minute (default: 0)")
    a("--hours-per-month", type=number(1, 744), default=p.hours_per_month, help="hours in a month (default: %(default)s)")
    a("--task-vcpu", type=number(0.25, 16), default=None, help="task vCPU (default: terraform/variables.tf)")
    a("--task-memory-gb", type=number(0.5, 120), default=None, help="task memory, GB (default: terraform/variables.tf)")


def prices_from_args(args: argparse.Namespace) -> tuple[Any, Any]:
    from ..planning.cost import Prices, TaskSize, task_size_from_terraform

    prices = Prices(
        vcpu_hour=args.vcpu_hour,
        gb_hour=args.gb_hour,
        ipv4_hour=args.ipv4_hour,
        hosted_per_minute=args.hosted_per_minute,
        self_hosted_per_minute=args.self_hosted_per_minute,
        hours_per_month=args.hours_per_month,
    )
    size = task_size_from_terraform(TERRAFORM_VARIABLES.read_text()) if TERRAFORM_VARIABLES.exists() else TaskSize()
    size = TaskSize(args.task_vcpu or size.vcpu, args.task_memory_gb or size.memory_gb)
    return prices, size


def run(args: argparse.Namespace) -> int:
    from ..planning.sizing import Pickup
    from ..planning.theory import Workload
    from ..report.decision import plan_section

    prices, size = prices_from_args(args)
    spec = parse_workload(args.workload) if args.workload is not None else {}
    section: dict[str, Any] = {}
    if args.from_results:  # the test's own decision inputs: its workload, rate, pool and pickup model
        section, base, test_rate, pickup = _from_results(args, prices, size)
        rate = args.rate or test_rate
        current = args.runners or section["pool"]["runners"]
        slo = args.slo_p95 or section["slo_p95_s"]
        ephemeral = args.ephemeral or section["pool"]["ephemeral"]
        provision = args.provision if args.ephemeral else section["pool"]["provision_s"]
    else:
        if args.rate is None or args.slo_p95 is None:
            raise UsageError("give --rate and --slo-p95 (or --from-results DIR of a test)")
        base = Workload()
        pickup = Pickup(args.pickup_median, max(args.pickup_p90, args.pickup_median), args.pickup_tail)
        if (args.pickup_median, args.pickup_p90, args.pickup_tail) != (3.0, 10.0, 0.01):
            pickup = Pickup(pickup.median_s, pickup.p90_s, pickup.tail_prob, source="--pickup-median/--pickup-p90/--pickup-tail")
        rate, current, slo, ephemeral = args.rate, args.runners, args.slo_p95, args.ephemeral
        provision = args.provision if ephemeral else 0.0
    if not rate:
        raise UsageError(f"{args.from_results}: the test recorded no run, so it has no dispatch rate: give --rate")
    work = Workload(
        float(spec.get("sleep_duration", base.sleep_s)),
        int(spec.get("job_count", base.job_count)),
        spec.get("job_type", base.job_type),
    )
    plan = plan_section(
        rate,
        work,
        pickup,
        slo=slo,
        current=current,
        provision_s=provision,
        prices=prices,
        size=size,
        seed=args.seed,
        jobs=args.jobs,
    )
    out = {
        **section,
        "dispatches_per_min": rate,
        "slo_p95_s": slo,
        "workload": {"sleep_s": work.sleep_s, "job_count": work.job_count, "job_type": work.job_type},
        "ephemeral": ephemeral,
        "provision_s": provision,
        "pickup": {"source": pickup.source, "p95_s": round(pickup.p95(), 2), "mean_s": round(pickup.mean(), 2)},
        "task": size.describe(),
        "prices": {**prices.__dict__},
        **plan,
    }
    if args.check_sim and slo:
        out["simulator"] = _check_sim(args, rate, work, slo, ephemeral, provision, pickup)
    if args.compare_pools:
        out["pools"] = _pools(args, rate, work, current or plan["runners"], prices, size, pickup)
    from ..report.decision_text import format_plan
    from .pools import format_pools

    print(json.dumps(out, indent=2, default=str) if args.json else format_plan(out))
    if args.compare_pools and not args.json:
        print(format_pools(out["pools"]["rows"], out["pools"]["dispatches"], rate))
    return 0


def _from_results(args: argparse.Namespace, prices: Any, size: Any) -> tuple[dict[str, Any], Any, float | None, Any]:
    """The report's decision section of the test, and its inputs: workload, dispatch rate and pickup model."""
    from ..report import load_results
    from ..report.decision import decision_from_results, idle_pool_pickups, pickup_of, workload_of
    from ..report.summary import summarize

    results = load_results(args.from_results)
    summary = summarize(results)
    section = decision_from_results(results, summary, slo_p95_s=args.slo_p95, prices=prices, size=size, seed=args.seed)
    section["measured"] = {"queue_p95_s": summary["jobs"]["queue_s"]["p95"], "jobs": summary["jobs"]["count"]}
    pickup, _ = pickup_of(idle_pool_pickups(results.jobs), section["pool"], results.meta)
    work, rate = workload_of(summary, results.meta)
    return section, work, rate, pickup


def _check_sim(
    args: argparse.Namespace, rate: float, work: Any, slo: float, ephemeral: bool, provision: float, pickup: Any
) -> dict:
    from ..planning.sizing import quantile
    from ..simulator.config import SimConfig
    from ..simulator.replay import capacity_search
    from .pools import latency_model

    config = SimConfig(
        pickup=latency_model(pickup),
        ephemeral=ephemeral,
        provision_s=provision,
        timestamp_resolution_s=0.001,
        seed=args.seed,
        secondary_per_hour=10**9,
        secondary_per_minute=10**9,
    )
    inputs = {"sleep_duration": f"{work.sleep_s:g}", "job_count": str(work.job_count), "job_type": work.job_type}
    start = max(1, math.floor(rate / 60.0 * work.job_count * (pickup.mean() + work.sleep_s + work.overhead_s + provision)) + 1)
    dispatches = max(500, min(4000, 20000 // work.job_count))
    found, measured = capacity_search(
        config,
        rate,
        inputs,
        slo,
        p95=lambda q: quantile(q, 0.95),
        start=start,
        limit=start + 40,
        dispatches=dispatches,
        seed=args.seed,
    )
    return {"runners": found, "p95_by_runners": {n: round(v, 2) for n, v in measured.items()}, "dispatches": dispatches}


def _pools(
    args: argparse.Namespace, rate: float, work: Any, runners: int | None, prices: Any, size: Any, pickup: Any
) -> dict[str, Any]:
    from ..simulator.config import SimConfig
    from .pools import compare_pools, latency_model

    if not runners:
        raise UsageError("--compare-pools needs a runner count: give --runners N (no count meets the target)")
    if args.max_runners is not None and args.max_runners < runners:
        raise UsageError(f"--max-runners {args.max_runners} is below the pool's {runners} runners: give at least {runners}")
    base = SimConfig(
        pickup=latency_model(pickup),
        timestamp_resolution_s=0.001,
        seed=args.seed,
        secondary_per_hour=10**9,
        secondary_per_minute=10**9,
    )
    inputs = {"sleep_duration": f"{work.sleep_s:g}", "job_count": str(work.job_count), "job_type": work.job_type}
    dispatches = max(500, min(3000, 12000 // work.job_count))
    rows = compare_pools(
        base,
        rate,
        inputs,
        runners=runners,
        max_runners=args.max_runners,
        provision_s=args.provision,
        prices=prices,
        size=size,
        dispatches=dispatches,
        seed=args.seed,
    )
    return {"dispatches": dispatches, "rows": rows}
