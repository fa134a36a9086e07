"""The web UI in a real browser: Chromium from Debian driven by Playwright, against the embedded simulator.

START with the form as it opens, the JOB rows, the Runner pool tab against ``/_sim/state``, STOP and the
report, NEW and START again into a second results directory. Screenshots of each step in the test's folder.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
import requests

from .conftest import REPO_ROOT
from .weblocust import web_locust

pytestmark = pytest.mark.slow
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed at /usr/bin/chromium (.ci/run installs it)")
        pytest.skip("Chromium is not installed (apt-get install chromium; .ci/run does it)")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


def pool_table(page) -> dict[str, list[str]]:
    rows = page.locator("table tbody tr").all_inner_texts()
    table: dict[str, list[str]] = {}
    for row in rows:
        cells = [c.strip() for c in row.split("\t")]
        table.setdefault(cells[0], cells[1:])
    return table


def agrees_with_sim(page, sim_url: str) -> tuple[bool, str]:
    state = requests.get(f"{sim_url}/_sim/state", timeout=5).json()
    table = pool_table(page)
    truth = {r["name"]: ("busy" if r["busy"] else "idle") for r in state["runners"]}
    seen = {name: cells[0] for name, cells in table.items() if name in truth}
    queued = table.get("(queue)", [""])[0]
    ok = seen == truth and queued == f"{state['queued_jobs']} job{'s'[: state['queued_jobs'] != 1]} queued"
    for r in state["runners"]:
        job = table.get(r["name"], ["", ""])[1]
        if r["busy"] and job not in ("(not read yet)", f"{r['job']} (run {r['run_id']})", ""):
            ok = False
    return ok, f"page {table} / sim {truth}, {state['queued_jobs']} queued"


@pytest.mark.parametrize("kind", ["baseline", "load"])
def test_start_pool_stop_report_new_start_in_chromium(browser, tmp_path, kind):
    results = tmp_path / "results"
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with web_locust(str(REPO_ROOT / "locustfiles" / f"{kind}.py"), tmp_path, "--quick", "--results-dir", str(results)) as web:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(web.url)
        page.get_by_text("Custom parameters").click()
        page.wait_for_timeout(800)  # the accordion opens
        page.screenshot(path=shots / "1-form.png", full_page=True)
        assert "%(default)s" not in page.content()
        page.get_by_role("button", name="Start").click()  # the form untouched
        page.get_by_text("queue latency").first.wait_for(timeout=60_000)
        page.screenshot(path=shots / "2-running.png", full_page=True)

        page.get_by_role("tab", name="Runner pool").click()
        sim_url = web.sim_url()
        deadline, agreed, why, busy_agreed = time.monotonic() + 30, False, "", False
        while time.monotonic() < deadline and not (agreed and (busy_agreed or kind == "baseline")):
            page.wait_for_timeout(500)
            agreed, why = agrees_with_sim(page, sim_url)
            busy_agreed |= agreed and "busy" in why.split(" / ")[0]  # a busy runner shown while it is busy
        page.screenshot(path=shots / "3-runner-pool.png", full_page=True)
        assert agreed and (busy_agreed or kind == "baseline"), why

        page.get_by_role("button", name="Stop").click()
        page.get_by_text("(report)").wait_for(timeout=90_000)
        page.screenshot(path=shots / "4-stopped.png", full_page=True)
        report = Path(pool_table(page)["(report)"][1])
        assert report.exists() and report.parent.parent == results
        meta = json.loads((report.parent / "meta.json").read_text())
        assert meta["end"] and meta["records"]["jobs.csv"] >= 1

        runs_first = requests.get(f"{sim_url}/_sim/state", timeout=5).json()["runs"]
        page.get_by_role("button", name="New").click()
        page.screenshot(path=shots / "5-new.png", full_page=True)
        page.get_by_role("button", name="Start").click()
        deadline = time.monotonic() + 30
        while len([d for d in results.iterdir() if d.is_dir()]) < 2 and time.monotonic() < deadline:
            time.sleep(0.3)
        page.get_by_text("RUNNING").first.wait_for(timeout=30_000)
        while requests.get(f"{sim_url}/_sim/state", timeout=5).json()["runs"] == runs_first and time.monotonic() < deadline:
            time.sleep(0.3)  # the second test dispatches: its shape built its plan anew
        assert requests.get(f"{sim_url}/_sim/state", timeout=5).json()["runs"] > runs_first
        page.screenshot(path=shots / "6-second-test.png", full_page=True)

        first_runs = {f"(run {line.split(',')[0]})" for line in (report.parent / "runs.csv").read_text().splitlines()[1:]}
        page.get_by_role("tab", name="Runner pool").click()
        deadline, stale = time.monotonic() + 10, ["not looked"]
        while stale and time.monotonic() < deadline:  # the tab shows the second test, not the first one's rows
            page.wait_for_timeout(500)
            rows = page.locator("table tbody tr").all_inner_texts()  # every row: finished jobs share runner names
            stale = [row for row in rows if row.startswith("(report)") or any(r in row for r in first_runs)]
        page.screenshot(path=shots / "7-second-test-pool.png", full_page=True)
        assert not stale, stale
        page.close()
    second = sorted(d for d in results.iterdir() if d.is_dir() and d != report.parent)
    assert len(second) == 1, list(results.iterdir())
    assert json.loads((second[0] / "meta.json").read_text())["end"]  # SIGTERM ended it with its report
    assert (second[0] / "report.html").exists()
    assert web.process.returncode == 0, web.text()[-3000:]
    assert "Traceback" not in web.text()
    if os.environ.get("GHRUNNER_DOCS_SCREENSHOT") and kind == "load":  # docs/runner-pool.png was taken so
        shutil.copy(shots / "3-runner-pool.png", REPO_ROOT / "docs" / "runner-pool.png")


def test_a_refused_start_is_shown_in_the_form(browser, tmp_path):
    results = tmp_path / "results"
    with web_locust(str(REPO_ROOT / "locustfiles" / "baseline.py"), tmp_path, "--quick", "--results-dir", str(results)) as web:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(web.url)
        page.get_by_text("Custom parameters").click()
        page.get_by_label("Workload · seconds each job sleeps (--sleep-duration)").fill("nan")
        page.get_by_role("button", name="Start").click()
        page.get_by_text("--sleep-duration must be a finite number (got 'nan')").wait_for(timeout=10_000)
        page.screenshot(path=tmp_path / "refused.png", full_page=True)
        assert web.get("/stats/requests")["state"] == "ready"
        page.close()
    assert not results.exists() or not any(results.iterdir())
    assert "embedded GitHub Actions simulator" not in web.text()
