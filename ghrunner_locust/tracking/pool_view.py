"""The rows of the web UI's "Runner pool" tab, from the harness's view of the pool (no Locust here)."""

from __future__ import annotations

from typing import Any

__all__ = ["pool_rows"]


def pool_rows(harness: Any) -> list[dict[str, Any]]:
    """Rows of the tab: runners (from the runners API), a queued-jobs row, then the latest finished jobs."""
    reports = [harness.report()] + (list(harness.worker_reports.values()) if harness.role == "master" else [])
    jobs = [item for r in reports for item in r.get("running_jobs", []) if item[0]]
    running = {item[0]: f"{item[1]} (run {item[2]})" for item in jobs}
    queue_s = {item[0]: item[3] for item in jobs if len(item) > 3 and item[3] is not None}  # known once it started
    rows: list[dict[str, Any]] = []
    runners = getattr(harness, "last_runners", None) or ()  # the last sample's: a page refresh costs no request
    if not runners and harness.client is not None and harness.settings is not None and harness.runners_api:
        try:
            runners = harness.client.list_runners(harness.settings.owner, harness.settings.repo).items
        except Exception:  # noqa: BLE001 - the tab must render even when the API refuses
            runners = ()
    # The runners API is read seldom (its answer changes, and counts, whenever a runner goes busy or idle): a
    # runner is busy when the tracker last read a job of this test running on it, or when that read is recent
    # and said so (a job the tracker has not read yet, or another workflow's).
    recent = harness.runners_read_age() <= 2 * harness.settings.sample_interval if harness.settings else False
    for runner in runners:
        busy = runner.online and (runner.name in running or (runner.busy and recent))
        state = "offline" if not runner.online else "busy" if busy else "idle"
        job = running.get(runner.name, "(not read yet)") if busy else ""
        queue = round(float(queue_s[runner.name]), 1) if busy and runner.name in queue_s else ""
        rows.append({"runner": runner.name, "state": state, "job": job, "queue_s": queue, "execution_s": ""})
    for name, job in running.items() if not runners else ():  # without the runners API: the tracker's view
        if name:
            rows.append({"runner": name, "state": "busy", "job": job, "queue_s": "", "execution_s": ""})
    queued = sum(r.get("queued", 0) for r in reports)
    jobs_queued = f"{queued} job{'s'[: queued != 1]} queued"
    rows.append({"runner": "(queue)", "state": jobs_queued, "job": "", "queue_s": "", "execution_s": ""})
    for record in reversed(harness.recent_jobs):
        rows.append(
            {
                "runner": record.runner_name,
                "state": f"finished {record.conclusion}",
                "job": f"{record.job_name} (run {record.run_id})",
                "queue_s": "" if record.queue_s is None else round(float(record.queue_s), 1),
                "execution_s": "" if record.execution_s is None else round(float(record.execution_s), 1),
            }
        )
    return rows
