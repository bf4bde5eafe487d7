"""Definition validation: the diagnostics of CreateStateMachine / ValidateStateMachineDefinition."""

from __future__ import annotations

from typing import Any

import pytest

from sluiceway.asl import AslValidationError, StateMachine, validate

from .helpers import ARN

TASK = {"Type": "Task", "Resource": ARN + "f", "End": True}


def machine(**states: Any) -> dict[str, Any]:
    return {"StartAt": next(iter(states)), "States": states}


def test_valid_definitions() -> None:
    assert validate(machine(A=TASK)) == []
    assert validate('{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}') == []
    assert StateMachine.parse(machine(A={"Type": "Pass", "End": True})).start_at == "A"
    # lambda:invoke without Parameters sends the state input as the request (AWS TestState).
    invoke = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}
    assert validate(machine(A=invoke)) == []
    assert validate({"QueryLanguage": "JSONata", **machine(A=invoke)}) == []


def test_missing_next_target_and_unreachable_state() -> None:
    # The CreateStateMachine error that AWS returns for this machine (quoted in localstack#12487).
    definition = {
        "StartAt": "pass1",
        "States": {
            "pass1": {"Type": "Pass", "Next": "pass3"},
            "pass2": {"Type": "Pass", "End": True},
        },
    }
    assert validate(definition) == [
        "MISSING_TRANSITION_TARGET: Missing 'Next' target: pass3 at /States/pass1/Next",
        'MISSING_TRANSITION_TARGET: State "pass2" is not reachable. at /States/pass2',
    ]
    with pytest.raises(AslValidationError) as raised:
        StateMachine.parse(definition)
    assert (
        raised.value.problems[0]
        == "MISSING_TRANSITION_TARGET: Missing 'Next' target: pass3 at /States/pass1/Next"
    )
    assert str(raised.value).startswith(
        "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET"
    )


@pytest.mark.parametrize(
    ("definition", "problem"),
    [
        (
            {"StartAt": "Nope", "States": {"A": TASK}},
            "MISSING_TRANSITION_TARGET: Missing 'Next' target: Nope at /StartAt",
        ),
        (
            machine(
                C={
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.a", "IsNull": True, "Next": "A"}],
                    "Default": "Gone",
                },
                A=TASK,
            ),
            "MISSING_TRANSITION_TARGET: Missing 'Next' target: Gone at /States/C/Default",
        ),
        (
            machine(
                C={
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.a", "IsNull": True, "Next": "Gone"}],
                    "Default": "A",
                },
                A=TASK,
            ),
            "MISSING_TRANSITION_TARGET: Missing 'Next' target: Gone at /States/C/Choices[0]/Next",
        ),
        (
            machine(T={**TASK, "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Gone"}]}),
            "MISSING_TRANSITION_TARGET: Missing 'Next' target: Gone at /States/T/Catch[0]/Next",
        ),
        (
            machine(A={"Type": "Pass", "Next": "A"}),
            "MISSING_END_STATE: Workflow has no terminal state at null",
        ),
        (
            {"States": {"A": TASK}},
            "SCHEMA_VALIDATION_FAILED: These fields are required: [StartAt] at /",
        ),
        (
            machine(A={"Type": "Task", "End": True}),
            "SCHEMA_VALIDATION_FAILED: These fields are required: [Resource] at /States/A",
        ),
        (
            machine(A={"Type": "Choice"}),
            "SCHEMA_VALIDATION_FAILED: These fields are required: [Choices] at /States/A",
        ),
        (
            machine(A={"Type": "Parallel", "End": True}),
            "SCHEMA_VALIDATION_FAILED: These fields are required: [Branches] at /States/A",
        ),
        (
            machine(A={"Type": "Map", "End": True}),
            "SCHEMA_VALIDATION_FAILED: Exactly one of these fields is required: [ItemProcessor, Iterator] at /States/A",
        ),
        (
            machine(A={"End": True}),
            "SCHEMA_VALIDATION_FAILED: These fields are required: [Type] at /States/A",
        ),
        (
            machine(A={"Type": "Lambda", "End": True}),
            "SCHEMA_VALIDATION_FAILED: The value for the field 'Type' must be one of "
            "['Task', 'Pass', 'Choice', 'Wait', 'Succeed', 'Fail', 'Parallel', 'Map'] at /States/A/Type",
        ),
        (
            machine(A={**TASK, "Next": "B"}, B={"Type": "Succeed"}),
            "SCHEMA_VALIDATION_FAILED: There should only be one of the following fields: [Next, End] at /States/A",
        ),
        (
            machine(A={"Type": "Pass"}),
            "SCHEMA_VALIDATION_FAILED: Exactly one of these fields is required: [Next, End] at /States/A",
        ),
        (
            machine(A={"Type": "Pass", "End": False}),
            "SCHEMA_VALIDATION_FAILED: The value for the field 'End' must be true at /States/A/End",
        ),
        (
            machine(
                **{
                    "$SFN.waitFor(10)": {
                        "Type": "Wait",
                        "Seconds": 10,
                        "ResultPath": None,
                        "End": True,
                    }
                }
            ),
            "SCHEMA_VALIDATION_FAILED: Field 'ResultPath' is not supported at /States/$SFN.waitFor(10)",
        ),
        (
            machine(A={"Type": "Succeed", "Next": "A"}),
            "SCHEMA_VALIDATION_FAILED: Field 'Next' is not supported at /States/A",
        ),
        (
            machine(A={**TASK, "InputPath": "dataset"}),
            "SCHEMA_VALIDATION_FAILED: Value must be a valid JSONPath. at /States/A/InputPath",
        ),
        (
            machine(A={**TASK, "ResultPath": "$.items[*]"}),
            "SCHEMA_VALIDATION_FAILED: Value is not a Reference Path at /States/A/ResultPath",
        ),
        (
            machine(A={**TASK, "ResultPath": "$$.Execution"}),
            "SCHEMA_VALIDATION_FAILED: Value is not a Reference Path at /States/A/ResultPath",
        ),
        (
            machine(
                A={
                    "Type": "Map",
                    "ItemsPath": "$..items",
                    "ItemProcessor": {"StartAt": "B", "States": {"B": TASK}},
                    "End": True,
                }
            ),
            "SCHEMA_VALIDATION_FAILED: Value is not a Reference Path at /States/A/ItemsPath",
        ),
        (
            machine(A={**TASK, "Parameters": {"x": {"y.$": "no path"}}}),
            "SCHEMA_VALIDATION_FAILED: The value for the field 'y.$' must be a valid JSONPath or a valid intrinsic "
            "function call at /States/A/Parameters/x",
        ),
        (
            machine(A={**TASK, "ResultSelector": {"z.$": "States.Format('{}')"}}),
            "SCHEMA_VALIDATION_FAILED: The value for the field 'z.$' must be a valid JSONPath or a valid intrinsic "
            "function call at /States/A/ResultSelector (States.Format has 1 placeholder(s) '{}' but 0 value(s))",
        ),
        (
            machine(A={**TASK, "Retry": [{"ErrorEquals": ["States.ALL", "Custom"]}]}),
            "SCHEMA_VALIDATION_FAILED: States.ALL must appear alone in 'ErrorEquals' at /States/A/Retry[0]/ErrorEquals",
        ),
        (
            machine(
                A={**TASK, "Retry": [{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["Custom"]}]}
            ),
            "SCHEMA_VALIDATION_FAILED: States.ALL must appear in the last Retrier at /States/A/Retry[0]",
        ),
        (
            machine(
                A={
                    **TASK,
                    "Catch": [
                        {"ErrorEquals": ["States.ALL"], "Next": "A"},
                        {"ErrorEquals": ["X"], "Next": "A"},
                    ],
                }
            ),
            "SCHEMA_VALIDATION_FAILED: States.ALL must appear in the last Catcher at /States/A/Catch[0]",
        ),
        (
            machine(A={**TASK, "Retry": [{"ErrorEquals": []}]}),
            "SCHEMA_VALIDATION_FAILED: The value for the field 'ErrorEquals' must be a non-empty array of STRING "
            "at /States/A/Retry[0]/ErrorEquals",
        ),
        (
            machine(A={**TASK, "Retry": [{"ErrorEquals": ["X"], "BackoffRate": 0.5}]}),
            "SCHEMA_VALIDATION_FAILED: The value for the field 'BackoffRate' must be a number >= 1.0 at /States/A/Retry[0]/BackoffRate",
        ),
        (
            machine(A={**TASK, "Retry": [{"ErrorEquals": ["X"], "MaxAttempts": -1}]}),
            "SCHEMA_VALIDATION_FAILED: The value for the field 'MaxAttempts' must be a non-negative integer "
            "at /States/A/Retry[0]/MaxAttempts",
        ),
        (
            machine(A={**TASK, "Retry": [{"ErrorEquals": ["X"], "IntervalSeconds": 0}]}),
            "SCHEMA_VALIDATION_FAILED: The value for the field 'IntervalSeconds' must be a positive integer "
            "at /States/A/Retry[0]/IntervalSeconds",
        ),
        (
            machine(A={**TASK, "Retry": [{"ErrorEquals": ["X"], "JitterStrategy": "HALF"}]}),
            "SCHEMA_VALIDATION_FAILED: The value for the field 'JitterStrategy' must be FULL or NONE "
            "at /States/A/Retry[0]/JitterStrategy",
        ),
        (
            machine(A={**TASK, "TimeoutSeconds": 5, "HeartbeatSeconds": 5}),
            "SCHEMA_VALIDATION_FAILED: The value for the field 'HeartbeatSeconds' must be smaller than 'TimeoutSeconds' "
            "at /States/A/HeartbeatSeconds",
        ),
        (
            machine(A={**TASK, "TimeoutSeconds": 5, "TimeoutSecondsPath": "$.t"}),
            "SCHEMA_VALIDATION_FAILED: There should only be one of the following fields: [TimeoutSeconds, TimeoutSecondsPath] at /States/A",
        ),
        (
            machine(
                A={
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": {"Payload": {}},
                    "End": True,
                }
            ),
            "SCHEMA_VALIDATION_FAILED: The field 'FunctionName' is required in 'Parameters' at /States/A/Parameters",
        ),
        (
            machine(A={"Type": "Wait", "Seconds": 1, "SecondsPath": "$.s", "End": True}),
            "SCHEMA_VALIDATION_FAILED: There should only be one of the following fields: [Seconds, SecondsPath] at /States/A",
        ),
        (
            machine(A={"Type": "Wait", "Timestamp": "2016-03-14 01:59", "End": True}),
            "SCHEMA_VALIDATION_FAILED: The value for the field 'Timestamp' must be a valid timestamp at /States/A/Timestamp",
        ),
        (
            machine(A={"Type": "Fail", "Error": "E", "ErrorPath": "$.e"}),
            "SCHEMA_VALIDATION_FAILED: There should only be one of the following fields: [Error, ErrorPath] at /States/A",
        ),
        (
            machine(
                C={
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.a", "IsNull": True}],
                    "Default": "A",
                },
                A=TASK,
            ),
            "SCHEMA_VALIDATION_FAILED: These fields are required: [Next] at /States/C/Choices[0]",
        ),
        (
            machine(
                C={
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.a", "IsNull": True, "IsString": True, "Next": "A"}],
                },
                A=TASK,
            ),
            "SCHEMA_VALIDATION_FAILED: Each Choice Rule can only have one comparison operator at /States/C/Choices[0]",
        ),
        (
            machine(
                C={
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.a", "NumericEquals": "1", "Next": "A"}],
                },
                A=TASK,
            ),
            "SCHEMA_VALIDATION_FAILED: The value for the field 'NumericEquals' must be a NUMBER at /States/C/Choices[0]/NumericEquals",
        ),
        (
            machine(
                C={
                    "Type": "Choice",
                    "Choices": [
                        {"Not": {"Variable": "$.a", "IsNull": True, "Next": "A"}, "Next": "A"}
                    ],
                },
                A=TASK,
            ),
            "SCHEMA_VALIDATION_FAILED: Field 'Next' is not supported at /States/C/Choices[0]/Not",
        ),
        (
            machine(
                C={"Type": "Choice", "Choices": [{"Variable": "a", "IsNull": True, "Next": "A"}]},
                A=TASK,
            ),
            "SCHEMA_VALIDATION_FAILED: The value for the field 'Variable' must be a valid JSONPath at /States/C/Choices[0]/Variable",
        ),
        (
            {"QueryLanguage": "JSONata", **machine(A={**TASK, "InputPath": "$.a"})},
            "SCHEMA_VALIDATION_FAILED: The QueryLanguage is set to 'JSONata', but field 'InputPath' is only supported for the 'JSONPath' QueryLanguage at /States/A",
        ),
        (
            machine(A={**TASK, "Assign": {"states": 1}}),
            "SCHEMA_VALIDATION_FAILED: The variable name 'states' is reserved at /States/A/Assign/states",
        ),
        (
            "{not json",
            "INVALID_JSON_DESCRIPTION: Unexpected character ('n' (code 110)): was expecting "
            'double-quote to start field name\n at [Source: (String)"{not json"; line: 1, '
            'column: 3] at [Source: (String)"{not json"; line: 1, column: 3]',
        ),
    ],
)
def test_problems(definition: Any, problem: str) -> None:
    assert problem in validate(definition)


def test_nested_graphs_are_validated_in_their_own_scope() -> None:
    definition = machine(
        P={
            "Type": "Parallel",
            "Branches": [
                {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Outside"}}},
                {
                    "StartAt": "B",
                    "States": {"B": {"Type": "Pass", "End": True}, "Orphan": {"Type": "Succeed"}},
                },
            ],
            "Next": "Outside",
        },
        Outside={"Type": "Succeed"},
    )
    problems = validate(definition)
    assert (
        "MISSING_TRANSITION_TARGET: Missing 'Next' target: Outside at /States/P/Branches[0]/States/A/Next"
        in problems
    )
    assert (
        'MISSING_TRANSITION_TARGET: State "Orphan" is not reachable. at /States/P/Branches[1]/States/Orphan'
        in problems
    )


def test_state_names_are_unique_across_the_machine() -> None:
    definition = machine(
        M={
            "Type": "Map",
            "ItemProcessor": {"StartAt": "M", "States": {"M": {"Type": "Succeed"}}},
            "End": True,
        }
    )
    assert validate(definition) == [
        "DUPLICATE_STATE_NAME: Duplicate State name: M at /States/M/ItemProcessor/States/M"
    ]


def test_every_problem_is_reported() -> None:
    definition = machine(A={"Type": "Task", "Next": "Gone", "InputPath": 3}, B={"Type": "Pass"})
    assert len(validate(definition)) >= 3
