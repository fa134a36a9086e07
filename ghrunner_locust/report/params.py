"""The test's parameters, from ``meta.json`` (and ``samples.csv`` for the users that really ran)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .load import Results

__all__ = ["parameters"]


def _stages(meta: dict[str, Any]) -> list[dict[str, Any]]:
    """The plan's stages: ``meta["plan"]["stages"]`` where the harness wrote them, else the forecast's."""
    plan = meta.get("plan")
    if isinstance(plan, dict) and isinstance(plan.get("stages"), list):
        keys = ("name", "duration_s", "users", "rate_per_min", "job_count", "runners")
        return [{k: s.get(k) for k in keys if s.get(k) is not None} for s in plan["stages"] if isinstance(s, dict)]
    return [
        {"name": e.get("stage"), "rate_per_min": round(float(e["dispatches_per_min"]), 3)}
        for e in meta.get("expected") or []
        if isinstance(e, dict) and e.get("dispatches_per_min") is not None
    ]


def parameters(results: Results) -> dict[str, Any]:
    """Locustfile, shape, users and rate, workload, target and runners of the test (``None`` where unknown)."""
    meta = results.meta
    options = meta.get("options") or {}
    embedded = meta.get("target") == "embedded simulator"
    users = pd.to_numeric(results.samples["users"], errors="coerce").dropna() if len(results.samples) else pd.Series()
    shape = meta.get("shape")
    if isinstance(shape, dict):
        shape = shape.get("class") or shape.get("kind")
    inputs = options.get("gh_inputs")
    out: dict[str, Any] = {
        "locustfile": options.get("locustfile"),
        "scenario_file": options.get("scenario"),
        "shape": shape or options.get("shape") or meta.get("scenario"),
        "quick": bool(options.get("quick")),
        "users_max": int(users.max()) if len(users) else options.get("shape_users"),
        "rate_per_min": options.get("shape_rate"),
        "stages": _stages(meta),
        "workload": {
            "sleep_s": options.get("sleep_duration"),
            "job_count": options.get("job_count"),
            "job_type": options.get("job_type"),
            "inputs": inputs if inputs not in (None, "", "{}") else None,
        },
        "target": meta.get("target"),
        "repository": f"{meta['owner']}/{meta['repo']}" if meta.get("owner") and meta.get("repo") else None,
        "workflow": meta.get("workflow"),
        "runners_configured": options.get("runners") or (options.get("sim_runners") if embedded else None),
        "ephemeral": bool(options.get("sim_ephemeral")) if embedded else None,
        "max_runners": options.get("sim_max_runners") if embedded else None,
        "ecs_service": options.get("ecs_service"),
        "workers": meta.get("workers"),
    }
    return out
