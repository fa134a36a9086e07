"""Charts: what they draw, by hand, and how they read (axes from 0, integer counts, nothing covered or clipped)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from ghrunner_locust.report import load_results
from ghrunner_locust.report.chartdata import depth, lanes, throughput_bins
from ghrunner_locust.report.charts import CHARTS, Chart, draw_all, figure

from .reportdata import META, job, synthetic, write_results


@pytest.fixture
def chart(tmp_path):
    return Chart(load_results(synthetic(tmp_path)), runners=2.0)


@pytest.fixture
def draw(chart):
    figures = []

    def make(name):
        fig = figure(name, chart)
        fig.canvas.draw()
        figures.append(fig)
        return fig

    yield make
    for fig in figures:
        plt.close(fig)


def inside(inner, outer) -> bool:
    return inner.x0 >= outer.x0 - 1 and inner.x1 <= outer.x1 + 1 and inner.y0 >= outer.y0 - 1 and inner.y1 <= outer.y1 + 1


def test_lanes_by_runner_name_and_by_slot():
    fixed = pd.DataFrame({"runner": ["r2", "r1", "r2"], "start": [0.0, 0.0, 20.0], "end": [10.0, 10.0, 30.0]})
    layout = lanes(fixed, peak=2)
    assert (layout.by, layout.labels, layout.lane.tolist()) == ("runner", ["r1", "r2"], [1, 0, 1])
    # an ephemeral pool: ten names, two at a time; each job takes the lowest free lane
    eph = pd.DataFrame({"runner": [f"e{i}" for i in range(10)], "start": 10.0 * np.arange(10), "end": 10.0 * np.arange(10) + 15})
    layout = lanes(eph, peak=2)
    assert (layout.by, layout.count, layout.runner_names) == ("slot", 2, 10)
    assert layout.lane.tolist() == [0, 1] * 5
    # four named runners taking one job at a time: still a lane each, as the pool has four
    light = pd.DataFrame({"runner": ["r1", "r2", "r3", "r4", "r1"], "start": 20.0 * np.arange(5), "end": 20.0 * np.arange(5) + 5})
    assert lanes(light, peak=1).by == "slot"
    assert (lanes(light, peak=1, pool=4).by, lanes(light, peak=1, pool=4).lane.tolist()) == ("runner", [0, 1, 2, 3, 0])


def test_depth_by_hand(chart):
    times, queued, running = depth(chart.created, chart.started, chart.completed)
    assert times.tolist() == [0, 2, 10, 20, 30, 40, 50, 60, 63, 70, 90]
    assert queued.tolist() == [2, 1, 0, 1, 1, 1, 0, 1, 0, 0, 0]
    assert running.tolist() == [0, 1, 2, 2, 1, 0, 1, 1, 2, 1, 0]


def test_throughput_bins_read_as_the_summary(chart):
    left, widths, rates = throughput_bins(chart.completed, chart.span)  # completed at 30, 40, 70, 90 of 100 s
    assert left.tolist() == [0, 60] and widths.tolist() == [60, 40]
    assert rates.tolist() == [2.0, 3.0]  # 2 in the first minute; 2 in the last 40 s = 3 a minute
    assert float((rates * widths).sum() / widths.sum()) == pytest.approx(2.4)  # summary's throughput_jobs_per_min


def test_throughput_chart_bars_mean_and_running_count(draw):
    ax, count = draw("throughput.png").axes
    assert [round(p.get_height(), 6) for p in ax.patches] == [2.0, 3.0]
    (mean,) = [line for line in ax.get_lines() if line.get_label().startswith("jobs/min over the test")]
    assert mean.get_ydata()[0] == pytest.approx(2.4) and mean.get_label() == "jobs/min over the test: 2.4"
    (steps,) = count.get_lines()
    assert steps.get_xdata().tolist() == [0, 30, 40, 70, 90, 100] and steps.get_ydata().tolist() == [0, 1, 2, 3, 4, 4]
    assert all(float(t).is_integer() for t in count.get_yticks())


def test_axes_start_at_zero_and_counts_are_integers(draw):
    assert draw("queue_latency.png").axes[0].get_ylim()[0] == 0
    ax = draw("queue_depth.png").axes[0]
    assert ax.get_ylim()[0] == 0 and all(float(t).is_integer() for t in ax.get_yticks())
    runners = [line for line in ax.get_lines() if line.get_label() == "runners (2)"]
    assert runners and runners[0].get_ydata()[0] == 2
    queue, execution = draw("latency_distribution.png").axes
    for ax, largest in ((queue, 30.0), (execution, 40.0)):
        assert ax.get_ylim()[0] == 0 and ax.get_xlim()[1] > largest  # the last step is inside the plot


def test_legends_beside_the_plot_and_stage_names_not_clipped(draw):
    for name in ("occupancy.png", "queue_latency.png", "queue_depth.png", "throughput.png"):
        fig = draw(name)
        ax = fig.axes[0]
        box, legend = ax.get_window_extent(), ax.get_legend().get_window_extent()
        assert legend.x0 >= box.x1, f"{name}: the legend covers the plot"
        for twin in fig.axes[1:]:
            for label in twin.get_yticklabels() + [twin.yaxis.label]:
                assert not label.get_window_extent().overlaps(legend), f"{name}: the legend covers the right axis"
        assert inside(legend, fig.bbox), f"{name}: the legend is cut off"
        top = [a for a in ax.child_axes]
        labels = [t for t in top[0].get_xticklabels() if t.get_text()]
        assert [t.get_text() for t in labels] == ["s1", "s2"], name
        for text in labels:
            extent = text.get_window_extent()
            assert inside(extent, fig.bbox), f"{name}: stage label {text.get_text()} is clipped"
            assert not extent.overlaps(legend), f"{name}: the legend covers a stage label"
        title = fig._suptitle.get_window_extent()
        assert not any(t.get_window_extent().overlaps(title) for t in labels), f"{name}: the title covers a stage label"


def test_occupancy_lanes_are_runners_with_their_names(draw):
    ax = draw("occupancy.png").axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["r1", "r2"]
    assert len(ax.collections[0].get_paths()) == 4


def test_an_ephemeral_pool_draws_slots_not_a_lane_per_name(tmp_path):
    jobs = [job(i, f"eph-{i}", 10 * i, 10 * i, 10 * i + 15) for i in range(300)]
    chart = Chart(load_results(write_results(tmp_path, jobs, {"start": META["start"]})))
    fig = figure("occupancy.png", chart)
    try:
        ax = fig.axes[0]
        assert ax.get_ylim() == (-0.6, 1.6)  # two lanes
        assert "300 runner names" in ax.get_ylabel() and len(ax.get_yticks()) <= 10
    finally:
        plt.close(fig)


def test_every_chart_is_written_and_titled_once(tmp_path):
    results = load_results(synthetic(tmp_path))
    paths = draw_all(results, tmp_path, 2.0)
    assert [p.name for p in paths] == list(CHARTS)
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in paths)


def test_empty_results_still_draw(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "meta.json").write_text("{}")
    paths = draw_all(load_results(empty), empty)
    assert len(paths) == 5 and all(p.stat().st_size > 0 for p in paths)


@pytest.mark.slow
def test_an_ephemeral_pool_reports_about_as_fast_as_a_persistent_one(tmp_path):
    """Ratio measured in one run (no wall-clock limit): 20,000 jobs on 20 runner names against a name per job."""
    import time

    from ghrunner_locust.report import build_report

    n = 20_000
    start = np.arange(n) * 3.0
    times = {}
    for kind, names in (("persistent", [f"r{i % 20}" for i in range(n)]), ("ephemeral", [f"eph-{i}" for i in range(n)])):
        directory = tmp_path / kind
        directory.mkdir()
        frame = pd.DataFrame(
            {
                "run_id": np.arange(n),
                "job_id": np.arange(n),
                "job_name": "job",
                "run_key": "k",
                "dispatched_at": pd.to_datetime(start - 1, unit="s", utc=True),
                "created_at": pd.to_datetime(start, unit="s", utc=True),
                "started_at": pd.to_datetime(start + 3, unit="s", utc=True),
                "completed_at": pd.to_datetime(start + 60, unit="s", utc=True),
                "queue_s": 3.0,
                "execution_s": 57.0,
                "status": "completed",
                "conclusion": "success",
                "runner_name": names,
                "worker": "local",
                "stage": "load",
            }
        )
        frame.to_csv(directory / "jobs.csv", index=False)
        began = time.perf_counter()
        build_report(directory)
        times[kind] = time.perf_counter() - began
    assert times["ephemeral"] < 2.5 * times["persistent"], times


def test_many_stages_name_every_nth(tmp_path):
    jobs = [job(i, "r1", 10 * i, 10 * i + 1, 10 * i + 5, stage=f"step {i + 1}") for i in range(30)]
    fig = figure("queue_latency.png", Chart(load_results(write_results(tmp_path, jobs, {"start": META["start"]}))))
    try:
        ax = fig.axes[0]
        names = [t.get_text() for t in ax.child_axes[0].get_xticklabels()]
        assert names == [f"step {i + 1}" for i in range(0, 30, 3)]  # 10 of 30 names, every stage still a line
        assert len([line for line in ax.get_lines() if line.get_linestyle() == "--"]) == 30
    finally:
        plt.close(fig)
