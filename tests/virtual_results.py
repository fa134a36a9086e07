"""A results directory written from the simulator run in virtual time (no Locust, no waiting): test input."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ghrunner_locust.simulator import SimConfig
from ghrunner_locust.simulator.replay import run_virtual
from ghrunner_locust.tracking.records import JobRecord, RunRecord, iso
from ghrunner_locust.tracking.results import ResultsWriter


def write_virtual_results(
    directory: Path,
    config: SimConfig,
    rate_per_min: float,
    *,
    sleep_s: int = 20,
    job_count: int = 2,
    dispatches: int = 300,
    seed: int = 1,
    options: dict[str, Any] | None = None,
) -> Path:
    """Jobs and runs as the tracker would record them (whole-second timestamps), and a meta.json."""
    inputs = {"sleep_duration": str(sleep_s), "job_count": str(job_count), "job_type": "parallel"}
    state, order = run_virtual(config, rate_per_min, inputs, dispatches=dispatches, seed=seed)
    writer = ResultsWriter(directory)

    def ts(t: float | None) -> float | None:
        return None if t is None else float(math.floor(t))

    end = 0.0
    for run_id in order:
        run = state.runs[run_id]
        jobs = run.real_jobs
        for job in jobs:
            c, s, e = ts(job.created_at), ts(job.started_at), ts(job.completed_at)
            end = max(end, e or 0.0)
            writer.write(
                JobRecord(
                    run.id,
                    job.id,
                    job.name,
                    f"k{run.id}",
                    iso(run.created_at),
                    iso(c),
                    iso(s),
                    iso(e),
                    max(0.0, s - c),
                    e - s,
                    job.status,
                    job.conclusion or "",
                    job.runner_name or "",
                    "local",
                    "load",
                )
            )
        first = min(ts(j.started_at) for j in jobs)
        last = max(ts(j.completed_at) for j in jobs)
        writer.write(
            RunRecord(
                run.id,
                f"k{run.id}",
                iso(run.created_at),
                iso(ts(run.created_at)),
                iso(first),
                iso(last),
                "completed",
                run.conclusion or "",
                len(jobs),
                last - ts(run.created_at),
                first - ts(run.created_at),
                "parallel",
                float(sleep_s),
                "local",
                "load",
            )
        )
    opts = {
        "ghrunner_embedded": True,
        "sim_runners": config.runners,
        "sim_ephemeral": config.ephemeral,
        "sim_provision": config.provision_s,
        "sim_max_runners": config.max_runners,
        "job_count": job_count,
        "job_type": "parallel",
        "sleep_duration": sleep_s,
        **(options or {}),
    }
    start = state.runs[order[0]].created_at
    writer.write_meta({"scenario": "load", "target": "embedded simulator", "start": iso(start), "end": iso(end), "options": opts})
    writer.close()
    return directory
