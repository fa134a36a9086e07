"""The plugin in Locust's web UI, over HTTP: the start form's values, a refused start, the Runner pool entry."""

from __future__ import annotations

import json
import re
import threading
import time

import pytest
import requests

from .conftest import REPO_ROOT
from .weblocust import web_locust

pytestmark = pytest.mark.slow
BASELINE = str(REPO_ROOT / "locustfiles" / "baseline.py")
SLEEP = "Workload · seconds each job sleeps"


def pool_entries(web) -> list[dict]:
    return [e for e in web.get("/stats/requests").get("extended_stats", []) if e["key"] == "runner-pool"]


def test_a_refused_start_says_why_in_the_page_and_starts_nothing(tmp_path):
    results = tmp_path / "results"
    with web_locust(BASELINE, tmp_path, "--quick", "--results-dir", str(results)) as web:
        page = requests.get(web.url + "/", timeout=10).text
        # the form shows what the test runs with: --quick's 2 s sleeps, no simulator knob, no expert option
        assert re.search(r'seconds each job sleeps": \{"default_value": "2.0"', page), page[:2000]
        assert "sim_pickup" not in page and "jobs_refresh" not in page and "%(default)s" not in page
        answer = web.post("/swarm", {"user_count": "0", "spawn_rate": "0", SLEEP: "nan"})
        assert answer["success"] is False
        assert answer["message"] == "ghrunner: --sleep-duration must be a finite number (got 'nan')"
        answer = web.post("/swarm", {"user_count": "0", "spawn_rate": "0", "shape_rate": "0"})
        assert answer["success"] is False and answer["message"] == "ghrunner: --shape-rate must be above 0 (got 0)"
        answer = web.post("/swarm", {"user_count": "0", "spawn_rate": "0", "Tracking · results folder": "/proc/x"})
        assert answer["success"] is False and "--results-dir /proc/x: cannot write there" in answer["message"]
        time.sleep(1)
        assert web.get("/stats/requests")["state"] == "ready"
        log = web.text()
        assert "embedded GitHub Actions simulator" not in log and "Traceback" not in log
        assert log.count("ghrunner: --sleep-duration must be a finite number") == 1
        assert "ghrunner: --sleep-duration must be a finite number" in str(web.get("/logs"))  # the Logs tab
        assert not results.exists() or not any(results.iterdir())


def test_empty_fields_and_old_option_names_start_a_test_and_one_runner_pool_entry_always(tmp_path):
    results = tmp_path / "results"
    with web_locust(BASELINE, tmp_path, "--quick", "--results-dir", str(results)) as web:
        form = {"user_count": "0", "spawn_rate": "0", SLEEP: "", "Tracking · runners in the pool, for the expected numbers": ""}
        form.update({"sim_max_runners": "", "sim_scale_up_delay": "", "sim_seed": "", "check_queue_p95": "120"})
        assert web.post("/swarm", form)["success"] is True
        web.sim_url()
        counts = []
        for _ in range(10):
            counts.append(len(pool_entries(web)))
            time.sleep(0.3)
        assert counts == [1] * 10
        web.post("/stop")
        deadline = time.monotonic() + 60
        while "ghrunner: report in" not in web.text() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert "ghrunner: report in" in web.text(), web.text()[-3000:]
    (directory,) = [d for d in results.iterdir() if d.is_dir()]
    assert (directory / "report.html").exists() and (directory / "summary.json").exists()
    assert "Traceback" not in web.text()
    assert web.process.returncode == 0, web.text()[-2000:]


def test_new_after_a_baseline_that_ended_by_itself_runs_a_whole_second_test(tmp_path):
    """Locust ticks a shape once before ``test_start``: the first test's counts must not end the second."""
    results = tmp_path / "results"
    args = ("--quick", "--baseline-runs", "1", "--sleep-duration", "1", "--results-dir", str(results))
    with web_locust(BASELINE, tmp_path, *args) as web:
        for test in (1, 2):
            assert web.post("/swarm", {"user_count": "0", "spawn_rate": "0"})["success"] is True
            deadline = time.monotonic() + 90
            while web.text().count("ghrunner: report in") < test and time.monotonic() < deadline:
                time.sleep(0.5)
            assert web.text().count("ghrunner: report in") == test, web.text()[-3000:]
            assert web.get("/stats/requests")["state"] == "stopped"
        truth = requests.get(web.sim_url() + "/_sim/truth", timeout=5).json()["jobs"]
    directories = sorted(d for d in results.iterdir() if d.is_dir())
    assert len(directories) == 2
    for directory in directories:  # each test dispatched its one run and recorded its job
        assert json.loads((directory / "meta.json").read_text())["records"]["jobs.csv"] == 1
    assert len(truth) == 2
    assert "Traceback" not in web.text()


def test_stop_just_before_the_shape_ends_drains_once_and_records_every_run(tmp_path):
    """STOP, then the shape's own end during the drain: Locust calls ``stop`` twice. The report must wait
    for the one drain (it was written mid-drain, the tracker then wrote to closed files and lost runs)."""
    results = tmp_path / "results"
    args = ("--quick", "--shape-rate", "40", "--shape-duration", "8", "--sleep-duration", "6", "--results-dir", str(results))
    with web_locust(str(REPO_ROOT / "locustfiles" / "load.py"), tmp_path, *args) as web:
        assert web.post("/swarm", {"user_count": "0", "spawn_rate": "0"})["success"] is True
        time.sleep(6.0)  # STOP 2 s before the shape ends by itself, with runs in flight
        stopper = threading.Thread(target=lambda: requests.post(web.url + "/stop", timeout=120))
        stopper.start()
        deadline = time.monotonic() + 90
        while "ghrunner: report in" not in web.text() and time.monotonic() < deadline:
            time.sleep(0.5)
        stopper.join(30)
        created = requests.get(web.sim_url() + "/_sim/state", timeout=5).json()["runs"]
    log = web.text()
    assert "Shape test stopping" in log, log[-3000:]  # the shape did end during the drain
    assert "Uncaught exception" not in log and "Traceback" not in log, log[-3000:]
    (directory,) = [d for d in results.iterdir() if d.is_dir()]
    runs = (directory / "runs.csv").read_text().strip().splitlines()[1:]
    assert len(runs) == created > 0
    assert json.loads((directory / "meta.json").read_text())["records"]["runs.csv"] == len(runs)


def test_the_web_form_refuses_a_plan_beyond_githubs_limits_as_headless_does(tmp_path):
    with web_locust(str(REPO_ROOT / "locustfiles" / "load.py"), tmp_path, "--quick", "--results-dir", str(tmp_path / "r")) as web:
        assert "run beyond the limits of one token" in requests.get(web.url + "/", timeout=10).text
        answer = web.post("/swarm", {"user_count": "0", "spawn_rate": "0", "Shape · dispatches a minute, open loop": "1e12"})
        assert answer["success"] is False, answer
        assert "exceeds GitHub's limits for one token" in answer["message"] and "--force" in answer["message"]
        time.sleep(1)
        assert web.get("/stats/requests")["state"] == "ready"
