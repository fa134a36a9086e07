"""The forecast of when a run's jobs are worth reading: pure, from the workload and GitHub's timestamps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ghrunner_locust.github.models import Job
from ghrunner_locust.tracking.forecast import EndForecast
from ghrunner_locust.tracking.runs import Dispatched, TrackedRun

T0 = 1_700_000_000.0


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(T0 + seconds, tz=UTC)


def run(run_id: int, dispatched: float, jobs: int = 2, sleep: float | None = 30.0, job_type: str = "parallel") -> TrackedRun:
    return TrackedRun(Dispatched(f"k{run_id}", T0 + dispatched, run_id, job_type, jobs, sleep), run_id)


def job(job_id: int, run_id: int, created: float, started: float | None = None, completed: float | None = None, runner="r1"):
    status = "completed" if completed is not None else "in_progress" if started is not None else "queued"
    return Job(
        job_id,
        run_id,
        f"job {job_id}",
        status,
        "success" if completed is not None else None,
        created_at=at(created),
        started_at=at(started) if started is not None else None,
        completed_at=at(completed) if completed is not None else None,
        runner_id=1 if started is not None else None,
        runner_name=runner if started is not None else None,
    )


def due(forecast: EndForecast, *runs: TrackedRun) -> list[float]:
    answer = forecast.due(runs)
    return [answer[r.run_id].at - T0 for r in runs]


def test_before_any_job_is_read_a_run_is_due_one_window_after_its_sleep():
    """Timings start at their least, so no run is read later than one window after it could have ended."""
    forecast = EndForecast(window=5.0)
    assert due(forecast, run(1, 0.0), run(2, 1.0, jobs=3, sleep=10, job_type="sequential")) == [35.0, 36.0]


def test_the_least_lead_from_dispatch_to_first_job_moves_runs_not_read_yet():
    """Clocks apart included: the least of what was seen, from the start of GitHub's whole second."""
    forecast = EndForecast(window=5.0)
    forecast.learn_lead(T0 + 0.3, at(2.0))
    assert forecast.lessons == 1 and forecast.timing.lead_s == pytest.approx(1.7)
    forecast.learn_lead(T0 + 10.0, at(13.0))
    assert forecast.lessons == 1 and forecast.timing.lead_s == pytest.approx(1.7)
    assert due(forecast, run(1, 0.0)) == [pytest.approx(36.7)]
    read = run(2, 0.0)
    read.created_at = at(1.0)  # read: its own first job's creation, not the lead
    assert due(forecast, read) == [36.5]


def test_a_run_without_a_known_sleep_is_not_forecast():
    assert EndForecast(5.0).due([run(1, 0.0, sleep=None)]) == {}


def test_overhead_and_pickup_are_learned_from_the_jobs_read():
    forecast = EndForecast(window=5.0, overhead_s=0.0)
    forecast.learn(job(1, 1, 0.0, 3.0, 35.0, runner="a"), 30.0)  # 2 s beyond the sleep
    forecast.learn(job(2, 2, 40.0, 44.0, 76.0, runner="a"), 30.0)  # runner a free at 35, job created at 40: 4 s
    forecast.learn(job(3, 3, 70.0, 80.0, 112.0, runner="a"), 30.0)  # waited for the runner until 76: 4 s
    assert (forecast.timing.overhead_s, forecast.timing.pickup_s) == (2.0, 4.0)
    assert due(forecast, run(9, 200.0, jobs=1)) == [200.0 + 32.0 + 5.0]


def test_a_job_known_started_is_read_just_after_its_end():
    forecast = EndForecast(window=5.0, overhead_s=0.0)
    tracked = run(1, 0.0, jobs=2)
    tracked.jobs = {1: job(1, 1, 0.0, 2.0), 2: job(2, 1, 0.0, 3.0, 33.0)}
    tracked.jobs_read_at = T0 + 20.0
    assert due(forecast, tracked) == [2.0 + 30.0 + forecast.stamp_s]


def test_a_job_still_queued_when_read_is_due_no_sooner_than_its_sleep_after_that_read():
    forecast = EndForecast(window=5.0, overhead_s=0.0)
    tracked = run(1, 0.0, jobs=1)
    tracked.jobs = {1: job(1, 1, 0.0)}
    tracked.jobs_read_at = T0 + 40.0
    assert due(forecast, tracked) == [40.0 + 30.0 + 5.0]


@pytest.mark.parametrize("runners, second", [(None, 36.0), (4, 36.0), (2, 30.0 + 30.0 + 5.0)])
def test_queued_jobs_wait_for_the_first_runner_to_free(runners, second):
    """Two runs of 2 jobs: on 2 runners the second run's jobs start when the first run's end."""
    forecast = EndForecast(window=5.0, overhead_s=0.0, runners=runners)
    assert due(forecast, run(1, 0.0), run(2, 1.0)) == [35.0, second]


def test_recently_finished_jobs_hold_their_runners_until_they_ended():
    forecast = EndForecast(window=5.0, overhead_s=0.0, runners=1)
    forecast.learn(job(1, 1, 0.0, 0.0, 50.0), 50.0)
    assert due(forecast, run(2, 10.0, jobs=1)) == [50.5 + 30.0 + 5.0]  # 50 s is any time in that second


def test_no_job_is_expected_to_start_sooner_than_the_least_pickup_seen():
    forecast = EndForecast(window=5.0, overhead_s=0.0)
    for n in range(40):  # one runner, a job every 100 s: pickups 2 s, 3 s, ... 40 s
        start = n * 100.0
        forecast.learn(job(n, n, start, start + n + 1, start + n + 1 + 30, runner="a"), 30.0)
    assert forecast.timing.least_pickup_s == 3.0  # the 5th percentile of 2..40 (the first job has no runner gap)
    assert due(forecast, run(99, 10_000.0, jobs=1)) == [10_000.0 + 3.0 + 30.0 + 5.0]


def test_live_rows_read_a_long_job_one_window_after_it_could_have_started():
    forecast = EndForecast(window=5.0, overhead_s=0.0)
    long, short = run(1, 0.0, jobs=1, sleep=30.0), run(2, 0.0, jobs=1, sleep=3.0)
    answers = [forecast.due([r], live=True)[r.run_id] for r in (long, short)]
    assert [(a.at - T0, a.ends) for a in answers] == [(5.0, False), (3.0 + 5.0, True)]
    long.jobs, long.started, long.jobs_read_at = {1: job(1, 1, 0.0, 2.0)}, {1}, T0 + 5.0
    then = forecast.due([long], live=True)[1]
    assert (then.at - T0, then.ends) == (2.0 + 30.0 + forecast.stamp_s, True)  # then read at its end


def test_memory_stays_bounded_with_ephemeral_runners():
    forecast = EndForecast(window=5.0)
    for n in range(3 * forecast.runner_names):
        forecast.learn(job(n, n, n, n + 1.0, n + 2.0, runner=f"ephemeral-{n}"), 1.0)
    assert len(forecast._runner_free) == forecast.runner_names and len(forecast._ends) <= 1000
