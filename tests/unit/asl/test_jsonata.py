"""JSONata states: Arguments, Output, Assign, $states, Condition, Items, errors.

Examples come from the developer guide ("Transforming data with JSONata", "Passing data between
states with variables") and from executions recorded on AWS.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from sluiceway.asl import validate

from .helpers import ARN, execute, output_of


def jsonata(states: dict[str, Any], start: str | None = None) -> dict[str, Any]:
    return {"QueryLanguage": "JSONata", "StartAt": start or next(iter(states)), "States": states}


def test_guide_conversion_example() -> None:
    # The guide converts a JSONPath Parameters block to JSONata Arguments; with the input
    # {"title": "Doctor"} and the variable customerName = "María" both produce the same payload.
    expected = {
        "static": "Hello",
        "title": "Doctor",
        "name": "María",
        "not-evaluated": "$customerName",
    }
    setup = {"Type": "Pass", "Assign": {"customerName": "María"}, "Next": "Task"}
    as_jsonpath = {
        "StartAt": "Setup",
        "States": {
            "Setup": setup,
            "Task": {
                "Type": "Task",
                "Resource": ARN + "echo",
                "Parameters": {
                    "static": "Hello",
                    "title.$": "$.title",
                    "name.$": "$customerName",
                    "not-evaluated": "$customerName",
                },
                "End": True,
            },
        },
    }
    as_jsonata = {
        "StartAt": "Setup",
        "States": {
            "Setup": setup,
            "Task": {
                "QueryLanguage": "JSONata",
                "Type": "Task",
                "Resource": ARN + "echo",
                "Arguments": {
                    "static": "Hello",
                    "title": "{% $states.input.title %}",
                    "name": "{% $customerName %}",
                    "not-evaluated": "$customerName",
                },
                "End": True,
            },
        },
    }
    for definition in (as_jsonpath, as_jsonata):
        assert output_of(definition, {"title": "Doctor"}, {"echo": lambda e: e}) == expected


def test_task_output_and_assign_see_the_result_and_old_variables() -> None:
    definition = jsonata(
        {
            "Init": {"Type": "Pass", "Assign": {"count": 1}, "Next": "Task"},
            "Task": {
                "Type": "Task",
                "Resource": ARN + "f",
                "Arguments": {"n": "{% $count %}"},
                "Assign": {"count": "{% $count + $states.result.n %}", "seen": "{% $count %}"},
                "Output": {"total": "{% $states.result.n * 10 %}", "before": "{% $count %}"},
                "Next": "After",
            },
            "After": {
                "Type": "Pass",
                "Output": {"count": "{% $count %}", "seen": "{% $seen %}"},
                "End": True,
            },
        }
    )
    outcome = execute(definition, {}, {"f": lambda event: {"n": event["n"] + 1}})
    assert outcome.result.status == "SUCCEEDED", outcome.result.cause
    task_exit = next(e for e in outcome.events if e.type == "TaskStateExited").details
    assert json.loads(task_exit["output"]) == {"total": 20, "before": 1}
    assert task_exit["assignedVariables"] == {"count": "3", "seen": "1"}
    assert outcome.result.output == {"count": 3, "seen": 1}


def test_default_output_is_the_result_and_arguments_default_to_the_input() -> None:
    definition = jsonata({"Task": {"Type": "Task", "Resource": ARN + "f", "End": True}})
    outcome = execute(definition, {"a": 1}, {"f": lambda e: {"got": e}})
    assert outcome.result.output == {"got": {"a": 1}}


def test_pass_output_and_context() -> None:
    definition = jsonata(
        {
            "P": {
                "Type": "Pass",
                "Output": {
                    "name": "{% $states.context.State.Name %}",
                    "execution": "{% $states.context.Execution.Name %}",
                    "doubled": "{% $states.input.values.($ * 2) %}",
                    "literal": [1, "{% 'two' %}", {"three": "{% 1 + 2 %}"}],
                },
                "End": True,
            }
        }
    )
    assert output_of(definition, {"values": [1, 2]}) == {
        "name": "P",
        "execution": "test-execution",
        "doubled": [2, 4],
        "literal": [1, "two", {"three": 3}],
    }


def test_aws_functions() -> None:
    expressions = {
        "partition": "{% $partition([1,2,3,4,5,6,7,8,9], 3) %}",
        "range": "{% $range(0, 10, 2) %}",
        "hash": "{% $hash('Hash this string', 'SHA-256') %}",
        "parsed": "{% $parse($states.input.json) %}",
        "uuid": "{% $length($uuid()) %}",
        "random": "{% $random() < 1 %}",
        "seeded": "{% $random(42) = $random(42) %}",
    }
    output = output_of(
        jsonata({"P": {"Type": "Pass", "Output": expressions, "End": True}}),
        {"json": '{"key":"value","n":null}'},
    )
    assert output == {
        "partition": [[1, 2, 3], [4, 5, 6], [7, 8, 9]],
        "range": [0, 2, 4, 6, 8, 10],
        "hash": "1cac63f39fd68d8c531f27b807610fb3d50f0fc3f186995767fb6316e7200a3e",
        "parsed": {"key": "value", "n": None},
        "uuid": 36,
        "random": True,
        "seeded": True,
    }


@pytest.mark.parametrize(
    ("expression", "cause"),
    [
        ("$doesNotExist", "returned nothing (undefined)."),
        (
            "$eval('1')",
            "threw an error during evaluation. T1006: Attempted to invoke a non-function",
        ),
        ('$abs("x")', 'T0410: Argument 1 of function "abs" does not match function signature'),
        ("1 + 'a'", "threw an error during evaluation. T2002"),
        ("$range('0', 4, 1)", 'Argument 1 of function "range" does not match function signature'),
    ],
)
def test_evaluation_errors(expression: str, cause: str) -> None:
    definition = jsonata(
        {"State0": {"Type": "Pass", "Output": f"{{% {expression} %}}", "End": True}}
    )
    outcome = execute(definition)
    assert outcome.result.error == "States.QueryEvaluationError"
    assert outcome.result.cause is not None and cause in outcome.result.cause


def test_undefined_output_field_as_aws_records_it() -> None:
    definition = jsonata(
        {"State0": {"Type": "Pass", "Output": {"result": "{% $doesNotExist %}"}, "End": True}}
    )
    outcome = execute(definition)
    cause = (
        "An error occurred while executing the state 'State0' (entered at the event id #2). "
        "The JSONata expression '$doesNotExist' specified for the field 'Output/result' "
        "returned nothing (undefined)."
    )
    assert outcome.types == [
        "ExecutionStarted",
        "PassStateEntered",
        "EvaluationFailed",
        "ExecutionFailed",
    ]
    failed = outcome.events[2]
    assert failed.details == {
        "cause": cause,
        "error": "States.QueryEvaluationError",
        "location": "Output/result",
        "state": "State0",
    }
    assert failed.previous_event_id == 0
    assert (outcome.result.error, outcome.result.cause) == ("States.QueryEvaluationError", cause)


def test_undefined_assign_and_arguments_locations() -> None:
    assign = execute(
        jsonata(
            {"State0": {"Type": "Pass", "Assign": {"result": "{% $doesNotExist %}"}, "End": True}}
        )
    )
    assert assign.events[2].details["location"] == "Assign/result"
    arguments = execute(
        jsonata(
            {
                "State0": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke",
                    "Arguments": {"FunctionName": "{% $doesNotExist %}"},
                    "End": True,
                }
            }
        )
    )
    assert arguments.events[2].details["location"] == "Arguments/FunctionName"


def test_choice_condition_output_and_assign() -> None:
    definition = jsonata(
        {
            "Check": {
                "Type": "Choice",
                "Choices": [
                    {
                        "Condition": "{% $states.input.type = 'Private' %}",
                        "Assign": {"kind": "private"},
                        "Output": {"private": True},
                        "Next": "Done",
                    },
                    {"Condition": "{% $states.input.value > 20 %}", "Next": "Done"},
                ],
                "Default": "Done",
                "Assign": {"kind": "other"},
                "Output": {"default": True},
            },
            "Done": {
                "Type": "Pass",
                "Output": {"in": "{% $states.input %}", "kind": "{% $kind %}"},
                "End": True,
            },
        }
    )
    assert output_of(definition, {"type": "Private"}) == {
        "in": {"private": True},
        "kind": "private",
    }
    big = execute(definition, {"type": "Public", "value": 30})
    assert big.result.status == "FAILED"  # $kind is undefined: no rule Assign, no default
    assert output_of(definition, {"type": "Public", "value": 1}) == {
        "in": {"default": True},
        "kind": "other",
    }


def test_choice_condition_must_be_boolean() -> None:
    definition = jsonata(
        {
            "C": {
                "Type": "Choice",
                "Choices": [{"Condition": "{% 1 %}", "Next": "D"}],
                "Default": "D",
            },
            "D": {"Type": "Succeed"},
        }
    )
    assert execute(definition).result.error == "States.QueryEvaluationError"


def test_map_items_and_item_selector() -> None:
    definition = jsonata(
        {
            "Map": {
                "Type": "Map",
                "Items": "{% $states.input.root %}",
                "ItemSelector": {
                    "value": "{% $states.context.Map.Item.Value %}",
                    "index": "{% $states.context.Map.Item.Index %}",
                },
                "MaxConcurrency": "{% 1 %}",
                "ItemProcessor": {
                    "StartAt": "Inner",
                    "States": {
                        "Inner": {
                            "Type": "Pass",
                            "Output": "{% $states.input.value & '-' & $states.input.index %}",
                            "End": True,
                        }
                    },
                },
                "Output": {"results": "{% $states.result %}"},
                "End": True,
            }
        }
    )
    assert output_of(definition, {"root": ["a", "b"]}) == {"results": ["a-0", "b-1"]}


def test_map_items_must_be_an_array() -> None:
    definition = jsonata(
        {
            "Map": {
                "Type": "Map",
                "Items": "{% 'text' %}",
                "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}},
                "End": True,
            }
        }
    )
    assert execute(definition).result.error == "States.QueryEvaluationError"


def test_parallel_arguments_and_output() -> None:
    branch = {
        "StartAt": "B",
        "States": {"B": {"Type": "Pass", "Output": "{% $states.input.x %}", "End": True}},
    }
    branch2 = {"StartAt": "B2", "States": {"B2": {"Type": "Pass", "End": True}}}
    definition = jsonata(
        {
            "P": {
                "Type": "Parallel",
                "Arguments": {"x": "{% $states.input.a + 1 %}"},
                "Branches": [branch, branch2],
                "Output": "{% $states.result %}",
                "End": True,
            }
        }
    )
    assert output_of(definition, {"a": 1}) == [2, {"x": 2}]


def test_catch_output_and_assign_use_the_error_output() -> None:
    def boom(_: Any) -> Any:
        raise RuntimeError("no")

    definition = jsonata(
        {
            "Task": {
                "Type": "Task",
                "Resource": ARN + "f",
                "Assign": {"result": "SUCCESS"},
                "Catch": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "Assign": {"result": "{% $states.errorOutput %}"},
                        "Output": {
                            "error": "{% $states.errorOutput.Error %}",
                            "in": "{% $states.input %}",
                        },
                        "Next": "fallback",
                    }
                ],
                "End": True,
            },
            "fallback": {
                "Type": "Pass",
                "Output": {"var": "{% $result.Error %}", "in": "{% $states.input %}"},
                "End": True,
            },
        }
    )
    outcome = execute(definition, {"a": 1}, {"f": boom})
    assert outcome.result.output == {
        "var": "RuntimeError",
        "in": {"error": "RuntimeError", "in": {"a": 1}},
    }
    default = json.loads(json.dumps(definition))
    del default["States"]["Task"]["Catch"][0]["Output"]
    caught = execute(default, {"a": 1}, {"f": boom})
    assert caught.result.output["in"]["Error"] == "RuntimeError"


def test_fail_error_and_cause_expressions() -> None:
    definition = jsonata(
        {
            "Fail": {
                "Type": "Fail",
                "Error": "{% $states.input.code %}",
                "Cause": "{% 'failed: ' & $states.input.why %}",
            }
        }
    )
    outcome = execute(definition, {"code": "E1", "why": "because"})
    assert (outcome.result.error, outcome.result.cause) == ("E1", "failed: because")


def test_wait_seconds_and_timeout_expressions() -> None:
    definition = jsonata(
        {
            "Wait": {"Type": "Wait", "Seconds": "{% $states.input.delay %}", "Next": "Task"},
            "Task": {
                "Type": "Task",
                "Resource": ARN + "f",
                "TimeoutSeconds": "{% $states.input.delay * 10 %}",
                "HeartbeatSeconds": "{% $states.input.delay %}",
                "End": True,
            },
        }
    )
    outcome = execute(definition, {"delay": 3}, {"f": lambda e: e})
    assert outcome.sleep.delays == [3]
    scheduled = next(e for e in outcome.events if e.type == "LambdaFunctionScheduled")
    assert scheduled.details["timeoutInSeconds"] == 30


def test_state_level_query_language_in_a_jsonpath_machine() -> None:
    definition = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Parameters": {"v.$": "$.x"}, "Next": "B"},
            "B": {
                "Type": "Pass",
                "QueryLanguage": "JSONata",
                "Output": "{% $states.input.v %}",
                "End": True,
            },
        },
    }
    assert output_of(definition, {"x": 5}) == 5


@pytest.mark.parametrize(
    ("state", "problem"),
    [
        (
            {"Type": "Pass", "Parameters": {}, "End": True},
            "SCHEMA_VALIDATION_FAILED: The QueryLanguage is set to 'JSONata', but field 'Parameters' is only supported for the 'JSONPath' QueryLanguage at /States/S",
        ),
        (
            {"Type": "Task", "Resource": ARN + "f", "ResultPath": "$.x", "End": True},
            "SCHEMA_VALIDATION_FAILED: The QueryLanguage is set to 'JSONata', but field 'ResultPath' is only supported for the 'JSONPath' QueryLanguage at /States/S",
        ),
        (
            {"Type": "Pass", "Output": "{% $states.input. %}", "End": True},
            "INVALID_JSONATA_EXPRESSION: Unexpected end of expression at /States/S/Output",
        ),
        (
            {"Type": "Pass", "QueryLanguage": "JSONPath", "End": True},
            "SCHEMA_VALIDATION_FAILED: 'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine at /States/S",
        ),
        (
            {
                "Type": "Choice",
                "Choices": [{"Variable": "$.a", "IsNull": True, "Next": "S"}],
                "Default": "S",
            },
            "SCHEMA_VALIDATION_FAILED: Field 'Variable' is not supported at /States/S/Choices[0]",
        ),
    ],
)
def test_jsonata_validation(state: dict[str, Any], problem: str) -> None:
    problems = validate(jsonata({"S": state}))
    assert any(p.startswith(problem) for p in problems), problems


def test_jsonata_fields_are_rejected_in_jsonpath_states() -> None:
    problems = validate(
        {"StartAt": "S", "States": {"S": {"Type": "Pass", "Output": {}, "End": True}}}
    )
    assert problems == [
        "SCHEMA_VALIDATION_FAILED: The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' QueryLanguage at /States/S"
    ]


def test_guide_assign_examples() -> None:
    # The variables page: static values, and JSONata values from the input and the result.
    definition = jsonata(
        {
            "Static": {
                "Type": "Pass",
                "Assign": {"productName": "product1", "count": 42, "available": True},
                "Next": "Price",
            },
            "Price": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {"FunctionName": "price", "Payload": "{% $states.input %}"},
                "Assign": {
                    "product": "{% $states.input.order.product %}",
                    "currentPrice": "{% $states.result.Payload.current_price %}",
                },
                "Output": {
                    "name": "{% $productName %}",
                    "count": "{% $count %}",
                    "available": "{% $available %}",
                },
                "Next": "Show",
            },
            "Show": {
                "Type": "Pass",
                "Output": {"product": "{% $product %}", "price": "{% $currentPrice %}"},
                "End": True,
            },
        }
    )
    outcome = execute(
        definition, {"order": {"product": "p-1"}}, {"price": lambda _: {"current_price": 9.5}}
    )
    assert outcome.result.output == {"product": "p-1", "price": 9.5}
    price_exit = next(e for e in outcome.events if e.type == "TaskStateExited").details
    assert json.loads(price_exit["output"]) == {"name": "product1", "count": 42, "available": True}


def test_wait_timestamp_expression() -> None:
    definition = jsonata(
        {"W": {"Type": "Wait", "Timestamp": "{% $states.input.until %}", "End": True}}
    )
    outcome = execute(definition, {"until": "2000-01-01T00:00:00Z"})
    assert outcome.result.status == "SUCCEEDED" and outcome.sleep.delays == []
    bad = execute(definition, {"until": 5})
    assert bad.result.error == "States.QueryEvaluationError"


def test_jsonata_only_fields_by_state_type() -> None:
    problems = validate(jsonata({"S": {"Type": "Pass", "Items": [1], "End": True}}))
    assert problems == ["SCHEMA_VALIDATION_FAILED: Field 'Items' is not supported at /States/S"]


def test_syntax_errors_quote_tokens_as_jsonata_does() -> None:
    problems = validate(
        jsonata({"State0": {"Type": "Pass", "Output": "{% a[1,2) %}", "End": True}})
    )
    assert len(problems) == 1
    assert 'Expected "]", got ","' in problems[0]


@pytest.mark.parametrize(
    ("text", "number"),
    [("1.5e2", 150), ("-2", -2), ("007", 7), ("0x1F", 31), ("0O17", 15), ("0b11", 3)],
)
def test_number_casts_strings_as_jsonata_does(text: str, number: float) -> None:
    machine = {
        "QueryLanguage": "JSONata",
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "Output": "{% $number($states.input) %}", "End": True}},
    }
    assert output_of(machine, text) == number


@pytest.mark.parametrize("text", [" 3", "inf", "1_0", "0x", "0x1_0", "abc"])
def test_number_of_a_string_that_is_no_number_is_d3030(text: str) -> None:
    machine = {
        "QueryLanguage": "JSONata",
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "Output": "{% $number($states.input) %}", "End": True}},
    }
    outcome = execute(machine, text)
    assert outcome.result.error == "States.QueryEvaluationError"
    assert outcome.result.cause is not None
    assert outcome.result.cause.endswith(
        f"D3030: Unable to cast value to a number: {json.dumps(text)}"
    )
