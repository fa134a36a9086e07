"""The report's decision section: pickups from idle runners, the model against the test, cost, the sentence, HTML."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from ghrunner_locust.report import load_results, summarize
from ghrunner_locust.report.decision import (
    decision_from_results,
    decision_section,
    idle_pool_pickups,
    pickup_of,
    pool_of,
    recommendation,
    render_decision_html,
)
from ghrunner_locust.simulator import SimConfig

from .virtual_results import write_virtual_results

T0 = pd.Timestamp("2026-01-01T00:00:00Z")


def frame(rows):
    jobs = pd.DataFrame(rows, columns=["runner_name", "created", "started", "completed"])
    for column, name in (("created", "created_at"), ("started", "started_at"), ("completed", "completed_at")):
        jobs[name] = T0 + pd.to_timedelta(jobs[column], unit="s")
    jobs["queue_s"] = jobs["started"] - jobs["created"]
    return jobs


def test_pickups_are_the_queue_latency_of_jobs_that_found_their_runner_idle():
    jobs = frame(
        [
            ("r1", 0, 2, 20),  # first job of r1: idle since the start -> pickup 2
            ("r1", 5, 24, 40),  # created while r1 ran job 1 -> waited, left out
            ("r1", 50, 53, 70),  # r1 idle since 40 -> pickup 3
            ("r2", 1, 6, 30),  # first job of r2 -> pickup 5
            ("r2", 29, 35, 60),  # created before r2's previous job ended -> left out
        ]
    )
    assert sorted(idle_pool_pickups(jobs)) == [2.0, 3.0, 5.0]


def test_pool_from_meta():
    embedded = {"target": "embedded simulator", "options": {"sim_runners": 4, "sim_ephemeral": True, "sim_provision": 75}}
    assert pool_of({"runners": 3.2}, embedded) == {"runners": 4, "ephemeral": True, "provision_s": 75.0, "max_runners": None}
    assert pool_of({"runners": 5.6}, {"options": {}})["runners"] == 6
    assert pool_of({"runners": 5.6}, {"options": {"runners": 8}})["runners"] == 8


def test_pickups_fall_back_to_the_targets_model_then_the_defaults():
    pool = {"runners": 4, "ephemeral": False, "provision_s": 0.0, "max_runners": None}
    quick = {"target": "embedded simulator", "options": {"sim_pickup": 1.0, "sim_pickup_p90": 2.0, "sim_pickup_tail": 0.0}}
    pickup, notes = pickup_of([5.0] * 3, pool, quick)  # 3 idle-pool jobs are too few: the simulator's own settings
    assert (pickup.median_s, pickup.p90_s, pickup.tail_prob) == (1.0, 2.0, 0.0) and "target's model" in notes[0]
    assert notes[0].startswith("only 3 jobs found a runner idle, 20 are needed")  # the count, not "too few"
    assert pickup_of([5.0], pool, quick)[1][0].startswith("only 1 job found")
    assert "embedded simulator's settings" in pickup.source
    assert pickup_of([5.0] * 3, pool, {"target": "https://api.github.com"})[0].median_s == 3.0  # the defaults
    assert pickup_of([5.0] * 20, pool, quick)[0].samples == (5.0,) * 20  # enough measured: those


def test_sentences():
    rows = [{"runners": n, "p95_s": p, "usd_month": 40.0 * n} for n, p in ((4, 38.0), (5, 20.0), (6, 9.0))]
    assert (
        recommendation(4, 4, rows, 40, "")
        == "keep 4 runners: p95 queue 38 s, $160 a month; 5 runners would bring p95 to 20 s for $40 more"
    )
    assert recommendation(4, 6, rows, 10, "").startswith("add 2 runners, to 6: p95 queue 9 s (target 10 s), $240 a month (+$80")
    assert recommendation(6, 5, rows, 25, "").startswith("remove 1 runner, to 5")
    assert recommendation(None, 5, rows, 25, "").startswith("run 5 runners")
    assert recommendation(4, None, rows, 5, "the pickups alone").endswith("the pickups alone")


@pytest.fixture(scope="module")
def fixed4(tmp_path_factory):
    directory = tmp_path_factory.mktemp("d") / "fixed4"
    return write_virtual_results(directory, SimConfig(runners=4, seed=3), 2.0, dispatches=500, options={"check_queue_p95": 30})


def test_decision_on_a_simulated_test(fixed4):
    results = load_results(fixed4)
    summary = summarize(results)
    section = decision_from_results(results, summary)
    assert section["slo_p95_s"] == 30 and section["pool"]["runners"] == 4
    assert "found a runner idle" in section["pickup"]["source"]
    assert section["dispatches_per_min"] == pytest.approx(2.0, rel=0.1)
    (stage,) = section["agreement"]
    # the model, fed this test's rate and pickups, lands near the measured p95 (seeded: no flakiness)
    assert stage["model_over_measured_p95"] == pytest.approx(1.0, abs=0.25)
    answer = section["runners"]
    by = {e["runners"]: e for e in section["estimates"]}
    assert by[answer]["p95_s"] <= 30 < by[answer - 1]["p95_s"]
    assert section["recommendation"].startswith("add 1 runner, to 5") or section["recommendation"].startswith(f"keep {answer}")
    cost = section["cost"]
    assert cost["busy_runner_h"] + cost["idle_runner_h"] == pytest.approx(cost["paid_runner_h"], abs=0.01)
    assert cost["cold_start_runner_h"] == 0
    assert cost["paid_runner_h"] == pytest.approx(4 * summary["duration_s"] / 3600, rel=0.01)


def test_ephemeral_cold_starts_are_paid(tmp_path):
    config = SimConfig(runners=4, ephemeral=True, provision_s=75, seed=3)
    directory = write_virtual_results(tmp_path / "eph", config, 1.0, sleep_s=20, job_count=1, dispatches=200)
    results = load_results(directory)
    summary = summarize(results)
    section = decision_from_results(results, summary)
    cost = section["cost"]
    # every job but the first four was followed... preceded by a replacement's 75 s cold start
    assert cost["cold_start_runner_h"] == pytest.approx((summary["drift"]["runners_seen"] - 4) * 75 / 3600, rel=0.01)
    assert cost["cold_start_runner_h"] > 0.5 * cost["busy_runner_h"]
    assert "simulator's defaults" in section["pickup"]["source"]  # ephemeral: no idle runner to measure on


def test_without_a_target_the_table_still_shows_p95_by_count(fixed4):
    results = load_results(fixed4)
    summary = summarize(results)
    section = decision_section(summary, {"options": {"sim_runners": 4, "ghrunner_embedded": True}})
    assert [e["runners"] for e in section["estimates"]] == [4, 5, 6]
    assert section["runners"] is None and "no p95 target" in section["recommendation"]


def test_empty_test_and_html_escaping():
    section = decision_section({"jobs": {"count": 0}, "runs": {"count": 0}, "duration_s": 0}, {"scenario": "x"})
    assert section["recommendation"] == "no run was recorded: nothing to size"
    section["recommendation"] = "<script>alert(1)</script>"
    page = render_decision_html(section)
    assert "<script>" not in page and "&lt;script&gt;" in page and page.startswith("<section id='decision'>")


def test_html_has_the_tables(fixed4):
    results = load_results(fixed4)
    page = render_decision_html(decision_from_results(results, summarize(results)))
    for text in ("USD a month", "Model against this test", "Cost of this pool", "GitHub-hosted Linux 2-core"):
        assert text in page


def test_every_report_carries_the_decision(fixed4):
    """`ghrunner report` (and the end of every Locust test) writes the section into summary.json and the page."""
    from ghrunner_locust.report import build_report

    summary = build_report(fixed4)
    saved = json.loads((fixed4 / "summary.json").read_text())
    assert saved["decision"]["runners"] == summary["decision"]["runners"] is not None
    assert saved["decision"]["estimates"] and saved["decision"]["recommendation"]
    page = (fixed4 / "report.html").read_text()
    assert page.count("<h2>Decision</h2>") == 1 and page.index("<h2>Decision</h2>") < page.index("<h2>Charts</h2>")


def test_no_job_prices_as_a_dash_not_zero_dollars(tmp_path, capsys):
    """A header-only jobs.csv: nothing to price per job or on GitHub-hosted runners, so "-" and not "$0"."""
    from ghrunner_locust.cli import main

    from .reportdata import synthetic

    directory = synthetic(tmp_path / "t")
    header = (directory / "jobs.csv").read_text().splitlines()[0]
    (directory / "jobs.csv").write_text(header + "\n")
    assert main(["plan", "--from-results", str(directory), "--rate", "2", "--slo-p95", "60", "--jobs", "2000"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("the test's pool:"))
    assert "- per 1,000 jobs" in line and line.endswith(": - per 1,000 jobs, - a month") and "$0 " not in line
