from __future__ import annotations

import asyncio
from typing import Any

from sluiceway.asl import Executor, StateMachine, TaskContext


class NoLambdas:
    async def invoke(self, function: str, payload: Any, context: TaskContext) -> Any:
        raise AssertionError("no Lambda is called")


def test_the_context_object_carries_the_redrive_count() -> None:
    machine = StateMachine.parse(
        {
            "StartAt": "Count",
            "States": {
                "Count": {
                    "Type": "Pass",
                    "Parameters": {"redrives.$": "$$.Execution.RedriveCount"},
                    "End": True,
                }
            },
        }
    )
    first = asyncio.run(Executor(machine, NoLambdas()).run({}))
    again = asyncio.run(Executor(machine, NoLambdas()).run({}, redrive_count=2))
    assert first.output == {"redrives": 0}
    assert again.output == {"redrives": 2}
