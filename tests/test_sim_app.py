"""The simulator over HTTP: GitHub's shapes (validated against its schemas), errors, limits, faults."""

from __future__ import annotations

import time

import pytest
import requests

from ghrunner_locust import AuthError, FakeClock, NotFoundError, RateLimitError, ValidationError
from ghrunner_locust.github import GitHubClient
from ghrunner_locust.github.client import ConnectionFailedError
from ghrunner_locust.simulator import Faults, SimConfig, Simulator

from .conftest import FAST_SIM, TOKEN
from .schemas import validate, validate_job, validate_run

WF = "runner_test.yml"
H = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/vnd.github+json"}


def wait_for_run(client, run_id, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = client.get_run("octo", "runners", run_id, conditional=False)
        if run.completed:
            return run
        time.sleep(0.05)
    raise AssertionError("run did not complete")


def test_every_response_validates_against_githubs_schemas(sim, sim_client):
    result = sim_client.dispatch_workflow("octo", "runners", WF, "main", {"job_count": 2, "sleep_duration": 0})
    api = f"{sim.url}/repos/octo/runners/actions"
    body = requests.post(f"{api}/workflows/{WF}/dispatches", json={"ref": "main", "return_run_details": True}, headers=H).json()
    validate(body, "workflow-dispatch-response.schema.json", "workflow-dispatch-response")
    wait_for_run(sim_client, result.run_id)
    run = requests.get(f"{api}/runs/{result.run_id}", headers=H).json()
    validate_run(run)
    for run in requests.get(f"{api}/runs", headers=H).json()["workflow_runs"]:
        validate_run(run)
    jobs = requests.get(f"{api}/runs/{result.run_id}/jobs", headers=H).json()["jobs"]
    assert len(jobs) == 2 + 20
    for job in jobs:
        validate_job(job)
    validate_job(requests.get(f"{api}/jobs/{jobs[0]['id']}", headers=H).json())
    runners = requests.get(f"{api}/runners", headers=H).json()
    assert runners["total_count"] == 4
    for runner in runners["runners"]:
        validate(runner, "runner.schema.json", "runner")
    validate(requests.get(f"{api}/workflows/{WF}", headers=H).json(), "workflow.schema.json")
    validate(requests.get(f"{api}/workflows", headers=H).json()["workflows"][0], "workflow.schema.json")
    token = requests.post(f"{api}/runners/registration-token", headers=H)
    assert token.status_code == 201
    validate(token.json(), "runner.schema.json", "authentication-token")
    validate(requests.post(f"{api}/runners/remove-token", headers=H).json(), "runner.schema.json", "authentication-token")
    limits = requests.get(f"{sim.url}/rate_limit", headers=H).json()
    validate(limits, "rate-limit.schema.json", "rate-limit-overview")


def test_urls_in_responses_point_back_at_the_simulator_and_can_be_followed(sim, sim_client):
    result = sim_client.dispatch_workflow("octo", "runners", WF, "main", {"sleep_duration": 0})
    run = requests.get(result.run_url, headers=H).json()
    for key in ("url", "jobs_url", "cancel_url", "workflow_url"):
        assert run[key].startswith(sim.url)
    assert requests.get(run["jobs_url"], headers=H).status_code == 200
    assert requests.get(run["workflow_url"], headers=H).status_code == 200


def test_ghes_prefix_serves_the_same_api(sim):
    client = GitHubClient(sim.url + "/api/v3", TOKEN)
    result = client.dispatch_workflow("octo", "runners", WF, "main", {"sleep_duration": 0})
    assert "/api/v3/repos/octo/runners/actions/runs/" in result.run_url
    assert client.get_run("octo", "runners", result.run_id).id == result.run_id


def test_dispatch_without_run_details_is_204(sim):
    response = requests.post(f"{sim.url}/repos/o/r/actions/workflows/{WF}/dispatches", json={"ref": "main"}, headers=H)
    assert response.status_code == 204 and response.content == b""


def test_api_version_2026_always_answers_200(sim):
    headers = {**H, "X-GitHub-Api-Version": "2026-03-10"}
    response = requests.post(f"{sim.url}/repos/o/r/actions/workflows/{WF}/dispatches", json={"ref": "main"}, headers=headers)
    assert response.status_code == 200 and response.json()["workflow_run_id"] > 0


def test_ghes_mode_rejects_run_details_and_the_client_falls_back_to_run_key():
    from ghrunner_locust.github.follow import find_dispatched_run

    with Simulator(SimConfig(**FAST_SIM, ghes=True)) as ghes:
        raw = requests.post(
            f"{ghes.url}/api/v3/repos/o/r/actions/workflows/{WF}/dispatches",
            json={"ref": "main", "return_run_details": True},
            headers=H,
        )
        assert raw.status_code == 422 and '"return_run_details" is not a permitted key.' in raw.json()["message"]
        client = GitHubClient(ghes.url + "/api/v3", TOKEN)
        result = client.dispatch_workflow("o", "r", WF, "main", {"run_key": "key-42", "sleep_duration": 0})
        assert result.status == 204 and result.run_id is None
        run = find_dispatched_run(client, "o", "r", WF, result.sent_at, "key-42")
        assert run is not None and "key-42" in run.display_title


def test_auth_errors():
    with Simulator(SimConfig(**FAST_SIM, tokens=("good",))) as server:
        url = f"{server.url}/repos/o/r/actions/runs"
        missing = requests.get(url)
        assert missing.status_code == 401 and missing.json()["message"] == "Requires authentication"
        with pytest.raises(AuthError, match="Bad credentials"):
            GitHubClient(server.url, "wrong").list_workflow_runs("o", "r")
        assert GitHubClient(server.url, "good").list_workflow_runs("o", "r").total_count == 0


def test_repo_restriction_and_unknown_workflow():
    with Simulator(SimConfig(**FAST_SIM, repo="octo/runners")) as server:
        client = GitHubClient(server.url, TOKEN)
        with pytest.raises(NotFoundError, match="octo/other"):
            client.dispatch_workflow("octo", "other", WF)
        with pytest.raises(NotFoundError, match="missing.yml"):
            client.dispatch_workflow("octo", "runners", "missing.yml")
        assert client.get_workflow("octo", "runners", WF).path == ".github/workflows/runner_test.yml"


@pytest.mark.parametrize(
    ("ref", "inputs", "message"),
    [
        ("main", {"x": "1"}, 'Unexpected inputs provided: ["x"]'),
        ("nope", {}, "No ref found for: nope"),
        ("main", {"job_count": "99"}, "Provided value '99' for input 'job_count' not in the list of allowed values"),
    ],
)
def test_dispatch_validation_errors(sim_client, ref, inputs, message):
    with pytest.raises(ValidationError) as info:
        sim_client.dispatch_workflow("octo", "runners", WF, ref, inputs)
    assert info.value.message == message


def test_list_runs_filters_and_pagination(sim, sim_client):
    ids = [sim_client.dispatch_workflow("octo", "runners", WF, "main", {"sleep_duration": 30}).run_id for _ in range(5)]
    sim_client.cancel_run("octo", "runners", ids[0])
    wait_for_run(sim_client, ids[0])
    page = sim_client.list_workflow_runs("octo", "runners", WF, per_page=2, conditional=False)
    assert [r.id for r in page.items] == sorted(ids, reverse=True) and page.total_count == 5
    raw = requests.get(f"{sim.url}/repos/octo/runners/actions/runs", params={"per_page": 2}, headers=H)
    assert 'rel="next"' in raw.headers["Link"] and 'rel="last"' in raw.headers["Link"]
    assert [r.id for r in sim_client.list_workflow_runs("octo", "runners", status="cancelled").items] == [ids[0]]
    assert [r.id for r in sim_client.list_workflow_runs("octo", "runners", status="completed").items] == [ids[0]]
    assert sim_client.list_workflow_runs("octo", "runners", event="push").total_count == 0
    assert sim_client.list_workflow_runs("octo", "runners", branch="main").total_count == 5
    assert sim_client.list_workflow_runs("octo", "runners", created=">=2000-01-01").total_count == 5
    assert sim_client.list_workflow_runs("octo", "runners", created="<2000-01-01").total_count == 0
    assert sim_client.list_workflow_runs("octo", "runners", created="2000-01-01..2100-01-01T00:00:00Z").total_count == 5
    for sid in ids:
        sim_client.cancel_run("octo", "runners", sid)


def test_runners_filters(sim, sim_client):
    sim_client.dispatch_workflow("octo", "runners", WF, "main", {"sleep_duration": 30})
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and sim.state.pool.busy_count == 0:
        time.sleep(0.02)
    runners = requests.get(f"{sim.url}/repos/o/r/actions/runners", params={"busy": "true"}, headers=H).json()
    assert runners["total_count"] == 1
    assert (
        requests.get(f"{sim.url}/repos/o/r/actions/runners", params={"status": "offline"}, headers=H).json()["total_count"] == 0
    )
    assert requests.get(f"{sim.url}/repos/o/r/actions/runners", params={"labels": "gpu"}, headers=H).json()["total_count"] == 0


def test_primary_limit_and_etag_304_not_counted():
    with Simulator(SimConfig(**FAST_SIM, primary_limit=3)) as server:
        client = GitHubClient(server.url, TOKEN, max_wait=0)
        client.list_workflow_runs("o", "r")
        client.list_workflow_runs("o", "r")  # 304: free
        assert client.requests_not_modified == 1
        client.list_workflow_runs("o", "r", status="queued")
        client.list_workflow_runs("o", "r", status="completed")
        assert client.rate_limit.remaining == 0
        with pytest.raises(RateLimitError):
            client.list_workflow_runs("o", "r", status="in_progress")
        assert client.requests_sent == 4  # the spent budget paused the client: nothing more was sent
        refused = requests.get(f"{server.url}/repos/o/r/actions/runs?status=in_progress", headers=H)
        assert refused.status_code == 403
        stats = requests.get(f"{server.url}/_sim/stats").json()
        assert stats["counted"] == 3 and stats["endpoints"]["list_runs"]["not_counted"] >= 2


@pytest.mark.parametrize("status", [403, 429])
def test_secondary_limit_on_dispatches(status):
    with Simulator(SimConfig(**FAST_SIM, secondary_per_minute=2, limited_status=status)) as server:
        url = f"{server.url}/repos/o/r/actions/workflows/{WF}/dispatches"
        codes = [requests.post(url, json={"ref": "main"}, headers=H) for _ in range(3)]
        assert [c.status_code for c in codes] == [204, 204, status]
        assert int(codes[2].headers["retry-after"]) > 0
        assert "secondary rate limit" in codes[2].json()["message"]


def test_fault_injection():
    faults = {"get_run": Faults(error_rate=1.0), "list_runs": Faults(drop_rate=1.0), "rate_limit": Faults(latency_s=0.2)}
    with Simulator(SimConfig(**FAST_SIM, faults=faults)) as server:
        assert requests.get(f"{server.url}/repos/o/r/actions/runs/1", headers=H).status_code in (500, 502, 503)
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{server.url}/repos/o/r/actions/runs", headers=H)
        clock = FakeClock()
        client = GitHubClient(server.url, TOKEN, clock=clock)
        with pytest.raises(ConnectionFailedError):
            client.list_workflow_runs("o", "r")
        assert len(clock.sleeps) == 5  # a dropped GET is retried, with backoff
        started = time.monotonic()
        requests.get(f"{server.url}/rate_limit", headers=H)
        assert time.monotonic() - started >= 0.2


def test_ground_truth_events_and_reset(sim, sim_client):
    result = sim_client.dispatch_workflow("octo", "runners", WF, "main", {"job_count": 2, "sleep_duration": 0})
    wait_for_run(sim_client, result.run_id)
    events = requests.get(f"{sim.url}/_sim/events").json()["events"]
    kinds = {e["type"] for e in events}
    assert {"run_created", "job_queued", "runner_assigned", "job_started", "job_completed", "run_completed"} <= kinds
    truth = requests.get(f"{sim.url}/_sim/truth").json()["jobs"]
    assert len(truth) == 2 and all(j["queue_s"] >= 0.2 for j in truth)
    state = requests.get(f"{sim.url}/_sim/state").json()
    assert len(state["runners"]) == 4 and len(state["finished"]) == 2
    assert requests.post(f"{sim.url}/_sim/reset").json() == {"reset": True}
    assert requests.get(f"{sim.url}/_sim/truth").json()["jobs"] == []


def test_cancel_over_http(sim, sim_client):
    run_id = sim_client.dispatch_workflow("octo", "runners", WF, "main", {"sleep_duration": 60}).run_id
    assert sim_client.cancel_run("octo", "runners", run_id) is True
    assert sim_client.get_run("octo", "runners", run_id).status != "completed"  # GitHub cancels asynchronously
    run = wait_for_run(sim_client, run_id)
    assert run.conclusion == "cancelled"
    assert sim_client.cancel_run("octo", "runners", run_id) is False  # 409: the run is finished


def test_concurrent_request_limit():
    import concurrent.futures

    config = SimConfig(**FAST_SIM, max_concurrent=1, faults={"get_workflow": Faults(latency_s=0.3)})
    with Simulator(config) as server, concurrent.futures.ThreadPoolExecutor(2) as pool:
        url = f"{server.url}/repos/o/r/actions/workflows/{WF}"
        codes = sorted(f.result().status_code for f in [pool.submit(requests.get, url, headers=H) for _ in range(2)])
    assert codes == [200, 403]


def test_millisecond_timestamps_and_early_start_quirk():
    with Simulator(SimConfig(**FAST_SIM, timestamp_resolution_s=0.001, early_start_rate=1.0)) as server:
        client = GitHubClient(server.url, TOKEN)
        run_id = client.dispatch_workflow("octo", "runners", WF, "main", {"sleep_duration": 0}).run_id
        wait_for_run(client, run_id)
        raw = requests.get(f"{server.url}/repos/octo/runners/actions/runs/{run_id}/jobs", headers=H).json()["jobs"]
        job = next(j for j in raw if j["conclusion"] == "success")
        assert len(job["completed_at"]) == len("2026-01-01T00:00:00.000Z")
        parsed = client.list_run_jobs("octo", "runners", run_id).items
        real = next(j for j in parsed if j.conclusion == "success")
        assert real.started_at < real.created_at and real.queue_s == 0.0
