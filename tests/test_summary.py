"""summary.json: every number of the small results directory in tests/reportdata.py, worked out by hand."""

from __future__ import annotations

import pytest

from ghrunner_locust.report import load_results, summarize

from .reportdata import synthetic


@pytest.fixture
def summary(tmp_path):
    return summarize(load_results(synthetic(tmp_path)))


def test_window_jobs_and_runs(summary):
    assert (summary["scenario"], summary["duration_s"]) == ("synthetic", 100.0)
    assert summary["start"] == "2026-01-01T00:00:00+00:00" and summary["end"] == "2026-01-01T00:01:40+00:00"
    jobs = summary["jobs"]
    assert (jobs["count"], jobs["failed"], jobs["unstarted"], jobs["completed"]) == (4, 1, 0, 4)
    # queue 2, 10, 30, 3 -> sorted 2, 3, 10, 30: mean 45/4; p50 (3+10)/2; p90 at rank 2.7: 10 + 0.7 x 20 ...
    assert jobs["queue_s"] == {"mean": 11.25, "p50": 6.5, "p90": 24.0, "p95": 27.0, "p99": 29.4, "max": 30.0}
    # execution 38, 20, 40, 7 -> sorted 7, 20, 38, 40: mean 105/4; p50 29; p90 38 + 0.7 x 2 ...
    assert jobs["execution_s"] == {"mean": 26.25, "p50": 29.0, "p90": 39.4, "p95": 39.7, "p99": 39.94, "max": 40.0}
    runs = summary["runs"]
    assert (runs["count"], runs["failed"]) == (4, 1)
    # totals 10, 30, 40, 70: p50 35, p95 at rank 2.85: 40 + 0.85 x 30 = 65.5
    assert runs["total_s"] == {"p50": 35.0, "p95": 65.5, "max": 70.0}
    assert runs["pickup_s"] == {"p50": 6.5, "p95": 27.0, "max": 30.0}


def test_pool_numbers(summary):
    assert summary["throughput_jobs_per_min"] == 2.4  # 4 completed / (100 s / 60)
    assert summary["runners"] == 2.0 and "samples.csv" in summary["runners_source"]
    # r1 busy 2-40 and 50-90 (78 s), r2 10-30 and 63-70 (27 s): 105 / (2 x 100)
    assert summary["runner_utilization"] == 0.525
    assert summary["max_concurrent_jobs"] == 2


def test_pickup_little_and_expected(summary):
    pickup = summary["pickup"]
    assert pickup["model"]["fixed"] and pickup["model"]["mean_s"] == 2.5 and pickup["expected_mean_s"] == 2.5
    # jobs 1, 2, 4 found a free runner: queue 2, 10, 3
    assert pickup["measured_idle_pool"] == {"jobs": 3, "mean": 5.0, "p50": 3.0, "p90": 8.6, "p95": 9.3, "max": 10.0}
    little = summary["littles_law"]
    # lambda = 4 / 100 s; W = mean(40, 30, 70, 10) = 37.5 s; samples: (2 + 2 + 1 + 2 + 1) / 5 = 1.6
    assert (little["arrival_rate_per_s"], little["mean_time_in_system_s"], little["lambda_w"]) == (0.04, 37.5, 1.5)
    assert (little["mean_in_system_sampled"], little["samples"], little["relative_gap"]) == (1.6, 5, 0.067)
    assert little["rows_at_sample_times"] == 1.2  # the rows in the system at 10, 30, 50, 70, 90 s: 2, 2, 1, 1, 0
    assert little["verdict"] == "agrees within 20%"
    s1, s2, s3 = summary["expected_vs_measured"]
    assert (s1["expected_wait_s"], s1["expected_pickup_s"], s1["expected_mean_queue_s"], s1["measured_mean_queue_s"]) == (
        4.0,
        2.5,
        6.5,
        6.0,
    )
    assert (s2["expected_wait_s"], s2["expected_mean_queue_s"], s2["measured_mean_queue_s"]) == (1.0, 3.5, 16.5)  # old meta
    assert s3["queue_grows_without_bound"] and s3["expected_mean_queue_s"] is None and s3["measured_jobs"] == 0


def test_stages_drift_and_parameters(summary):
    s1, s2 = summary["stages"]
    assert s1 == {
        "stage": "s1",
        "jobs": 2,
        "failed": 0,
        "queue_s": {"mean": 6.0, "p50": 6.0, "p95": 9.6, "max": 10.0},  # 2, 10
        "first_dispatch": "2026-01-01T00:00:00+00:00",
    }
    assert (s2["jobs"], s2["failed"], s2["queue_s"]["p95"], s2["first_dispatch"]) == (2, 1, 28.65, "2026-01-01T00:00:20+00:00")
    drift = summary["drift"]
    assert drift["queue_s_trend"]["slope_s_per_hour"] is None
    assert drift["queue_s_trend"]["verdict"].startswith("not enough data: 1 window of 60 s")
    assert (drift["runners_seen"], drift["online_runners_min"], drift["online_runners_max"]) == (2, 2.0, 2.0)
    assert drift["failed_jobs_by_stage"] == {"s2": 1}
    p = summary["parameters"]
    assert (p["locustfile"], p["shape"], p["users_max"], p["rate_per_min"]) == ("locustfiles/load.py", "load", 2, 6.0)
    assert p["workload"] == {"sleep_s": 30.0, "job_count": 1, "job_type": "parallel", "inputs": None}
    assert (p["target"], p["repository"], p["runners_configured"], p["ephemeral"]) == (
        "embedded simulator",
        "ghrunner/sim",
        2,
        False,
    )
    assert [s["name"] for s in p["stages"]] == ["s1", "s2", "s3"]


def test_plan_results_pass_through(tmp_path):
    from .reportdata import META

    meta = {**META, "breaking_point": {"stage": "step 3", "level": 6, "reason": "p95 over 60 s"}, "checks": []}
    summary = summarize(load_results(synthetic(tmp_path, meta)))
    assert summary["breaking_point"]["level"] == 6 and summary["checks"] == [] and "capacity" not in summary
