"""``/_sim/``: the simulator's own endpoints (not GitHub's): ground truth, counts, live state, reset.

Reading is open; ``POST /_sim/reset`` changes state, so it needs an accepted token when the simulator was
given tokens. Bad parameters are 422, never a 500.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from werkzeug.wrappers import Request, Response

from .model import SimError
from .state import SimState

__all__ = ["ControlHandlers"]


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, default=str), status=status, content_type="application/json; charset=utf-8")


class ControlHandlers:
    """Answers ``/_sim/events``, ``/_sim/truth``, ``/_sim/stats``, ``/_sim/state``, ``/_sim/config``, ``/_sim/reset``.

    ``reset`` forgets everything, ``stats`` gives request counts per (endpoint, counted|not_counted) and
    ``authorized`` tells whether a request carries an accepted token (callables, so this module knows no app).
    """

    def __init__(
        self,
        state: SimState,
        *,
        reset: Callable[[], None],
        stats: Callable[[], dict[tuple[str, str], int]],
        authorized: Callable[[Request], bool],
    ) -> None:
        self.state = state
        self._reset = reset
        self._stats = stats
        self._authorized = authorized

    def handle(self, request: Request, path: str) -> Response:
        name = path.removeprefix("/_sim/").strip("/")
        if name == "reset" and request.method == "POST":
            if self.state.config.tokens and not self._authorized(request):
                message = "POST /_sim/reset needs one of the simulator's tokens (Authorization: Bearer TOKEN)"
                return _json({"message": message}, 401)
            self._reset()
            return _json({"reset": True})
        handler = getattr(self, f"get_{name}", None)
        if handler is None or request.method != "GET":
            return _json({"message": f"unknown simulator endpoint {request.method} {path}"}, 404)
        try:
            return _json(handler(request))
        except SimError as exc:
            return _json({"message": exc.message}, exc.status)

    def get_events(self, request: Request) -> dict[str, Any]:
        text = request.args.get("since", "0")
        if not text.isdigit():
            raise SimError(422, f"since={text!r}: expected a non-negative integer (the 'next' of the previous answer)")
        since = int(text)
        with self.state.lock:
            return {"events": self.state.events[since:], "next": len(self.state.events)}

    def get_truth(self, request: Request) -> dict[str, Any]:
        return {"jobs": self.state.truth()}

    def get_stats(self, request: Request) -> dict[str, Any]:
        endpoints: dict[str, dict[str, int]] = {}
        for (endpoint, kind), n in self._stats().items():
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
