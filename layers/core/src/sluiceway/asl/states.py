"""Task, Parallel and Map: the states with Retry, Catch, ResultSelector and history of their own."""

from __future__ import annotations

import asyncio
import copy
import json
import random
from abc import abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

from sluiceway.asl import errors
from sluiceway.asl.control import (
    CRASH,
    DeadlineExceeded,
    Heartbeat,
    RetryPolicy,
    Sleep,
    run_all,
    with_deadline,
)
from sluiceway.asl.errors import StatesError, error_matches
from sluiceway.asl.events import EventLog, HistoryEvent, Lane
from sluiceway.asl.integrations import Integration, TaskContext, TaskRequest, failure_from_exception
from sluiceway.asl.intrinsics import Intrinsic
from sluiceway.asl.model import Graph, MapState, ParallelState, State, TaskState
from sluiceway.asl.paths import JsonPath
from sluiceway.asl.payload import compact_json
from sluiceway.asl.processing import (
    apply_input_path,
    apply_output_path,
    json_type,
    merge_result,
    read_path,
)

ExecState = TaskState | ParallelState | MapState


class ExecutionStates:
    """Mixed into the execution runner; implements the states that do work."""

    events: EventLog
    sleep: Sleep
    timer: Sleep
    rng: random.Random
    integrations: Sequence[Integration]
    region: str
    context: dict[str, Any]

    @abstractmethod
    async def run_graph(self, graph: Graph, data: Any, lane: Lane) -> Any: ...

    @abstractmethod
    def state_context(self, state: State, entered: HistoryEvent) -> dict[str, Any]: ...

    merge_result = staticmethod(merge_result)

    def dynamic_string(
        self, source: JsonPath | Intrinsic, data: Any, context: Mapping[str, Any], field: str
    ) -> str:
        value = (
            source.evaluate(data, context)
            if isinstance(source, Intrinsic)
            else read_path(source, data, context)
        )
        if not isinstance(value, str):
            raise StatesError(
                errors.RUNTIME, f"The value of the field '{field}' must be a string: {value!r}"
            )
        return value

    async def run_execution_state(
        self, state: ExecState, raw: Any, lane: Lane, context: dict[str, Any]
    ) -> tuple[str | None, Any]:
        effective = apply_input_path(state, raw, context)
        policy = RetryPolicy(state.retry, self.rng)
        while True:
            try:
                result = await self._attempt(state, effective, lane, context)
                if state.result_selector is not None:
                    result = state.result_selector.evaluate(result, context)
                output = merge_result(state.result_path, raw, result)
                return state.next, apply_output_path(state, output, context)
            except StatesError as failure:
                if failure.error in errors.TERMINAL_ERRORS:
                    raise
                delay = policy.next_delay(failure.error)
                if delay is not None:
                    context["State"]["RetryCount"] += 1
                    await self.sleep(delay)
                    continue
                if not isinstance(state, TaskState):
                    await self.events.emit(lane, f"{state.type}StateFailed")
                for catcher in state.catch:
                    if error_matches(catcher.error_equals, failure.error):
                        return catcher.next, merge_result(
                            catcher.result_path, raw, failure.error_output()
                        )
                raise

    async def _attempt(
        self, state: ExecState, effective: Any, lane: Lane, context: dict[str, Any]
    ) -> Any:
        if isinstance(state, MapState):
            return await self._run_map(state, effective, lane, context)
        if isinstance(state, TaskState):
            return await self._run_task(state, effective, lane, context)
        payload = effective
        if state.parameters is not None:
            payload = state.parameters.evaluate(effective, context)
        await self.events.emit(lane, "ParallelStateStarted")
        branches = [
            self.run_graph(branch, payload, Lane(lane.last_id)) for branch in state.branches
        ]
        results = await run_all(branches)
        await self.events.emit(lane, "ParallelStateSucceeded")
        return results

    # -- Task ------------------------------------------------------------------------------------

    def _seconds(
        self, fixed: float | None, path: JsonPath | None, data: Any, context: Any, field: str
    ) -> float | None:
        if path is None:
            return fixed
        value = read_path(path, data, context)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise StatesError(
                errors.RUNTIME, f"The value of '{field}' must be a positive integer: {value!r}"
            )
        return float(value)

    async def _run_task(
        self, state: TaskState, effective: Any, lane: Lane, context: dict[str, Any]
    ) -> Any:
        integration = next((i for i in self.integrations if i.handles(state.resource)), None)
        if integration is None:
            raise StatesError(errors.RUNTIME, f"The resource '{state.resource}' is not supported.")
        token = integration.task_token(state.resource)
        if token is not None:
            context = {**context, "Task": {"Token": token}}
        payload = effective
        if state.parameters is not None:
            payload = state.parameters.evaluate(effective, context)
        timeout = self._seconds(
            state.timeout_seconds,
            state.timeout_seconds_path,
            payload,
            context,
            "TimeoutSecondsPath",
        )
        heartbeat_seconds = self._seconds(
            state.heartbeat_seconds,
            state.heartbeat_seconds_path,
            payload,
            context,
            "HeartbeatSecondsPath",
        )
        heartbeat = Heartbeat()
        task_context = TaskContext(
            state_name=state.name,
            context=copy.deepcopy(context),
            timeout_seconds=timeout,
            heartbeat_seconds=heartbeat_seconds,
            heartbeat=heartbeat.beat,
        )
        request = TaskRequest(state.resource, copy.deepcopy(payload), task_context, self.region)
        await self.events.emit(lane, *integration.scheduled(request))
        await self.events.emit(lane, *integration.started(request))
        try:
            result = await with_deadline(
                integration.run(request), self.timer, timeout, heartbeat_seconds, heartbeat
            )
        except DeadlineExceeded as expired:
            timed_out = StatesError(
                errors.TIMEOUT,
                f"The state '{state.name}' sent no heartbeat for {heartbeat_seconds:g} seconds."
                if expired.heartbeat and heartbeat_seconds is not None
                else f"The state '{state.name}' timed out after {timeout:g} seconds.",
            )
            await self.events.emit(lane, *integration.timed_out(request, timed_out))
            raise timed_out from None
        except StatesError as failure:
            await self.events.emit(lane, *integration.failed(request, failure))
            raise
        except Exception as exc:
            converted = failure_from_exception(exc)
            await self.events.emit(lane, *integration.failed(request, converted))
            raise converted from None
        try:
            compact_json(result)
        except (TypeError, ValueError) as exc:
            # What the Lambda runtime reports for a return value it cannot serialize.
            message = f"Unable to marshal response: {exc}"
            marshal_error = StatesError(
                "Runtime.MarshalError",
                json.dumps(
                    {"errorMessage": message, "errorType": "Runtime.MarshalError", "stackTrace": []}
                ),
            )
            await self.events.emit(lane, *integration.failed(request, marshal_error))
            raise marshal_error from None
        await self.events.emit(lane, *integration.succeeded(request, result))
        return result

    # -- Map -------------------------------------------------------------------------------------

    async def _run_map(
        self, state: MapState, effective: Any, lane: Lane, context: dict[str, Any]
    ) -> Any:
        items = read_path(state.items_path, effective, context)
        if not isinstance(items, list):
            raise StatesError(
                errors.RUNTIME,
                f"Invalid path '{state.items_path.source}' : The value of the field 'ItemsPath' "
                f"must be a JSON array, but got: {json_type(items)}",
            )
        limit = state.max_concurrency
        if state.max_concurrency_path is not None:
            value = read_path(state.max_concurrency_path, effective, context)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise StatesError(
                    errors.RUNTIME,
                    f"The value of 'MaxConcurrencyPath' must be a non-negative integer: {value!r}",
                )
            limit = value
        await self.events.emit(lane, "MapStateStarted", {"length": len(items)})
        iterations = [
            self._run_iteration(state, index, item, effective, Lane(lane.last_id), context)
            for index, item in enumerate(items)
        ]
        results = await run_all(iterations, limit)
        await self.events.emit(lane, "MapStateSucceeded")
        return results

    async def _run_iteration(
        self,
        state: MapState,
        index: int,
        item: Any,
        effective: Any,
        lane: Lane,
        context: dict[str, Any],
    ) -> Any:
        details = {"name": state.name, "index": index}
        await self.events.emit(lane, "MapIterationStarted", details)
        try:
            item_input = item
            if state.item_selector is not None:
                item_context = {**context, "Map": {"Item": {"Index": index, "Value": item}}}
                item_input = state.item_selector.evaluate(effective, item_context)
            output = await self.run_graph(state.processor, item_input, lane)
        except StatesError:
            await self.events.emit(lane, "MapIterationFailed", details)
            raise
        except asyncio.CancelledError as cancelled:
            if CRASH not in cancelled.args:
                await self.events.emit(lane, "MapIterationAborted", details)
            raise
        await self.events.emit(lane, "MapIterationSucceeded", details)
        return output
