"""The simulator on the wire as api.github.com: keep-alive, gzip, charset, weak ETags, API versions, error bodies,
garbage input, /_sim/ protection, limits that GitHub applies (or not) and faults after the handler acted."""

from __future__ import annotations

import gzip
import http.client
import json
import time

import pytest
import requests

from ghrunner_locust.simulator import Faults, SimConfig, Simulator
from ghrunner_locust.simulator.endpoints import DOCS

from .conftest import FAST_SIM, TOKEN

WF = "runner_test.yml"
H = {"Authorization": f"Bearer {TOKEN}"}
DISPATCH = "/repos/octo/runners/actions/workflows/runner_test.yml/dispatches"
O_R_DISPATCH = "/repos/o/r/actions/workflows/runner_test.yml/dispatches"


def raw(sim, method, path, body=None, headers=None):
    """One request on a fresh http.client connection (no Accept-Encoding unless given)."""
    conn = http.client.HTTPConnection(sim.host, int(sim.url.rsplit(":", 1)[1]), timeout=10)
    try:
        conn.request(method, path, body=body, headers={**H, **(headers or {})})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def dispatch(sim, **inputs):
    body = {"ref": "main", "return_run_details": True, "inputs": {"sleep_duration": "0.2", **inputs}}
    return requests.post(sim.url + DISPATCH, json=body, headers=H).json()["workflow_run_id"]


def test_connections_are_kept_alive_across_requests(sim):
    conn = http.client.HTTPConnection(sim.host, int(sim.url.rsplit(":", 1)[1]), timeout=10)
    try:
        for _ in range(5):
            conn.request("GET", "/repos/octo/runners/actions/runners", headers=H)
            response = conn.getresponse()
            assert response.status == 200 and response.getheader("Connection") != "close"
            response.read()
            sock = conn.sock
            assert sock is not None  # http.client drops its socket when the server asks to close
        etag = response.getheader("ETag")
        conn.request("GET", "/repos/octo/runners/actions/runners", headers={**H, "If-None-Match": etag})
        response = conn.getresponse()
        response.read()
        assert response.status == 304 and conn.sock is sock  # bodyless answers keep the connection too
        conn.request("POST", DISPATCH, body=json.dumps({"ref": "main"}), headers=H)
        response = conn.getresponse()
        response.read()
        assert response.status == 204 and conn.sock is sock
        conn.request("GET", "/rate_limit", headers=H)
        assert conn.getresponse().status == 200 and conn.sock is sock
    finally:
        conn.close()


def test_gzip_on_request_and_charset(sim):
    for _ in range(12):
        dispatch(sim)
    status, headers, body = raw(sim, "GET", "/repos/octo/runners/actions/runs", headers={"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in headers["Vary"]
    runs = json.loads(gzip.decompress(body))
    assert runs["total_count"] == 12
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    status, headers, body = raw(sim, "GET", "/repos/octo/runners/actions/runs")
    plain = json.loads(body)  # the same listing uncompressed (runs move on meanwhile: compare which runs)
    assert "Content-Encoding" not in headers
    assert [r["id"] for r in plain["workflow_runs"]] == [r["id"] for r in runs["workflow_runs"]]


def test_weak_etags_answer_304_and_do_not_count(sim):
    url = f"{sim.url}/repos/octo/runners/actions/runners"
    first = requests.get(url, headers=H)
    etag = first.headers["ETag"]
    assert etag.startswith('W/"') and etag.endswith('"')
    used = int(first.headers["x-ratelimit-used"])
    for tag in (etag, etag.removeprefix("W/"), f'"other", {etag}'):  # weak comparison, lists
        again = requests.get(url, headers={**H, "If-None-Match": tag})
        assert again.status_code == 304 and again.headers["ETag"] == etag
        assert int(again.headers["x-ratelimit-used"]) == used
    assert requests.get(url, headers={**H, "If-None-Match": 'W/"stale"'}).status_code == 200


def test_api_versions_selected_and_unsupported_ones_refused(sim):
    assert requests.get(f"{sim.url}/rate_limit", headers=H).headers["x-github-api-version-selected"] == "2022-11-28"
    newest = requests.get(f"{sim.url}/rate_limit", headers={**H, "X-GitHub-Api-Version": "2026-03-10"})
    assert newest.headers["x-github-api-version-selected"] == "2026-03-10"
    refused = requests.get(f"{sim.url}/rate_limit", headers={**H, "X-GitHub-Api-Version": "v3"})
    assert refused.status_code == 400
    message = refused.json()["message"]
    assert '"v3", is not a supported version' in message and '"2022-11-28"' in message


def test_errors_carry_the_endpoints_own_documentation_url(sim):
    wrong_ref = requests.post(sim.url + DISPATCH, json={"ref": "nope"}, headers=H)
    assert wrong_ref.status_code == 422 and wrong_ref.json()["documentation_url"] == DOCS["dispatch"]
    missing = requests.get(f"{sim.url}/repos/octo/runners/actions/runs/1", headers=H)
    assert missing.status_code == 404 and missing.json()["documentation_url"] == DOCS["get_run"]
    bad_page = requests.get(f"{sim.url}/repos/octo/runners/actions/runs", params={"per_page": "x"}, headers=H)
    assert bad_page.status_code == 422 and bad_page.json()["documentation_url"] == DOCS["list_runs"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"[" * 100_000, 400),  # deeply nested: once a RecursionError and a 500
        (b"\xff\xfe\xfa\x00{}", 400),  # not UTF-8
        (b"[]", 400),  # JSON, not an object
        (b'"ref"', 400),
        (b"{not json", 400),
        (b" " * (1024 * 1024) + b'{"ref": "main"}', 413),  # above the body limit
    ],
)
def test_garbage_bodies_are_4xx_never_500(sim, body, status):
    code, headers, answer = raw(sim, "POST", DISPATCH, body=body, headers={"Content-Type": "application/json"})
    assert code == status
    error = json.loads(answer)
    assert error["status"] == str(status) and error["documentation_url"] == DOCS["dispatch"]
    assert not sim.state.runs


def test_a_10_mb_body_is_413_with_or_without_content_length(sim):
    big = b"{" + b" " * 10_000_000 + b"}"
    assert requests.post(sim.url + DISPATCH, data=big, headers=H).status_code == 413
    chunked = requests.post(sim.url + DISPATCH, data=iter([big[:5_000_000], big[5_000_000:]]), headers=H)
    assert chunked.status_code == 413
    assert not sim.state.runs


def test_sim_endpoints_refuse_bad_parameters_with_422(sim):
    for since in ("abc", "-1", "1.5"):
        answer = requests.get(f"{sim.url}/_sim/events", params={"since": since})
        assert answer.status_code == 422 and "since" in answer.json()["message"]
    assert requests.get(f"{sim.url}/_sim/events", params={"since": "0"}).status_code == 200


def test_sim_reset_needs_the_simulators_token_when_it_has_tokens():
    with Simulator(SimConfig(**FAST_SIM, tokens=("secret-1",))) as sim:
        requests.post(sim.url + DISPATCH, json={"ref": "main"}, headers={"Authorization": "Bearer secret-1"})
        assert requests.post(f"{sim.url}/_sim/reset").status_code == 401
        assert requests.post(f"{sim.url}/_sim/reset", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert len(sim.state.runs) == 1  # nothing wiped
        answer = requests.post(f"{sim.url}/_sim/reset", headers={"Authorization": "Bearer secret-1"})
        assert answer.json() == {"reset": True} and not sim.state.runs


def test_rate_limit_answers_when_the_budget_is_spent_and_is_not_counted():
    with Simulator(SimConfig(**FAST_SIM, primary_limit=3)) as sim:
        runners = f"{sim.url}/repos/o/r/actions/runners"
        assert [requests.get(runners, headers=H).status_code for _ in range(4)] == [200, 200, 200, 403]
        for _ in range(3):
            limits = requests.get(f"{sim.url}/rate_limit", headers=H)
            assert limits.status_code == 200
            assert limits.json()["resources"]["core"] == {**limits.json()["rate"], "remaining": 0, "used": 3, "limit": 3}


@pytest.mark.parametrize(("share", "has_retry_after"), [(0.0, True), (1.0, False)])
def test_secondary_limit_refusals_with_and_without_retry_after(share, has_retry_after):
    config = SimConfig(**FAST_SIM, secondary_per_minute=1, no_retry_after_share=share, limited_status=429)
    with Simulator(config) as sim:
        assert requests.post(sim.url + O_R_DISPATCH, json={"ref": "main"}, headers=H).ok
        refused = requests.post(sim.url + O_R_DISPATCH, json={"ref": "main"}, headers=H)
        assert refused.status_code == 429 and "secondary rate limit" in refused.json()["message"]
        assert ("retry-after" in refused.headers) is has_retry_after
        assert refused.headers["x-ratelimit-remaining"] != "0"  # the client's only rule left: wait at least a minute


def test_after_handler_faults_lose_the_answer_but_the_run_exists():
    faults = {"dispatch": Faults(error_after_rate=1.0), "cancel": Faults(drop_after_rate=1.0)}
    with Simulator(SimConfig(**FAST_SIM, faults=faults)) as sim:
        answer = requests.post(sim.url + O_R_DISPATCH, json={"ref": "main"}, headers=H)
        assert answer.status_code == 502
        assert len(sim.state.runs) == 1  # the run was created before the 502
        run_id = next(iter(sim.state.runs))
        with pytest.raises(requests.ConnectionError):
            requests.post(f"{sim.url}/repos/o/r/actions/runs/{run_id}/cancel", headers=H)
        assert sim.state.runs[run_id].cancel_requested_at is not None  # the cancel took effect
        refused = requests.post(sim.url + O_R_DISPATCH, json={"ref": "x"}, headers=H)
        assert refused.status_code == 422  # nothing acted, nothing lost: the real answer


def test_faults_before_the_handler_create_nothing():
    with Simulator(SimConfig(**FAST_SIM, faults={"*": Faults(drop_rate=1.0)})) as sim:
        with pytest.raises(requests.ConnectionError):
            requests.post(sim.url + O_R_DISPATCH, json={"ref": "main"}, headers=H)
        assert not sim.state.runs


def test_run_timing(sim):
    run_id = dispatch(sim)
    timing = requests.get(f"{sim.url}/repos/octo/runners/actions/runs/{run_id}/timing", headers=H)
    assert timing.status_code == 200
    assert timing.json()["billable"] == {} and timing.json()["run_duration_ms"] >= 0
    assert requests.get(f"{sim.url}/repos/octo/runners/actions/runs/1/timing", headers=H).status_code == 404


def test_run_and_workflow_values_as_github_has_them(sim):
    before = time.time()
    run_id = dispatch(sim)
    run = requests.get(f"{sim.url}/repos/octo/runners/actions/runs/{run_id}", headers=H).json()
    assert run["path"] == ".github/workflows/runner_test.yml"
    assert run["actor"]["type"] == "User" and run["actor"]["avatar_url"].startswith("https://")
    assert run["triggering_actor"] == run["actor"] and run["repository"]["owner"]["login"] == "octo"
    workflow = requests.get(f"{sim.url}/repos/octo/runners/actions/workflows/{WF}", headers=H).json()
    assert workflow["created_at"] != "2026-01-01T00:00:00Z"
    assert workflow["created_at"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(sim.state.started_at)))
    assert sim.state.started_at <= before


GARBAGE_QUERIES = [
    "per_page=abc",
    "page=-5",
    "per_page=1e9",
    "created=yesterday",
    "created=>=2026-13-45",
    "status=%ff",
    "since=abc",
]
GARBAGE_BODIES = [b"[" * 100_000, b"\xff\xfe", b"null", b"{}", b'{"ref": 5}', b'{"ref": "main", "inputs": [1]}']


def test_no_endpoint_answers_500_to_garbage(sim):
    """Every route, GitHub's and /_sim/'s, with odd query strings and bodies: 4xx or success, never a 5xx."""
    run_id = dispatch(sim)
    paths = [
        ("GET", "/rate_limit"),
        ("GET", "/repos/octo/runners"),
        ("GET", "/repos/octo/runners/actions/workflows"),
        ("GET", f"/repos/octo/runners/actions/workflows/{WF}"),
        ("POST", DISPATCH),
        ("GET", f"/repos/octo/runners/actions/workflows/{WF}/runs"),
        ("GET", "/repos/octo/runners/actions/runs"),
        ("GET", f"/repos/octo/runners/actions/runs/{run_id}"),
        ("GET", f"/repos/octo/runners/actions/runs/{run_id}/timing"),
        ("GET", f"/repos/octo/runners/actions/runs/{run_id}/jobs"),
        ("GET", f"/repos/octo/runners/actions/runs/{run_id}/attempts/2/jobs"),
        ("GET", "/repos/octo/runners/actions/jobs/99999999999999999999999"),
        ("GET", "/repos/octo/runners/actions/runners"),
        ("POST", "/repos/octo/runners/actions/runners/registration-token"),
        ("DELETE", "/repos/octo/runners/actions/runners/1"),
        ("GET", "/repos/%ff%fe/r%00/actions/runs"),
        ("GET", "/api/v3/repos/octo/runners/actions/runs"),
        ("GET", "/_sim/events"),
        ("GET", "/_sim/state"),
        ("GET", "/_sim/nope"),
        ("PATCH", "/repos/octo/runners/actions/runs"),
    ]
    for method, path in paths:
        for query in GARBAGE_QUERIES:
            for body in GARBAGE_BODIES if method in ("POST", "DELETE") else [None]:
                status, _, answer = raw(sim, method, f"{path}?{query}", body=body)
                assert status < 500, (method, path, query, body[:20] if body else None, answer[:200])
    # still serving after all that (the run may have ended meanwhile: no timing-dependent cancel here)
    assert requests.get(f"{sim.url}/repos/octo/runners/actions/runs/{run_id}", headers=H).json()["id"] == run_id


def test_after_handler_faults_fire_at_their_rates_and_every_run_exists():
    faults = {"dispatch": Faults(error_after_rate=0.1, drop_after_rate=0.05)}
    config = SimConfig(**FAST_SIM, faults=faults, secondary_per_minute=1000, secondary_per_hour=1000)
    outcomes = {"ok": 0, "502": 0, "dropped": 0}
    with Simulator(config) as sim:
        for _ in range(400):
            try:
                answer = requests.post(sim.url + O_R_DISPATCH, json={"ref": "main"}, headers=H, timeout=10)
                outcomes["ok" if answer.status_code == 204 else str(answer.status_code)] += 1
            except requests.ConnectionError:
                outcomes["dropped"] += 1
        assert len(sim.state.runs) == 400  # every dispatch created its run, whatever its answer
    assert 20 <= outcomes["502"] <= 65 and 6 <= outcomes["dropped"] <= 38, outcomes
    assert sum(outcomes.values()) == 400
