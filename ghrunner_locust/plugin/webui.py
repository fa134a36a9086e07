"""A "Runner pool" tab in Locust's web UI: each runner busy or idle with its job, queued jobs, latest jobs."""

from __future__ import annotations

import json
from typing import Any

from ..tracking.pool_view import pool_rows

__all__ = ["install"]

TAB = {"title": "Runner pool", "key": "runner-pool"}
TABLE = {
    "key": "runner-pool",
    "structure": [
        {"key": "runner", "title": "Runner"},
        {"key": "state", "title": "State"},
        {"key": "job", "title": "Job"},
        {"key": "queue_s", "title": "Queue (s)"},
        {"key": "execution_s", "title": "Execution (s)"},
    ],
}


def install(environment: Any, harness: Any) -> None:
    """Add the tab to the web UI and its rows to ``/stats/requests``."""
    web_ui = environment.web_ui
    if web_ui is None:
        return
    web_ui.template_args["extended_tabs"] = [*web_ui.template_args.get("extended_tabs", []), TAB]
    web_ui.template_args["extended_tables"] = [*web_ui.template_args.get("extended_tables", []), TABLE]

    from flask import request

    @web_ui.app.after_request
    def add_pool(response: Any) -> Any:
        if request.path != "/stats/requests" or response.status_code != 200:
            return response
        data = response.get_json(silent=True) or {}
        data["extended_stats"] = [*data.get("extended_stats", []), {"key": TAB["key"], "data": pool_rows(harness)}]
        response.set_data(json.dumps(data))
        return response
