"""The Map state: items, ItemSelector, concurrency; inline iterations and Distributed Map runs.

Inline mode writes ``MapStateStarted`` (with the number of items) and ``MapIteration*`` events,
and the first failed iteration fails the state with its own error. DISTRIBUTED mode runs each
item (or batch of items) as a child workflow whose events stay out of the parent's history,
which shows ``MapStateStarted`` (the number of items; 0 when an ItemReader reads them),
``MapRunStarted``/``MapRunSucceeded``/``MapRunFailed``. Its children cannot read the parent's variables. Failed children are counted
against ``ToleratedFailureCount`` / ``ToleratedFailurePercentage`` (0 when neither is set);
beyond them the state fails with ``States.ExceedToleratedFailureThreshold``. A failed child
within the tolerance leaves its error output (``{"Error", "Cause"}``) at its place in the result.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from abc import abstractmethod
from collections.abc import Coroutine, Sequence
from typing import Any

from sluiceway.asl import errors, query
from sluiceway.asl.control import CRASH, run_all
from sluiceway.asl.errors import StatesError
from sluiceway.asl.events import EventLog, Lane
from sluiceway.asl.intrinsic_functions import json_type
from sluiceway.asl.jsonata_eval import JsonataTemplate, QueryEvaluationError
from sluiceway.asl.map_config import ObjectStore, batches, read_items
from sluiceway.asl.model import Graph, MapState
from sluiceway.asl.paths import JsonPath
from sluiceway.asl.payload import PayloadTemplate
from sluiceway.asl.processing import read_path
from sluiceway.asl.variables import Context, Scope

THRESHOLD_CAUSE = "The specified tolerated failure threshold was exceeded"


class _Chain:
    """The event the next inline iteration links to, the last MapIterationSucceeded, and the
    last event of the iteration that failed."""

    def __init__(self, last: int) -> None:
        self.last = last
        self.succeeded = 0
        self.failed = 0


class MapStates:
    events: EventLog
    context: dict[str, Any]
    object_store: ObjectStore | None

    @abstractmethod
    async def run_graph(self, graph: Graph, data: Any, lane: Lane, scope: Scope) -> Any: ...

    @abstractmethod
    def child_runner(self) -> MapStates:
        """A runner for Distributed Map children: same execution, history of its own."""

    async def run_map(self, state: MapState, effective: Any, lane: Lane, context: Context) -> Any:
        items = self._items(state, effective, context)
        limit = self._integer(
            state.max_concurrency,
            getattr(state, "max_concurrency_path", None),
            state.max_concurrency_expr,
            effective,
            context,
            "MaxConcurrency",
        )
        if state.distributed:
            return await self._run_distributed(state, items, effective, lane, context, limit or 0)
        await self.events.emit(lane, "MapStateStarted", {"length": len(items)})
        # As AWS links them: an iteration starts after the last event of the iterations before
        # it (not their MapIterationSucceeded); MapStateSucceeded and MapStateExited follow the
        # last MapIterationSucceeded.
        chain = _Chain(lane.last_id)
        iterations = [
            self._run_iteration(state, index, item, effective, chain, context)
            for index, item in enumerate(items)
        ]
        try:
            results = await run_all(iterations, limit or 0)
        except StatesError as failure:
            # AWS: no iteration starts after one failed; MapStateFailed follows the failed
            # iteration's last event (as its MapIterationFailed does), also for the errors that
            # States.ALL does not catch (which the state's Catch handling does not see)
            lane.last_id = chain.failed or lane.last_id
            if failure.error in errors.TERMINAL_ERRORS:
                await self.events.emit(lane, "MapStateFailed")
            raise
        await self.events.emit(lane, "MapStateSucceeded", previous=chain.succeeded or lane.last_id)
        lane.last_id = chain.succeeded or lane.last_id
        return results

    # -- items -----------------------------------------------------------------------------------

    def _items(self, state: MapState, effective: Any, context: Context) -> list[Any]:
        if state.reader is not None:
            reader = state.reader
            target = self._evaluate(reader.parameters, effective, context, {})
            max_items = self._integer(
                reader.max_items, reader.max_items_path, None, effective, context, "MaxItems"
            )
            return read_items(reader, self.object_store, target, max_items or None)
        if state.jsonata:
            if state.items is None:
                items = effective
            else:
                states = query.states_binding(context, effective)
                items = query.evaluate(state.items, context, states)
                if not isinstance(items, list):
                    raise QueryEvaluationError(
                        "The JSONata expression specified for the field 'Items' must return "
                        f"an array, but got: {json_type(items)}",
                        "Items",
                    )
            if not isinstance(items, list):
                raise StatesError(
                    errors.RUNTIME,
                    f"The Map state input must be a JSON array, but got: {json_type(items)}",
                )
            return items
        items = read_path(state.items_path, effective, context)
        if not isinstance(items, list):
            raise StatesError(
                errors.RUNTIME,
                f"Invalid path '{state.items_path.source}' : The value of the field 'ItemsPath' "
                f"must be a JSON array, but got: {json_type(items)}",
            )
        return items

    def _evaluate(
        self, template: Any, effective: Any, context: Context, extra: dict[str, Any]
    ) -> Any:
        if template is None:
            return effective
        if isinstance(template, JsonataTemplate):
            return query.evaluate(template, context, query.states_binding(context, effective))
        assert isinstance(template, PayloadTemplate)
        return template.evaluate(effective, context)

    def _integer(
        self,
        fixed: Any,
        path: JsonPath | None,
        expression: JsonataTemplate | None,
        effective: Any,
        context: Context,
        field: str,
    ) -> int | None:
        """A count given as a number, a ``...Path`` or a JSONata expression (None if absent)."""
        if isinstance(fixed, JsonataTemplate):
            expression = fixed
        if expression is not None:
            states = query.states_binding(context, effective)
            return query.jsonata_integer(expression, context, states, field, 0)
        if path is not None:
            value = read_path(path, effective, context)
            if isinstance(value, str) and value.isdigit():
                value = int(value)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise StatesError(
                    errors.RUNTIME,
                    f"The value of '{field}Path' must be a non-negative integer: {value!r}",
                )
            return value
        return fixed if isinstance(fixed, int) else None

    def _item_input(
        self, state: MapState, index: int, item: Any, effective: Any, context: Context
    ) -> Any:
        if state.item_selector is None:
            return item
        item_context = context.derive(Map={"Item": {"Index": index, "Value": item}})
        if isinstance(state.item_selector, JsonataTemplate):
            states = query.states_binding(item_context, effective)
            return query.evaluate(state.item_selector, item_context, states)
        return state.item_selector.evaluate(effective, item_context)

    # -- inline ----------------------------------------------------------------------------------

    async def _run_iteration(
        self,
        state: MapState,
        index: int,
        item: Any,
        effective: Any,
        chain: _Chain,
        context: Context,
    ) -> Any:
        details = {"name": state.name, "index": index}
        lane = Lane(chain.last)
        await self.events.emit(lane, "MapIterationStarted", details)
        try:
            item_input = self._item_input(state, index, item, effective, context)
            output = await self.run_graph(
                state.processor, item_input, lane, Scope(context.variables)
            )
        except StatesError:
            chain.failed = lane.last_id
            await self.events.emit(lane, "MapIterationFailed", details)
            raise
        except asyncio.CancelledError as cancelled:
            if CRASH not in cancelled.args:
                await self.events.emit(lane, "MapIterationAborted", details)
            raise
        chain.last = lane.last_id
        succeeded = await self.events.emit(lane, "MapIterationSucceeded", details)
        chain.succeeded = succeeded.id
        return output

    # -- distributed -----------------------------------------------------------------------------

    def _child_inputs(
        self, state: MapState, items: list[Any], effective: Any, context: Context
    ) -> list[Any]:
        inputs = [
            self._item_input(state, index, item, effective, context)
            for index, item in enumerate(items)
        ]
        batcher = state.batcher
        if batcher is None:
            return inputs
        max_items = self._integer(
            batcher.max_items, batcher.max_items_path, None, effective, context, "MaxItemsPerBatch"
        )
        max_bytes = self._integer(
            batcher.max_bytes,
            batcher.max_bytes_path,
            None,
            effective,
            context,
            "MaxInputBytesPerBatch",
        )
        batch_input = None
        if batcher.batch_input is not None:
            batch_input = self._evaluate(batcher.batch_input, effective, context, {})
        result = []
        for group in batches(inputs, max_items or None, max_bytes or None):
            batch: dict[str, Any] = {"Items": group}
            if batcher.batch_input is not None:
                batch["BatchInput"] = batch_input
            result.append(batch)
        return result

    def _map_run_arn(self, state: MapState) -> str:
        machine = str(self.context.get("StateMachine", {}).get("Id", ""))
        prefix = machine.replace(":stateMachine:", ":mapRun:", 1)
        return f"{prefix}/{state.label or state.name}:{uuid.uuid4()}"

    async def _run_distributed(
        self,
        state: MapState,
        items: list[Any],
        effective: Any,
        lane: Lane,
        context: Context,
        limit: int,
    ) -> list[Any]:
        inputs = self._child_inputs(state, items, effective, context)
        tolerated_count, tolerated_percentage = self._tolerance(state, effective, context)
        length = 0 if state.reader is not None else len(items)  # as AWS records it
        await self.events.emit(lane, "MapStateStarted", {"length": length})
        await self.events.emit(lane, "MapRunStarted", {"mapRunArn": self._map_run_arn(state)})
        runner = self.child_runner()
        children = [
            runner.run_graph(state.processor, child_input, Lane(), Scope())
            for child_input in inputs
        ]
        settled = await _settle(children, limit)
        failures = sum(1 for ok, _ in settled if not ok)
        exceeded = failures > 0
        if tolerated_count is not None or tolerated_percentage is not None:
            exceeded = (tolerated_count is not None and failures > tolerated_count) or (
                tolerated_percentage is not None
                and bool(inputs)
                and failures * 100 / len(inputs) > tolerated_percentage
            )
        if exceeded:
            failure = StatesError(errors.EXCEED_TOLERATED_FAILURE_THRESHOLD, THRESHOLD_CAUSE)
            await self.events.emit(
                lane, "MapRunFailed", {"error": failure.error, "cause": failure.cause}
            )
            raise failure
        started = lane.last_id
        await self.events.emit(lane, "MapRunSucceeded")
        await self.events.emit(lane, "MapStateSucceeded")
        lane.last_id = started  # AWS: MapStateExited follows MapRunStarted
        return [value if ok else value.error_output() for ok, value in settled]

    def _tolerance(
        self, state: MapState, effective: Any, context: Context
    ) -> tuple[int | None, float | None]:
        tolerance = state.tolerated
        count = self._integer(
            tolerance.count, tolerance.count_path, None, effective, context, "ToleratedFailureCount"
        )
        percentage: Any = tolerance.percentage
        if isinstance(percentage, JsonataTemplate):
            states = query.states_binding(context, effective)
            percentage = query.evaluate(percentage, context, states)
        elif tolerance.percentage_path is not None:
            percentage = read_path(tolerance.percentage_path, effective, context)
            if isinstance(percentage, str):
                with contextlib.suppress(ValueError):
                    percentage = float(percentage)
        if percentage is not None and (
            isinstance(percentage, bool)
            or not isinstance(percentage, int | float)
            or not 0 <= percentage <= 100
        ):
            raise StatesError(
                errors.RUNTIME,
                "The value of 'ToleratedFailurePercentage' must be a number between 0 and 100: "
                f"{percentage!r}",
            )
        return count, None if percentage is None else float(percentage)


async def _settle(
    coroutines: Sequence[Coroutine[Any, Any, Any]], limit: int
) -> list[tuple[bool, Any]]:
    """Run all (at most ``limit`` at a time); ``(True, output)`` or ``(False, StatesError)``.

    Anything but a StatesError (a crash, a cancellation) propagates once all have stopped."""
    semaphore = asyncio.Semaphore(limit) if limit > 0 else None

    async def one(coroutine: Coroutine[Any, Any, Any]) -> tuple[bool, Any]:
        try:
            if semaphore is None:
                return True, await coroutine
            async with semaphore:
                return True, await coroutine
        except StatesError as failure:
            return False, failure

    outcomes = await asyncio.gather(*(one(c) for c in coroutines), return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return [outcome for outcome in outcomes if not isinstance(outcome, BaseException)]
