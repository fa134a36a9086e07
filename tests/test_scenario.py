"""Scenario files: stages, workload and checks; every error names the file, line and field."""

from __future__ import annotations

import pytest

from ghrunner_locust.planning.scenario import ScenarioError, load_scenario, parse_duration

GOOD = """name: nightly
workload: {sleep_duration: 30, job_count: 4, job_type: sequential, inputs: {runner_labels: '["gpu"]'}}
stages:
  - {duration: 5m, users: 2}
  - {duration: 90s, rate_per_min: 40, name: spike}
  - {duration: 1h, users: 2, runners: 8}
checks: {queue_p95: 120, fail_ratio: 0.01, timeouts: 0}
"""


def write(tmp_path, text):
    path = tmp_path / "plan.yaml"
    path.write_text(text)
    return path


def test_good_scenario(tmp_path):
    scenario = load_scenario(write(tmp_path, GOOD))
    stages = scenario.plan.stages()
    assert [s.duration_s for s in stages] == [300, 90, 3600]
    assert stages[1].rate_per_min == 40 and stages[2].runners == 8
    assert scenario.workload["job_type"] == "sequential" and scenario.checks == {
        "queue_p95": 120,
        "fail_ratio": 0.01,
        "timeouts": 0,
    }


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("stages:\n  - {duration: 5m, usres: 2}\n", "line 2, stages[0].usres: unknown field"),
        ("stages:\n  - {users: 2}\n", "line 2, stages[0].duration: missing"),
        ("stages:\n  - {duration: soon}\n", "line 2, stages[0].duration: 'soon' is not a duration"),
        ("stages:\n  - duration: 5m\n    users: many\n", "line 3, stages[0].users: expected a number"),
        ("stages: []\n", "line 1, stages: expected a non-empty list"),
        ("name: x\n", "stages: missing"),
        ("stages:\n  - {duration: 5m, job_count: 25}\n", "stages[0].job_count: must be between 1 and 20"),
        (
            "workload: {job_type: zigzag}\nstages:\n  - {duration: 5m}\n",
            "line 1, workload.job_type: must be parallel or sequential",
        ),
        ("stages: [\n", "not valid YAML"),
        ("stages:\n  - {duration: 5m}\nchecks: {fail_ratio: 5}\n", "line 3, checks.fail_ratio: must be at most 1 (got 5)"),
    ],
)
def test_errors_name_file_line_and_field(tmp_path, text, words):
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(path) in str(info.value) and words in str(info.value)


def test_missing_file_and_durations(tmp_path):
    with pytest.raises(ScenarioError, match="cannot read the scenario file"):
        load_scenario(tmp_path / "nope.yaml")
    assert [parse_duration(v) for v in (90, "90s", "5m", "2h", "1.5m")] == [90, 90, 300, 7200, 90]
