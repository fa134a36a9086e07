"""``/_sim/``: the simulator's own endpoints (not GitHub's): ground truth, counts, live state, reset."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

if TYPE_CHECKING:
    from .app import SimApp

__all__ = ["ControlHandlers"]


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, default=str), status=status, mimetype="application/json")


class ControlHandlers:
    """Answers ``/_sim/events``, ``/_sim/truth``, ``/_sim/stats``, ``/_sim/state``, ``/_sim/config``, ``/_sim/reset``."""

    def __init__(self, app: SimApp) -> None:
        self.app = app
        self.state = app.state

    def handle(self, request: Request, path: str) -> Response:
        name = path.removeprefix("/_sim/").strip("/")
        if name == "reset" and request.method == "POST":
            self.state.reset()
            self.app._cache.clear()
            self.app.limiter.reset()
            with self.app.counts_lock:
                self.app.counts.clear()
            return _json({"reset": True})
        handler = getattr(self, f"get_{name}", None)
        if handler is None or request.method != "GET":
            return _json({"message": f"unknown simulator endpoint {path}"}, 404)
        return _json(handler(request))

    def get_events(self, request: Request) -> dict[str, Any]:
        since = int(request.args.get("since", 0))
        with self.state.lock:
            return {"events": self.state.events[since:], "next": len(self.state.events)}

    def get_truth(self, request: Request) -> dict[str, Any]:
        return {"jobs": self.state.truth()}

    def get_stats(self, request: Request) -> dict[str, Any]:
        with self.app.counts_lock:
            counts = dict(self.app.counts)
        endpoints: dict[str, dict[str, int]] = {}
        for (endpoint, kind), n in counts.items():
            endpoints.setdefault(endpoint, {"counted": 0, "not_counted": 0})[kind] = n
        return {
            "endpoints": endpoints,
            "counted": sum(v["counted"] for v in endpoints.values()),
            "not_counted": sum(v["not_counted"] for v in endpoints.values()),
        }

    def get_state(self, request: Request) -> dict[str, Any]:
        """The pool as the web UI tab shows it: runners, queued jobs, latest finished jobs."""
        now = self.state.clock.time()
        with self.state.lock:
            runners = [
                {
                    "id": r.id,
                    "name": r.name,
                    "status": r.status,
                    "busy": r.busy,
                    "job_id": r.job_id,
                    "job": self.state.jobs[r.job_id].name if r.job_id else None,
                    "run_id": self.state.jobs[r.job_id].run_id if r.job_id else None,
                }
                for r in self.state.pool.runners.values()
            ]
            finished = [j for j in self.state.jobs.values() if j.completed_at is not None and j.runner_id is not None]
            finished = sorted(finished, key=lambda j: j.completed_at or 0)[-20:]
            return {
                "time": now,
                "runners": runners,
                "provisioning": self.state.pool.provisioning,
                "queued_jobs": len(self.state.waiting),
                "running_jobs": sum(1 for j in self.state.jobs.values() if j.status == "in_progress"),
                "runs": len(self.state.runs),
                "finished": [
                    {
                        "job_id": j.id,
                        "run_id": j.run_id,
                        "name": j.name,
                        "runner": j.runner_name,
                        "queue_s": round(j.started_at - j.created_at, 3),
                        "execution_s": round(j.completed_at - j.started_at, 3),
                        "conclusion": j.conclusion,
                    }
                    for j in reversed(finished)
                ],
            }

    def get_config(self, request: Request) -> dict[str, Any]:
        config = asdict(self.state.config)
        config["tokens"] = len(config["tokens"])  # never echo accepted tokens
        return config
