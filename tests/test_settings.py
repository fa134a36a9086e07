"""Settings: every option checked before the first dispatch, with one clear line."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ghrunner_locust import UsageError
from ghrunner_locust.plugin.settings import SIM_OWNER, SIM_TOKEN, Settings


def options(**overrides):
    base = dict(
        gh_api_url=None,
        gh_owner=None,
        gh_repo=None,
        gh_workflow="runner_test.yml",
        gh_ref="main",
        gh_inputs="{}",
        sleep_duration=60.0,
        job_count=1,
        job_type="parallel",
        poll_interval=5.0,
        jobs_refresh=10.0,
        run_timeout=3600.0,
        results_dir="results",
        drain_timeout=60.0,
        cancel_on_stop=False,
        sample_interval=5.0,
        gh_token_env=None,
    )
    return SimpleNamespace(**{**base, **overrides})


def test_defaults_target_the_embedded_simulator():
    settings = Settings.from_options(options())
    assert settings.embedded and settings.owner == SIM_OWNER
    assert settings.token(env={}) == SIM_TOKEN


def test_real_target_needs_a_token_from_the_environment():
    settings = Settings.from_options(options(gh_owner="octo", gh_repo="runners"))
    assert not settings.embedded and settings.api_url == "https://api.github.com"
    with pytest.raises(UsageError, match="no token: set GITHUB_TOKEN or GH_TOKEN"):
        settings.token(env={})
    assert settings.token(env={"GH_TOKEN": "b"}) == "b"
    named = Settings.from_options(options(gh_owner="o", gh_repo="r", gh_token_env="RUNNER_PAT"))
    assert named.token(env={"RUNNER_PAT": "p", "GITHUB_TOKEN": "g"}) == "p"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"job_count": 0}, "--job-count must be between 1 and 20 (got 0)"),
        ({"job_type": "diagonal"}, "--job-type must be parallel or sequential"),
        ({"gh_inputs": "{oops"}, "--gh-inputs is not valid JSON"),
        ({"gh_owner": "octo"}, "give both --gh-owner and --gh-repo"),
        ({"gh_api_url": "ftp://x"}, "must start with http"),
        ({"run_timeout": 0}, "--run-timeout must be positive"),
        ({"sleep_duration": -1}, "--sleep-duration must be positive"),
        ({"poll_interval": 1e9}, "--poll-interval must be at most 3600 s"),
        ({"sleep_duration": "soon"}, "--sleep-duration must be a number"),
        ({"sleep_duration": 1e12, "run_timeout": 1e13}, "--sleep-duration must be at most 21600 s: runner_test.yml's jobs"),
        ({"sleep_duration": 4000}, "--sleep-duration 4000 s makes every run last longer than --run-timeout 3600 s"),
        (
            {"sleep_duration": 1000, "job_count": 4, "job_type": "sequential"},
            "longer than --run-timeout 3600 s, so every run would time out: raise --run-timeout",
        ),
    ],
)
def test_bad_values(overrides, message):
    with pytest.raises(UsageError) as info:
        Settings.from_options(options(**overrides))
    assert message in str(info.value)


def test_a_long_sleep_fits_with_a_longer_run_timeout_or_another_workflow():
    assert Settings.from_options(options(sleep_duration=4000, run_timeout=5000)).sleep_duration == 4000
    other = options(sleep_duration=30000, run_timeout=40000, gh_workflow="long.yml")  # its own timeout-minutes
    assert Settings.from_options(other).sleep_duration == 30000


def test_inputs_merge_options_extra_inputs_and_overrides():
    settings = Settings.from_options(options(sleep_duration=30.0, job_count=4, gh_inputs='{"runner_labels": "[\\"gpu\\"]"}'))
    inputs = settings.inputs(job_type="sequential", run_key="k1", job_count=None)
    assert inputs == {
        "sleep_duration": "30",
        "job_count": "4",
        "job_type": "sequential",
        "runner_labels": '["gpu"]',
        "run_key": "k1",
    }


def test_numbers_must_be_finite():
    for value in ("nan", "inf", float("nan"), float("-inf")):
        with pytest.raises(UsageError, match="--sleep-duration must be a finite number"):
            Settings.from_options(SimpleNamespace(sleep_duration=value))
