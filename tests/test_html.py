"""report.html: every number on the page, by hand, from the small results directory; one offline page."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from ghrunner_locust.report import build_report
from ghrunner_locust.report.charts import CHARTS

from .reportdata import synthetic


class Tables(HTMLParser):
    """Every table row of a page as a list of cell texts, keyed by its section (h2) and first cell."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[tuple[str, str], list[str]] = {}
        self.section, self.row, self.cell, self.heading = "", None, None, None

    def handle_starttag(self, tag, attrs):
        if tag == "h2":
            self.heading = ""
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "h2":
            self.section, self.heading = self.heading, None
        elif tag in ("td", "th") and self.row is not None:
            self.row.append(self.cell.strip())
            self.cell = None
        elif tag == "tr" and self.row:
            self.rows[(self.section, self.row[0])] = self.row[1:]
            self.row = None

    def handle_data(self, data):
        if self.heading is not None:
            self.heading += data
        if self.cell is not None:
            self.cell += data


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    directory = synthetic(tmp_path_factory.mktemp("html"))
    build_report(directory)
    return (directory / "report.html").read_text()


@pytest.fixture(scope="module")
def rows(page):
    parser = Tables()
    parser.feed(page)
    return parser.rows


def test_header_times_are_readable(page):
    assert "From 2026-01-01 00:00:00 UTC to 2026-01-01 00:01:40 UTC (100.0 s)" in page
    assert not re.search(r"\d\d:\d\d:\d\d\.\d", page) and "+00:00" not in page


def test_parameters(rows):
    p = {k: v[0] for (section, k), v in rows.items() if section == "Test parameters"}
    assert p == {
        "locustfile": "locustfiles/load.py",
        "shape": "load",
        "load": "2 users at most; 6.0 dispatches/min; s1: 6.0 dispatches/min; s2: 3.0 dispatches/min; s3: 30.0 dispatches/min",
        "workload": "1 parallel job(s) of sleep 30 s",
        "target": "embedded simulator (ghrunner/sim, runner_test.yml)",
        "runners configured": "2",
    }


def test_summary_numbers(rows):
    s = {k: v for (section, k), v in rows.items() if section == "Summary"}
    assert s["jobs"] == ["4"] and s["jobs failed"] == ["1"] and s["jobs never started"] == ["0"]
    assert s["runs"] == ["4"] and s["runs failed"] == ["1"]
    assert s["throughput (jobs completed per minute)"] == ["2.40"]  # 4 / (100 s / 60)
    assert s["runners (online runners, mean of samples.csv)"] == ["2.00"]
    assert s["runner utilization"] == ["52.5 %"]  # 105 busy runner-seconds / (2 x 100), as on the console
    assert s["max concurrent jobs"] == ["2"]


def test_latencies(rows):
    s = {k: v for (section, k), v in rows.items() if section == "Latencies"}
    assert s["job queue latency (s)"] == ["11.25", "6.50", "24.00", "27.00", "29.40", "30.00"]
    assert s["job execution time (s)"] == ["26.25", "29.00", "39.40", "39.70", "39.94", "40.00"]
    assert s["pickup: queue latency of the 3 jobs that found a free runner (s)"] == ["5.00", "3.00", "8.60", "9.30", "-", "10.00"]
    assert s["run: dispatch to first job started (s)"] == ["-", "6.50", "-", "27.00", "-", "30.00"]
    assert s["run: dispatch to last job completed (s)"] == ["-", "35.00", "-", "65.50", "-", "70.00"]


def test_pickup_expected_and_little(rows):
    p = {k: v[0] for (section, k), v in rows.items() if section == "Pickup latency"}
    assert p["target's pickup model"] == "fixed" and p["model's mean pickup (s)"] == "2.50"
    assert p["measured: mean queue latency of the 3 jobs that found a free runner (s)"] == "5.00"
    assert p["expected pickup used below (s)"] == "2.50"
    assert p["median / p90: measured (s)"] == "3.00 / 8.60" and "median / p90: the model's lognormal body (s)" not in p
    e = {k: v for (section, k), v in rows.items() if section == "Expected against measured"}
    assert e["s1"] == ["50.0 %", "4.00", "2.50", "6.50", "6.00", "2"]
    assert e["s2"] == ["25.0 %", "1.00", "2.50", "3.50", "16.50", "2"]
    assert e["s3"] == ["150.0 %", "grows without bound", "2.50", "-", "-", "0"]
    law = {k: v[0] for (section, k), v in rows.items() if section == "Little's law"}
    assert law["arrival rate (jobs/s)"] == "0.0400" and law["mean time in system, created to completed (s)"] == "37.50"
    assert law["arrival rate x time in system"] == "1.50" and law["mean queued + running jobs sampled (5 samples)"] == "1.60"
    assert law["job rows in the system at the same moments"] == "1.20"
    assert law["result"] == "agrees within 20%"


def test_stages_and_drift(rows):
    st = {k: v for (section, k), v in rows.items() if section == "Stages"}
    assert st["s1"] == ["2", "0", "6.00", "6.00", "9.60", "10.00"]
    assert st["s2"] == ["2", "1", "16.50", "16.50", "28.65", "30.00"]
    d = {k: v[0] for (section, k), v in rows.items() if section == "Drift"}
    assert d["queue latency trend"] == "not enough data: 1 window of 60 s with 3+ jobs, a trend needs 6"
    assert d["trend (s per hour)"] == "-" and d["windows"] == "1 of 60 s"
    assert d["runners seen"] == "2" and d["online runners (min / max)"] == "2.00 / 2.00" and d["failed jobs by stage"] == "s2: 1"


def test_charts_embedded_once_each_and_offline(page):
    assert not re.search(r"https?://", page), "the page must work offline"
    assert page.count("data:image/png;base64,") == len(CHARTS)
    for title in CHARTS.values():
        assert page.count(title) == 1, f"{title} appears more than once"  # in the image's alt text only


def test_a_lognormal_pickup_model_shows_its_median_and_p90(tmp_path):
    from .reportdata import META

    meta = {**META, "options": {**META["options"], "sim_fixed_latency": False, "sim_pickup": 3.0, "sim_pickup_tail": 0.0}}
    build_report(synthetic(tmp_path, meta))
    parser = Tables()
    parser.feed((tmp_path / "report.html").read_text())
    p = {k: v[0] for (section, k), v in parser.rows.items() if section == "Pickup latency"}
    assert p["target's pickup model"] == "lognormal, median 3 s, p90 10 s"
    assert p["median / p90: the model's lognormal body (s)"] == "3.00 / 10.00"
    assert p["model's mean pickup (s)"] == "4.66"  # 3 x exp(sigma^2 / 2), sigma = ln(10 / 3) / 1.2816
