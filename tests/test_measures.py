"""Basic measures: epoch seconds, concurrency, utilization, the pool's size."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ghrunner_locust.report import load_results
from ghrunner_locust.report.measures import busy_intervals, epoch_s, max_concurrency, num, runner_count, utilization

from .reportdata import META, job, sample, write_results


def test_epoch_seconds_and_numbers():
    got = epoch_s(pd.Series(["1970-01-01T00:01:00Z", "", None]))
    assert got[0] == 60.0 and np.isnan(got[1]) and np.isnan(got[2])
    assert (num(1.23456), num(float("nan")), num(math.inf), num(None)) == (1.235, None, None, None)


def test_max_concurrency_touching_intervals_do_not_overlap():
    assert max_concurrency([0, 10, 20], [10, 20, 30]) == 1
    assert max_concurrency([0, 5, 6], [10, 7, 8]) == 3  # all three open from 6 to 7
    assert max_concurrency([], []) == 0


def test_utilization_counts_overlaps_once_and_clips_to_the_window():
    intervals = pd.DataFrame({"runner": ["a", "a", "b"], "start": [0.0, 5.0, 90.0], "end": [10.0, 15.0, 130.0]})
    # a: union of 0-10 and 5-15 = 15 s; b: 90-130 clipped to 90-100 = 10 s; 25 / (2 x 100)
    assert utilization(intervals, 2, (0.0, 100.0)) == 0.125
    assert utilization(intervals, 0, (0.0, 100.0)) is None


def test_runner_count_sources(tmp_path):
    both = [job(1, "r1", 0, 1, 10), job(2, "r2", 0, 1, 10)]
    results = load_results(write_results(tmp_path / "a", [*both, sample(5, 0, 2, online=3), sample(6, 0, 2, online=5)], META))
    assert runner_count(results, busy_intervals(results.jobs)) == (4.0, "online runners, mean of samples.csv")
    results = load_results(write_results(tmp_path / "b", both, META))
    assert runner_count(results, busy_intervals(results.jobs))[0] == 2.0  # --sim-runners
    results = load_results(write_results(tmp_path / "c", both, {"start": META["start"]}))
    assert runner_count(results, busy_intervals(results.jobs)) == (2.0, "distinct runner names in jobs.csv")


def test_runner_count_of_an_ephemeral_pool_is_its_peak_not_its_names(tmp_path):
    jobs = [job(i, f"eph-{i}", 10 * i, 10 * i, 10 * i + 15) for i in range(10)]  # two at a time, ten names
    results = load_results(write_results(tmp_path, jobs, {"start": META["start"]}))
    count, source = runner_count(results, busy_intervals(results.jobs))
    assert count == 2.0 and "ephemeral" in source
