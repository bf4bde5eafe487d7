"""Input and output processing: the developer guide's examples, run through real executions."""

from __future__ import annotations

from typing import Any

import pytest

from sluiceway.asl import StatesError

from .helpers import ARN, execute, output_of, single


def hello(_event: Any) -> str:
    return "Hello, AWS Step Functions!"


def task(**fields: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": ARN + "HelloFunction", "End": True, **fields}


def test_inputpath_guide_example() -> None:
    given = {
        "comment": "Example for InputPath.",
        "dataset1": {"val1": 1, "val2": 2, "val3": 3},
        "dataset2": {"val1": "a", "val2": "b", "val3": "c"},
    }
    assert output_of(single({"Type": "Pass", "InputPath": "$.dataset2", "End": True}), given) == {
        "val1": "a",
        "val2": "b",
        "val3": "c",
    }


def test_parameters_guide_example() -> None:
    given = {
        "comment": "Example for Parameters.",
        "product": {
            "details": {"color": "blue", "size": "small", "material": "cotton"},
            "availability": "in stock",
            "sku": "2317",
            "cost": "$23",
        },
    }
    parameters = {
        "comment": "Selecting what I care about.",
        "MyDetails": {
            "size.$": "$.product.details.size",
            "exists.$": "$.product.availability",
            "StaticValue": "foo",
        },
    }
    assert output_of(single({"Type": "Pass", "Parameters": parameters, "End": True}), given) == {
        "comment": "Selecting what I care about.",
        "MyDetails": {"size": "small", "exists": "in stock", "StaticValue": "foo"},
    }


def test_inputpath_resultpath_outputpath_guide_example() -> None:
    definition = single(
        task(InputPath="$.lambda", ResultPath="$.data.lambdaresult", OutputPath="$.data"),
        "HelloWorld",
    )
    given = {
        "comment": "An input comment.",
        "data": {"val1": 23, "val2": 17},
        "extra": "foo",
        "lambda": {"who": "AWS Step Functions"},
    }
    outcome = execute(definition, given, {"HelloFunction": hello})
    assert outcome.invoker.calls == [(ARN + "HelloFunction", {"who": "AWS Step Functions"})]
    assert outcome.result.output == {
        "val1": 23,
        "val2": 17,
        "lambdaresult": "Hello, AWS Step Functions!",
    }


TUTORIAL_INPUT = {
    "comment": "This is a test of the input and output of a Task state.",
    "details": "Default example",
    "who": "AWS Step Functions",
}


@pytest.mark.parametrize(
    ("result_path", "given", "expected"),
    [
        (None, TUTORIAL_INPUT, "Hello, AWS Step Functions!"),
        ("$", TUTORIAL_INPUT, "Hello, AWS Step Functions!"),
        (
            "$.taskresult",
            TUTORIAL_INPUT,
            {**TUTORIAL_INPUT, "taskresult": "Hello, AWS Step Functions!"},
        ),
        (
            "$.strings.lambdaresult",
            {
                "comment": "An input comment.",
                "strings": {"string1": "foo", "string2": "bar", "string3": "baz"},
            },
            {
                "comment": "An input comment.",
                "strings": {
                    "string1": "foo",
                    "string2": "bar",
                    "string3": "baz",
                    "lambdaresult": "Hello, AWS Step Functions!",
                },
            },
        ),
        ("$.comment", TUTORIAL_INPUT, {**TUTORIAL_INPUT, "comment": "Hello, AWS Step Functions!"}),
    ],
)
def test_resultpath_guide_examples(result_path: str | None, given: Any, expected: Any) -> None:
    fields = {} if result_path is None else {"ResultPath": result_path}
    assert output_of(single(task(**fields)), given, {"HelloFunction": hello}) == expected


def test_resultpath_null_discards_the_result() -> None:
    assert output_of(single(task(ResultPath=None)), {"keep": 1}, {"HelloFunction": hello}) == {
        "keep": 1
    }


def test_catch_resultpath_guide_example() -> None:
    def fails(_event: Any) -> Any:
        raise StatesError("Error here")

    definition = {
        "StartAt": "T",
        "States": {
            "T": task(
                Catch=[{"ErrorEquals": ["States.ALL"], "Next": "NextTask", "ResultPath": "$.error"}]
            ),
            "NextTask": {"Type": "Pass", "End": True},
        },
    }
    assert output_of(definition, {"foo": "bar"}, {"HelloFunction": fails}) == {
        "foo": "bar",
        "error": {"Error": "Error here"},
    }


def test_resultselector_guide_example() -> None:
    emr = {
        "resourceType": "elasticmapreduce",
        "resource": "createCluster.sync",
        "output": {
            "SdkHttpMetadata": {
                "HttpHeaders": {"x-amzn-RequestId": "1234-5678-9012"},
                "HttpStatusCode": 200,
            },
            "SdkResponseMetadata": {"RequestId": "1234-5678-9012"},
            "ClusterId": "AKIAIOSFODNN7EXAMPLE",
        },
    }
    selector = {"ClusterId.$": "$.output.ClusterId", "ResourceType.$": "$.resourceType"}
    definition = single(task(ResultSelector=selector, ResultPath="$.EMROutput"))
    assert output_of(definition, {"OtherDataFromInput": {}}, {"HelloFunction": lambda _: emr}) == {
        "OtherDataFromInput": {},
        "EMROutput": {"ClusterId": "AKIAIOSFODNN7EXAMPLE", "ResourceType": "elasticmapreduce"},
    }


def test_resultselector_flattens_an_array_of_arrays() -> None:
    branches = [
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": [1, 2], "End": True}}},
        {"StartAt": "B", "States": {"B": {"Type": "Pass", "Result": [3], "End": True}}},
    ]
    definition = single(
        {
            "Type": "Parallel",
            "Branches": branches,
            "ResultSelector": {"flattenArray.$": "$[*][*]"},
            "End": True,
        }
    )
    assert output_of(definition) == {"flattenArray": [1, 2, 3]}


def test_pass_result_and_resultpath_guide_example() -> None:
    coords = {"x-datum": 0.381018, "y-datum": 622.2269926397355}
    definition = single(
        {"Type": "Pass", "Result": coords, "ResultPath": "$.coords", "End": True}, "No-op"
    )
    assert output_of(definition, {"georefOf": "Home"}) == {"georefOf": "Home", "coords": coords}


def test_null_inputpath_and_outputpath() -> None:
    definition = single({"Type": "Pass", "InputPath": None, "ResultPath": "$.x", "End": True})
    assert output_of(definition, {"a": 1}) == {"a": 1, "x": {}}
    assert output_of(single({"Type": "Pass", "OutputPath": None, "End": True}), {"a": 1}) == {}


def test_parameters_process_objects_inside_arrays_and_the_context() -> None:
    parameters = {
        "list": [{"a.$": "$.x"}, 1, "$.not-a-path"],
        "Execution.$": "$$.Execution.Id",
        "all.$": "$",
    }
    output = output_of(single({"Type": "Pass", "Parameters": parameters, "End": True}), {"x": 5})
    assert output["list"] == [{"a": 5}, 1, "$.not-a-path"]
    assert (
        output["Execution"]
        == "arn:aws:states:us-east-1:123456789012:execution:StateMachine:test-execution"
    )
    assert output["all"] == {"x": 5}


def test_parameters_path_not_found() -> None:
    outcome = execute(
        single(
            {"Type": "Pass", "Parameters": {"JobName.$": "$.JobName"}, "End": True},
            "Glue StartJobRun",
        ),
        {},
    )
    assert outcome.result.error == "States.Runtime"
    assert outcome.result.cause == (
        "An error occurred while executing the state 'Glue StartJobRun' (entered at the event id #2). "
        "The JSONPath '$.JobName' specified for the field 'JobName.$' could not be found in the input '{}'"
    )


def test_outputpath_not_found() -> None:
    outcome = execute(
        single(task(OutputPath="$.Payload"), "AggregateIdentityResults"),
        {},
        {"HelloFunction": lambda _: {"StatusCode": 200}},
    )
    assert outcome.result.error == "States.Runtime"
    assert outcome.result.cause == (
        "An error occurred while executing the state 'AggregateIdentityResults' (entered at the event id #2). "
        "Invalid path '$.Payload' : No results for path: $['Payload']"
    )


def test_runtime_errors_are_neither_retried_nor_caught() -> None:
    definition = {
        "StartAt": "T",
        "States": {
            "T": task(
                InputPath="$.missing",
                Retry=[{"ErrorEquals": ["States.ALL"]}],
                Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
            ),
            "Caught": {"Type": "Succeed"},
        },
    }
    outcome = execute(definition, {}, {"HelloFunction": hello})
    assert outcome.result.status == "FAILED"
    assert outcome.result.error == "States.Runtime"
    assert outcome.result.cause is not None and outcome.result.cause.endswith(
        "Invalid path '$.missing' : No results for path: $['missing']"
    )
    assert outcome.sleep.delays == []


def test_resultpath_match_failure_is_catchable() -> None:
    definition = {
        "StartAt": "T",
        "States": {
            "T": task(
                ResultPath="$.text.inner",
                Catch=[{"ErrorEquals": ["States.ResultPathMatchFailure"], "Next": "Caught"}],
            ),
            "Caught": {"Type": "Pass", "End": True},
        },
    }
    output = output_of(definition, {"text": "plain"}, {"HelloFunction": hello})
    assert output == {
        "Error": "States.ResultPathMatchFailure",
        "Cause": 'Unable to apply ReferencePath $.text.inner to input {"text":"plain"}',
    }


def test_indefinite_inputpath_selects_a_list() -> None:
    assert output_of(
        single({"Type": "Pass", "InputPath": "$.items[*].id", "End": True}),
        {"items": [{"id": 1}, {"id": 2}]},
    ) == [1, 2]


def test_paths_into_the_context_object() -> None:
    definition = {
        "StartAt": "Original",
        "States": {
            "Original": {
                "Type": "Pass",
                "InputPath": "$$.Execution.Input",
                "ResultPath": "$.copy",
                "Next": "M",
            },
            "M": {
                "Type": "Map",
                "ItemsPath": "$$.Execution.Input.items",
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
                "End": True,
            },
        },
    }
    assert output_of(definition, {"items": [1, 2]}) == [1, 2]


@pytest.mark.parametrize(
    ("parameters", "keys"),
    [
        # recorded on AWS (LocalStack's assign and query_language snapshots)
        ({"foo": "foobar", "bar.$": "$"}, ["foo", "bar"]),
        ({"value.$": "$.v", "bucketName": "$bucket"}, ["bucketName", "value"]),
        ({"encoded.$": "$.v", "decoded.$": "$.v"}, ["decoded", "encoded"]),
        ({"Question.$": "$.v", "Answer.$": "$.v"}, ["Answer", "Question"]),
        (
            {f"{name}.$": "$.v" for name in ("mergedJson", "parsedJson", "stringifiedJson")},
            ["parsedJson", "mergedJson", "stringifiedJson"],
        ),
        (
            {
                f"{name}.$": "$.v"
                for name in (
                    "simpleArray",
                    "partitionedArray",
                    "containsElement",
                    "numberRange",
                    "thirdElement",
                    "arraySize",
                    "uniqueValues",
                )
            },
            [
                "uniqueValues",
                "simpleArray",
                "thirdElement",
                "partitionedArray",
                "arraySize",
                "containsElement",
                "numberRange",
            ],
        ),
        ({"b": {"y.$": "$.v"}, "a": 1}, ["b", "a"]),
    ],
)
def test_payload_key_order_is_aws_order(parameters: dict[str, Any], keys: list[str]) -> None:
    output = output_of(single({"Type": "Pass", "Parameters": parameters, "End": True}), {"v": 1})
    assert list(output) == keys


@pytest.mark.parametrize(
    ("parameters", "keys"),
    [
        # scenarios/test_base_scenarios.snapshot.json::test_map_state_config_distributed_reentrant
        (
            {"Iterations.$": "States.MathAdd($.n, -1)", "Values.$": "$.v"},
            ["Values", "Iterations"],
        ),
        # scenarios/test_base_scenarios.snapshot.json::test_map_state_item_selector (as Parameters)
        (
            {
                "original_input.$": "$",
                "iteration_input_value.$": "$.v",
                "iteration_index.$": "$.n",
                "from_input_constant.$": "$.n",
                "constant_value": "HelloWorld",
            },
            [
                "constant_value",
                "iteration_input_value",
                "from_input_constant",
                "iteration_index",
                "original_input",
            ],
        ),
        # ...::test_lambda_service_invoke_with_retry_extended_input (TaskScheduled parameters)
        ({"FunctionName.$": "$.v", "Payload": {"ThisState.$": "$"}}, ["Payload", "FunctionName"]),
        ({"b": 1, "a": [2]}, ["b", "a"]),
    ],
)
def test_parameters_key_order_as_aws_writes_it(parameters: dict[str, Any], keys: list[str]) -> None:
    """Plain fields first, in order, then the ``.$`` fields in Java HashMap order."""
    state = {"Type": "Pass", "Parameters": parameters, "End": True}
    assert list(output_of(single(state), {"n": 2, "v": [1]})) == keys
