"""Workflow variables in JSONPath states (Assign, $name references, scopes).

Expected histories and values are the ones AWS recorded for the same definitions (the variable
examples of the developer guide and executions recorded on AWS).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from sluiceway.asl import validate

from .helpers import ARN, execute, output_of, single


def exited(outcome: Any, name: str) -> dict[str, Any]:
    return next(
        e.details
        for e in outcome.events
        if e.type.endswith("StateExited") and e.details["name"] == name
    )


def test_assign_takes_effect_when_the_state_exits() -> None:
    # AWS: State1 reads the old $answer (42) in InputPath and OutputPath, then assigns.
    definition = {
        "StartAt": "State0",
        "States": {
            "State0": {
                "Type": "Pass",
                "Result": {
                    "theQuestion": "What is the answer to life the universe and everything?"
                },
                "Assign": {"question.$": "$.theQuestion", "answer": 42},
                "Next": "State1",
            },
            "State1": {
                "Type": "Pass",
                "InputPath": "$answer",
                "ResultPath": "$.theAnswer",
                "OutputPath": "$answer",
                "Assign": {"answer": "<omitted>"},
                "End": True,
            },
        },
    }
    outcome = execute(definition, {})
    assert outcome.result.output == 42
    assert exited(outcome, "State0")["assignedVariables"] == {
        "question": '"What is the answer to life the universe and everything?"',
        "answer": "42",
    }
    assert exited(outcome, "State0")["assignedVariablesDetails"] == {"truncated": False}
    assert exited(outcome, "State1")["assignedVariables"] == {"answer": '"<omitted>"'}


def test_state_without_assign_has_no_assigned_variables_field() -> None:
    outcome = execute(single({"Type": "Pass", "End": True}), {"a": 1})
    assert "assignedVariables" not in exited(outcome, "S")


def test_constant_literals_are_not_evaluated() -> None:
    constants = {
        "str_path": "$.no.such.path",
        "str_var": "$noSuchVar",
        "str_context": "$$.Execution.Id",
        "str_intrinsic": "States.Format('{}', $varname)",
        "str_jsonata": "{% $varname %}",
        "lst": [None, 0, 0.1, True, "$x", {"constant": 0}],
        "obj": {"in_obj": "$", "nested": {"constant": 0}},
        "empty": {},
    }
    outcome = execute(single({"Type": "Pass", "Assign": constants, "End": True}), {"a": 1})
    assigned = exited(outcome, "S")["assignedVariables"]
    assert {name: json.loads(text) for name, text in assigned.items()} == constants
    assert assigned["lst"] == '[null,0,0.1,true,"$x",{"constant":0}]'


def test_paths_intrinsics_and_context_in_assign() -> None:
    definition = {
        "StartAt": "State0",
        "States": {
            "State0": {
                "Type": "Pass",
                "Assign": {
                    "varname.$": "$.input_value",
                    "str_path_root.$": "$",
                    "str_contextpath.$": "$$.Execution.Id",
                },
                "Next": "State1",
            },
            "State1": {
                "Type": "Pass",
                "Assign": {"formatted.$": "States.Format('Format Func {}', $varname)"},
                "End": True,
            },
        },
    }
    outcome = execute(definition, {"input_value": "input_value_literal"})
    first = exited(outcome, "State0")["assignedVariables"]
    assert first["varname"] == '"input_value_literal"'
    assert first["str_path_root"] == '{"input_value":"input_value_literal"}'
    assert json.loads(first["str_contextpath"]).endswith(":execution:StateMachine:test-execution")
    assert exited(outcome, "State1")["assignedVariables"] == {
        "formatted": '"Format Func input_value_literal"'
    }


def test_variables_in_paths_parameters_and_intrinsics() -> None:
    definition = {
        "StartAt": "Setup",
        "States": {
            "Setup": {
                "Type": "Pass",
                "Assign": {"answer": 42, "items": [1, 2], "template": "It's {}!"},
                "Next": "Use",
            },
            "Use": {
                "Type": "Pass",
                "Parameters": {
                    "literal": "$answer",
                    "answer.$": "$answer",
                    "first.$": "$items[0]",
                    "text.$": "States.Format($template, $answer)",
                },
                "End": True,
            },
        },
    }
    assert output_of(definition, {}) == {
        "literal": "$answer",
        "answer": 42,
        "first": 1,
        "text": "It's 42!",
    }


def test_assign_in_choice_rule_and_default() -> None:
    # The AWS recording: "42" is a string, NumericEquals does not match, Default assigns.
    definition = {
        "StartAt": "CheckInputState",
        "States": {
            "CheckInputState": {
                "Type": "Choice",
                "Choices": [
                    {
                        "Variable": "$.input_value",
                        "IsPresent": False,
                        "Assign": {"status": "UNKNOWN"},
                        "Next": "FinalState",
                    },
                    {
                        "Variable": "$.input_value",
                        "NumericEquals": 42,
                        "Assign": {"status": "CORRECT"},
                        "Next": "FinalState",
                    },
                ],
                "Assign": {"status": "INCORRECT", "guess.$": "$.input_value"},
                "Default": "FinalState",
            },
            "FinalState": {"Type": "Pass", "Parameters": {"result.$": "$status"}, "End": True},
        },
    }
    outcome = execute(definition, {"input_value": "42"})
    assert outcome.result.output == {"result": "INCORRECT"}
    assert exited(outcome, "CheckInputState")["assignedVariables"] == {
        "status": '"INCORRECT"',
        "guess": '"42"',
    }
    assert output_of(definition, {"input_value": 42}) == {"result": "CORRECT"}
    assert output_of(definition, {}) == {"result": "UNKNOWN"}


def test_choice_variable_and_wait_reference_variables() -> None:
    definition = {
        "StartAt": "Setup",
        "States": {
            "Setup": {"Type": "Pass", "Assign": {"guess": "a", "wait": 3}, "Next": "Wait"},
            "Wait": {"Type": "Wait", "SecondsPath": "$wait", "Next": "Check"},
            "Check": {
                "Type": "Choice",
                "Choices": [{"Variable": "$guess", "StringEqualsPath": "$.answer", "Next": "Yes"}],
                "Default": "No",
            },
            "Yes": {"Type": "Succeed"},
            "No": {"Type": "Fail", "ErrorPath": "$guess"},
        },
    }
    outcome = execute(definition, {"answer": "a"})
    assert outcome.result.status == "SUCCEEDED"
    assert outcome.sleep.delays == [3]
    failed = execute(definition, {"answer": "b"})
    assert (failed.result.status, failed.result.error) == ("FAILED", "a")


def test_task_assign_reads_the_result() -> None:
    # AWS: Assign's $ is the task result; TimeoutSecondsPath can read a variable.
    definition = {
        "StartAt": "Pass",
        "States": {
            "Pass": {
                "Type": "Pass",
                "Assign": {
                    "functionName.$": "$.FunctionName",
                    "inputData": {"foo": "oof", "bar": "rab"},
                    "timeout": 300,
                },
                "Next": "Task",
            },
            "Task": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "TimeoutSecondsPath": "$timeout",
                "Parameters": {"Payload.$": "$inputData", "FunctionName.$": "$functionName"},
                "Assign": {"result.$": "$.Payload"},
                "OutputPath": "$.Payload",
                "Next": "End",
            },
            "End": {
                "Type": "Pass",
                "Assign": {"previousResult.$": "$result", "timeout": 150},
                "End": True,
            },
        },
    }
    outcome = execute(definition, {"FunctionName": ARN + "f"}, {"f": lambda _: "HelloWorld!"})
    assert outcome.result.output == "HelloWorld!"
    scheduled = next(e for e in outcome.events if e.type == "TaskScheduled").details
    assert scheduled["timeoutInSeconds"] == 300
    assert json.loads(scheduled["parameters"]) == {
        "Payload": {"foo": "oof", "bar": "rab"},
        "FunctionName": ARN + "f",
    }
    assert exited(outcome, "Task")["assignedVariables"] == {"result": '"HelloWorld!"'}
    assert exited(outcome, "End")["assignedVariables"] == {
        "previousResult": '"HelloWorld!"',
        "timeout": "150",
    }


def test_assign_reads_the_raw_result_before_result_selector() -> None:
    definition = single(
        {
            "Type": "Task",
            "Resource": ARN + "f",
            "ResultSelector": {"value.$": "$.v"},
            "Assign": {"raw.$": "$.v"},
            "ResultPath": "$.r",
            "End": True,
        }
    )
    outcome = execute(definition, {}, {"f": lambda _: {"v": 7}})
    assert exited(outcome, "S")["assignedVariables"] == {"raw": "7"}
    assert outcome.result.output == {"r": {"value": 7}}


def test_catcher_assign_reads_the_error_output() -> None:
    def boom(_: Any) -> Any:
        raise ValueError("bad")

    definition = {
        "StartAt": "Task",
        "States": {
            "Task": {
                "Type": "Task",
                "Resource": ARN + "f",
                "Assign": {"ok": True},
                "Catch": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "Assign": {"error.$": "$.Error"},
                        "ResultPath": "$.failure",
                        "Next": "After",
                    }
                ],
                "End": True,
            },
            "After": {"Type": "Pass", "Parameters": {"error.$": "$error"}, "End": True},
        },
    }
    outcome = execute(definition, {"a": 1}, {"f": boom})
    assert outcome.result.output == {"error": "ValueError"}
    assert exited(outcome, "Task")["assignedVariables"] == {"error": '"ValueError"'}


def test_map_iterations_read_outer_variables_and_keep_their_own() -> None:
    definition = {
        "StartAt": "State0",
        "States": {
            "State0": {"Type": "Pass", "Assign": {"x": 42, "items": [1, 2, 3]}, "Next": "State1"},
            "State1": {
                "Type": "Map",
                "ItemsPath": "$items",
                "MaxConcurrency": 1,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Inner",
                    "States": {
                        "Inner": {
                            "Type": "Pass",
                            "Assign": {"innerX.$": "$x", "item.$": "$"},
                            "Next": "Read",
                        },
                        "Read": {
                            "Type": "Pass",
                            "Parameters": {"x.$": "$innerX", "item.$": "$item"},
                            "End": True,
                        },
                    },
                },
                "Next": "State2",
            },
            "State2": {"Type": "Pass", "Assign": {"final.$": "$x"}, "End": True},
        },
    }
    outcome = execute(definition, {})
    assert outcome.result.output == [{"x": 42, "item": i} for i in (1, 2, 3)]
    assert exited(outcome, "State2")["assignedVariables"] == {"final": "42"}
    after: dict[str, Any] = json.loads(json.dumps(definition))
    after["States"]["State2"] = {"Type": "Pass", "Parameters": {"v.$": "$innerX"}, "End": True}
    leaked = execute(after, {})
    assert (leaked.result.status, leaked.result.error) == ("FAILED", "States.Runtime")


def test_parallel_branches_read_outer_variables() -> None:
    branches = [
        {
            "StartAt": name,
            "States": {
                name: {
                    "Type": "Pass",
                    "Assign": {"innerX.$": "$x"},
                    "Parameters": {"x.$": "$x"},
                    "End": True,
                }
            },
        }
        for name in ("B1", "B2")
    ]
    definition = {
        "StartAt": "State0",
        "States": {
            "State0": {"Type": "Pass", "Assign": {"x": 42}, "Next": "State1"},
            "State1": {"Type": "Parallel", "Branches": branches, "End": True},
        },
    }
    assert output_of(definition, {}) == [{"x": 42}, {"x": 42}]


def test_inner_scope_cannot_assign_an_outer_variable() -> None:
    definition = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "B",
                        "States": {"B": {"Type": "Pass", "Assign": {"x": 2}, "End": True}},
                    }
                ],
                "Next": "Set",
            },
            "Set": {"Type": "Pass", "Assign": {"x": 1}, "End": True},
        },
    }
    assert validate(definition) == [
        "SCHEMA_VALIDATION_FAILED: The variable 'x' is assigned in an outer scope; a Parallel "
        "branch or Map iteration cannot assign it at /States/P/Branches[0]/States/B/Assign/x"
    ]


def test_a_catcher_assign_is_not_an_outer_variable_for_the_branches() -> None:
    # recorded on AWS: a branch and the Parallel's Catcher both assign inputVar
    branch = {"StartAt": "B", "States": {"B": {"Type": "Pass", "Assign": {"x": 2}, "End": True}}}
    catch = [{"ErrorEquals": ["States.ALL"], "Assign": {"x": 1}, "Next": "E"}]
    definition = {
        "StartAt": "P",
        "States": {
            "P": {"Type": "Parallel", "Branches": [branch], "Catch": catch, "End": True},
            "E": {"Type": "Succeed"},
        },
    }
    assert validate(definition) == []


def test_undefined_variable_is_a_runtime_error() -> None:
    outcome = execute(single({"Type": "Pass", "Parameters": {"v.$": "$nope"}, "End": True}))
    assert outcome.result.error == "States.Runtime"
    assert outcome.result.cause == (
        "An error occurred while executing the state 'S' (entered at the event id #2). "
        "Invalid path '$nope' : The variable 'nope' is not defined"
    )


def test_is_present_on_an_undefined_variable_is_false() -> None:
    definition = {
        "StartAt": "C",
        "States": {
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$maybe", "IsPresent": True, "Next": "Yes"}],
                "Default": "No",
            },
            "Yes": {"Type": "Succeed"},
            "No": {"Type": "Fail", "Error": "Absent"},
        },
    }
    assert execute(definition).result.error == "Absent"


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("states", "The variable name 'states' is reserved"),
        ("1abc", "The variable name '1abc' is invalid"),
        ("has-dash", "The variable name 'has-dash' is invalid"),
        ("x" * 81, "is longer than 80 characters"),
    ],
)
def test_variable_name_rules(name: str, problem: str) -> None:
    problems = validate(single({"Type": "Pass", "Assign": {name: 1}, "End": True}))
    assert len(problems) == 1 and problem in problems[0]


@pytest.mark.parametrize("name", ["x", "_private", "café", "x" * 80, "Var_2"])
def test_valid_variable_names(name: str) -> None:
    assert (
        validate(single({"Type": "Pass", "Assign": {f"{name}.$": "$", "b": 1}, "End": True})) == []
    )


def test_assign_is_rejected_in_succeed_and_fail() -> None:
    problems = validate(single({"Type": "Succeed", "Assign": {"x": 1}}))
    assert problems == ["SCHEMA_VALIDATION_FAILED: Field 'Assign' is not supported at /States/S"]


def test_result_path_cannot_be_a_variable() -> None:
    problems = validate(single({"Type": "Pass", "ResultPath": "$x", "End": True}))
    assert problems == [
        "SCHEMA_VALIDATION_FAILED: Value is not a Reference Path at /States/S/ResultPath"
    ]


def test_assign_larger_than_256_kib_exceeds_the_data_limit() -> None:
    definition = single(
        {"Type": "Pass", "Assign": {"big.$": "$.text"}, "ResultPath": None, "End": True}
    )
    outcome = execute(definition, {"text": "x" * (256 * 1024)})
    assert outcome.result.error == "States.DataLimitExceeded"
