"""The plan (``ghrunner plan``) as a terminal reads it."""

from __future__ import annotations

from typing import Any

from ..planning.theory import Workload

__all__ = ["format_plan", "recommendation"]

OVERHEAD_S = Workload().overhead_s


def format_plan(plan: dict[str, Any]) -> str:
    """The plan as a terminal reads it: inputs, the table by runner count, the answer, the checks, the cost."""
    w = plan["workload"]
    pool = "ephemeral runners (cold start {:g} s)".format(plan["provision_s"]) if plan["ephemeral"] else "persistent runners"
    lines = [
        f"plan: {plan['dispatches_per_min']:g} dispatches a minute of {w['job_count']} {w['job_type']} job(s) of "
        f"{w['sleep_s']:g} s + {OVERHEAD_S:g} s on {pool}; p95 queue target {plan['slo_p95_s'] or '-'} s",
        f"pickups: {plan['pickup']['source']} (p95 {plan['pickup']['p95_s']} s, mean {plan['pickup']['mean_s']} s)",
        f"model: seeded Monte Carlo of the pool (queue latency = wait for a runner + pickup); task {plan['task']}",
        f"{'runners':>8} {'p50 s':>8} {'p95 s':>8} {'+/-':>6} {'util.':>6} {'waited':>7} {'USD/month':>10}",
    ]
    for e in plan["estimates"]:
        cells = [e["p50_s"], e["p95_s"], e["p95_stderr_s"], e["utilization"], e["waited_share"]]
        p50, p95, err, util, waited = ("-" if v is None else f"{v:.2f}" if i > 1 else f"{v:.1f}" for i, v in enumerate(cells))
        p95 += "" if e.get("steady", True) else "*"
        lines.append(f"{e['runners']:>8} {p50:>8} {p95:>8} {err:>6} {util:>6} {waited:>7} {e['usd_month']:>10,.0f}")
    if not all(e.get("steady", True) for e in plan["estimates"]):
        lines.append(
            "* not settled: near utilization 1 the queue was still growing when the simulated jobs ran out, so the "
            "true p95 is higher and the +/- understates it; no such count is recommended (--jobs replays longer)"
        )
    lines.append(f"GitHub-hosted runners for the same jobs: ${plan['hosted_usd_month']:,.0f} a month")
    if "simulator" in plan:
        sim = plan["simulator"]
        measured = ", ".join(f"{n}: {v:.1f} s" for n, v in sim["p95_by_runners"].items())
        lines.append(
            f"simulator (virtual time, {sim['dispatches']} dispatches, its lognormal pickups): {sim['runners']} runners; "
            f"p95 by count {measured}"
        )
    for a in plan.get("agreement") or []:
        lines.append(
            f"against the test, stage {a['stage']}: {a['dispatches_per_min']:.2f}/min, {a['jobs']} jobs: p95 measured "
            f"{a['measured_p95_s']} s, model {a['model_p95_s']} s (+/- {a['model_p95_stderr_s']}); p50 measured "
            f"{a['measured_p50_s']} s, model {a['model_p50_s']} s; a test this long would measure p95 in "
            f"{a['model_p95_range_s'][0]}-{a['model_p95_range_s'][1]} s (90% of the time)"
            + ("" if a["steady_state"] else " (stage too short for steady state)")
        )
    cost = plan.get("cost")
    if cost:
        lines.append(
            f"the test's pool: {cost['paid_runner_h']:.2f} runner-hours paid, {cost['busy_runner_h']:.2f} busy, "
            f"{cost['idle_runner_h']:.2f} idle, {cost['cold_start_runner_h']:.2f} cold starts "
            f"(idle share {cost['idle_share']:.0%}); {_usd(cost['per_1000_jobs_usd'], 2)} per 1,000 jobs, "
            f"{_usd(cost['per_month_usd'], 0)} a month at this load; {cost['hosted_name']}: "
            f"{_usd(cost['hosted_per_1000_jobs_usd'], 2)} per 1,000 jobs, {_usd(cost['hosted_per_month_usd'], 0)} a month"
        )
    for note in plan.get("notes") or []:
        lines.append(f"note: {note}")
    lines.append(f"decision: {plan['recommendation']}")
    return "\n".join(lines)


def _usd(value: float | None, digits: int) -> str:
    """Dollars, or ``-`` when there is nothing to price (no job was measured)."""
    return "-" if value is None else f"${value:,.{digits}f}"


def recommendation(current: int | None, answer: int | None, estimates: list[dict[str, Any]], slo: float, reason: str) -> str:
    """One sentence a design review can take: keep, add or remove runners, what it buys and costs."""
    by = {e["runners"]: e for e in estimates}

    def count(n: int) -> str:
        return f"{n} runner{'' if n == 1 else 's'}"

    def p95(n: int) -> str:
        v = by[n]["p95_s"]
        settled = "" if by[n].get("steady", True) else " or more (not settled)"
        return "unbounded (overloaded)" if v is None else f"{v:.0f} s{settled}"

    if answer is None:
        return f"no runner count meets a p95 queue latency of {slo:g} s: {reason}"
    here, there = by.get(current) if current else None, by[answer]
    if answer == current or current is None:
        more = next((n for n in sorted(by) if n > answer), None)
        verb = "keep" if current else "run"
        text = f"{verb} {answer} runners: p95 queue {p95(answer)}, ${there['usd_month']:,.0f} a month"
        if more is not None:
            delta = by[more]["usd_month"] - there["usd_month"]
            text += f"; {more} runners would bring p95 to {p95(more)} for ${delta:,.0f} more"
        return text
    verb = "add" if answer > current else "remove"
    n = abs(answer - current)
    text = f"{verb} {n} runner{'' if n == 1 else 's'}, to {answer}: p95 queue {p95(answer)} (target {slo:g} s), "
    text += f"${there['usd_month']:,.0f} a month"
    if here is not None:
        delta = there["usd_month"] - here["usd_month"]
        text += f" ({'+' if delta >= 0 else '-'}${abs(delta):,.0f} against {count(current)} at p95 {p95(current)})"
    return text
