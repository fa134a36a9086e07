"""The plugin in Locust's web UI: the start form (converted and checked like the command line), and a
"Runner pool" tab (each runner busy or idle with its job, queued jobs, latest jobs, where the report is)."""

from __future__ import annotations

import argparse
import json
import logging
from typing import Any

from ..errors import Error
from ..tracking.pool_view import pool_rows
from .form import extra_options, from_form, plugin_keys
from .planning import apply_quick

__all__ = ["install", "TAB", "TABLE"]

log = logging.getLogger("ghrunner_locust")
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
    """Add the tab, the form's fields and the start form's checks to the web UI."""
    web_ui = environment.web_ui
    if web_ui is None:
        return
    web_ui.template_args["extended_tabs"] = [*web_ui.template_args.get("extended_tabs", []), TAB]
    web_ui.template_args["extended_tables"] = [*web_ui.template_args.get("extended_tables", []), TABLE]
    _install_form(web_ui, environment, harness)

    from flask import request

    @web_ui.app.after_request
    def add_pool(response: Any) -> Any:
        if request.path != "/stats/requests" or response.status_code != 200:
            return response
        data = response.get_json(silent=True) or {}
        # Locust caches this response for a while: replace our entry, never add a second one
        others = [e for e in data.get("extended_stats", []) if e.get("key") != TAB["key"]]
        data["extended_stats"] = [*others, {"key": TAB["key"], "data": rows(harness)}]
        response.set_data(json.dumps(data))
        return response


def rows(harness: Any) -> list[dict[str, Any]]:
    """The tab's rows: the pool's, then where the last test's report is."""
    result = pool_rows(harness)
    if harness.report_path:
        row = {"runner": "(report)", "state": "written", "job": str(harness.report_path), "queue_s": "", "execution_s": ""}
        result.append(row)
    return result


def _install_form(web_ui: Any, environment: Any, harness: Any) -> None:
    from flask import jsonify, request
    from werkzeug.datastructures import ImmutableMultiDict

    original = web_ui.update_template_args

    def update_template_args() -> None:
        original()
        args = web_ui.template_args
        ours = extra_options(_as_run(harness.base_options), _shape_kind(environment))
        theirs = {k: v for k, v in (args.get("extra_options") or {}).items() if k not in harness.base_options}
        shape = next((v for k, v in ours.items() if k.startswith("Shape")), None)
        if environment.shape_class is not None and shape is not None:  # why the user count is greyed out
            kind = _shape_kind(environment) or type(environment.shape_class).__name__
            shape["help_text"] = f"{shape['help_text']}; the {kind} shape sets the users"
        args["extra_options"] = {**ours, **theirs}
        if not harness.base_options.get("gh_owner") and not harness.base_options.get("gh_repo"):
            args["missing_host_warning"] = False  # the target is the embedded simulator, not a host
            args["is_host_required"] = False

    web_ui.update_template_args = update_template_args
    # the form's fields in their groups' order, not alphabetically (the page's JSON is dumped by Jinja's tojson)
    web_ui.app.jinja_env.policies["json.dumps_kwargs"] = {"sort_keys": False}

    @web_ui.app.before_request
    def check_start_form() -> Any:
        if request.path != "/swarm" or request.method != "POST":
            return None
        form = request.form
        keys = plugin_keys(form)
        try:
            values = from_form({k: form.get(k, "") for k in keys}, harness.base_options)
            candidate = argparse.Namespace(**{**vars(environment.parsed_options), **harness.base_options, **values})
            harness.check(candidate)
        except Error as exc:
            log.error("ghrunner: %s", exc)
            return jsonify({"success": False, "message": f"ghrunner: {exc}", "host": environment.host})
        options = environment.parsed_options
        vars(options).update({**harness.base_options, **values, "ghrunner_quick_applied": False})
        request.form = ImmutableMultiDict([(k, v) for k, v in form.items(multi=True) if k not in keys])
        return None


def _as_run(base: dict[str, Any]) -> dict[str, Any]:
    """The values a test would run with, as the form shows them (``--quick`` shortens sleeps and polls)."""
    options = argparse.Namespace(**base)
    apply_quick(options)
    return vars(options)


def _shape_kind(environment: Any) -> str | None:
    shape = environment.shape_class
    return getattr(shape, "kind", None) if shape is not None else None
