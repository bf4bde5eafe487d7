"""The 256 KiB limit on state input/output and task results (States.DataLimitExceeded)."""

from __future__ import annotations

from typing import Any

from .helpers import ARN, execute, single

LIMIT = 256 * 1024
CAUSE = (
    "The state/task '{}' returned a result with a size exceeding the maximum number of bytes "
    "service limit."
)


def big(size: int) -> str:
    # A JSON string of `size` characters takes size + 2 bytes.
    return "x" * (size - 2)


def test_task_result_over_the_limit_is_a_task_failure() -> None:
    # As recorded on AWS: the Lambda ARN resource names the function in the cause, and Retry /
    # Catch (States.ALL too) handle the error.
    definition = single(
        {
            "Type": "Task",
            "Resource": ARN + "f",
            "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
            "End": True,
        },
        "Big",
    )
    definition["States"]["Caught"] = {"Type": "Succeed"}
    outcome = execute(definition, {}, {"f": lambda _: big(LIMIT + 1)})
    assert outcome.result.output == {
        "Error": "States.DataLimitExceeded",
        "Cause": CAUSE.format(ARN + "f"),
    }
    assert len(outcome.invoker.calls) == 3
    assert outcome.types.count("LambdaFunctionFailed") == 3


def test_task_result_over_the_limit_uncaught() -> None:
    definition = single({"Type": "Task", "Resource": ARN + "f", "End": True}, "Big")
    outcome = execute(definition, {}, {"f": lambda _: big(LIMIT + 1)})
    assert (outcome.result.error, outcome.result.cause) == (
        "States.DataLimitExceeded",
        CAUSE.format(ARN + "f"),
    )
    assert outcome.types[-2:] == ["LambdaFunctionFailed", "ExecutionFailed"]


def test_result_at_the_limit_is_accepted() -> None:
    outcome = execute(
        single({"Type": "Task", "Resource": ARN + "f", "End": True}),
        {},
        {"f": lambda _: big(LIMIT)},
    )
    assert outcome.result.status == "SUCCEEDED"


def test_state_output_over_the_limit() -> None:
    definition = single(
        {"Type": "Pass", "Parameters": {"a.$": "$.text", "b.$": "$.text"}, "End": True}, "Grow"
    )
    outcome = execute(definition, {"text": "y" * (LIMIT // 2)})
    assert (outcome.result.error, outcome.result.cause) == (
        "States.DataLimitExceeded",
        CAUSE.format("Grow"),
    )
    assert outcome.types == ["ExecutionStarted", "PassStateEntered", "ExecutionFailed"]


def test_multibyte_characters_count_as_utf8_bytes() -> None:
    text: Any = "é" * (LIMIT // 2)  # 2 bytes each: one byte over with the quotes
    outcome = execute(single({"Type": "Pass", "End": True}), {"t": text[:-1] + "é"})
    assert outcome.result.error == "States.DataLimitExceeded"
