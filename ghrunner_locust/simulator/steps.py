"""A job's ``steps`` as GitHub lists them: ``Set up job``, the workflow's steps, ``Complete job``.

Source: recorded job payloads (tests/data/github-api/job.example.json and GitHub's workflow_job webhook
examples): the first step is ``Set up job`` and starts at (or after) the job's ``started_at``; the last is
``Complete job``; steps not reached yet are ``queued`` with null times. A cancelled job's running step ends
``cancelled`` and the steps after it ``skipped``; ``Complete job`` still runs.
"""

from __future__ import annotations

from collections.abc import Callable

from .model import SimJob

__all__ = ["job_steps", "phase", "WORKFLOW_STEPS"]

WORKFLOW_STEPS = ("Sleep",)
"""The steps of runner_test.yml's jobs."""


def _bounds(job: SimJob, setup_s: float, teardown_s: float) -> list[tuple[str, float, float]]:
    """(name, true start, true end) of each step of a job that ran to its end."""
    start = job.started_at or 0.0
    end = start + job.duration_s
    setup_end = min(end, start + setup_s)
    work_end = max(setup_end, end - teardown_s)
    return [("Set up job", start, setup_end), (WORKFLOW_STEPS[0], setup_end, work_end), ("Complete job", work_end, end)]


def phase(job: SimJob, now: float, setup_s: float, teardown_s: float) -> int:
    """How many steps have started by ``now`` (or by the job's end): the steps list changes only with it."""
    if job.runner_id is None or job.started_at is None:
        return 0
    moment = now if job.completed_at is None else job.completed_at
    return sum(1 for _, begin, _ in _bounds(job, setup_s, teardown_s) if begin <= moment)


def job_steps(
    job: SimJob, now: float, setup_s: float, teardown_s: float, fmt: Callable[[float | None], str | None]
) -> list[dict[str, object]]:
    """The steps of ``job`` as seen at ``now``; ``fmt`` prints a time as the API does."""
    if job.runner_id is None or job.started_at is None:
        return []  # never reached a runner (queued, or cancelled while queued)
    moment = now if job.completed_at is None else job.completed_at
    cancelled = job.conclusion == "cancelled"
    steps: list[dict[str, object]] = []
    stopped = False  # a cancel ended the work step; later work steps are skipped
    for number, (name, begin, end) in enumerate(_bounds(job, setup_s, teardown_s), start=1):
        last = name == "Complete job"
        if cancelled and last:
            steps.append(_step(name, number, "completed", "success", fmt(moment), fmt(moment)))
        elif stopped:
            steps.append(_step(name, number, "completed", "skipped", None, None))
        elif begin > moment:
            steps.append(_step(name, number, "queued", None, None, None))
        elif end > moment:
            if cancelled:
                steps.append(_step(name, number, "completed", "cancelled", fmt(begin), fmt(moment)))
                stopped = True
            else:
                steps.append(_step(name, number, "in_progress", None, fmt(begin), None))
        else:
            failed = job.conclusion == "failure" and name == WORKFLOW_STEPS[-1]
            steps.append(_step(name, number, "completed", "failure" if failed else "success", fmt(begin), fmt(end)))
    return steps


def _step(
    name: str, number: int, status: str, conclusion: str | None, started: str | None, completed: str | None
) -> dict[str, object]:
    return {
        "name": name,
        "status": status,
        "conclusion": conclusion,
        "number": number,
        "started_at": started,
        "completed_at": completed,
    }
