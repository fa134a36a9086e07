"""The GitHub client against a local HTTP server (pytest-httpserver, 127.0.0.1 only)."""

from __future__ import annotations

import json
import logging

import pytest
import requests
from werkzeug import Response

from ghrunner_locust import AuthError, NotFoundError, RateLimitError, ValidationError
from ghrunner_locust.clock import FakeClock
from ghrunner_locust.errors import APIError, NotSentError, OutcomeUnknownError
from ghrunner_locust.github import GitHubClient
from ghrunner_locust.github.client import ConnectionFailedError

from .conftest import TOKEN

DISPATCH = "/repos/octo/runners/actions/workflows/runner_test.yml/dispatches"
RUN = {"id": 42, "status": "queued", "conclusion": None, "display_title": "t", "created_at": "2026-01-01T00:00:00Z"}


def test_headers_and_auth(httpserver, client):
    httpserver.expect_request(
        "/repos/octo/runners/actions/runs/42",
        headers={
            "Authorization": f"Bearer {TOKEN}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        },
    ).respond_with_json(RUN)
    run = client.get_run("octo", "runners", 42)
    assert run.id == 42 and run.status == "queued"
    request, _ = httpserver.log[0]
    assert request.headers["User-Agent"].startswith("ghrunner-locust/")


def test_token_from_environment(monkeypatch, httpserver):
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.setenv("GH_TOKEN", "from-gh-token")
    assert GitHubClient(httpserver.url_for("")).headers()["Authorization"] == "Bearer from-gh-token"
    monkeypatch.setenv("GITHUB_TOKEN", "from-github-token")
    assert GitHubClient(httpserver.url_for("")).headers()["Authorization"] == "Bearer from-github-token"
    assert GitHubClient(httpserver.url_for(""), "explicit").headers()["Authorization"] == "Bearer explicit"


def test_api_version_is_configurable(httpserver):
    client = GitHubClient(httpserver.url_for(""), TOKEN, api_version="2026-03-10")
    assert client.headers()["X-GitHub-Api-Version"] == "2026-03-10"


def test_dispatch_200_sends_documented_request(httpserver, client):
    httpserver.expect_request(DISPATCH, method="POST").respond_with_json(
        {"workflow_run_id": 7, "run_url": "http://x/runs/7", "html_url": "http://x/h/7"}
    )
    result = client.dispatch_workflow("octo", "runners", "runner_test.yml", "main", {"job_count": 4, "job_type": "parallel"})
    assert (result.status, result.run_id, result.html_url) == (200, 7, "http://x/h/7")
    body = json.loads(httpserver.log[0][0].data)
    assert body == {"ref": "main", "inputs": {"job_count": "4", "job_type": "parallel"}, "return_run_details": True}


def test_dispatch_204_has_no_run_id(httpserver, client):
    httpserver.expect_request(DISPATCH, method="POST").respond_with_data("", status=204)
    result = client.dispatch_workflow("octo", "runners", "runner_test.yml")
    assert result.status == 204 and result.run_id is None


def test_ghes_fallback_retries_once_without_run_details_and_remembers(httpserver, client):
    def handler(request):
        if "return_run_details" in json.loads(request.data):
            return Response(json.dumps({"message": '"return_run_details" is not a permitted key.'}), status=422)
        return Response("", status=204)

    httpserver.expect_request(DISPATCH, method="POST").respond_with_handler(handler)
    assert client.dispatch_workflow("octo", "runners", "runner_test.yml").status == 204
    assert client.dispatch_workflow("octo", "runners", "runner_test.yml").status == 204
    sent = [json.loads(r.data) for r, _ in httpserver.log]
    assert ["return_run_details" in body for body in sent] == [True, False, False]


def test_api_version_2026_never_sends_run_details(httpserver):
    client = GitHubClient(httpserver.url_for(""), TOKEN, api_version="2026-03-10")
    httpserver.expect_request(DISPATCH, method="POST").respond_with_json({"workflow_run_id": 1, "run_url": "u", "html_url": "h"})
    assert client.dispatch_workflow("octo", "runners", "runner_test.yml").run_id == 1
    assert "return_run_details" not in json.loads(httpserver.log[0][0].data)


def test_get_retries_server_errors_with_backoff(httpserver, client, clock):
    for _ in range(2):
        httpserver.expect_ordered_request("/repos/octo/runners/actions/runs/42").respond_with_data("oops", status=502)
    httpserver.expect_ordered_request("/repos/octo/runners/actions/runs/42").respond_with_json(RUN)
    assert client.get_run("octo", "runners", 42).id == 42
    assert len(httpserver.log) == 3 and client.requests_sent == 3
    assert len(clock.sleeps) == 2 and clock.sleeps[1] >= clock.sleeps[0]


def test_get_gives_up_after_five_retries(httpserver, client, clock):
    httpserver.expect_request("/repos/octo/runners/actions/runs/42").respond_with_data("down", status=503)
    with pytest.raises(APIError) as info:
        client.get_run("octo", "runners", 42)
    assert info.value.status == 503 and len(httpserver.log) == 6


def test_dispatch_is_not_retried_on_server_error(httpserver, client):
    """A POST that reached GitHub may have created the run: repeating it would start a second one."""
    httpserver.expect_request(DISPATCH, method="POST").respond_with_data("boom", status=502)
    with pytest.raises(OutcomeUnknownError) as info:
        client.dispatch_workflow("octo", "runners", "runner_test.yml")
    assert info.value.cause.status == 502 and len(httpserver.log) == 1
    assert info.value.retryable and "outcome unknown" in str(info.value)


def test_dispatch_is_retried_on_rate_limit_refusal(httpserver, client, clock):
    httpserver.expect_ordered_request(DISPATCH, method="POST").respond_with_json(
        {"message": "You have exceeded a secondary rate limit"}, status=403, headers={"retry-after": "7"}
    )
    httpserver.expect_ordered_request(DISPATCH, method="POST").respond_with_data("", status=204)
    assert client.dispatch_workflow("octo", "runners", "runner_test.yml").status == 204
    assert sum(clock.sleeps) == 7.0  # a dispatch waits a second at a time: a stop is seen within one


class StoppingClock(FakeClock):
    """The test stops ``after`` seconds into the first sleep."""

    def __init__(self, after: float) -> None:
        super().__init__()
        self.stop_at, self.pause = self.now + after, None

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        if self.now >= self.stop_at and self.pause is not None:
            self.pause.stop_dispatches()
            self.pause = None


def test_a_dispatch_refused_then_held_by_the_pause_is_not_sent_after_the_test_stopped(httpserver):
    """A 429 with no retry-after pauses a minute; the test stops 20 s in: the dispatch was sent once only."""
    clock = StoppingClock(after=20)
    client = GitHubClient(httpserver.url_for("").rstrip("/"), TOKEN, clock=clock)
    clock.pause = client.pause
    httpserver.expect_request(DISPATCH, method="POST").respond_with_data("slow down", status=429)
    with pytest.raises(NotSentError, match="not sent, the test stopped"):
        client.dispatch_workflow("octo", "runners", "runner_test.yml")
    assert len(httpserver.log) == 1 and 20 <= sum(clock.sleeps) <= 21
    httpserver.expect_request("/repos/octo/runners/actions/runs/5/cancel", method="POST").respond_with_json({}, status=202)
    assert client.cancel_run("octo", "runners", 5) is True  # --cancel-on-stop's cancels still go after the stop
    client.pause.stop_dispatches(False)  # the next test dispatches again; reads were never held
    httpserver.clear()
    httpserver.expect_request(DISPATCH, method="POST").respond_with_data("", status=204)
    clock.sleep(60)
    assert client.dispatch_workflow("octo", "runners", "runner_test.yml").status == 204


def test_dispatch_retried_after_connection_refused():
    """Connection errors happen before the request is sent, so even a POST is retried."""
    from urllib3.exceptions import NewConnectionError

    from ghrunner_locust.github import GitHubRetry

    retry = GitHubRetry()
    after = retry.increment("POST", "/x", error=NewConnectionError(None, "refused"))
    assert after.total == 4
    from urllib3.exceptions import ProtocolError

    with pytest.raises(ProtocolError):
        retry.increment("POST", "/x", error=ProtocolError("connection dropped after send"))


def test_connection_failure_is_one_clear_error(clock):
    client = GitHubClient("http://127.0.0.1:9", TOKEN, clock=clock)
    with pytest.raises(ConnectionFailedError) as info:
        client.get_run("octo", "runners", 1)
    assert "could not reach http://127.0.0.1:9" in str(info.value)
    assert TOKEN not in str(info.value)


def test_429_honours_retry_after(httpserver, client, clock):
    httpserver.expect_ordered_request("/rate_limit").respond_with_data("slow down", status=429, headers={"retry-after": "3"})
    httpserver.expect_ordered_request("/rate_limit").respond_with_json(
        {"resources": {}, "rate": {"limit": 5000, "remaining": 4999, "used": 1, "reset": 1}}
    )
    assert client.get_rate_limit()["core"].remaining == 4999
    assert clock.sleeps == [3.0]


def test_exhausted_primary_limit_waits_until_reset(httpserver, client, clock):
    reset = int(clock.time()) + 20
    headers = {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-used": "5000",
        "x-ratelimit-reset": str(reset),
    }
    httpserver.expect_ordered_request("/repos/octo/runners/actions/runs/42").respond_with_json(
        {"message": "API rate limit exceeded"}, status=403, headers=headers
    )
    httpserver.expect_ordered_request("/repos/octo/runners/actions/runs/42").respond_with_json(RUN)
    client.get_run("octo", "runners", 42)
    assert clock.sleeps == [21.0]


def test_wait_beyond_maximum_raises_rate_limit_error(httpserver, clock):
    client = GitHubClient(httpserver.url_for(""), TOKEN, clock=clock, max_wait=30)
    reset = int(clock.time()) + 3600
    httpserver.expect_request("/repos/octo/runners/actions/runs/42").respond_with_json(
        {"message": "API rate limit exceeded"},
        status=403,
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset), "x-ratelimit-limit": "5000"},
    )
    with pytest.raises(RateLimitError) as info:
        client.get_run("octo", "runners", 42)
    assert info.value.reset_at == reset and clock.sleeps == []
    assert "resets at" in str(info.value)


def test_plain_403_is_not_retried(httpserver, client):
    httpserver.expect_request(DISPATCH, method="POST").respond_with_json(
        {"message": "Resource not accessible by integration"}, status=403
    )
    with pytest.raises(APIError) as info:
        client.dispatch_workflow("octo", "runners", "runner_test.yml")
    assert info.value.status == 403 and len(httpserver.log) == 1
    assert "Resource not accessible by integration" in str(info.value)


@pytest.mark.parametrize(
    ("status", "body", "error", "words"),
    [
        (401, {"message": "Bad credentials"}, AuthError, ["401", "Bad credentials", "GITHUB_TOKEN"]),
        (404, {"message": "Not Found"}, NotFoundError, ["octo/runners", "runner_test.yml", "no access"]),
        (422, {"message": 'Unexpected inputs provided: ["x"]'}, ValidationError, ['Unexpected inputs provided: ["x"]']),
    ],
)
def test_non_retryable_errors(httpserver, client, status, body, error, words):
    httpserver.expect_request(DISPATCH, method="POST").respond_with_json(body, status=status)
    with pytest.raises(error) as info:
        client.dispatch_workflow("octo", "runners", "runner_test.yml", "main", {"x": 1})
    assert len(httpserver.log) == 1
    assert not info.value.retryable
    for word in words:
        assert word in str(info.value)
    assert TOKEN not in str(info.value) and TOKEN not in repr(info.value)


def test_rate_limit_snapshot_and_counters(httpserver, client):
    headers = {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "4990",
        "x-ratelimit-used": "10",
        "x-ratelimit-reset": "1700003600",
        "x-ratelimit-resource": "core",
    }
    httpserver.expect_request("/repos/octo/runners/actions/runs/42").respond_with_json(RUN, headers=headers)
    client.get_run("octo", "runners", 42)
    snap = client.rate_limit
    assert (snap.limit, snap.remaining, snap.used, snap.reset, snap.resource) == (5000, 4990, 10, 1700003600, "core")
    with pytest.raises(AttributeError):
        snap.remaining = 1  # frozen
    assert (client.requests_sent, client.requests_counted) == (1, 1)


def test_etag_conditional_get_returns_remembered_body_and_is_free(httpserver, client):
    def handler(request):
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers={"ETag": '"v1"'})
        return Response(json.dumps(RUN), status=200, headers={"ETag": '"v1"', "Content-Type": "application/json"})

    httpserver.expect_request("/repos/octo/runners/actions/runs/42").respond_with_handler(handler)
    first = client.get_run("octo", "runners", 42)
    second = client.get_run("octo", "runners", 42)
    assert first == second
    assert httpserver.log[1][0].headers["If-None-Match"] == '"v1"'
    assert (client.requests_sent, client.requests_counted, client.requests_not_modified) == (2, 1, 1)


def test_list_runs_filters_and_follows_link_pagination(httpserver, client):
    page2 = httpserver.url_for("/page2")
    httpserver.expect_request(
        "/repos/octo/runners/actions/workflows/runner_test.yml/runs",
        query_string={"event": "workflow_dispatch", "status": "queued", "created": ">=2026-01-01T00:00:00Z", "per_page": "1"},
    ).respond_with_json({"total_count": 2, "workflow_runs": [dict(RUN, id=1)]}, headers={"Link": f'<{page2}>; rel="next"'})
    httpserver.expect_request("/page2").respond_with_json({"total_count": 2, "workflow_runs": [dict(RUN, id=2)]})
    page = client.list_workflow_runs(
        "octo",
        "runners",
        "runner_test.yml",
        event="workflow_dispatch",
        status="queued",
        created=">=2026-01-01T00:00:00Z",
        per_page=1,
    )
    assert [run.id for run in page.items] == [1, 2] and page.total_count == 2


def test_cancel_run_202_and_409(httpserver, client):
    httpserver.expect_ordered_request("/repos/octo/runners/actions/runs/5/cancel", method="POST").respond_with_json(
        {}, status=202
    )
    httpserver.expect_ordered_request("/repos/octo/runners/actions/runs/5/cancel", method="POST").respond_with_json(
        {"message": "Cannot cancel a workflow run that is completed."}, status=409
    )
    assert client.cancel_run("octo", "runners", 5) is True
    assert client.cancel_run("octo", "runners", 5) is False


def test_proxy_environment_is_honoured(httpserver, monkeypatch, clock):
    """HTTP_PROXY sends the request to the proxy (here the local server), which sees the absolute URL."""
    httpserver.expect_request("/repos/octo/runners/actions/runs/42").respond_with_json(RUN)
    monkeypatch.setenv("HTTP_PROXY", httpserver.url_for("").rstrip("/"))
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    client = GitHubClient("http://github.example.invalid", TOKEN, clock=clock)
    assert client.get_run("octo", "runners", 42).id == 42
    monkeypatch.setenv("NO_PROXY", "github.example.invalid")
    with pytest.raises(ConnectionFailedError):
        GitHubClient("http://github.example.invalid", TOKEN, clock=clock, retry=None).get_run("octo", "runners", 42)


class RecordingSession(requests.Session):
    def __init__(self):
        super().__init__()
        self.verify_seen = []

    def send(self, request, **kwargs):
        self.verify_seen.append(kwargs.get("verify"))
        return super().send(request, **kwargs)


def test_ca_bundle_from_environment_and_argument(httpserver, monkeypatch, tmp_path, clock):
    bundle = tmp_path / "corp-ca.pem"
    bundle.write_text("not used over http")
    httpserver.expect_request("/rate_limit").respond_with_json({"resources": {}})
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    session = RecordingSession()
    GitHubClient(httpserver.url_for(""), TOKEN, session=session, clock=clock).get_rate_limit()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/env/bundle.pem")
    GitHubClient(httpserver.url_for(""), TOKEN, session=session, clock=clock).get_rate_limit()
    GitHubClient(httpserver.url_for(""), TOKEN, session=session, clock=clock, ca_bundle="/explicit.pem").get_rate_limit()
    assert session.verify_seen == [str(bundle), "/env/bundle.pem", "/explicit.pem"]
    assert GitHubClient("https://x", TOKEN, insecure=True).verify is False
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    monkeypatch.delenv("SSL_CERT_FILE")
    assert GitHubClient("https://x", TOKEN).verify is True


def test_ca_bundle_is_really_used_for_tls(tmp_path, clock):
    """A bundle that does not hold the server's CA makes verification fail (not silently skipped)."""
    bundle = tmp_path / "empty.pem"
    bundle.write_text("")
    client = GitHubClient("https://127.0.0.1:9", TOKEN, clock=clock, ca_bundle=str(bundle))
    with pytest.raises(ConnectionFailedError):
        client.get_rate_limit()


def test_token_never_in_repr_or_logs(httpserver, client, caplog):
    caplog.set_level(logging.DEBUG)
    httpserver.expect_request(DISPATCH, method="POST").respond_with_json({"message": "Bad credentials"}, status=401)
    with pytest.raises(AuthError) as info:
        client.dispatch_workflow("octo", "runners", "runner_test.yml")
    assert TOKEN not in repr(client)
    assert TOKEN not in caplog.text
    assert TOKEN not in "".join(str(a) for a in info.value.args)


def test_bad_api_url():
    from ghrunner_locust import Error

    with pytest.raises(Error, match="must start with http"):
        GitHubClient("api.github.com")


def test_connection_failures_say_whether_the_request_may_have_been_sent(clock):
    """Refused: never sent, retryable. Dropped after sending: a dispatch's outcome is unknown, never fatal."""
    from ghrunner_locust.simulator import Faults, SimConfig, Simulator

    with pytest.raises(ConnectionFailedError) as info:
        GitHubClient("http://127.0.0.1:9", TOKEN, clock=clock).get_run("octo", "runners", 1)
    assert info.value.sent is False and info.value.retryable
    with Simulator(SimConfig(faults={"dispatch": Faults(drop_rate=1.0)})) as server:
        client = GitHubClient(server.url, TOKEN, clock=clock)
        with pytest.raises(OutcomeUnknownError) as unknown:
            client.dispatch_workflow("octo", "runners", "runner_test.yml")
        assert isinstance(unknown.value.cause, ConnectionFailedError) and unknown.value.cause.sent
        assert client.requests_sent <= 1  # never re-sent blindly


def test_refusal_pauses_every_later_request(httpserver, clock):
    """After a 403 with retry-after 43, nothing is sent by this client (any call) until 43 s have passed."""
    client = GitHubClient(httpserver.url_for("").rstrip("/"), TOKEN, clock=clock, max_wait=10)
    sent_at = []

    def record(request):
        sent_at.append(clock.time())
        return Response(json.dumps(RUN), status=200, content_type="application/json")

    httpserver.expect_ordered_request("/repos/octo/runners/actions/runs/42").respond_with_json(
        {"message": "You have exceeded a secondary rate limit"}, status=403, headers={"retry-after": "43"}
    )
    httpserver.expect_request("/repos/octo/runners/actions/runs/42").respond_with_handler(record)
    start = clock.time()
    with pytest.raises(RateLimitError):
        client.get_run("octo", "runners", 42)
    assert client.pause.until == start + 43
    with pytest.raises(RateLimitError, match="paused"):  # longer than max_wait: refused here, nothing sent
        client.dispatch_workflow("octo", "runners", "runner_test.yml")
    assert len(httpserver.log) == 1
    client.retry.max_wait = 60  # within max_wait: the call sleeps through the pause, then goes
    client.get_run("octo", "runners", 42)
    client.get_run("octo", "runners", 42)
    assert sent_at and min(sent_at) >= start + 43 and len(httpserver.log) == 3


def test_spent_budget_pauses_until_reset(httpserver, clock):
    reset = int(clock.time()) + 120
    headers = {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)}
    httpserver.expect_request("/repos/octo/runners/actions/runs/42").respond_with_json(RUN, headers=headers)
    client = GitHubClient(httpserver.url_for("").rstrip("/"), TOKEN, clock=clock, max_wait=300)
    client.get_run("octo", "runners", 42)
    assert client.pause.remaining_s() >= 120
    client.get_run("octo", "runners", 42)
    assert clock.time() >= reset and len(httpserver.log) == 2


def test_pause_is_shared_and_relayed():
    from ghrunner_locust.clock import FakeClock
    from ghrunner_locust.github import RateLimitPause

    clock = FakeClock()
    pause, relayed = RateLimitPause(clock), []
    pause.subscribe(lambda until, reason: relayed.append(until))
    assert pause.refused(429, {}) == 60.0  # neither retry-after nor an exhausted budget: a minute
    assert not pause.pause_until(clock.time() + 10)  # already covered
    assert pause.pause_until(clock.time() + 90, "relayed", relay=False) and relayed == [clock.time() + 60]
    assert pause.wait() == 90.0


def test_listings_page_on_beyond_ten_pages(httpserver, client):
    def page(request):
        number = int(request.args.get("page", 1))
        headers = {}
        if number < 12:
            headers["Link"] = f'<{httpserver.url_for("/repos/octo/runners/actions/runners")}?page={number + 1}>; rel="next"'
        runners = [{"id": number * 10 + i, "name": f"r{number}-{i}", "status": "online", "busy": False} for i in range(2)]
        return Response(json.dumps({"total_count": 24, "runners": runners}), headers=headers, content_type="application/json")

    httpserver.expect_request("/repos/octo/runners/actions/runners").respond_with_handler(page)
    assert len(client.list_runners("octo", "runners").items) == 24 and len(httpserver.log) == 12


def test_etag_cache_is_bounded_and_forgets_finished_runs(httpserver, clock):
    client = GitHubClient(httpserver.url_for("").rstrip("/"), TOKEN, clock=clock, etag_entries=5)
    httpserver.expect_request("/repos/octo/runners/actions/runs/7/jobs").respond_with_json(
        {"total_count": 0, "jobs": []}, headers={"ETag": '"j7"'}
    )
    for run_id in range(10):
        httpserver.expect_request(f"/repos/octo/runners/actions/runs/{run_id + 100}").respond_with_json(
            {**RUN, "id": run_id + 100}, headers={"ETag": f'"{run_id}"'}
        )
    client.list_run_jobs("octo", "runners", 7)
    assert len(client.etags) == 1 and client.forget_run(7) == 1 and len(client.etags) == 0
    for run_id in range(10):
        client.get_run("octo", "runners", run_id + 100)
    assert len(client.etags) == 5


def test_one_prepare_and_no_environment_lookup_per_call(httpserver, client, monkeypatch):
    """Proxies are read once per client; each request is prepared once (its URL is its ETag key)."""
    import requests.sessions
    import requests.utils

    calls = {"proxies": 0, "prepare": 0}
    real_lookup, real_prepare = requests.utils.get_environ_proxies, requests.PreparedRequest.prepare

    def lookup(*args, **kwargs):
        calls["proxies"] += 1
        return real_lookup(*args, **kwargs)

    def prepare(self, *args, **kwargs):
        calls["prepare"] += 1
        return real_prepare(self, *args, **kwargs)

    monkeypatch.setattr(requests.utils, "get_environ_proxies", lookup)
    monkeypatch.setattr(requests.sessions, "get_environ_proxies", lookup)
    monkeypatch.setattr(requests.PreparedRequest, "prepare", prepare)
    httpserver.expect_request("/repos/octo/runners/actions/runs/42").respond_with_json(RUN, headers={"ETag": '"a"'})
    for _ in range(5):
        client.get_run("octo", "runners", 42)
    assert calls == {"proxies": 0, "prepare": 5}
