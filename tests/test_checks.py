"""CI checks: what failed and by how much."""

from __future__ import annotations

from ghrunner_locust.planning.checks import evaluate, percentile


def test_percentile_matches_pandas_linear_interpolation():
    import pandas as pd

    values = [3, 1, 4, 1, 5, 9, 2, 6]
    assert percentile(values, 0.95) == pd.Series(values).quantile(0.95)
    assert percentile([], 0.5) is None


def test_checks_report_pass_and_fail_with_the_excess():
    results = evaluate(
        [1.0] * 10 + [100.0] * 2, failures=3, requests=100, timeouts=2, queue_p95=10, fail_ratio=0.05, max_timeouts=0
    )
    by_name = {r.name: r for r in results}
    assert by_name["p95 queue latency"].passed is False and "over by" in by_name["p95 queue latency"].line()
    assert by_name["failure ratio"].passed is True and by_name["failure ratio"].line().startswith("PASS")
    assert by_name["runs timed out"].line() == "FAIL runs timed out: 2 (limit 0, over by 2)"
    assert evaluate([], 0, 0, 0) == []
