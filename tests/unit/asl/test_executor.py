"""Executions end to end: context object, history, Lambda integrations, Wait, Fail, Succeed."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sluiceway.asl import (
    Executor,
    HistoryEvent,
    Integration,
    StateMachine,
    StatesError,
    TaskRequest,
)

from .helpers import ARN, FunctionInvoker, execute, output_of, single

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def test_context_object() -> None:
    parameters = {"context.$": "$$", "id.$": "$$.Execution.Id", "state.$": "$$.State.Name"}
    machine = StateMachine.parse(
        single({"Type": "Pass", "Parameters": parameters, "End": True}, "Test")
    )
    executor = Executor(machine, FunctionInvoker({}))
    machine_arn = "arn:aws:states:eu-west-1:111122223333:stateMachine:stateMachineName"
    result = asyncio.run(
        executor.run(
            {"key": "value"}, execution_name="executionName", state_machine_arn=machine_arn
        )
    )
    context = result.output["context"]
    assert (
        context["Execution"]["Id"]
        == "arn:aws:states:eu-west-1:111122223333:execution:stateMachineName:executionName"
    )
    assert context["Execution"]["Name"] == "executionName"
    assert context["Execution"]["Input"] == {"key": "value"}
    assert context["Execution"]["RoleArn"].startswith("arn:aws:iam::111122223333:role/")
    assert TIMESTAMP.fullmatch(context["Execution"]["StartTime"])
    assert context["StateMachine"] == {"Id": machine_arn, "Name": "stateMachineName"}
    assert context["State"]["Name"] == "Test"
    # As AWS records it for a Pass state: no RetryCount, keys in AWS's order.
    assert list(context["State"]) == ["Name", "EnteredTime"]
    assert list(context["Execution"]) == [
        "Id",
        "Input",
        "StartTime",
        "Name",
        "RoleArn",
        "RedriveCount",
    ]
    assert TIMESTAMP.fullmatch(context["State"]["EnteredTime"])
    assert "Task" not in context and "Map" not in context  # no task token without a callback
    assert result.output["state"] == "Test"


def test_task_receives_the_context() -> None:
    outcome = execute(
        single({"Type": "Task", "Resource": ARN + "f", "TimeoutSeconds": 30, "End": True}, "Work"),
        {},
        {"f": lambda e: e},
    )
    (context,) = outcome.invoker.contexts
    assert context.state_name == "Work"
    assert context.timeout_seconds == 30
    assert context.context["State"]["Name"] == "Work"
    assert context.context_object is context.context


def test_history_event_shapes() -> None:
    outcome = execute(
        {
            "StartAt": "Hello",
            "States": {
                "Hello": {"Type": "Task", "Resource": ARN + "hello", "Next": "Done"},
                "Done": {"Type": "Succeed"},
            },
        },
        {"who": "you"},
        {"hello": lambda event: f"Hello, {event['who']}!"},
    )
    events = outcome.events
    assert [e.id for e in events] == list(range(1, len(events) + 1))
    # AWS records the first StateEntered event with previousEventId 0, not 1.
    assert [e.previous_event_id for e in events] == [0, 0, *range(2, len(events))]
    assert all(
        e.timestamp.tzinfo is not None and e.timestamp.utcoffset() == timedelta(0) for e in events
    )
    details = {e.type: e.details for e in events}
    assert details["ExecutionStarted"]["input"] == '{"who":"you"}'
    assert details["ExecutionStarted"]["inputDetails"] == {"truncated": False}
    assert details["TaskStateEntered"] == {
        "name": "Hello",
        "input": '{"who":"you"}',
        "inputDetails": {"truncated": False},
    }
    assert details["LambdaFunctionScheduled"] == {
        "resource": ARN + "hello",
        "input": '{"who":"you"}',
        "inputDetails": {"truncated": False},
    }
    assert details["LambdaFunctionStarted"] == {}
    assert details["LambdaFunctionSucceeded"] == {
        "output": '"Hello, you!"',
        "outputDetails": {"truncated": False},
    }
    assert details["TaskStateExited"] == {
        "name": "Hello",
        "output": '"Hello, you!"',
        "outputDetails": {"truncated": False},
    }
    assert details["ExecutionSucceeded"] == {
        "output": '"Hello, you!"',
        "outputDetails": {"truncated": False},
    }


def test_async_listener() -> None:
    seen: list[str] = []

    async def listener(event: HistoryEvent) -> None:
        await asyncio.sleep(0)
        seen.append(event.type)

    machine = StateMachine.parse(single({"Type": "Pass", "End": True}))
    asyncio.run(Executor(machine, FunctionInvoker({}), listener=listener).run({}))
    assert seen == ["ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"]


def lambda_invoke(**parameters: Any) -> dict[str, Any]:
    return single(
        {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": parameters,
            "End": True,
        }
    )


def test_lambda_invoke_output_shape() -> None:
    outcome = execute(
        lambda_invoke(**{"FunctionName": ARN + "echo:7", "Payload.$": "$"}),
        {"a": 1},
        {"echo": lambda event: {"echo": event}},
    )
    assert outcome.invoker.calls == [(ARN + "echo:7", {"a": 1})]
    output = outcome.result.output
    assert set(output) == {
        "ExecutedVersion",
        "Payload",
        "SdkHttpMetadata",
        "SdkResponseMetadata",
        "StatusCode",
    }
    assert output["ExecutedVersion"] == "7"
    assert output["Payload"] == {"echo": {"a": 1}}
    assert output["StatusCode"] == 200
    metadata = output["SdkHttpMetadata"]
    assert metadata["HttpStatusCode"] == 200
    assert metadata["HttpHeaders"]["Content-Type"] == "application/json"
    assert metadata["HttpHeaders"]["X-Amz-Executed-Version"] == "7"
    assert metadata["HttpHeaders"]["x-amzn-RequestId"] == output["SdkResponseMetadata"]["RequestId"]
    assert metadata["AllHttpHeaders"]["Content-Type"] == ["application/json"]
    scheduled = next(e for e in outcome.events if e.type == "TaskScheduled")
    assert scheduled.details == {
        "resourceType": "lambda",
        "resource": "invoke",
        "region": "us-east-1",
        "parameters": json.dumps(
            {"FunctionName": ARN + "echo:7", "Payload": {"a": 1}}, separators=(",", ":")
        ),
    }
    assert outcome.types[3:6] == ["TaskStarted", "TaskSucceeded", "TaskStateExited"]


def test_lambda_invoke_defaults_and_event_invocations() -> None:
    outcome = execute(
        lambda_invoke(FunctionName="plain"), {"ignored": True}, {"plain": lambda event: event}
    )
    assert outcome.invoker.calls == [("plain", {})]
    assert outcome.result.output["ExecutedVersion"] == "$LATEST"
    asynchronous = output_of(
        lambda_invoke(FunctionName="plain", InvocationType="Event"), {}, {"plain": lambda e: e}
    )
    assert asynchronous["StatusCode"] == 202
    assert "Payload" not in asynchronous


def test_lambda_invoke_failure() -> None:
    def fails(_event: Any) -> Any:
        raise StatesError(
            "CorruptDocument",
            '{"errorMessage": "bad", "errorType": "CorruptDocument", "stackTrace": []}',
        )

    outcome = execute(lambda_invoke(FunctionName="f"), {}, {"f": fails})
    assert outcome.result.error == "CorruptDocument"
    failed = next(e for e in outcome.events if e.type == "TaskFailed")
    assert failed.details == {
        "resourceType": "lambda",
        "resource": "invoke",
        "error": "CorruptDocument",
        # AWS: lambda:invoke re-serializes the function's error payload compactly.
        "cause": '{"errorMessage":"bad","errorType":"CorruptDocument","stackTrace":[]}',
    }


def test_wait_state() -> None:
    future = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    cases: list[tuple[dict[str, Any], dict[str, Any], list[float] | None]] = [
        ({"Seconds": 10}, {}, [10]),
        ({"SecondsPath": "$.expiryseconds"}, {"expiryseconds": 5}, [5]),
        ({"Timestamp": "2016-03-14T01:59:00Z"}, {}, []),  # in the past: no wait
        ({"TimestampPath": "$.expirydate"}, {"expirydate": future}, None),
    ]
    for fields, given, expected in cases:
        outcome = execute(single({"Type": "Wait", "End": True, **fields}), given)
        assert outcome.result.output == given
        if expected is not None:
            assert outcome.sleep.delays == expected
        else:
            (delay,) = outcome.sleep.delays
            assert 3500 < delay <= 3600


@pytest.mark.parametrize("given", [{"expiryseconds": -1}, {"expiryseconds": "5"}, {}])
def test_wait_seconds_path_must_be_a_non_negative_integer(given: dict[str, Any]) -> None:
    outcome = execute(
        single({"Type": "Wait", "SecondsPath": "$.expiryseconds", "End": True}), given
    )
    assert outcome.result.error == "States.Runtime"


def test_fail_state_guide_examples() -> None:
    outcome = execute(
        single({"Type": "Fail", "Error": "ErrorA", "Cause": "Kaiju attack"}, "FailState"), {}
    )
    assert (outcome.result.status, outcome.result.error, outcome.result.cause) == (
        "FAILED",
        "ErrorA",
        "Kaiju attack",
    )
    assert outcome.types == ["ExecutionStarted", "FailStateEntered", "ExecutionFailed"]
    assert outcome.events[-1].details == {"error": "ErrorA", "cause": "Kaiju attack"}
    dynamic = single(
        {
            "Type": "Fail",
            "CausePath": "States.Format('This is a custom error message for {}, caused by {}.', $.Error, $.Cause)",
            "ErrorPath": "$.Error",
        }
    )
    outcome = execute(dynamic, {"Error": "Timeout", "Cause": "a slow service"})
    assert outcome.result.error == "Timeout"
    assert (
        outcome.result.cause
        == "This is a custom error message for Timeout, caused by a slow service."
    )
    bare = execute(single({"Type": "Fail"}), {})
    assert (bare.result.error, bare.result.cause) == (None, None)
    assert bare.events[-1].details == {}


def test_succeed_state_and_pass_parameters() -> None:
    definition = {
        "StartAt": "P",
        "States": {
            "P": {"Type": "Pass", "Parameters": {"x.$": "$.a"}, "ResultPath": "$.p", "Next": "S"},
            "S": {"Type": "Succeed", "InputPath": "$.p", "OutputPath": "$.x"},
        },
    }
    assert output_of(definition, {"a": 42}) == 42


def test_json_text_definitions_and_reuse() -> None:
    machine = StateMachine.parse(
        json.dumps(single({"Type": "Pass", "Result": {"n": 1}, "End": True}))
    )
    executor = Executor(machine, FunctionInvoker({}))

    async def twice() -> list[Any]:
        return [r.output for r in await asyncio.gather(executor.run({}), executor.run({}))]

    assert asyncio.run(twice()) == [{"n": 1}, {"n": 1}]


class QueueIntegration(Integration):
    """A stand-in for a later integration: sends messages, issues task tokens."""

    resource_type = "sqs"
    resource_name = "sendMessage.waitForTaskToken"

    def __init__(self) -> None:
        self.sent: list[Any] = []

    def handles(self, resource: str) -> bool:
        return resource == "arn:aws:states:::sqs:sendMessage.waitForTaskToken"

    def task_token(self, _resource: str, _context: Mapping[str, Any]) -> str | None:
        return "token-123"

    async def run(self, request: TaskRequest) -> Any:
        self.sent.append(request.payload)
        return {"callback": request.context.context["Task"]["Token"]}


def test_integrations_can_be_registered() -> None:
    definition = single(
        {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"MessageBody": {"TaskToken.$": "$$.Task.Token", "Input.$": "$"}},
            "End": True,
        }
    )
    queue = QueueIntegration()
    events: list[HistoryEvent] = []
    executor = Executor(
        StateMachine.parse(definition), FunctionInvoker({}), events.append, integrations=[queue]
    )
    result = asyncio.run(executor.run({"n": 1}))
    assert queue.sent == [{"MessageBody": {"TaskToken": "token-123", "Input": {"n": 1}}}]
    assert result.output == {"callback": "token-123"}
    assert [e.type for e in events][2:5] == ["TaskScheduled", "TaskStarted", "TaskSucceeded"]
    assert events[2].details["resourceType"] == "sqs"


def test_choice_can_read_the_context_object() -> None:
    choice = {
        "Type": "Choice",
        "Choices": [{"Variable": "$$.Execution.Input.flag", "BooleanEquals": True, "Next": "Yes"}],
        "Default": "No",
    }
    states = {
        "C": choice,
        "Yes": {"Type": "Pass", "Result": "yes", "End": True},
        "No": {"Type": "Pass", "Result": "no", "End": True},
    }
    assert output_of({"StartAt": "C", "States": states}, {"flag": True}) == "yes"


def test_the_package_imports_nothing_heavy() -> None:
    code = (
        "import sys, sluiceway.asl; "
        "print(sorted(m for m in ('litellm', 'boto3', 'psycopg', 'numpy', 'pydantic') if m in sys.modules))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert completed.stdout.strip() == "[]"
