"""Task, Parallel and Map: the states with Retry, Catch, ResultSelector and history of their own."""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from typing import Any

from sluiceway.asl import errors, query
from sluiceway.asl.control import (
    DeadlineExceeded,
    Heartbeat,
    RetryPolicy,
    Sleep,
    run_all,
    with_deadline,
)
from sluiceway.asl.errors import StatesError, error_matches
from sluiceway.asl.events import Lane, child_lane
from sluiceway.asl.flow_states import jsonata_output
from sluiceway.asl.integrations import Integration, TaskContext, TaskRequest, failure_from_exception
from sluiceway.asl.intrinsics import Intrinsic
from sluiceway.asl.jsonata_eval import JsonataTemplate
from sluiceway.asl.map_state import MapStates
from sluiceway.asl.model import Catcher, Graph, MapState, ParallelState, TaskState
from sluiceway.asl.paths import JsonPath
from sluiceway.asl.payload import json_copy
from sluiceway.asl.processing import apply_input_path, apply_output_path, merge_result, read_path
from sluiceway.asl.query import check_result_size, payload_size
from sluiceway.asl.variables import Context, Scope

ExecState = TaskState | ParallelState | MapState


class ExecutionStates(MapStates):
    """Mixed into the execution runner; implements the states that do work."""

    sleep: Sleep
    timer: Sleep
    rng: random.Random
    integrations: Sequence[Integration]
    region: str

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
        self, state: ExecState, raw: Any, lane: Lane, context: Context
    ) -> tuple[str | None, Any, dict[str, Any]]:
        effective = raw if state.jsonata else apply_input_path(state, raw, context)
        policy = RetryPolicy(state.retry, self.rng)
        while True:
            try:
                result = await self._attempt(state, effective, lane, context)
                if state.jsonata:
                    states = query.states_binding(context, raw, result=result)
                    output = jsonata_output(state, context, states, result)
                    assigned = query.assign_values(state.assign, None, context, states)
                    return state.next, output, assigned
                assigned = query.assign_values(state.assign, result, context)
                if state.result_selector is not None:
                    result = state.result_selector.evaluate(result, context)
                output = merge_result(state.result_path, raw, result)
                return state.next, apply_output_path(state, output, context), assigned
            except StatesError as failure:
                if failure.terminal:
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
                        return self._caught(state, catcher, raw, failure, context)
                raise

    def _caught(
        self, state: ExecState, catcher: Catcher, raw: Any, failure: StatesError, context: Context
    ) -> tuple[str | None, Any, dict[str, Any]]:
        error_output = failure.error_output()
        if state.jsonata:
            states = query.states_binding(context, raw, errorOutput=error_output)
            output = error_output
            if catcher.output is not None:
                output = query.evaluate(catcher.output, context, states)
            return catcher.next, output, query.assign_values(catcher.assign, None, context, states)
        assigned = query.assign_values(catcher.assign, error_output, context)
        return catcher.next, merge_result(catcher.result_path, raw, error_output), assigned

    async def _attempt(self, state: ExecState, effective: Any, lane: Lane, context: Context) -> Any:
        if isinstance(state, MapState):
            return await self.run_map(state, effective, lane, context)
        if isinstance(state, TaskState):
            return await self._run_task(state, effective, lane, context)
        payload = self.arguments(state, effective, context)
        await self.events.emit(lane, "ParallelStateStarted")
        failed: list[int] = []
        ends: list[int] = []

        async def branch(index: int, graph: Graph) -> Any:
            branch_lane = child_lane(lane.last_id, index)
            try:
                result = await self.run_graph(graph, payload, branch_lane, Scope(context.variables))
            except StatesError:
                failed.append(branch_lane.last_id)
                raise
            ends.append(branch_lane.last_id)
            return result

        try:
            results = await run_all([branch(i, graph) for i, graph in enumerate(state.branches)])
        except StatesError as failure:
            # AWS: ParallelStateFailed (or a retry) follows the failed branch's last event; a
            # terminal error (unseen by Retry/Catch handling) writes it here, as a Map does.
            lane.last_id = failed[0] if failed else lane.last_id
            if failure.terminal:
                await self.events.emit(lane, "ParallelStateFailed")
            raise
        # AWS: ParallelStateSucceeded and ParallelStateExited follow the branches' last event.
        last = max(ends, default=lane.last_id)
        await self.events.emit(lane, "ParallelStateSucceeded", previous=last)
        lane.last_id = last
        return results

    # -- Task ------------------------------------------------------------------------------------

    def arguments(self, state: TaskState | ParallelState, effective: Any, context: Context) -> Any:
        """Parameters (JSONPath) or Arguments (JSONata) applied to the effective input."""
        if state.arguments is not None:
            states = query.states_binding(context, effective)
            return query.evaluate(state.arguments, context, states)
        if state.parameters is not None:
            return state.parameters.evaluate(effective, context)
        return effective

    def _seconds(
        self,
        fixed: float | None,
        path: JsonPath | None,
        expression: JsonataTemplate | None,
        data: Any,
        context: Context,
        field: str,
    ) -> float | None:
        if expression is not None:
            states = query.states_binding(context, data)
            return float(query.jsonata_integer(expression, context, states, field, 1))
        if path is None:
            return fixed
        value = read_path(path, data, context)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise StatesError(
                errors.RUNTIME, f"The value of '{field}' must be a positive integer: {value!r}"
            )
        return float(value)

    async def _run_task(
        self, state: TaskState, effective: Any, lane: Lane, context: Context
    ) -> Any:
        integration = next((i for i in self.integrations if i.handles(state.resource)), None)
        if integration is None:
            raise StatesError(errors.RUNTIME, f"The resource '{state.resource}' is not supported.")
        token = integration.task_token(state.resource, context)
        if token is not None:
            context = context.derive(Task={"Token": token})
        payload = self.arguments(state, effective, context)
        timeout = self._seconds(
            state.timeout_seconds,
            state.timeout_seconds_path,
            state.timeout_seconds_expr,
            effective,
            context,
            "TimeoutSeconds" if state.jsonata else "TimeoutSecondsPath",
        )
        heartbeat_seconds = self._seconds(
            state.heartbeat_seconds,
            state.heartbeat_seconds_path,
            state.heartbeat_seconds_expr,
            effective,
            context,
            "HeartbeatSeconds" if state.jsonata else "HeartbeatSecondsPath",
        )
        heartbeat = Heartbeat()
        task_context = TaskContext(
            state_name=state.name,
            context=json_copy(dict(context)),
            timeout_seconds=timeout,
            heartbeat_seconds=heartbeat_seconds,
            heartbeat=heartbeat.beat,
        )
        request = TaskRequest(state.resource, json_copy(payload), task_context, self.region)
        await self.events.emit(lane, *integration.scheduled(request))
        await self.events.emit(lane, *integration.started(request))
        try:
            result = await with_deadline(
                integration.run(request), self.timer, timeout, heartbeat_seconds, heartbeat
            )
        except DeadlineExceeded:
            # AWS: no cause in the events, an empty one in the error output a catcher sees;
            # a missed heartbeat is reported the same way.
            timed_out = StatesError(errors.TIMEOUT, "")
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
            size = payload_size(result)
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
        try:
            check_result_size(integration.result_name(request), result, size=size, terminal=False)
        except StatesError as too_big:
            await self.events.emit(lane, *integration.failed(request, too_big))
            raise
        await self.events.emit(lane, *integration.succeeded(request, result))
        return result
