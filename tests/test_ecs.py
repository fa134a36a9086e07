"""EcsRunnerPool with moto (mock_aws) and, where moto lacks an API, botocore's Stubber."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from ghrunner_locust.clock import FakeClock
from ghrunner_locust.ecs import EcsError, EcsRunnerPool

REGION = "eu-west-1"


@pytest.fixture
def ecs(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    with mock_aws():
        client = boto3.client("ecs", region_name=REGION)
        client.create_cluster(clusterName="runners")
        client.register_task_definition(
            family="runner", containerDefinitions=[{"name": "runner", "image": "x", "memory": 512}], cpu="256", memory="512"
        )
        client.create_service(
            cluster="runners", serviceName="gh-runners", taskDefinition="runner", desiredCount=4, launchType="FARGATE"
        )
        yield client


def test_reads_the_service_counts(ecs):
    state = EcsRunnerPool("runners", "gh-runners", client=ecs).state()
    assert (state.desired, state.running + state.pending) == (4, 4)


def test_scales_and_waits_until_steady(ecs):
    pool = EcsRunnerPool("runners", "gh-runners", client=ecs, clock=FakeClock())
    state = pool.scale(8)
    assert (state.desired, state.running, state.pending) == (8, 8, 0) and state.steady


def test_wait_gives_up_with_a_clear_error():
    client = boto3.client("ecs", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    clock = FakeClock()
    pool = EcsRunnerPool("runners", "gh-runners", client=client, clock=clock)
    with Stubber(client) as stub:
        stub.add_response("update_service", {"service": {"serviceName": "gh-runners"}})
        for _ in range(4):
            stub.add_response(
                "describe_services",
                {
                    "services": [
                        {"serviceName": "gh-runners", "status": "ACTIVE", "desiredCount": 6, "runningCount": 4, "pendingCount": 2}
                    ]
                },
            )
        with pytest.raises(EcsError, match="4 of 6 runners running after 30 s \\(2 pending\\)"):
            pool.scale(6, timeout=30, poll=10)
    assert clock.sleeps == [10, 10, 10]


def test_unknown_service_is_a_clear_error(ecs):
    with pytest.raises(EcsError, match="service 'nope' not found in cluster 'runners'"):
        EcsRunnerPool("runners", "nope", client=ecs).state()


def test_tasks_and_cold_start_from_task_times():
    client = boto3.client("ecs", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    created = datetime(2026, 1, 1, 0, 0, 0, tzinfo=UTC)
    started = datetime(2026, 1, 1, 0, 1, 12, tzinfo=UTC)
    with Stubber(client) as stub:
        stub.add_response(
            "describe_services",
            {"services": [{"serviceName": "s", "status": "ACTIVE", "desiredCount": 1, "runningCount": 1, "pendingCount": 0}]},
        )
        stub.add_response("list_tasks", {"taskArns": ["arn:task/1"]})
        stub.add_response("list_tasks", {"taskArns": []})
        stub.add_response(
            "describe_tasks",
            {
                "tasks": [
                    {
                        "taskArn": "arn:task/1",
                        "lastStatus": "RUNNING",
                        "desiredStatus": "RUNNING",
                        "createdAt": created,
                        "startedAt": started,
                    }
                ]
            },
        )
        state = EcsRunnerPool("c", "s", client=client).state()
    (task,) = state.tasks
    assert task.cold_start_s == 72.0


def test_task_protection_through_stubber():
    """moto has no task protection API; botocore's Stubber checks the request we send."""
    client = boto3.client("ecs", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        stub.add_response(
            "update_task_protection",
            {"protectedTasks": [{"taskArn": "arn:task/1", "protectionEnabled": True}], "failures": []},
            {"cluster": "c", "tasks": ["arn:task/1"], "protectionEnabled": True, "expiresInMinutes": 30},
        )
        assert EcsRunnerPool("c", "s", client=client).protect(["arn:task/1"], minutes=30) == 1
        stub.add_response(
            "update_task_protection", {"protectedTasks": [], "failures": [{"arn": "arn:task/2", "reason": "TASK_NOT_VALID"}]}
        )
        with pytest.raises(EcsError, match="TASK_NOT_VALID"):
            EcsRunnerPool("c", "s", client=client).protect(["arn:task/2"])


@pytest.fixture
def moto_server():
    """A moto server on 127.0.0.1 (for processes other than this one: Locust, Terraform)."""
    from moto.server import ThreadedMotoServer

    from .conftest import free_port

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def moto_cluster(url: str):
    """The environment a Locust process needs for moto's server, and a client of it with cluster ``runners``."""
    aws = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": REGION}
    client = boto3.client("ecs", region_name=REGION, endpoint_url=url, aws_access_key_id="test", aws_secret_access_key="test")
    client.create_cluster(clusterName="runners")
    return aws, client


@pytest.mark.slow
def test_scalability_stages_scale_the_ecs_service_and_samples_record_it(moto_server, tmp_path):
    from .conftest import REPO_ROOT, read_csv, run_locust

    aws, client = moto_cluster(moto_server)
    client.register_task_definition(
        family="runner", containerDefinitions=[{"name": "runner", "image": "x", "memory": 512}], cpu="256", memory="512"
    )
    client.create_service(
        cluster="runners", serviceName="gh-runners", taskDefinition="runner", desiredCount=1, launchType="FARGATE"
    )
    result = run_locust(
        [
            "-f",
            str(REPO_ROOT / "locustfiles" / "scalability.py"),
            "--headless",
            "--quick",
            "--shape-steps",
            "3",
            "--shape-runners",
            "2,4,6",
            "--ecs-cluster",
            "runners",
            "--ecs-service",
            "gh-runners",
            "--ecs-region",
            REGION,
            "--ecs-endpoint-url",
            moto_server,
            "--results-dir",
            str(tmp_path),
        ],
        env=aws,
        timeout=150,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "ECS service runners/gh-runners: 1 desired" in result.stderr
    for count in (2, 4, 6):  # the first step too (its tick came before test_start connected ECS)
        assert f"scaling the ECS service to {count} runners" in result.stderr
    service = client.describe_services(cluster="runners", services=["gh-runners"])["services"][0]
    assert service["desiredCount"] == 6
    directory = next(tmp_path.iterdir())
    assert {s["ecs_desired"] for s in read_csv(directory / "samples.csv")} >= {"2", "6"}
    expected = json.loads((directory / "meta.json").read_text())["expected"]
    assert [e["runners"] for e in expected] == [2, 4, 6]  # each step on its own count, not the service's 1


@pytest.mark.slow
def test_a_bad_ecs_service_exits_2_before_start_and_dispatches_nothing(moto_server, tmp_path):
    from .conftest import REPO_ROOT, run_locust

    aws, client = moto_cluster(moto_server)
    ecs = ["--ecs-cluster", "runners", "--ecs-service", "nope", "--ecs-region", REGION, "--ecs-endpoint-url", moto_server]
    locustfile = str(REPO_ROOT / "locustfiles" / "load.py")
    result = run_locust(["-f", locustfile, "--headless", "--quick", *ecs, "--results-dir", str(tmp_path)], env=aws, timeout=60)
    assert result.returncode == 2, result.stderr[-3000:]
    errors = [line for line in result.stderr.splitlines() if "ghrunner:" in line and "ERROR" in line]
    assert len(errors) == 1 and "service 'nope' not found in cluster 'runners'" in errors[0], result.stderr[-3000:]
    assert "All users spawned" not in result.stderr and "Traceback" not in result.stderr
    assert not any(tmp_path.iterdir())  # nothing started, nothing dispatched


@pytest.mark.parametrize(
    ("count", "words"),
    [
        ("3", "cannot scale to '3' runners: the count must be a whole number (int)"),
        (True, "cannot scale to True runners: the count must be a whole number (int)"),
        (2.0, "cannot scale to 2.0 runners: the count must be a whole number (int)"),
        (-1, "cannot scale to -1 runners: the count must be between 0 and 100 (max_runners)"),
        (10**6, "cannot scale to 1000000 runners: the count must be between 0 and 100 (max_runners)"),
    ],
)
def test_scale_refuses_a_count_that_is_not_a_runner_count(count, words):
    client = boto3.client("ecs", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client):  # no call expected: a refused count never reaches ECS
        with pytest.raises(EcsError) as error:
            EcsRunnerPool("runners", "gh-runners", client=client).scale(count)
    assert str(error.value) == words


def test_max_runners_can_be_raised(ecs):
    pool = EcsRunnerPool("runners", "gh-runners", client=ecs, clock=FakeClock())
    pool.max_runners = 200
    assert pool.scale(150, wait=False).desired == 150
