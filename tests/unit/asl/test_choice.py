"""Choice state: the developer guide's example, every operator, and failures."""

from __future__ import annotations

from typing import Any

import pytest

from sluiceway.asl.choice import compile_rule

from .helpers import execute

# The "Choice workflow state" example of the developer guide.
GUIDE_CHOICE = {
    "Type": "Choice",
    "Choices": [
        {"Not": {"Variable": "$.type", "StringEquals": "Private"}, "Next": "Public"},
        {"Variable": "$.value", "NumericEquals": 0, "Next": "ValueIsZero"},
        {
            "And": [
                {"Variable": "$.value", "NumericGreaterThanEquals": 20},
                {"Variable": "$.value", "NumericLessThan": 30},
            ],
            "Next": "ValueInTwenties",
        },
    ],
    "Default": "DefaultState",
}


def route(choice: dict[str, Any], data: Any) -> str:
    """The name of the state a Choice sends ``data`` to."""
    targets = {rule["Next"] for rule in choice["Choices"]} | {choice.get("Default", "DefaultState")}
    states: dict[str, Any] = {
        "C": choice,
        **{name: {"Type": "Pass", "Result": name, "End": True} for name in targets},
    }
    outcome = execute({"StartAt": "C", "States": states}, data)
    assert outcome.result.status == "SUCCEEDED", (outcome.result.error, outcome.result.cause)
    result: str = outcome.result.output
    return result


@pytest.mark.parametrize(
    ("data", "target"),
    [
        ({"type": "Public", "value": 22}, "Public"),
        ({"type": "Private", "value": 0}, "ValueIsZero"),
        ({"type": "Private", "value": 22}, "ValueInTwenties"),
        ({"type": "Private", "value": 30}, "DefaultState"),
        ({"type": "Private", "value": "22"}, "DefaultState"),  # a string never equals a number
    ],
)
def test_guide_example(data: dict[str, Any], target: str) -> None:
    assert route(GUIDE_CHOICE, data) == target


def rule_matches(rule: dict[str, Any], data: Any) -> bool:
    problems: list[str] = []
    compiled = compile_rule({**rule, "Next": "X"}, "/States/C/Choices[0]", problems, top_level=True)
    assert compiled is not None and not problems, problems
    return compiled.evaluate(data)


DATA = {
    "s": "abc",
    "n": 10,
    "f": 10.5,
    "b": True,
    "t": "2016-03-14T01:59:00Z",
    "t2": "2016-03-14T02:59:00+01:00",
    "nul": None,
    "other": "abd",
    "ten": 10.0,
    "star": "a*c",
}


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"Variable": "$.s", "StringEquals": "abc"}, True),
        ({"Variable": "$.n", "StringEquals": "10"}, False),
        ({"Variable": "$.s", "StringLessThan": "abd"}, True),
        ({"Variable": "$.s", "StringGreaterThan": "abd"}, False),
        ({"Variable": "$.s", "StringLessThanEquals": "abc"}, True),
        ({"Variable": "$.s", "StringGreaterThanEquals": "abc"}, True),
        ({"Variable": "$.s", "StringEqualsPath": "$.other"}, False),
        ({"Variable": "$.s", "StringLessThanPath": "$.other"}, True),
        ({"Variable": "$.s", "StringMatches": "a*"}, True),
        ({"Variable": "$.s", "StringMatches": "*c"}, True),
        ({"Variable": "$.s", "StringMatches": "a?c"}, False),
        ({"Variable": "$.star", "StringMatches": "a\\*c"}, True),
        ({"Variable": "$.s", "StringMatches": "a\\*c"}, False),
        ({"Variable": "$.n", "NumericEquals": 10}, True),
        ({"Variable": "$.ten", "NumericEquals": 10}, True),
        ({"Variable": "$.b", "NumericEquals": 1}, False),
        ({"Variable": "$.f", "NumericGreaterThan": 10}, True),
        ({"Variable": "$.f", "NumericLessThan": 10}, False),
        ({"Variable": "$.n", "NumericGreaterThanEquals": 10}, True),
        ({"Variable": "$.n", "NumericLessThanEquals": 9.99}, False),
        ({"Variable": "$.n", "NumericEqualsPath": "$.ten"}, True),
        ({"Variable": "$.f", "NumericGreaterThanPath": "$.n"}, True),
        ({"Variable": "$.s", "NumericEquals": 10}, False),
        ({"Variable": "$.b", "BooleanEquals": True}, True),
        ({"Variable": "$.n", "BooleanEquals": True}, False),
        ({"Variable": "$.b", "BooleanEqualsPath": "$.b"}, True),
        ({"Variable": "$.t", "TimestampEquals": "2016-03-14T01:59:00Z"}, True),
        ({"Variable": "$.t", "TimestampEqualsPath": "$.t2"}, True),  # the same instant
        ({"Variable": "$.t", "TimestampLessThan": "2016-03-14T01:59:00.001Z"}, True),
        ({"Variable": "$.t", "TimestampGreaterThan": "2016-03-14T01:59:00Z"}, False),
        ({"Variable": "$.t", "TimestampGreaterThanEquals": "2016-03-14T01:59:00Z"}, True),
        ({"Variable": "$.t", "TimestampLessThanEqualsPath": "$.t2"}, True),
        ({"Variable": "$.s", "TimestampEquals": "2016-03-14T01:59:00Z"}, False),
        ({"Variable": "$.nul", "IsNull": True}, True),
        ({"Variable": "$.s", "IsNull": False}, True),
        ({"Variable": "$.s", "IsPresent": True}, True),
        ({"Variable": "$.missing", "IsPresent": False}, True),
        ({"Variable": "$.missing.deeper", "IsPresent": True}, False),
        ({"Variable": "$.n", "IsNumeric": True}, True),
        ({"Variable": "$.b", "IsNumeric": True}, False),
        ({"Variable": "$.s", "IsString": True}, True),
        ({"Variable": "$.b", "IsBoolean": True}, True),
        ({"Variable": "$.t", "IsTimestamp": True}, True),
        ({"Variable": "$.s", "IsTimestamp": False}, True),
        (
            {
                "Or": [
                    {"Variable": "$.n", "NumericEquals": 1},
                    {"Variable": "$.b", "BooleanEquals": True},
                ]
            },
            True,
        ),
        (
            {
                "And": [
                    {"Variable": "$.n", "NumericEquals": 10},
                    {"Not": {"Variable": "$.b", "BooleanEquals": True}},
                ]
            },
            False,
        ),
    ],
)
def test_operators(rule: dict[str, Any], expected: bool) -> None:
    assert rule_matches(rule, DATA) is expected


def test_no_choice_matched() -> None:
    choice = {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "A"}]}
    outcome = execute({"StartAt": "C", "States": {"C": choice, "A": {"Type": "Succeed"}}}, {"n": 2})
    assert outcome.result.status == "FAILED"
    assert outcome.result.error == "States.NoChoiceMatched"
    assert outcome.types == ["ExecutionStarted", "ChoiceStateEntered", "ExecutionFailed"]


@pytest.mark.parametrize(
    "operator", [{"NumericEquals": 1}, {"IsNull": True}, {"StringEqualsPath": "$.s"}]
)
def test_a_missing_variable_is_a_runtime_error(operator: dict[str, Any]) -> None:
    choice = {
        "Type": "Choice",
        "Choices": [{"Variable": "$.processing_type", **operator, "Next": "A"}],
        "Default": "A",
    }
    outcome = execute(
        {"StartAt": "IsDataset", "States": {"IsDataset": choice, "A": {"Type": "Succeed"}}},
        {"s": "x"},
    )
    assert outcome.result.status == "FAILED"
    assert outcome.result.error == "States.Runtime"
    assert outcome.result.cause == (
        "An error occurred while executing the state 'IsDataset' (entered at the event id #2). "
        "Invalid path '$.processing_type': The choice state's condition path references an invalid value."
    )


def test_choice_input_and_output_paths() -> None:
    choice = {
        "Type": "Choice",
        "InputPath": "$.inner",
        "OutputPath": "$.keep",
        "Choices": [{"Variable": "$.go", "BooleanEquals": True, "Next": "A"}],
    }
    outcome = execute(
        {"StartAt": "C", "States": {"C": choice, "A": {"Type": "Succeed"}}},
        {"inner": {"go": True, "keep": {"k": 1}}},
    )
    assert outcome.result.output == {"k": 1}
    assert outcome.types == [
        "ExecutionStarted",
        "ChoiceStateEntered",
        "ChoiceStateExited",
        "SucceedStateEntered",
        "SucceedStateExited",
        "ExecutionSucceeded",
    ]
