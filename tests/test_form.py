"""The web UI's start form: every option's text converted as the command line would, empty = the start value."""

from __future__ import annotations

import argparse
import math
import re

import pytest

from ghrunner_locust.errors import UsageError
from ghrunner_locust.plugin.form import FORM, actions, check_numbers, convert, extra_options, fields_for, from_form, key, parser

ACTIONS = actions()
BOOLS = [d for d, a in ACTIONS.items() if isinstance(a, argparse._StoreTrueAction)]
LISTS = [d for d, a in ACTIONS.items() if isinstance(a, argparse._AppendAction)]
NUMBERS = [d for d, a in ACTIONS.items() if a.type in (int, float)]
TEXTS = [d for d, a in ACTIONS.items() if d not in BOOLS + LISTS + NUMBERS]


def sample_text(action: argparse.Action) -> str:
    if action.choices:
        return str(list(action.choices)[-1])
    return {int: "7", float: "2.5"}.get(action.type, "some text")


def test_the_kinds_cover_every_option():
    assert BOOLS and LISTS and NUMBERS and TEXTS
    assert set(BOOLS + LISTS + NUMBERS + TEXTS) == set(ACTIONS)


@pytest.mark.parametrize("dest", sorted(ACTIONS))
def test_an_empty_field_is_the_value_the_process_started_with(dest):
    action = ACTIONS[dest]
    assert convert(action, "", "start value") == "start value"
    assert convert(action, "   ", None) is None
    assert convert(action, None, 3) == 3


@pytest.mark.parametrize("dest", sorted(set(ACTIONS) - set(BOOLS)))
def test_text_is_parsed_as_on_the_command_line(dest):
    action = ACTIONS[dest]
    text = sample_text(action)
    flag = action.option_strings[0]
    command_line = getattr(parser().parse_args([flag, text]), dest)
    assert convert(action, text, None) == command_line


@pytest.mark.parametrize("dest", BOOLS)
@pytest.mark.parametrize(("text", "value"), [("true", True), ("on", True), ("false", False), ("off", False)])
def test_a_checkbox_is_true_or_false(dest, text, value):
    assert convert(ACTIONS[dest], text, not value) is value


@pytest.mark.parametrize("dest", LISTS)
def test_a_list_is_comma_separated(dest):
    action = ACTIONS[dest]
    one = sample_text(action)
    assert convert(action, f"{one}, {one}", None) == [getattr(parser().parse_args([action.option_strings[0], one]), dest)[0]] * 2


@pytest.mark.parametrize("dest", NUMBERS)
@pytest.mark.parametrize("text", ["abc", "nan", "inf", "-inf", "1e999"])
def test_a_bad_number_is_one_line_naming_the_option(dest, text):
    action = ACTIONS[dest]
    with pytest.raises(UsageError) as error:
        convert(action, text, None)
    message = str(error.value)
    assert action.option_strings[0] in message and "\n" not in message


def test_a_bad_choice_and_a_bad_checkbox_are_refused():
    with pytest.raises(UsageError, match="--job-type must be one of parallel, sequential"):
        convert(ACTIONS["job_type"], "diagonal", "parallel")
    with pytest.raises(UsageError, match="--quick must be true or false"):
        convert(ACTIONS["quick"], "maybe", False)


def test_from_form_takes_field_names_and_option_names_and_ignores_locusts_own():
    base = {"sleep_duration": 60.0, "job_count": 1, "max_runners": None}
    form = {
        key(next(f for f in FORM if f.dest == "sleep_duration")): "",
        "job_count": "3",
        "sim_max_runners": "",
        "user_count": "1",
        "spawn_rate": "1",
    }
    assert from_form(form, base) == {"sleep_duration": 60.0, "job_count": 3, "sim_max_runners": None}


def test_the_form_is_words_in_groups_for_a_person():
    fields = extra_options({"sleep_duration": 60.0, "quick": False}, "baseline")
    names = list(fields)
    groups = [name.split(" · ")[0] for name in names]
    assert groups == sorted(groups, key=["Target", "Workload", "Shape", "Tracking", "Checks"].index)
    for name, field in fields.items():
        # Locust's label splits "p95" and camel case: labels hold words only, the flag is the help text
        assert not re.search(r"[a-z0-9][A-Z0-9]", name), name
        assert "%(" not in name + field["help_text"]
    assert fields[key(next(f for f in FORM if f.dest == "sleep_duration"))]["default_value"] == "60.0"
    assert not any("sim" in f["help_text"] or "limit" in f["help_text"] for f in fields.values())
    assert {f.dest for f in fields_for("baseline")} & {"spike_peak", "capacity_slo"} == set()
    assert "spike_peak" in {f.dest for f in fields_for("catalogue")}


@pytest.mark.parametrize("value", [math.nan, math.inf, -1.0])
def test_numbers_on_the_command_line_are_finite_and_not_negative(value):
    options = parser().parse_args([])
    options.sleep_duration = value
    with pytest.raises(UsageError, match="--sleep-duration must"):
        check_numbers(options)
    check_numbers(parser().parse_args([]))


def test_a_list_shows_what_an_unset_option_means():
    fields = extra_options({"shape": None}, "catalogue")
    shape = fields[key(next(f for f in FORM if f.dest == "shape"))]
    assert shape["default_value"] == "load" and "load" in shape["choices"]
