"""Drift: a queue latency trend only with enough windows, and with its confidence interval."""

from __future__ import annotations

import pandas as pd
import pytest

from ghrunner_locust.report.drift import MIN_WINDOWS, queue_trend, t975, window_length

from .reportdata import at


def jobs_at(points):
    """Job rows from (seconds queued, queue latency) pairs."""
    return pd.DataFrame({"created_at": [at(t) for t, _ in points], "queue_s": [q for _, q in points]})


def test_window_length_is_whole_minutes():
    assert window_length(50) == 60 and window_length(1800) == 120 and window_length(3 * 3600) == 540


def test_a_short_test_has_not_enough_data():
    jobs = jobs_at([(t, 2.0 + t) for t in range(0, 50, 5)])  # 50 s, steeply rising
    trend = queue_trend(jobs, (pd.Timestamp(at(0)).timestamp(), pd.Timestamp(at(50)).timestamp()))
    assert trend["slope_s_per_hour"] is None and trend["ci95_s_per_hour"] is None
    assert trend["verdict"] == f"not enough data: 1 window of 60 s with 3+ jobs, a trend needs {MIN_WINDOWS}"


def test_slope_and_interval_by_hand():
    # 6 windows of 60 s (a 360 s test), 3 jobs each; window means 10, 12, 11, 15, 14, 16 at the windows' middles
    means = [10, 12, 11, 15, 14, 16]
    points = [(60 * k + 10 * j, m + d) for k, m in enumerate(means) for j, d in enumerate((-1, 0, 1))]
    start = pd.Timestamp(at(0)).timestamp()
    trend = queue_trend(jobs_at(points), (start, start + 360))
    assert trend["windows"] == 6 and trend["window_s"] == 60
    # x - 3 = -2.5..2.5 minutes; Sxx = 17.5 min^2; Sxy = sum((x - 3)(y - 13)) = 7.5 + 1.5 + 1 + 1 + 1.5 + 7.5 = 20
    # slope = 20 / 17.5 = 1.142857 s/min = 68.571 s/h
    assert trend["slope_s_per_hour"] == pytest.approx(68.571, abs=1e-3)
    # residuals -1/7, 5/7, -10/7, 10/7, -5/7, 1/7: SSR = 252/49 = 5.142857
    # se = sqrt(5.142857 / 4 / 17.5) = 0.271052 s/min = 16.2631 s/h; half width = t(4) 2.776 x se = 45.146 s/h
    low, high = trend["ci95_s_per_hour"]
    assert low == pytest.approx(68.571 - 45.146, abs=2e-3) and high == pytest.approx(68.571 + 45.146, abs=2e-3)
    assert trend["verdict"] == "rising"


def test_no_clear_trend_when_the_interval_includes_zero():
    means = [10, 14, 9, 13, 10, 12]
    points = [(60 * k + 10 * j, m) for k, m in enumerate(means) for j in range(3)]
    start = pd.Timestamp(at(0)).timestamp()
    trend = queue_trend(jobs_at(points), (start, start + 360))
    low, high = trend["ci95_s_per_hour"]
    assert low < 0 < high and trend["verdict"].startswith("no clear trend")


def test_windows_with_too_few_jobs_do_not_count():
    points = [(60 * k, 5.0) for k in range(10)]  # one job a window
    start = pd.Timestamp(at(0)).timestamp()
    assert queue_trend(jobs_at(points), (start, start + 600))["windows"] == 0


def test_t_quantiles():
    assert (t975(1), t975(4), t975(30), t975(45), t975(1000)) == (12.706, 2.776, 2.042, 2.021, 1.96)
