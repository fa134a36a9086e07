"""Every body the simulator serves validates against GitHub's schemas with every ``$ref`` resolved.

A tap records each answer (endpoint, status, body) while a full flow runs: the client and raw requests over
every endpoint under both API versions, and a headless Locust test (slow). The nested components' required
fields (NESTED.md) are enforced: an unresolved ``$ref`` fails the validation instead of accepting anything.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from typing import Any

import jsonschema
import pytest
import referencing
import requests
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request

from ghrunner_locust.github import GitHubClient
from ghrunner_locust.simulator import SimConfig, Simulator
from ghrunner_locust.simulator.endpoints import URLS

from .conftest import FAST_SIM, REPO_ROOT, TOKEN, load_api_file, run_locust

WF = "runner_test.yml"
FILES = [
    "workflow-run.schema.json",
    "job.schema.json",
    "workflow.schema.json",
    "runner.schema.json",
    "rate-limit.schema.json",
    "workflow-dispatch-response.schema.json",
    "nested-components.schema.json",
]
WHOLE = {"workflow-run.schema.json": "workflow-run", "job.schema.json": "job", "workflow.schema.json": "workflow"}
# endpoint -> (component of a 2xx body, key of the listed items or None)
SCHEMA_OF = {
    "get_run": ("workflow-run", None),
    "list_runs": ("workflow-run", "workflow_runs"),
    "list_jobs": ("job", "jobs"),
    "get_job": ("job", None),
    "list_runners": ("runner", "runners"),
    "list_workflows": ("workflow", "workflows"),
    "get_workflow": ("workflow", None),
    "rate_limit": ("rate-limit-overview", None),
    "dispatch": ("workflow-dispatch-response", None),
    "registration_token": ("authentication-token", None),
    "remove_token": ("authentication-token", None),
    "run_timing": ("workflow-run-usage", None),
    "get_repo": ("minimal-repository", None),
}


def _openapi_to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 -> JSON Schema 2020-12: ``nullable`` becomes a null type; ``$ref``s stay (resolved below)."""
    if isinstance(node, list):
        return [_openapi_to_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _openapi_to_json_schema(v) for k, v in node.items() if k not in ("nullable", "example", "$comment", "format")}
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
        if "$ref" in out:
            out = {"anyOf": [{"$ref": out.pop("$ref")}, {"type": "null"}], **out}
    return out


def components() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name in FILES:
        data = load_api_file(name)
        if name in WHOLE:
            found[WHOLE[name]] = data
        else:
            found.update({k: v for k, v in data.items() if not k.startswith("$")})
    return {name: _openapi_to_json_schema(schema) for name, schema in found.items()}


COMPONENTS = components()
ROOT = referencing.Resource.from_contents(
    {"$schema": "https://json-schema.org/draft/2020-12/schema", "components": {"schemas": COMPONENTS}}
)
REGISTRY = referencing.Registry().with_resource("urn:github", ROOT)


def strict_validate(instance: Any, component: str) -> None:
    """Validate; a ``$ref`` to a component nobody transcribed raises (never 'anything goes')."""
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": f"urn:github#/components/schemas/{component}"}
    jsonschema.Draft202012Validator(schema, registry=REGISTRY).validate(instance)


class Tap:
    """WSGI middleware recording every answer: (endpoint, status, headers, decoded body)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seen: list[tuple[str, int, dict[str, str], bytes]] = []
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = int(status.split()[0]), dict(headers)
            return start_response(status, headers, exc_info)

        body = b"".join(self.app(environ, capture))
        path = Request(environ).path.removeprefix("/api/v3") or "/"
        try:
            endpoint = URLS.bind("localhost").match(path, method=environ["REQUEST_METHOD"])[0]
        except HTTPException:
            endpoint = "_sim" if path.startswith("/_sim/") else "unknown"
        decoded = gzip.decompress(body) if captured["headers"].get("Content-Encoding") == "gzip" else body
        with self.lock:
            self.seen.append((endpoint, captured["status"], captured["headers"], decoded))
        return [body]


def tapped(config: SimConfig) -> tuple[Simulator, Tap]:
    sim = Simulator(config)
    tap = Tap(sim.app)
    sim.app = tap  # type: ignore[assignment]  # the server serves whatever ``app`` is at start()
    return sim, tap


def check_all(tap: Tap) -> set[str]:
    """Validate every recorded body; return the endpoints seen with a 2xx body."""
    validated = set()
    for endpoint, status, headers, body in tap.seen:
        if endpoint == "_sim" or status in (204, 304):
            continue
        assert headers["Content-Type"] == "application/json; charset=utf-8", (endpoint, headers)
        data = json.loads(body)
        if status >= 400:
            strict_validate(data, "basic-error")
            assert data["documentation_url"].startswith("https://docs.github.com/"), data
            continue
        if endpoint == "cancel":
            assert data == {}  # 202 with an empty object
            validated.add(endpoint)
            continue
        component, key = SCHEMA_OF[endpoint]
        for item in data[key] if key else [data]:
            strict_validate(item, component)
        if key:
            assert isinstance(data["total_count"], int)
        validated.add(endpoint)
    return validated


def test_the_resolved_schemas_are_strict_and_githubs_recorded_run_passes():
    run = load_api_file("workflow-run.example.json")["value"]
    strict_validate(run, "workflow-run")
    broken = json.loads(json.dumps(run))
    del broken["actor"]["gravatar_id"], broken["repository"]["hooks_url"]
    with pytest.raises(jsonschema.ValidationError):
        strict_validate(broken, "workflow-run")
    with pytest.raises(referencing.exceptions.Unresolvable):  # a missing component is an error, not "anything"
        strict_validate({}, "no-such-component")


@pytest.mark.parametrize("version", ["2022-11-28", "2026-03-10"])
def test_every_body_of_a_full_flow_validates(version):
    sim, tap = tapped(SimConfig(**FAST_SIM))
    headers = {"Authorization": f"Bearer {TOKEN}", "X-GitHub-Api-Version": version, "Accept-Encoding": "gzip"}
    with sim:
        client = GitHubClient(sim.url, TOKEN, api_version=version)
        api = f"{sim.url}/repos/octo/runners/actions"
        runs = [client.dispatch_workflow("octo", "runners", WF, "main", {"job_count": 2, "sleep_duration": 0.3}).run_id]
        chain = {"job_count": 3, "job_type": "sequential", "sleep_duration": 0.3}
        runs.append(client.dispatch_workflow("octo", "runners", WF, "main", chain).run_id)
        body = {"ref": "main", "inputs": {"sleep_duration": "30"}}
        if version == "2022-11-28":
            body["return_run_details"] = True
        runs.append(requests.post(f"{api}/workflows/{WF}/dispatches", json=body, headers=headers).json()["workflow_run_id"])
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # poll as a tracker does, seeing jobs queued, running and done
            listed = requests.get(f"{api}/runs", params={"per_page": 2}, headers=headers)
            for run_id in runs[:2]:
                requests.get(f"{api}/runs/{run_id}", headers=headers)
                jobs = requests.get(f"{api}/runs/{run_id}/jobs", headers=headers).json()["jobs"]
                if jobs:
                    requests.get(f"{api}/jobs/{jobs[0]['id']}", headers=headers)
            done = [client.get_run("octo", "runners", r, conditional=False).completed for r in runs[:2]]
            if all(done) and listed.status_code == 200:
                break
            time.sleep(0.1)
        assert all(done)
        requests.post(f"{api}/runs/{runs[2]}/cancel", headers=headers)
        requests.post(f"{api}/runs/{runs[0]}/cancel", headers=headers)  # 409: finished
        for path in ("runners", "workflows", f"workflows/{WF}", f"runs/{runs[0]}/timing", f"runs/{runs[2]}/timing"):
            requests.get(f"{api}/{path}", headers=headers)
        requests.post(f"{api}/runners/registration-token", headers=headers)
        requests.post(f"{api}/runners/remove-token", headers=headers)
        requests.get(f"{sim.url}/rate_limit", headers=headers)
        requests.get(f"{sim.url}/repos/octo/runners", headers=headers)
        requests.get(f"{api}/runs/1", headers=headers)  # 404
        requests.post(f"{api}/workflows/{WF}/dispatches", json={"ref": "nope"}, headers=headers)  # 422
        requests.get(f"{sim.url}/api/v3/repos/octo/runners/actions/runs/{runs[1]}", headers=headers)  # GHES style
    validated = check_all(tap)
    assert validated >= set(SCHEMA_OF) - {"dispatch"} | {"cancel"}
    statuses = {status for _, status, _, _ in tap.seen}
    assert {200, 202, 404, 409, 422} <= statuses
    steps = {s["name"] for e, st, _, b in tap.seen if e == "get_job" and st == 200 for s in json.loads(b)["steps"]}
    assert steps == {"Set up job", "Sleep", "Complete job"}


@pytest.mark.slow
def test_every_body_a_headless_locust_test_receives_validates(tmp_path):
    """The harness's own traffic (tracker, users, pool view) against a tapped simulator."""
    sim, tap = tapped(SimConfig(**FAST_SIM))
    with sim:
        result = run_locust(
            [
                "-f",
                str(REPO_ROOT / "locustfiles" / "baseline.py"),
                "--headless",
                "--quick",
                "--baseline-runs",
                "3",
                "--gh-api-url",
                sim.url,
                "--gh-owner",
                "octo",
                "--gh-repo",
                "runners",
                "--results-dir",
                str(tmp_path),
            ],
            env={"GITHUB_TOKEN": TOKEN},
            timeout=150,
        )
    assert result.returncode == 0, result.stderr[-3000:]
    validated = check_all(tap)  # the harness dispatches, reads jobs when the forecast says, watches runners
    assert {"dispatch", "list_jobs", "list_runners"} <= validated, validated  # runs listings: only as a fallback
    assert sum(1 for endpoint, *_ in tap.seen if endpoint == "dispatch") >= 3
