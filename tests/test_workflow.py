"""runner_test.yml: valid for GitHub's schema, and its inputs validated with GitHub's wording."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from ghrunner_locust.github.workflow import InputError, WorkflowSpec

from .conftest import REPO_ROOT

WORKFLOW = REPO_ROOT / ".github" / "workflows" / "runner_test.yml"


@pytest.fixture(scope="module")
def spec() -> WorkflowSpec:
    return WorkflowSpec.load(WORKFLOW)


def test_workflows_validate_against_githubs_schema():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            str(WORKFLOW),
            str(WORKFLOW.parent / "ci.yml"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_inputs_and_defaults(spec):
    assert {i.name for i in spec.inputs} == {"sleep_duration", "job_count", "job_type", "runner_labels", "run_key"}
    assert spec.input("job_count").options == tuple(str(i) for i in range(1, 21))
    assert spec.input("job_type").options == ("parallel", "sequential")
    assert spec.resolve_inputs({})["sleep_duration"] == "60"


def test_structure_parallel_matrix_and_sequential_chain():
    data = yaml.safe_load(WORKFLOW.read_text())
    jobs = data["jobs"]
    chain = [f"seq_{k:02d}" for k in range(1, 21)]
    assert all(name in jobs for name in chain)
    for k in range(2, 21):
        assert jobs[chain[k - 1]]["needs"] == chain[k - 2]
        assert f">= {k}" in jobs[chain[k - 1]]["if"]
    assert "matrix" in jobs["parallel"]["strategy"]


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({"colour": "red"}, 'Unexpected inputs provided: ["colour"]'),
        ({"job_type": "diagonal"}, "Provided value 'diagonal' for input 'job_type' not in the list of allowed values"),
        ({"job_count": "21"}, "Provided value '21' for input 'job_count' not in the list of allowed values"),
        ({"sleep_duration": "soon"}, "Provided value 'soon' for input 'sleep_duration' is not a valid number"),
    ],
)
def test_bad_inputs_get_githubs_wording(spec, inputs, message):
    with pytest.raises(InputError) as info:
        spec.resolve_inputs(inputs)
    assert str(info.value) == message


def test_required_input_and_trigger():
    spec = WorkflowSpec.from_dict({"on": {"workflow_dispatch": {"inputs": {"who": {"required": True}}}}})
    with pytest.raises(InputError, match="Required input 'who' not provided"):
        spec.resolve_inputs({})
    push_only = WorkflowSpec.from_dict({"on": "push"})
    with pytest.raises(InputError, match="does not have 'workflow_dispatch' trigger"):
        push_only.resolve_inputs({})


def test_run_name_rendering(spec):
    inputs = spec.resolve_inputs({"job_count": "4", "run_key": "k-123"})
    assert spec.render_run_name(inputs) == "runner-test parallel x4 sleep 60s [k-123]"
