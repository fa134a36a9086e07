"""The plugin's options: all on the top-level parser; simulator knobs forwarded to `ghrunner sim`."""

from __future__ import annotations

import argparse

from ghrunner_locust.plugin.options import add_arguments, sim_argv


class Parser(argparse.ArgumentParser):
    """Locust's parser accepts include_in_web_ui; a plain one here records it."""

    def add_argument(self, *args, include_in_web_ui=True, **kwargs):
        action = super().add_argument(*args, **kwargs)
        action.include_in_web_ui = include_in_web_ui
        return action


def test_every_issue_option_is_registered_and_none_takes_a_token():
    parser = Parser()
    add_arguments(parser)
    flags = {flag for action in parser._actions for flag in action.option_strings}
    for flag in [
        "--gh-api-url",
        "--gh-owner",
        "--gh-repo",
        "--gh-workflow",
        "--gh-ref",
        "--sleep-duration",
        "--job-count",
        "--job-type",
        "--gh-inputs",
        "--poll-interval",
        "--run-timeout",
        "--results-dir",
        "--drain-timeout",
        "--cancel-on-stop",
        "--sim-runners",
        "--gh-token-env",
    ]:
        assert flag in flags
    assert "--gh-token" not in flags and "--sim-token" not in flags


def test_sim_argv_forwards_only_changed_knobs():
    parser = Parser()
    add_arguments(parser)
    options = parser.parse_args(
        ["--sim-runners", "8", "--sim-ephemeral", "--sim-fault", "dispatch:error=0.1", "--job-count", "3"]
    )
    assert sim_argv(options) == ["--runners", "8", "--ephemeral", "--fault", "dispatch:error=0.1"]


def test_adaptive_user_runs_only_its_own_task():
    """Issue 13: Locust gathers tasks from base classes, so AdaptiveUser ran OpenLoopUser's task half the time."""
    import subprocess
    import sys

    code = (
        "from ghrunner_locust.plugin.users import AdaptiveUser, OpenLoopUser\n"
        "class Mine(AdaptiveUser):\n    pass\n"
        "assert AdaptiveUser.tasks == [AdaptiveUser.dispatch_at_rate] == Mine.tasks, Mine.tasks\n"
        "assert OpenLoopUser.dispatch_at_rate not in Mine.tasks\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]


def test_live_rows_and_budget_reserve_options():
    from ghrunner_locust.plugin.settings import Settings

    options = argparse.Namespace(live_rows="off", budget_reserve=500)
    settings = Settings.from_options(options)
    assert settings.live_rows is False and settings.budget_reserve == 500
    assert Settings.from_options(argparse.Namespace()).live_rows is True
