"""Parallel and Map states."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from sluiceway.asl import StatesError

from .helpers import ARN, execute, output_of, single

SHIPMENT = {
    "ship-date": "2016-03-14T01:59:00Z",
    "detail": {
        "delivery-partner": "UQS",
        "shipped": [
            {"prod": "R31", "dest-code": 9511, "quantity": 1344},
            {"prod": "S39", "dest-code": 9511, "quantity": 40},
            {"prod": "R31", "dest-code": 9833, "quantity": 12},
            {"prod": "R40", "dest-code": 9860, "quantity": 887},
            {"prod": "R40", "dest-code": 9511, "quantity": 1220},
        ],
    },
}

VALIDATE = {
    "StartAt": "Validate",
    "States": {"Validate": {"Type": "Task", "Resource": ARN + "ship-val", "End": True}},
}


def test_map_guide_example() -> None:
    definition = single(
        {
            "Type": "Map",
            "InputPath": "$.detail",
            "ItemsPath": "$.shipped",
            "MaxConcurrency": 0,
            "Iterator": VALIDATE,
            "ResultPath": "$.detail.shipped",
            "End": True,
        },
        "Validate-All",
    )
    outcome = execute(definition, SHIPMENT, {"ship-val": lambda item: {"valid": item["prod"]}})
    assert sorted(str(payload) for _, payload in outcome.invoker.calls) == sorted(
        str(item)
        for item in SHIPMENT["detail"]["shipped"]  # type: ignore[index]
    )
    assert outcome.result.output == {
        "ship-date": "2016-03-14T01:59:00Z",
        "detail": {
            "delivery-partner": "UQS",
            "shipped": [
                {"valid": "R31"},
                {"valid": "S39"},
                {"valid": "R31"},
                {"valid": "R40"},
                {"valid": "R40"},
            ],
        },
    }


def test_map_with_parameters_guide_example() -> None:
    definition = single(
        {
            "Type": "Map",
            "InputPath": "$.detail",
            "ItemsPath": "$.shipped",
            "MaxConcurrency": 0,
            "ResultPath": "$.detail.shipped",
            "Parameters": {"parcel.$": "$$.Map.Item.Value", "courier.$": "$.delivery-partner"},
            "Iterator": VALIDATE,
            "End": True,
        }
    )
    outcome = execute(definition, SHIPMENT, {"ship-val": lambda event: event})
    assert outcome.result.output["detail"]["shipped"][0] == {
        "parcel": {"prod": "R31", "dest-code": 9511, "quantity": 1344},
        "courier": "UQS",
    }


def test_context_object_map_guide_example() -> None:
    definition = single(
        {
            "Type": "Map",
            "Parameters": {
                "ContextIndex.$": "$$.Map.Item.Index",
                "ContextValue.$": "$$.Map.Item.Value",
            },
            "Iterator": {
                "StartAt": "TestPass",
                "States": {"TestPass": {"Type": "Pass", "End": True}},
            },
            "End": True,
        },
        "ExampleMapState",
    )
    assert output_of(definition, [{"who": "bob"}, {"who": "meg"}, {"who": "joe"}]) == [
        {"ContextValue": {"who": "bob"}, "ContextIndex": 0},
        {"ContextValue": {"who": "meg"}, "ContextIndex": 1},
        {"ContextValue": {"who": "joe"}, "ContextIndex": 2},
    ]


@pytest.mark.parametrize(("max_concurrency", "expected_peak"), [(1, 1), (2, 2), (0, 6)])
def test_max_concurrency(max_concurrency: int, expected_peak: int) -> None:
    running = 0
    peak = 0

    async def work(item: int) -> int:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.001)
        running -= 1
        return item * 10

    processor = {
        "StartAt": "W",
        "States": {"W": {"Type": "Task", "Resource": ARN + "work", "End": True}},
    }
    definition = single(
        {
            "Type": "Map",
            "ItemProcessor": processor,
            "MaxConcurrencyPath": "$.limit",
            "ItemsPath": "$.items",
            "End": True,
        }
    )
    outcome = execute(
        definition, {"items": [1, 2, 3, 4, 5, 6], "limit": max_concurrency}, {"work": work}
    )
    assert outcome.result.output == [10, 20, 30, 40, 50, 60]
    assert peak == expected_peak


def test_map_history_events() -> None:
    processor = {
        "ProcessorConfig": {"Mode": "INLINE"},
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "End": True}},
    }
    outcome = execute(
        single({"Type": "Map", "ItemProcessor": processor, "MaxConcurrency": 1, "End": True}, "M"),
        ["a"],
    )
    assert outcome.types == [
        "ExecutionStarted",
        "MapStateEntered",
        "MapStateStarted",
        "MapIterationStarted",
        "PassStateEntered",
        "PassStateExited",
        "MapIterationSucceeded",
        "MapStateSucceeded",
        "MapStateExited",
        "ExecutionSucceeded",
    ]
    assert outcome.events[2].details == {"length": 1}
    assert outcome.events[3].details == {"name": "M", "index": 0}


def test_a_failed_iteration_fails_the_map_and_aborts_the_others() -> None:
    async def work(item: str) -> str:
        if item == "bad":
            raise StatesError("BadItem", "no good")
        await asyncio.Event().wait()
        return item

    processor = {
        "StartAt": "W",
        "States": {"W": {"Type": "Task", "Resource": ARN + "work", "End": True}},
    }
    outcome = execute(
        single({"Type": "Map", "ItemProcessor": processor, "End": True}),
        ["slow", "bad", "slow"],
        {"work": work},
    )
    assert (outcome.result.error, outcome.result.cause) == ("BadItem", "no good")
    assert outcome.types.count("MapIterationFailed") == 1
    assert outcome.types.count("MapIterationAborted") == 2
    assert outcome.types[-2:] == ["MapStateFailed", "ExecutionFailed"]


def test_no_map_iteration_starts_after_one_failed() -> None:
    # as AWS records it: MapStateFailed follows the failed iteration's last state event
    processor = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E", "Cause": "c"}}}
    machine = single({"Type": "Map", "MaxConcurrency": 1, "ItemProcessor": processor, "End": True})
    outcome = execute(machine, [1, 2])
    assert outcome.types.count("MapIterationStarted") == 1
    failed = outcome.events[-2]
    assert (failed.type, failed.previous_event_id) == ("MapStateFailed", 5)


def test_map_catch_and_items_edge_cases() -> None:
    processor = {
        "StartAt": "F",
        "States": {"F": {"Type": "Fail", "Error": "ItemFailed", "Cause": "why"}},
    }
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemProcessor": processor,
                "Catch": [
                    {"ErrorEquals": ["ItemFailed"], "ResultPath": "$.failure", "Next": "Done"}
                ],
                "ItemsPath": "$.items",
                "End": True,
            },
            "Done": {"Type": "Succeed"},
        },
    }
    assert output_of(definition, {"items": [1]}) == {
        "items": [1],
        "failure": {"Error": "ItemFailed", "Cause": "why"},
    }
    assert output_of(definition, {"items": []}) == []
    outcome = execute(definition, {"items": {"not": "an array"}})
    assert outcome.result.error == "States.Runtime"


def test_parallel_example_fun_with_math() -> None:
    branch = {
        "Add": lambda pair: pair[0] + pair[1],
        "Subtract": lambda pair: pair[0] - pair[1],
    }
    definition = single(
        {
            "Type": "Parallel",
            "Branches": [
                {
                    "StartAt": name,
                    "States": {name: {"Type": "Task", "Resource": ARN + name, "End": True}},
                }
                for name in ("Add", "Subtract")
            ],
            "End": True,
        },
        "FunWithMath",
    )
    assert output_of(definition, [3, 2], branch) == [5, 1]


def test_parallel_branches_run_concurrently() -> None:
    ping, pong = asyncio.Event(), asyncio.Event()

    async def left(_event: Any) -> str:
        ping.set()
        await pong.wait()
        return "left"

    async def right(_event: Any) -> str:
        await ping.wait()
        pong.set()
        return "right"

    definition = single(
        {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": n, "States": {n: {"Type": "Task", "Resource": ARN + n, "End": True}}}
                for n in ("left", "right")
            ],
            "End": True,
        }
    )
    # Sequential branches would wait forever; concurrent ones meet.
    assert output_of(definition, {}, {"left": left, "right": right}) == ["left", "right"]


def test_a_failed_branch_cancels_the_others_and_fails_the_state() -> None:
    cancelled: list[str] = []

    async def slow(_event: Any) -> str:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append("slow")
            raise
        return "never"

    def broken(_event: Any) -> str:
        raise StatesError("BranchError", "the cause")

    definition = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": n,
                        "States": {n: {"Type": "Task", "Resource": ARN + n, "End": True}},
                    }
                    for n in ("slow", "broken")
                ],
                "Retry": [{"ErrorEquals": ["BranchError"], "MaxAttempts": 1}],
                "Catch": [
                    {"ErrorEquals": ["BranchError"], "ResultPath": "$.error", "Next": "Handled"}
                ],
                "End": True,
            },
            "Handled": {"Type": "Pass", "End": True},
        },
    }
    outcome = execute(definition, {"x": 1}, {"slow": slow, "broken": broken})
    assert outcome.result.output == {
        "x": 1,
        "error": {"Error": "BranchError", "Cause": "the cause"},
    }
    assert cancelled == ["slow", "slow"]  # one retry, then caught
    assert outcome.sleep.delays == [1]
    assert outcome.types.count("ParallelStateStarted") == 2
    assert outcome.types.count("ParallelStateFailed") == 1


def test_inline_map_event_links_as_aws_records_them() -> None:
    # Recorded on AWS with MaxConcurrency 1: an iteration starts after the previous iteration's
    # last state event; MapStateSucceeded and MapStateExited follow the last
    # MapIterationSucceeded.
    definition = single(
        {
            "Type": "Map",
            "MaxConcurrency": 1,
            "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}},
            "End": True,
        }
    )
    outcome = execute(definition, [1, 2])
    links = [(e.type, e.id, e.previous_event_id) for e in outcome.events]
    assert links == [
        ("ExecutionStarted", 1, 0),
        ("MapStateEntered", 2, 0),
        ("MapStateStarted", 3, 2),
        ("MapIterationStarted", 4, 3),
        ("PassStateEntered", 5, 4),
        ("PassStateExited", 6, 5),
        ("MapIterationSucceeded", 7, 6),
        ("MapIterationStarted", 8, 6),
        ("PassStateEntered", 9, 8),
        ("PassStateExited", 10, 9),
        ("MapIterationSucceeded", 11, 10),
        ("MapStateSucceeded", 12, 11),
        ("MapStateExited", 13, 11),
        ("ExecutionSucceeded", 14, 13),
    ]


def test_a_terminal_error_in_a_branch_fails_the_parallel_state_with_its_event() -> None:
    branch = {
        "StartAt": "A",
        "States": {"A": {"Type": "Pass", "OutputPath": "$.nope", "End": True}},
    }
    outcome = execute(single({"Type": "Parallel", "Branches": [branch], "End": True}))
    assert outcome.result.error == "States.Runtime"
    assert outcome.types[-2:] == ["ParallelStateFailed", "ExecutionFailed"]
