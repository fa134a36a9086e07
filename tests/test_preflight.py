"""Bad input refused before anything starts: one line, a UsageError (exit code 2)."""

from __future__ import annotations

import pytest

from ghrunner_locust.errors import UsageError
from ghrunner_locust.plugin.form import parser
from ghrunner_locust.plugin.preflight import check_results_dir, preflight, read_scenario


def options(*argv: str):
    return parser().parse_args(list(argv))


def test_good_options_pass_and_the_results_folder_is_made(tmp_path):
    preflight(options("--results-dir", str(tmp_path / "a" / "b")))
    assert (tmp_path / "a" / "b").is_dir() and not list((tmp_path / "a" / "b").iterdir())


def test_a_results_dir_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError, match="is a file, not a folder"):
        check_results_dir(str(tmp_path / "file"))


@pytest.mark.parametrize("path", ["/proc/x", "/proc/self/status/x"])
def test_a_results_dir_that_cannot_be_written_is_refused(path):
    with pytest.raises(UsageError, match="--results-dir .*: (cannot write there|is a file)"):
        check_results_dir(path)


def test_a_results_dir_name_too_long_is_one_line_naming_the_flag():
    path = "x" * 5000
    with pytest.raises(UsageError) as error:
        check_results_dir(path)
    message = str(error.value)
    assert message.startswith("--results-dir " + "x" * 80 + "... (5000 characters): cannot write there (File name too long)")
    assert "\n" not in message and len(message) < 300


@pytest.mark.parametrize("path", ["", "  "])
def test_an_empty_results_dir_is_refused_not_taken_as_results(tmp_path, monkeypatch, path):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError, match=f"--results-dir must not be empty \\(got '{path}'\\)"):
        preflight(options("--results-dir", path))
    assert not (tmp_path / "results").exists()


def test_a_binary_scenario_is_one_line(tmp_path):
    path = tmp_path / "scenario.yaml"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(UsageError, match="not a text file") as error:
        read_scenario(str(path))
    assert "\n" not in str(error.value)
    with pytest.raises(UsageError):
        preflight(options("--scenario", str(path), "--results-dir", str(tmp_path / "r")))


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_sleep_duration_must_be_finite(tmp_path, value):
    with pytest.raises(UsageError, match=f"--sleep-duration must be a finite number \\(got {value}\\)"):
        preflight(options("--sleep-duration", value, "--results-dir", str(tmp_path)))


@pytest.mark.parametrize(
    "argv, words",
    [
        (["--shape-duration", "0"], "--shape-duration must be above 0 (got 0)"),
        (["--shape-steps", "0"], "--shape-steps must be above 0"),
        (["--runners", "0"], "--runners must be above 0"),
        (["--shape-rate", "0"], "--shape-rate must be above 0 (got 0)"),
        (["--shape-users", "0"], "--shape-users must be above 0 (got 0)"),
        (["--check-fail-ratio", "2"], "--check-fail-ratio is a fraction of requests, between 0 and 1 (got 2)"),
        (["--stress-max-fail-ratio", "1e12"], "--stress-max-fail-ratio is a fraction of requests, between 0 and 1 (got 1e+12)"),
        (["--stress-max-fail-ratio", "1.5"], "--stress-max-fail-ratio is a fraction of requests, between 0 and 1 (got 1.5)"),
        (["--sim-runners", "-1"], "--sim-runners must be >= 0 (got -1)"),
        (["--sim-runners", "4", "--sim-max-runners", "2"], "--sim-max-runners must be >= --sim-runners (got 2 < 4)"),
        (["--sim-pickup-tail", "3"], "--sim-pickup-tail must be between 0 and 1 (got 3)"),
        (["--sim-fault", "dispatch:drop=2"], "drop"),
    ],
)
def test_values_no_test_could_mean_are_refused_by_the_flag_given(tmp_path, argv, words):
    with pytest.raises(UsageError) as error:
        preflight(options(*argv, "--results-dir", str(tmp_path)))
    assert words in str(error.value)


def test_the_simulator_knobs_are_not_checked_for_a_real_repository(tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "t")
    preflight(options("--sim-runners", "-1", "--gh-owner", "o", "--gh-repo", "r", "--results-dir", str(tmp_path)))


@pytest.mark.parametrize(
    "flag", ["--gh-workflow", "--gh-ref", "--gh-token-env", "--gh-ca-bundle", "--scenario", "--shape-runners"]
)
@pytest.mark.parametrize("value", ["", " "])
def test_an_empty_text_option_is_refused_not_taken_as_its_default(tmp_path, flag, value):
    with pytest.raises(UsageError) as error:
        preflight(options(flag, value, "--results-dir", str(tmp_path)))
    assert str(error.value) == f"{flag} must not be empty (got {value!r}): give a value or leave the option out"


@pytest.mark.parametrize("value", ["-1", "0", "nan", "2,x", "2,,4", "1.5", "4,-2"])
def test_shape_runners_are_whole_numbers_of_at_least_one(tmp_path, value):
    with pytest.raises(UsageError) as error:
        preflight(options("--shape-runners", value, "--results-dir", str(tmp_path)))
    assert str(error.value) == f"--shape-runners must be whole numbers >= 1, comma-separated, e.g. 2,4,8 (got {value})"


def test_good_shape_runners_pass(tmp_path):
    preflight(options("--shape-runners", "2, 4,8", "--results-dir", str(tmp_path)))


@pytest.mark.parametrize("api", [[], ["--gh-api-url", "http://127.0.0.1:9"]])
def test_a_ca_bundle_that_is_not_there_is_refused_whatever_the_target(tmp_path, api):
    missing = str(tmp_path / "nope.pem")
    with pytest.raises(UsageError) as error:
        preflight(options("--gh-ca-bundle", missing, *api, "--results-dir", str(tmp_path)))
    assert str(error.value) == f"--gh-ca-bundle {missing}: no readable file there: give the path of a CA bundle (PEM)"
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    preflight(options("--gh-ca-bundle", str(bundle), *api, "--results-dir", str(tmp_path)))


@pytest.fixture
def ecs_service(monkeypatch):
    """A moto ECS service runners/gh-runners (in this process, as tests/test_ecs.py does)."""
    import boto3
    from moto import mock_aws

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    with mock_aws():
        client = boto3.client("ecs", region_name="eu-west-1")
        client.create_cluster(clusterName="runners")
        client.register_task_definition(family="runner", containerDefinitions=[{"name": "runner", "image": "x", "memory": 512}])
        client.create_service(cluster="runners", serviceName="gh-runners", taskDefinition="runner", desiredCount=2)
        yield client


def test_an_ecs_service_that_is_not_there_is_refused_before_start(tmp_path, ecs_service):
    ecs = ["--ecs-cluster", "runners", "--ecs-region", "eu-west-1", "--results-dir", str(tmp_path)]
    preflight(options(*ecs, "--ecs-service", "gh-runners"))
    with pytest.raises(UsageError) as error:
        preflight(options(*ecs, "--ecs-service", "nope"))
    assert str(error.value) == (
        "service 'nope' not found in cluster 'runners': check --ecs-cluster, --ecs-service and the region"
    )
    with pytest.raises(UsageError, match="^give both --ecs-cluster and --ecs-service$"):
        preflight(options("--ecs-service", "gh-runners", "--results-dir", str(tmp_path)))
