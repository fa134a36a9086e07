"""The Runner pool tab's rows: the runners API read seldom, the tracker's running jobs, the latest jobs."""

from __future__ import annotations

from types import SimpleNamespace

from ghrunner_locust.github.models import Runner
from ghrunner_locust.tracking.pool_view import pool_rows


def harness(read_age: float, busy_by_api: set[str], running: list[list[object]]) -> SimpleNamespace:
    runners = [Runner(n, f"r{n}", "online", f"r{n}" in busy_by_api) for n in (1, 2, 3)]
    report = {"running_jobs": running, "queued": 2}
    return SimpleNamespace(
        report=lambda: report,
        role="local",
        worker_reports={},
        last_runners=runners,
        client=None,
        settings=SimpleNamespace(sample_interval=10.0),
        runners_api=True,
        runners_read_age=lambda: read_age,
        recent_jobs=[],
    )


def states(rows: list[dict[str, object]]) -> dict[object, tuple[object, object]]:
    return {r["runner"]: (r["state"], r["job"]) for r in rows}


def test_a_runner_the_tracker_saw_running_a_job_is_busy_however_old_the_runners_read():
    """The runners API is read every 5 minutes: its old 'idle' must not hide the jobs running now."""
    rows = pool_rows(harness(250.0, set(), [["r2", "job 1", 7, 3.0]]))
    assert states(rows) == {
        "r1": ("idle", ""),
        "r2": ("busy", "job 1 (run 7)"),
        "r3": ("idle", ""),
        "(queue)": ("2 jobs queued", ""),
    }
    assert rows[1]["queue_s"] == 3.0


def test_the_runners_api_says_busy_only_while_its_read_is_recent():
    fresh = states(pool_rows(harness(5.0, {"r3"}, [])))
    stale = states(pool_rows(harness(250.0, {"r3"}, [])))
    assert fresh["r3"] == ("busy", "(not read yet)") and stale["r3"] == ("idle", "")
