"""The harness's settings, read from Locust's parsed options and checked before the first dispatch.

Pure: no Locust here. Every bad value raises :class:`UsageError` with one line saying what to change.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Any

from ..errors import UsageError
from ..github.client import DEFAULT_API_URL
from ..github.workflow import parse_inputs_json

__all__ = ["Settings", "SIM_OWNER", "SIM_REPO", "SIM_TOKEN"]

SIM_OWNER, SIM_REPO = "ghrunner", "sim"
JOB_TIMEOUT_S = 21600
"""``runner_test.yml``'s jobs end after ``timeout-minutes: 360``: a longer sleep is cancelled by GitHub."""
SIM_TOKEN = "ghrunner-embedded-simulator"
"""The embedded simulator accepts any token; this one is not a secret."""
JOB_TYPES = ("parallel", "sequential")


@dataclass(frozen=True)
class Settings:
    """What one test dispatches, where, and how it follows the runs."""

    api_url: str
    owner: str
    repo: str
    workflow: str = "runner_test.yml"
    ref: str = "main"
    sleep_duration: float = 60
    job_count: int = 1
    job_type: str = "parallel"
    extra_inputs: dict[str, str] = field(default_factory=dict)
    poll_interval: float = 5.0
    jobs_refresh: float = 10.0
    live_rows: bool = True
    """Report jobs as they start (costs reads while runs are in progress), else with their run's end."""
    budget_reserve: int = 0
    """Counted requests of the primary budget the tracker never spends (left to the token's other users)."""
    run_timeout: float = 3600.0
    find_timeout: float = 120.0
    results_dir: str = "results"
    drain_timeout: float = 60.0
    cancel_on_stop: bool = False
    sample_interval: float = 5.0
    api_version: str = "2022-11-28"
    ca_bundle: str | None = None
    token_env: str | None = None
    dispatch_limit_minute: float = 80.0
    dispatch_limit_hour: float = 500.0
    embedded: bool = False
    """No repository was given: the test runs against the embedded simulator."""
    scenario: str = "test"

    @classmethod
    def from_options(cls, options: Any, scenario: str = "test") -> Settings:
        """Read and check ``--gh-*`` and workload options (an argparse namespace)."""
        get = lambda name, default=None: getattr(options, name, default)  # noqa: E731
        owner, repo = get("gh_owner"), get("gh_repo")
        embedded = bool(get("ghrunner_embedded")) or (not owner and not repo)
        if bool(owner) != bool(repo) and not embedded:
            raise UsageError("give both --gh-owner and --gh-repo (or neither, to use the embedded simulator)")
        api_url = get("gh_api_url") or DEFAULT_API_URL
        if not api_url.startswith(("http://", "https://")):
            raise UsageError(f"--gh-api-url {api_url!r} must start with http:// or https://")
        job_count = _number(get("job_count", 1), "--job-count", int)
        if not 1 <= job_count <= 20:
            raise UsageError(f"--job-count must be between 1 and 20 (got {job_count})")
        job_type = get("job_type", "parallel")
        if job_type not in JOB_TYPES:
            raise UsageError(f"--job-type must be parallel or sequential (got {job_type!r})")
        sleep = _number(get("sleep_duration", 60), "--sleep-duration", float)
        for name, value in [("--sleep-duration", sleep)] + [
            (f"--{n.replace('_', '-')}", _number(get(n, 1), f"--{n.replace('_', '-')}", float))
            for n in ("poll_interval", "run_timeout", "drain_timeout", "sample_interval")
        ]:
            if value < 0 or (value == 0 and name in ("--poll-interval", "--run-timeout", "--sample-interval")):
                raise UsageError(f"{name} must be positive (got {value})")
            if value > 3600 and name in ("--poll-interval", "--sample-interval"):
                raise UsageError(f"{name} must be at most 3600 s, or no run would be followed (got {value:g})")
        if sleep > JOB_TIMEOUT_S and (get("gh_workflow") or "runner_test.yml") == "runner_test.yml":
            limit = f"at most {JOB_TIMEOUT_S} s: runner_test.yml's jobs time out after 360 minutes"
            raise UsageError(f"--sleep-duration must be {limit} (got {sleep:g})")
        run_timeout = float(get("run_timeout", 3600.0))
        if sleep * (job_count if job_type == "sequential" else 1) >= run_timeout:
            raise UsageError(
                f"--sleep-duration {sleep:g} s makes every run last longer than --run-timeout {run_timeout:g} s, so every "
                "run would time out: raise --run-timeout or shorten the sleep"
            )
        settings = cls(
            api_url=api_url,
            owner=owner or SIM_OWNER,
            repo=repo or SIM_REPO,
            workflow=get("gh_workflow") or "runner_test.yml",
            ref=get("gh_ref") or "main",
            sleep_duration=sleep,
            job_count=job_count,
            job_type=job_type,
            extra_inputs=parse_inputs(get("gh_inputs") or "{}"),
            poll_interval=float(get("poll_interval", 5.0)),
            jobs_refresh=max(float(get("poll_interval", 5.0)), float(get("jobs_refresh", 10.0) or 0)),
            live_rows=str(get("live_rows", "on")).lower() not in ("off", "false", "0", "no"),
            budget_reserve=max(0, _number(get("budget_reserve", 0) or 0, "--budget-reserve", int)),
            run_timeout=run_timeout,
            results_dir=get("results_dir") or "results",
            drain_timeout=float(get("drain_timeout", 60.0)),
            cancel_on_stop=bool(get("cancel_on_stop")),
            sample_interval=float(get("sample_interval", 5.0)),
            api_version=get("gh_api_version") or "2022-11-28",
            ca_bundle=get("gh_ca_bundle"),
            token_env=get("gh_token_env"),
            dispatch_limit_minute=_positive(get("dispatch_limit_minute", 80.0), "--dispatch-limit-minute"),
            dispatch_limit_hour=_positive(get("dispatch_limit_hour", 500.0), "--dispatch-limit-hour"),
            embedded=embedded,
            scenario=scenario,
        )
        return settings

    def token(self, env: dict[str, str] | None = None) -> str:
        """The API token, from the environment only (Locust shows option values in its web page)."""
        env = dict(os.environ) if env is None else env
        names = [self.token_env] if self.token_env else ["GITHUB_TOKEN", "GH_TOKEN"]
        for name in names:
            if env.get(name):
                return env[name]
        if self.embedded:
            return SIM_TOKEN
        raise UsageError(f"no token: set {' or '.join(names)} in the environment (tokens are never taken as options)")

    def inputs(self, **overrides: Any) -> dict[str, str]:
        """The dispatch inputs: workload options, then ``--gh-inputs``, then ``overrides``."""
        base = {"sleep_duration": _plain(self.sleep_duration), "job_count": str(self.job_count), "job_type": self.job_type}
        return {**base, **self.extra_inputs, **{k: _plain(v) for k, v in overrides.items() if v is not None}}


def parse_inputs(text: str) -> dict[str, str]:
    return {str(k): _plain(v) for k, v in parse_inputs_json(text, "--gh-inputs").items()}


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _positive(value: Any, name: str) -> float:
    number = _number(value, name, float)
    if number <= 0:
        raise UsageError(f"{name} must be positive (got {number})")
    return number


def _number(value: Any, name: str, kind: type) -> Any:
    try:
        number = kind(value)
    except (TypeError, ValueError, OverflowError):
        raise UsageError(f"{name} must be a number (got {value!r})") from None
    if not math.isfinite(number):
        raise UsageError(f"{name} must be a finite number (got {value!r})")
    return number
