"""``ghrunner plan``: the answer, its inputs from a test, the simulator's answer beside it, and every bad input."""

from __future__ import annotations

import json

import pytest

from ghrunner_locust.cli import main
from ghrunner_locust.simulator import SimConfig

from .virtual_results import write_virtual_results

PLAN = ["plan", "--rate", "2", "--workload", "sleep_duration=20,job_count=2", "--slo-p95", "30", "--jobs", "20000"]


def test_plan_prints_the_table_and_the_decision(capsys):
    assert main([*PLAN, "--runners", "4"]) == 0
    out = capsys.readouterr().out
    assert "pickups: the simulator's defaults" in out
    decision = out.strip().splitlines()[-1]
    assert decision.startswith("decision: add 1 runner, to 5: p95 queue")
    assert "GitHub-hosted runners for the same jobs" in out


def test_plan_json_and_the_simulator_beside_the_model(capsys):
    assert main([*PLAN, "--json", "--check-sim"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["runners"] == plan["simulator"]["runners"] == 5
    by = {e["runners"]: e for e in plan["estimates"]}
    assert by[5]["p95_s"] <= 30 and plan["simulator"]["p95_by_runners"]["5"] <= 30 < plan["simulator"]["p95_by_runners"]["4"]
    assert by[6]["usd_month"] - by[5]["usd_month"] == pytest.approx(730 * (0.04048 + 2 * 0.004445 + 0.005), abs=0.02)


def test_ephemeral_plan_needs_more_runners(capsys):
    assert main([*PLAN, "--json", "--ephemeral", "--provision", "75"]) == 0
    assert json.loads(capsys.readouterr().out)["runners"] >= 9


def test_plan_from_a_test(tmp_path, capsys):
    directory = write_virtual_results(
        tmp_path / "t", SimConfig(runners=4, seed=2), 2.0, dispatches=400, options={"check_queue_p95": 30}
    )
    assert main(["plan", "--from-results", str(directory), "--jobs", "20000"]) == 0
    out = capsys.readouterr().out
    assert "jobs of this test that found a runner idle" in out
    assert "against the test, stage load" in out and "the test's pool:" in out
    assert main(["plan", "--from-results", str(directory), "--slo-p95", "60", "--rate", "1", "--json", "--jobs", "20000"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert (plan["slo_p95_s"], plan["dispatches_per_min"]) == (60, 1)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--rate", "", "--slo-p95", "30"], "argument --rate"),
        (["--rate", "-1", "--slo-p95", "30"], "out of range"),
        (["--rate", "0", "--slo-p95", "30"], "out of range"),
        (["--rate", "nan", "--slo-p95", "30"], "out of range"),
        (["--rate", "inf", "--slo-p95", "30"], "out of range"),
        (["--rate", "1e9", "--slo-p95", "30"], "out of range"),
        (["--rate", "two", "--slo-p95", "30"], "not a number"),
        (["--rate", "2", "--slo-p95", "-3"], "out of range"),
        (["--rate", "2", "--slo-p95", "nan"], "out of range"),
        (["--rate", "2"], "give --rate and --slo-p95"),
        (["--slo-p95", "30"], "give --rate and --slo-p95"),
        (["--rate", "2", "--slo-p95", "30", "--runners", "0"], "out of range"),
        (["--rate", "2", "--slo-p95", "30", "--runners", "2.5"], "not a whole number"),
        (["--rate", "2", "--slo-p95", "30", "--pickup-median", "-1"], "out of range"),
        (["--rate", "2", "--slo-p95", "30", "--pickup-tail", "1.5"], "out of range"),
        (["--rate", "2", "--slo-p95", "30", "--provision", "inf"], "out of range"),
        (["--rate", "2", "--slo-p95", "30", "--vcpu-hour", "-0.1"], "out of range"),
        (["--rate", "2", "--slo-p95", "30", "--gb-hour", "nan"], "out of range"),
        (["--rate", "2", "--slo-p95", "30", "--hosted-per-minute", "1e5"], "out of range"),
        (["--rate", "2", "--slo-p95", "30", "--hours-per-month", "0"], "out of range"),
        (["--rate", "2", "--slo-p95", "30", "--task-vcpu", "0"], "out of range"),
        (["--rate", "2", "--slo-p95", "30", "--jobs", "10"], "out of range"),
        (["--rate", "2", "--slo-p95", "30", "--workload", ""], "expected KEY=VALUE"),
        (["--rate", "2", "--slo-p95", "30", "--workload", "sleep=20"], "expected KEY=VALUE"),
        (["--rate", "2", "--slo-p95", "30", "--workload", "sleep_duration=-5"], "out of range"),
        (["--rate", "2", "--slo-p95", "30", "--workload", "job_count=0"], "1 to 20"),
        (["--rate", "2", "--slo-p95", "30", "--workload", "job_count=21"], "out of range"),
        (["--rate", "2", "--slo-p95", "30", "--workload", "job_type=random"], "parallel or sequential"),
        (["--rate", "2", "--slo-p95", "30", "--from-results", "/nonexistent"], "not a results directory"),
        (["--rate", "2", "--slo-p95", "30", "--bogus"], "unrecognized arguments"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        code = main(["plan", *argv])
        raise SystemExit(code)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith(("ghrunner plan: error:", "ghrunner: error:")) and message in err


def test_fixed_pool_against_ephemeral_runners_on_the_simulator(capsys):
    assert main([*PLAN, "--runners", "4", "--compare-pools", "--max-runners", "8", "--json"]) == 0
    fixed, ephemeral = json.loads(capsys.readouterr().out)["pools"]["rows"]
    assert fixed["pool"] == "fixed pool of 4" and fixed["mean_paid_runners"] == pytest.approx(4.0, abs=0.01)
    assert fixed["cold_start_share"] == 0 and ephemeral["cold_start_share"] > 0.3
    assert ephemeral["queue_p95_s"] > fixed["queue_p95_s"]  # a 75 s cold start behind every job
    assert main([*PLAN, "--runners", "4", "--compare-pools", "--max-runners", "2"]) == 2
    assert "below the pool's 4 runners" in capsys.readouterr().err


def test_plan_from_results_agrees_with_the_reports_decision(tmp_path, capsys):
    """The plan of a test uses the pickup model the test ran (meta.json), as its report's decision does."""
    from ghrunner_locust.report import build_report

    from .reportdata import META, synthetic

    meta = json.loads(json.dumps(META))
    meta["options"].update(sim_pickup=3.0, sim_pickup_p90=5.0, sim_pickup_tail=0.0, sim_fixed_latency=False)
    meta["options"]["check_queue_p95"] = 10
    directory = synthetic(tmp_path / "t", meta)
    decision = build_report(directory)["decision"]
    assert main(["plan", "--from-results", str(directory), "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["pickup"]["source"] == decision["pickup"]["source"]
    assert "embedded simulator's settings" in plan["pickup"]["source"]
    assert (plan["runners"], plan["recommendation"]) == (decision["runners"], decision["recommendation"])
    assert plan["runners"] is not None and plan["estimates"] == decision["estimates"]


def test_plan_near_utilization_1_recommends_only_a_settled_p95(capsys):
    """460 runners at 1000/min of 22 s jobs is utilization 0.999: 40,000 jobs from an empty pool give p95 18 s,
    400,000 give 32 s. Such a count is marked and never the answer; the answer's p95 has settled."""
    from ghrunner_locust.planning.sizing import settle_jobs
    from ghrunner_locust.report.decision_text import format_plan

    assert (
        main(["plan", "--rate", "1000", "--workload", "sleep_duration=20", "--slo-p95", "30", "--runners", "460", "--json"]) == 0
    )
    plan = json.loads(capsys.readouterr().out)
    by = {e["runners"]: e for e in plan["estimates"]}
    assert by[460]["steady"] is False and plan["runners"] > 461
    answer = by[plan["runners"]]
    assert answer["steady"] and answer["p95_s"] <= 30 and settle_jobs(answer["utilization"]) <= 500_000
    text = format_plan(plan)
    assert "17.8*" in text and "* not settled" in text and "or more (not settled)" in text
