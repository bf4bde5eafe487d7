"""Retry, Catch, timeouts and how task failures become ASL errors."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Iterator
from typing import Any

import pytest

from sluiceway.asl import Executor, StateMachine, StatesError

from .helpers import ARN, FunctionInvoker, execute, scaled_sleep, single


def failing_with(*errors: str) -> Any:
    """A function that fails with each error name in turn, then succeeds."""
    sequence: Iterator[str] = iter(errors)

    def handler(_event: Any) -> Any:
        error = next(sequence, None)
        if error is None:
            return "done"
        raise StatesError(error, json.dumps({"errorMessage": error, "errorType": error}))

    return handler


def task(**fields: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": ARN + "X", "End": True, **fields}


async def never_returns(_event: Any) -> Any:
    await asyncio.Event().wait()


def test_complex_retry_scenario_from_the_guide() -> None:
    # "Complex retry scenarios": errors A, B, C, B, B wait 1, 2, 5 and 4 seconds, then the last
    # ErrorB has used up its two retries and the catcher sends the execution to Z.
    definition = {
        "StartAt": "X",
        "States": {
            "X": task(
                Retry=[
                    {
                        "ErrorEquals": ["ErrorA", "ErrorB"],
                        "IntervalSeconds": 1,
                        "BackoffRate": 2.0,
                        "MaxAttempts": 2,
                    },
                    {"ErrorEquals": ["ErrorC"], "IntervalSeconds": 5},
                ],
                Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Z"}],
            ),
            "Z": {"Type": "Pass", "End": True},
        },
    }
    outcome = execute(
        definition, {}, {"X": failing_with("ErrorA", "ErrorB", "ErrorC", "ErrorB", "ErrorB")}
    )
    assert outcome.sleep.delays == [1, 2, 5, 4]
    assert outcome.result.status == "SUCCEEDED"
    assert outcome.result.output["Error"] == "ErrorB"
    assert len(outcome.invoker.calls) == 5


def test_default_retrier_values() -> None:
    outcome = execute(
        single(task(Retry=[{"ErrorEquals": ["States.ALL"]}])),
        {},
        {"X": failing_with(*["Boom"] * 9)},
    )
    assert outcome.sleep.delays == [
        1.0,
        2.0,
        4.0,
    ]  # IntervalSeconds 1, BackoffRate 2.0, MaxAttempts 3
    assert outcome.result.status == "FAILED"
    assert outcome.result.error == "Boom"
    assert outcome.types.count("LambdaFunctionFailed") == 4


def test_retry_backoff_and_timeout_example_from_the_guide() -> None:
    # "This example of a Retry makes 2 retry attempts after waiting for 3 and 4.5 seconds."
    retry = [
        {
            "ErrorEquals": ["States.Timeout"],
            "IntervalSeconds": 3,
            "MaxAttempts": 2,
            "BackoffRate": 1.5,
        }
    ]
    outcome = execute(
        single(task(TimeoutSeconds=10, Retry=retry)), {}, {"X": never_returns}, fake_timer=True
    )
    assert outcome.sleep.delays == [10, 3, 10, 4.5, 10]  # timeouts are measured with the same sleep
    assert outcome.result.error == "States.Timeout"
    assert outcome.types.count("LambdaFunctionTimedOut") == 3


def test_retry_everything_but_timeouts_example_from_the_guide() -> None:
    retry = [{"ErrorEquals": ["States.Timeout"], "MaxAttempts": 0}, {"ErrorEquals": ["States.ALL"]}]
    timed_out = execute(
        single(task(TimeoutSeconds=5, Retry=retry)), {}, {"X": never_returns}, fake_timer=True
    )
    assert timed_out.sleep.delays == [5]
    assert timed_out.result.error == "States.Timeout"
    other = execute(single(task(Retry=retry)), {}, {"X": failing_with("Oops", "Oops")})
    assert other.sleep.delays == [1, 2]
    assert other.result.status == "SUCCEEDED"


def test_max_delay_seconds_caps_the_backoff() -> None:
    retry = [
        {
            "ErrorEquals": ["E"],
            "IntervalSeconds": 1,
            "BackoffRate": 10,
            "MaxAttempts": 4,
            "MaxDelaySeconds": 50,
        }
    ]
    outcome = execute(single(task(Retry=retry)), {}, {"X": failing_with(*["E"] * 4)})
    assert outcome.sleep.delays == [1, 10, 50, 50]


def test_full_jitter_draws_below_the_backoff() -> None:
    retry = [
        {"ErrorEquals": ["E"], "IntervalSeconds": 4, "MaxAttempts": 3, "JitterStrategy": "FULL"}
    ]
    outcome = execute(
        single(task(Retry=retry)), {}, {"X": failing_with("E", "E", "E")}, rng=random.Random(7)
    )
    assert len(outcome.sleep.delays) == 3
    assert all(
        0 <= delay <= limit for delay, limit in zip(outcome.sleep.delays, [4, 8, 16], strict=True)
    )
    assert outcome.sleep.delays != [4, 8, 16]


def test_retry_count_in_the_context_object() -> None:
    outcome = execute(
        single(task(Retry=[{"ErrorEquals": ["E"]}])), {}, {"X": failing_with("E", "E")}
    )
    assert [c.context["State"]["RetryCount"] for c in outcome.invoker.contexts] == [0, 1, 2]


@pytest.mark.parametrize(
    ("error", "error_equals", "caught"),
    [
        ("Custom", ["States.TaskFailed"], True),
        ("Lambda.Unknown", ["States.TaskFailed"], True),
        ("States.Timeout", ["States.TaskFailed"], False),
        ("States.Timeout", ["States.ALL"], True),
        ("Custom", ["Other", "Custom"], True),
        ("Custom", ["custom"], False),  # error names are case-sensitive
    ],
)
def test_error_matching(error: str, error_equals: list[str], caught: bool) -> None:
    definition = {
        "StartAt": "X",
        "States": {
            "X": task(Catch=[{"ErrorEquals": error_equals, "Next": "C"}]),
            "C": {"Type": "Succeed"},
        },
    }
    outcome = execute(definition, {}, {"X": failing_with(error)})
    assert (outcome.result.status == "SUCCEEDED") is caught


def test_first_matching_catcher_wins_and_gets_the_error_output() -> None:
    definition = {
        "StartAt": "X",
        "States": {
            "X": task(
                Catch=[
                    {
                        "ErrorEquals": ["java.lang.Exception"],
                        "ResultPath": "$.error-info",
                        "Next": "RecoveryState",
                    },
                    {"ErrorEquals": ["States.ALL"], "Next": "EndState"},
                ]
            ),
            "RecoveryState": {
                "Type": "Pass",
                "Result": "recovery",
                "ResultPath": "$.went",
                "End": True,
            },
            "EndState": {"Type": "Pass", "End": True},
        },
    }
    outcome = execute(definition, {"in": 1}, {"X": failing_with("java.lang.Exception")})
    assert outcome.result.output == {
        "in": 1,
        "error-info": {
            "Error": "java.lang.Exception",
            "Cause": '{"errorMessage": "java.lang.Exception", "errorType": "java.lang.Exception"}',
        },
        "went": "recovery",
    }
    assert outcome.types[:8] == [
        "ExecutionStarted",
        "TaskStateEntered",
        "LambdaFunctionScheduled",
        "LambdaFunctionStarted",
        "LambdaFunctionFailed",
        "TaskStateExited",
        "PassStateEntered",
        "PassStateExited",
    ]
    other = execute(definition, {"in": 1}, {"X": failing_with("Else")})
    assert other.result.output == {
        "Error": "Else",
        "Cause": '{"errorMessage": "Else", "errorType": "Else"}',
    }


def test_an_ordinary_exception_fails_the_task_with_its_type_name() -> None:
    class CorruptDocument(Exception):
        pass

    def handler(_event: Any) -> Any:
        raise CorruptDocument("bad bytes")

    outcome = execute(single(task()), {}, {"X": handler})
    assert outcome.result.error == "CorruptDocument"
    assert outcome.result.cause is not None
    cause = json.loads(outcome.result.cause)
    assert cause["errorMessage"] == "bad bytes"
    assert cause["errorType"] == "CorruptDocument"
    assert any("raise CorruptDocument" in line for line in cause["stackTrace"])
    failed = next(e for e in outcome.events if e.type == "LambdaFunctionFailed")
    assert failed.details == {"error": "CorruptDocument", "cause": outcome.result.cause}


class Crash(BaseException):
    """What the runtime raises to simulate a crash of the process."""


def crash(_event: Any) -> Any:
    raise Crash


@pytest.mark.parametrize(
    "definition",
    [
        single(
            task(
                Retry=[{"ErrorEquals": ["States.ALL"]}],
                Catch=[{"ErrorEquals": ["States.ALL"], "Next": "S"}],
            )
        ),
        single(
            {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "slow", "States": {"slow": task(Resource=ARN + "slow")}},
                    {"StartAt": "crash", "States": {"crash": task(TimeoutSeconds=100)}},
                ],
                "End": True,
            }
        ),
        single(
            {"Type": "Map", "ItemProcessor": {"StartAt": "T", "States": {"T": task()}}, "End": True}
        ),
    ],
)
def test_a_crash_propagates_unchanged(definition: dict[str, Any]) -> None:
    machine = StateMachine.parse(definition)
    events: list[Any] = []
    invoker = FunctionInvoker({"X": crash, "slow": never_returns})
    with pytest.raises(Crash):
        asyncio.run(Executor(machine, invoker, listener=events.append).run([1, 2, 3]))
    assert not any(e.type.startswith("Execution") and e.type != "ExecutionStarted" for e in events)
    assert "MapIterationAborted" not in [e.type for e in events]


def test_task_timeout_seconds_path_and_history() -> None:
    outcome = execute(
        single(task(TimeoutSecondsPath="$.limit")),
        {"limit": 3},
        {"X": never_returns},
        fake_timer=True,
    )
    assert outcome.result.status == "FAILED"
    assert outcome.result.error == "States.Timeout"
    assert outcome.sleep.delays == [3]
    scheduled = next(e for e in outcome.events if e.type == "LambdaFunctionScheduled")
    assert scheduled.details["timeoutInSeconds"] == 3
    assert outcome.result.cause is None  # AWS: a timeout has no cause
    assert outcome.types[-2:] == ["LambdaFunctionTimedOut", "ExecutionFailed"]
    timed_out = next(e for e in outcome.events if e.type == "LambdaFunctionTimedOut")
    assert timed_out.details == {"error": "States.Timeout"}


def test_heartbeat() -> None:
    async def beating(_event: Any) -> str:
        for _ in range(5):
            invoker.contexts[-1].heartbeat()
            await asyncio.sleep(0.002)
        return "alive"

    async def silent(_event: Any) -> str:
        await asyncio.sleep(0.2)
        return "too late"

    invoker = FunctionInvoker({"beating": beating, "silent": silent})
    definition = single(task(Resource=ARN + "beating", TimeoutSeconds=1000, HeartbeatSeconds=30))
    executor = Executor(StateMachine.parse(definition), invoker, timer=scaled_sleep)
    assert asyncio.run(executor.run({})).output == "alive"
    definition = single(task(Resource=ARN + "silent", TimeoutSeconds=1000, HeartbeatSeconds=30))
    executor = Executor(StateMachine.parse(definition), invoker, timer=scaled_sleep)
    result = asyncio.run(executor.run({}))
    assert (result.status, result.error) == ("FAILED", "States.Timeout")


def test_execution_timeout() -> None:
    definition = {"TimeoutSeconds": 1, **single({"Type": "Wait", "Seconds": 60, "End": True})}
    outcome = execute(definition, {}, sleep=scaled_sleep, timer=scaled_sleep)
    assert outcome.result.status == "TIMED_OUT"
    assert outcome.result.error is None  # AWS's DescribeExecution shows neither error nor cause
    assert outcome.result.output is None
    assert outcome.types == ["ExecutionStarted", "WaitStateEntered", "ExecutionTimedOut"]


def test_a_fake_sleep_does_not_shorten_timeouts() -> None:
    # Timeouts run on real time unless a test passes a timer: a fake sleep that returns at once
    # skips the Wait without making the machine's TimeoutSeconds expire.
    definition = {"TimeoutSeconds": 1, **single({"Type": "Wait", "Seconds": 60, "End": True})}
    outcome = execute(definition, {"x": 1})
    assert outcome.result.status == "SUCCEEDED"
    assert outcome.sleep.delays == [60]


def test_unknown_resource_is_a_runtime_error() -> None:
    definition = single(
        {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "End": True}
    )
    outcome = execute(definition, {})
    assert outcome.result.error == "States.Runtime"
    assert outcome.result.cause == (
        "An error occurred while executing the state 'S' (entered at the event id #2). "
        "The resource 'arn:aws:states:::sqs:sendMessage' is not supported."
    )


def test_a_result_that_is_not_json_fails_like_the_lambda_runtime() -> None:
    outcome = execute(single(task()), {}, {"X": lambda _: {"when": object()}})
    assert outcome.result.error == "Runtime.MarshalError"
    assert outcome.result.cause is not None
    assert json.loads(outcome.result.cause)["errorMessage"].startswith(
        "Unable to marshal response: "
    )
