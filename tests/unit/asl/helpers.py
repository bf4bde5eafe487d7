"""In-memory Lambda functions and a virtual clock for the ASL tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sluiceway.asl import ExecutionResult, Executor, HistoryEvent, StateMachine, TaskContext

Handler = Callable[[Any], Any] | Callable[[Any], Awaitable[Any]]

ARN = "arn:aws:lambda:us-east-1:123456789012:function:"


@dataclass
class FunctionInvoker:
    """Runs plain Python functions by Lambda name (the last part of the ARN, or FunctionName)."""

    handlers: Mapping[str, Handler]
    calls: list[tuple[str, Any]] = field(default_factory=list)
    contexts: list[TaskContext] = field(default_factory=list)

    async def invoke(self, function: str, payload: Any, context: TaskContext) -> Any:
        self.calls.append((function, payload))
        self.contexts.append(context)
        name = function.split(":function:")[-1].split(":")[0]
        outcome = self.handlers[name](payload)
        if asyncio.iscoroutine(outcome):
            return await outcome
        return outcome


@dataclass
class FakeSleep:
    """Records delays and returns at once (after letting other tasks run)."""

    delays: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        await asyncio.sleep(0)


async def scaled_sleep(seconds: float) -> None:
    """A thousand times faster than real time: timeouts of seconds take milliseconds."""
    await asyncio.sleep(seconds / 1000)


@dataclass
class Outcome:
    result: ExecutionResult
    events: list[HistoryEvent]
    invoker: FunctionInvoker
    sleep: FakeSleep

    @property
    def types(self) -> list[str]:
        return [event.type for event in self.events]


def execute(
    definition: Mapping[str, Any],
    input: Any = None,
    handlers: Mapping[str, Handler] | None = None,
    *,
    sleep: Callable[[float], Awaitable[Any]] | None = None,
    fake_timer: bool = False,
    **options: Any,
) -> Outcome:
    """Run ``definition``; with ``fake_timer`` timeouts also go through the recording sleep."""
    machine = StateMachine.parse(definition)
    invoker = FunctionInvoker(handlers or {})
    events: list[HistoryEvent] = []
    fake = FakeSleep()
    if fake_timer:
        options["timer"] = fake
    executor = Executor(machine, invoker, listener=events.append, sleep=sleep or fake, **options)
    result = asyncio.run(
        executor.run({} if input is None else input, execution_name="test-execution")
    )
    return Outcome(result, events, invoker, fake)


def single(state: Mapping[str, Any], name: str = "S") -> dict[str, Any]:
    """A machine of one state."""
    return {"StartAt": name, "States": {name: dict(state)}}


def output_of(
    definition: Mapping[str, Any], input: Any = None, handlers: Mapping[str, Handler] | None = None
) -> Any:
    outcome = execute(definition, input, handlers)
    assert outcome.result.status == "SUCCEEDED", (outcome.result.error, outcome.result.cause)
    return outcome.result.output
