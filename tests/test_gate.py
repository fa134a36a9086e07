"""The regression gate: ``ghrunner report --compare BASE NEW --fail-if ...`` and the same for a load test's end."""

from __future__ import annotations

import argparse
import json

import pytest

from ghrunner_locust.cli import main
from ghrunner_locust.report.gate import (
    GateError,
    add_gate_arguments,
    check_gate,
    evaluate_gate,
    parse_fail_if,
    validate_gate,
)
from ghrunner_locust.simulator import SimConfig

from .virtual_results import write_virtual_results

BASE = {"jobs": {"count": 100, "failed": 1, "queue_s": {"p95": 30.0, "p50": 4.0}}, "throughput_jobs_per_min": 8.0}
NEW = {"jobs": {"count": 100, "failed": 3, "queue_s": {"p95": 40.0, "p50": 4.0}}, "throughput_jobs_per_min": 7.0}


def test_three_kinds_of_threshold():
    relative, delta, absolute = parse_fail_if("queue_p95>+20%, queue_p95 > +5,fail_ratio>=0.01")
    assert (relative.kind, relative.value, relative.limit(30.0)) == ("relative", 0.2, pytest.approx(36.0))
    assert (delta.kind, delta.limit(30.0)) == ("delta", 35.0)
    assert (absolute.kind, absolute.limit(None)) == ("absolute", 0.01)
    assert parse_fail_if("throughput<-10%")[0].limit(8.0) == pytest.approx(7.2)


def test_broken_and_kept_thresholds():
    results = evaluate_gate(BASE, NEW, parse_fail_if("queue_p95>+20%,queue_p50>+20%,fail_ratio>0.01,throughput<-20%"))
    assert [r.broken for r in results] == [True, False, True, False]
    assert results[0].line == "FAIL queue_p95>+20%: queue_p95 40 against 30 in the baseline (+33%), limit 36"
    assert results[2].line.startswith("FAIL fail_ratio>0.01: fail_ratio 0.03")
    assert results[1].line.startswith("PASS")


def test_a_number_neither_test_measured_breaks_the_gate():
    (result,) = evaluate_gate(BASE, {"jobs": {"count": 0}}, parse_fail_if("queue_p95>+20%"))
    assert result.broken and "not measured in the new test" in result.line
    (result,) = evaluate_gate({}, NEW, parse_fail_if("queue_p95>+20%"))
    assert result.broken and "not measured in the baseline" in result.line


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "empty"),
        ("   ", "empty"),
        ("queue_p95", "cannot read"),
        ("queue_p95>", "cannot read"),
        ("queue_p95>>3", "cannot read"),
        ("queue_p95>nan", "cannot read"),
        ("queue_p95>inf", "cannot read"),
        ("queue_p95>+20%,", "cannot read"),
        ("queue_p95=3", "cannot read"),
        ("queue_p96>+20%", "unknown metric 'queue_p96'"),
        ("queue_p95>20%", r"write \+20% or -20%"),
    ],
)
def test_malformed_expressions(text, message):
    with pytest.raises(GateError, match=message):
        parse_fail_if(text)


@pytest.fixture(scope="module")
def two_tests(tmp_path_factory):
    """The same dispatches on 4 runners (BASE) and on 3 (NEW): queues get longer."""
    root = tmp_path_factory.mktemp("gate")
    base = write_virtual_results(root / "base", SimConfig(runners=4, seed=1), 2.0, dispatches=200)
    new = write_virtual_results(root / "new", SimConfig(runners=3, seed=1), 2.0, dispatches=200)
    return base, new


def test_compare_command_exits_3_with_a_line_per_broken_threshold(two_tests, capsys):
    base, new = two_tests
    code = main(["report", "--compare", str(base), str(new), "--fail-if", "queue_p95>+20%,fail_ratio>0.01,jobs<-50%"])
    out = capsys.readouterr().out
    assert code == 3
    assert [line.split(":")[0] for line in out.splitlines() if line.startswith(("PASS", "FAIL"))] == [
        "FAIL queue_p95>+20%",
        "PASS fail_ratio>0.01",
        "PASS jobs<-50%",
    ]
    assert "USD a month at this load" in out and "idle share" in out
    record = json.loads((new / f"compare-{base.name}.json").read_text())
    assert [g["broken"] for g in record["gate"]] == [True, False, False]
    assert main(["report", "--compare", str(base), str(new), "--fail-if", "queue_p95>+1000%"]) == 0


@pytest.mark.parametrize(
    "argv",
    [
        ["--fail-if", "queue_p95>>1"],
        ["--fail-if", ""],
        ["--fail-if", "bogus>1"],
    ],
)
def test_compare_command_malformed_gate_is_one_line_exit_2(two_tests, capsys, argv):
    base, new = two_tests
    assert main(["report", "--compare", str(base), str(new), *argv]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and err.startswith("ghrunner report: error: --fail-if")


def test_fail_if_without_compare_is_refused(two_tests, capsys):
    assert main(["report", str(two_tests[0]), "--fail-if", "queue_p95>+20%"]) == 2
    assert "needs --compare" in capsys.readouterr().err


def test_gate_options_for_a_load_test(two_tests):
    """What the harness does: parse the options, validate at start, check at the end against a baseline."""
    base, new = two_tests
    main(["report", str(base)])  # the baseline's summary.json
    main(["report", str(new)])
    parser = argparse.ArgumentParser()
    add_gate_arguments(parser)
    options = parser.parse_args(["--gate-baseline", str(base), "--gate-fail-if", "queue_p95>+20%"])
    assert len(validate_gate(options)) == 1
    lines: list[str] = []
    new_summary = json.loads((new / "summary.json").read_text())
    assert check_gate(options, new_summary, echo=lines.append) == 3
    assert lines[0].startswith("FAIL queue_p95>+20%")
    base_summary = json.loads((base / "summary.json").read_text())
    assert check_gate(options, base_summary, echo=lines.append) == 0
    assert check_gate(parser.parse_args([]), new_summary) == 0
    with pytest.raises(GateError, match="--gate-baseline"):
        validate_gate(parser.parse_args(["--gate-fail-if", "queue_p95>+20%"]))
    with pytest.raises(GateError, match="no summary.json"):
        validate_gate(parser.parse_args(["--gate-baseline", str(new / "nowhere"), "--gate-fail-if", "jobs<1"]))
    assert validate_gate(parser.parse_args(["--gate-fail-if", "fail_ratio>0.01"]))[0].kind == "absolute"


def test_compare_needs_two_directories_one_line(two_tests, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["report", "--compare", str(two_tests[0])])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "expected 2 arguments" in err
    assert main(["report", "--compare", str(two_tests[0]), str(two_tests[0] / "missing")]) == 2
    assert "is not a results directory" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--gate-baseline", "X"], "--gate-baseline X needs --gate-fail-if: give thresholds"),
        (["--gate-fail-if", "nan"], "--gate-fail-if: cannot read 'nan'"),
        (["--gate-fail-if", ""], "--gate-fail-if is empty"),
        (["--gate-fail-if", "bogus>1"], "--gate-fail-if: unknown metric"),
        (["--gate-fail-if", "jobs>5%"], r"--gate-fail-if: 'jobs>5%': a percentage"),
    ],
)
def test_load_test_gate_errors_name_the_flag_typed(argv, message):
    """A load test's gate option is --gate-fail-if (``ghrunner report``'s is --fail-if): errors say the one typed."""
    parser = argparse.ArgumentParser()
    add_gate_arguments(parser)
    with pytest.raises(GateError, match=f"^{message}"):
        validate_gate(parser.parse_args(argv))
