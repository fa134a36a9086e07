"""Pickup latency (the target's model, the idle-pool jobs), expected against measured, Little's law."""

from __future__ import annotations

import pandas as pd
import pytest

from ghrunner_locust.planning.theory import Pickup
from ghrunner_locust.report import load_results
from ghrunner_locust.report.queueing import expected_vs_measured, idle_pool, littles_law, pickup_model, pickup_summary

from .reportdata import META, at, job, sample, write_results

REAL = {"start": at(0), "end": at(100), "target": "https://api.github.com", "owner": "o", "repo": "r"}


def test_pickup_model_from_the_simulators_settings():
    model, source = pickup_model(META)
    assert model == Pickup(2.5, 10.0, 0.01, fixed=True) and "options.sim_pickup" in source
    given = {"simulator": {"pickup": {"median_s": 3, "p90_s": 10, "tail_prob": 0.01, "tail_range_s": [60, 120]}}}
    model, source = pickup_model(given)
    assert model.mean_s == pytest.approx(5.5175, abs=1e-4) and "simulator.pickup" in source
    assert pickup_model(REAL) == (None, "")
    assert pickup_model({"target": "embedded simulator", "options": {"sim_pickup": "x"}}) == (None, "")


def test_idle_pool_jobs_on_one_runner(tmp_path):
    # one runner: job 1 finds it free; job 2 is queued while job 1 runs; job 3 comes after both ended
    jobs = [job(1, "r", 0, 3, 20), job(2, "r", 5, 24, 40), job(3, "r", 50, 52, 60), job(4, "r", 55, None, None)]
    results = load_results(write_results(tmp_path, jobs, REAL))
    assert idle_pool(results.jobs, results.samples, 1.0).tolist() == [True, False, True, False]
    # job 4 never started: no pickup, whatever the pool
    assert idle_pool(results.jobs, results.samples, 2.0).tolist() == [True, True, True, False]


def test_a_matrix_queued_in_one_second_finds_as_many_free_runners_as_there_are(tmp_path):
    # 6 jobs created in the same second on 4 idle runners: the 4 that started first found a free runner
    jobs = [job(i, f"r{i % 4}", 10, 12 + i, 20 + i) for i in (5, 3, 0, 4, 1, 2)]
    results = load_results(write_results(tmp_path, jobs, REAL))
    idle = idle_pool(results.jobs, results.samples, 4.0)
    assert sorted(results.jobs.loc[idle, "job_id"].astype(int)) == [0, 1, 2, 3]  # none, before: all 6 counted as ahead


def test_idle_pool_follows_the_sampled_online_runners(tmp_path):
    # an ephemeral pool: 1 runner online until t=30, then 2; a second job queued at t=10 waits, at t=40 does not
    jobs = [job(1, "a", 0, 2, 100), job(2, "b", 10, 32, 38), job(3, "c", 40, 43, 50)]
    samples = [sample(0, 0, 1, online=1), sample(30, 0, 1, online=2)]
    results = load_results(write_results(tmp_path, jobs + samples, REAL))
    assert idle_pool(results.jobs, results.samples, 9.0).tolist() == [True, False, True]
    assert idle_pool(results.jobs, results.samples.iloc[:0], 1.0).tolist() == [True, False, False]  # 1 runner throughout


def test_pickup_is_measured_on_a_real_target(tmp_path):
    jobs = [job(1, "r", 0, 3, 20), job(2, "r", 5, 24, 40), job(3, "r", 50, 56, 60)]
    results = load_results(write_results(tmp_path, jobs, REAL))
    pickup = pickup_summary(results.jobs, results.samples, results.meta, 1.0)
    assert pickup["model"] is None and pickup["measured_idle_pool"]["jobs"] == 2
    assert pickup["expected_mean_s"] == 4.5  # (3 + 6) / 2
    assert pickup["expected_source"] == "measured: mean queue latency of the 2 jobs that found a free runner"
    none = pickup_summary(results.jobs.iloc[:0], results.samples, results.meta, 1.0)
    assert none["expected_mean_s"] is None and none["expected_source"].startswith("unknown")


def test_expected_is_wait_plus_pickup():
    jobs = pd.DataFrame({"stage": ["a", "a", "b"], "queue_s": [4.0, 6.0, None]})
    meta = {"expected": [{"stage": "a", "expected_wait_s": 1.5, "expected_queue_s": 99}, {"stage": "b", "expected_queue_s": 2}]}
    a, b = expected_vs_measured(meta, jobs, 3.0)
    assert (a["expected_mean_queue_s"], a["measured_mean_queue_s"], a["measured_jobs"]) == (4.5, 5.0, 2)
    assert (b["expected_wait_s"], b["expected_mean_queue_s"], b["measured_mean_queue_s"]) == (2.0, 5.0, None)
    (unknown,) = expected_vs_measured({"expected": [{"stage": "a", "expected_wait_s": 1.5}]}, jobs, None)
    assert unknown["expected_mean_queue_s"] is None and unknown["expected_wait_s"] == 1.5


def test_littles_law_sums_the_workers_and_flags_a_lagging_view(tmp_path):
    jobs = [job(1, "r1", 0, 0, 50), job(2, "r2", 50, 50, 100)]  # lambda 2/100, W 50: lambda W = 1
    lagging = [sample(t, 0, 0, worker="w1") for t in (10, 60)] + [sample(t, 0, 1, worker="w2") for t in (20, 70)]
    results = load_results(write_results(tmp_path, jobs + lagging, REAL))
    law = littles_law(results.jobs, results.samples, (pd.Timestamp(at(0)).timestamp(), pd.Timestamp(at(100)).timestamp()))
    assert (law["lambda_w"], law["mean_in_system_sampled"], law["samples"]) == (1.0, 1.0, 4)  # w1 0 + w2 1
    assert law["verdict"] == "agrees within 20%"
    window = (pd.Timestamp(at(0)).timestamp(), pd.Timestamp(at(100)).timestamp())
    law = littles_law(results.jobs, results.samples.iloc[:2], window)  # w1 alone counted nothing
    assert (law["mean_in_system_sampled"], law["rows_at_sample_times"], law["relative_gap"]) == (0.0, 1.0, -1.0)
    assert law["verdict"].startswith("differs by -100%: the tracker's live counts lagged")
    at_end = load_results(write_results(tmp_path / "end", jobs + [sample(100, 0, 0)], REAL)).samples
    law = littles_law(results.jobs, at_end, window)  # one sample, at the end, when nothing ran: rows say 0 too
    assert law["rows_at_sample_times"] == 0.0 and "too few samples" in law["verdict"]
    law = littles_law(results.jobs, results.samples.iloc[:0], (0.0, 1.0))
    assert law["verdict"].startswith("not checked") and law["samples"] == 0
