"""How numbers and counts read on the console and in report.html."""

from __future__ import annotations

from ghrunner_locust.report.format import count, percent, value


def test_a_count_is_singular_for_one_only():
    assert [count(n, "job") for n in (0, 1, 2, 1234)] == ["0 jobs", "1 job", "2 jobs", "1,234 jobs"]
    assert count(1, "window") == "1 window" and count(2, "run", "runs") == "2 runs"


def test_values_and_percentages():
    assert (value(None), value(3), value(2.5, " s"), value(True)) == ("-", "3", "2.50 s", "yes")
    assert (percent(0.1621), percent(None)) == ("16.2 %", "-")
